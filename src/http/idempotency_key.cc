#include "http/idempotency_key.h"

#include <fmt/format.h>

namespace signx::http {

Result<std::optional<std::string>> IdempotencyKeyOf(const Request& req) {
  auto key = req.Header("Idempotency-Key");
  if (!key || key->empty()) return std::optional<std::string>();
  if (key->size() > kMaxIdempotencyKeyBytes) {
    return ValidationFailed({{"Idempotency-Key",
                              fmt::format("must be at most {} bytes", kMaxIdempotencyKeyBytes)}});
  }
  for (char c : *key) {
    if (c < 0x21 || c > 0x7e) {
      return ValidationFailed({{"Idempotency-Key", "must be printable ASCII without spaces"}});
    }
  }
  return std::optional<std::string>(std::string(*key));
}

}  // namespace signx::http
