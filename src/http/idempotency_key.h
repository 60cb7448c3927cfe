// The Idempotency-Key request header of a create operation (POST). The storage side — finding
// and recording the resource a key created — is storage/idempotency.h.
// Thread-safety: pure function.
#pragma once

#include <cstddef>
#include <optional>
#include <string>

#include "base/status.h"
#include "http/request.h"

namespace signx::http {

inline constexpr std::size_t kMaxIdempotencyKeyBytes = 200;

// nullopt when the header is absent or empty; kValidationFailed naming "Idempotency-Key" when it
// is longer than kMaxIdempotencyKeyBytes or holds anything but printable ASCII (never truncated:
// two different long keys must not become the same key).
Result<std::optional<std::string>> IdempotencyKeyOf(const Request& req);

}  // namespace signx::http
