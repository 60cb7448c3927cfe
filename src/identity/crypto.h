// Small compositions of OpenSSL primitives used by identity: random bytes, SHA-256, HMAC-SHA256,
// constant-time comparison and unpadded base64url (RFC 4648 §5). No cryptography is implemented
// here beyond calling OpenSSL. Pure functions; thread-safe.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace signx::identity {

// `n` bytes from OpenSSL's CSPRNG (RAND_bytes). kInternal if the generator fails.
Result<std::string> RandomBytes(std::size_t n);
// Lower-case hex of `n` random bytes (2n characters). SIGNX_CHECKs the generator (a broken
// CSPRNG is not a recoverable condition for a server that mints credentials).
std::string RandomHex(std::size_t n);

// Raw 32-byte HMAC-SHA256(key, data).
std::string HmacSha256(std::string_view key, std::string_view data);

// True when `a` and `b` are equal; the time taken depends only on the lengths (CRYPTO_memcmp).
bool ConstantTimeEquals(std::string_view a, std::string_view b);

// Unpadded base64url. Decoding is strict: no padding, no whitespace, only [A-Za-z0-9_-], and the
// unused trailing bits must be zero (so every byte string has exactly one accepted encoding).
std::string Base64UrlEncode(std::string_view bytes);
std::optional<std::string> Base64UrlDecode(std::string_view text);

}  // namespace signx::identity
