// SHA-256 of a byte string as 64 lower-case hex characters (OpenSSL). The one helper for content
// hashes: migration checksums, model versions, data hashes in model cards, token and key hashes.
// Thread-safe.
#pragma once

#include <string>
#include <string_view>

namespace signx {

std::string Sha256Hex(std::string_view bytes);

}  // namespace signx
