#include "identity/password.h"

#include <argon2.h>

#include <string>

#include "base/check.h"
#include "identity/crypto.h"

namespace signx::identity {
namespace {

Result<std::string> HashRaw(const Argon2Params& p, std::string_view password) {
  SIGNX_ASSIGN_OR_RETURN(const std::string salt, RandomBytes(p.salt_bytes));
  const std::size_t len = argon2_encodedlen(p.time_cost, p.memory_kib, p.parallelism, p.salt_bytes,
                                            p.hash_bytes, Argon2_id);
  std::string encoded(len, '\0');
  const int rc = argon2id_hash_encoded(p.time_cost, p.memory_kib, p.parallelism, password.data(),
                                       password.size(), salt.data(), salt.size(), p.hash_bytes,
                                       encoded.data(), encoded.size());
  if (rc != ARGON2_OK) {
    return Internal(std::string("argon2id hashing failed: ") + argon2_error_message(rc));
  }
  encoded.resize(std::char_traits<char>::length(encoded.c_str()));
  return encoded;
}

}  // namespace

PasswordHasher::PasswordHasher(Argon2Params params) : params_(params) {
  auto dummy = HashRaw(params_, RandomHex(16));
  SIGNX_CHECK(dummy.ok(), "argon2id parameters are unusable: " + dummy.status().ToString());
  dummy_hash_ = std::move(*dummy);
}

Result<std::string> PasswordHasher::Hash(std::string_view password) const {
  if (password.size() < kMinPasswordBytes) {
    return ValidationFailed(
        {{"password", "must be at least " + std::to_string(kMinPasswordBytes) + " characters"}});
  }
  if (password.size() > kMaxPasswordBytes) {
    return ValidationFailed(
        {{"password", "must be at most " + std::to_string(kMaxPasswordBytes) + " bytes"}});
  }
  return HashRaw(params_, password);
}

bool PasswordHasher::Verify(std::string_view encoded, std::string_view password) const {
  if (encoded.rfind("$argon2id$", 0) != 0 || password.size() > kMaxPasswordBytes) return false;
  const std::string enc(encoded);  // argon2 needs a NUL-terminated string
  return argon2id_verify(enc.c_str(), password.data(), password.size()) == ARGON2_OK;
}

void PasswordHasher::BurnEquivalentTime(std::string_view password) const {
  (void)Verify(dummy_hash_, password);
}

}  // namespace signx::identity
