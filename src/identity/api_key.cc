#include "identity/api_key.h"
#include "base/sha256.h"

#include "identity/crypto.h"

namespace signx::identity {
namespace {

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

}  // namespace

GeneratedApiKey GenerateApiKey() {
  GeneratedApiKey k;
  k.prefix = RandomHex(kApiKeyPrefixChars / 2);
  const std::string secret = RandomHex(kApiKeySecretChars / 2);
  k.key = "sx_" + k.prefix + "_" + secret;
  k.secret_sha256 = ApiKeySecretHash(secret);
  return k;
}

std::optional<ParsedApiKey> ParseApiKey(std::string_view key) {
  constexpr std::size_t kLen = 3 + kApiKeyPrefixChars + 1 + kApiKeySecretChars;
  if (key.size() != kLen || key.substr(0, 3) != "sx_" || key[3 + kApiKeyPrefixChars] != '_') {
    return std::nullopt;
  }
  ParsedApiKey p{std::string(key.substr(3, kApiKeyPrefixChars)),
                 std::string(key.substr(4 + kApiKeyPrefixChars))};
  if (!IsLowerHex(p.prefix) || !IsLowerHex(p.secret)) return std::nullopt;
  return p;
}

std::string ApiKeySecretHash(std::string_view secret) { return Sha256Hex(secret); }

bool ApiKeySecretMatches(std::string_view secret, std::string_view stored_sha256_hex) {
  return ConstantTimeEquals(ApiKeySecretHash(secret), stored_sha256_hex);
}

}  // namespace signx::identity
