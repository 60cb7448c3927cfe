// API key format and hashing. A key is "sx_<prefix>_<secret>": `prefix` is 12 lower-case hex
// characters (6 random bytes) that identify the key and may appear in listings and logs; `secret`
// is 64 lower-case hex characters (32 random bytes from OpenSSL RAND_bytes). Only the prefix and
// SHA-256 of the secret are stored; the whole key is shown once, when it is created. The secret
// has 256 bits of entropy, so a plain (unsalted) SHA-256 is sufficient, and lets a lookup by
// prefix be followed by one constant-time comparison.
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace signx::identity {

inline constexpr std::size_t kApiKeyPrefixChars = 12;
inline constexpr std::size_t kApiKeySecretChars = 64;

struct GeneratedApiKey {
  std::string key;            // "sx_<prefix>_<secret>": give to the caller once, never store
  std::string prefix;         // store and index
  std::string secret_sha256;  // store: lower-case hex SHA-256 of the secret
};

GeneratedApiKey GenerateApiKey();

struct ParsedApiKey {
  std::string prefix;
  std::string secret;
};

// Splits a presented key; nullopt unless it is exactly the format above.
std::optional<ParsedApiKey> ParseApiKey(std::string_view key);

// Lower-case hex SHA-256 of a secret.
std::string ApiKeySecretHash(std::string_view secret);

// True when SHA-256(secret) equals `stored_sha256_hex`, compared in constant time.
bool ApiKeySecretMatches(std::string_view secret, std::string_view stored_sha256_hex);

}  // namespace signx::identity
