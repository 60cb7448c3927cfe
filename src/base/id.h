// Identifiers: a short type prefix plus a ULID, e.g. "prj_01JD4Y3S8Q6W2V0N5F7K9M1B3C".
// ULIDs are 48-bit millisecond time + 80 random bits in Crockford base32, so ids sort by creation
// time. Within one process and millisecond, ids are strictly increasing (monotonic ULID).
// Thread-safe. Ids are not secrets: use crypto random for tokens.
#pragma once

#include <string>
#include <string_view>

#include "base/clock.h"

namespace signx {

// A new id "<prefix>_<ulid>". `prefix` is lower-case letters, at most 8 characters.
std::string NewId(std::string_view prefix, const Clock& clock = SystemClock::Get());

// True if `id` is "<prefix>_" followed by a well-formed 26-character ULID.
bool IsValidId(std::string_view id, std::string_view prefix);

}  // namespace signx
