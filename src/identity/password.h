// Password hashing with argon2id (libargon2), stored in the PHC string format
// ("$argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>"), which records its own parameters: changing
// Argon2Params affects new hashes only, and old hashes keep verifying.
// Thread-safety: PasswordHasher is immutable after construction; Hash/Verify may run concurrently.
// Both are deliberately slow (tens of milliseconds with the defaults): call them on the blocking
// pool, never on an io thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"

namespace signx::identity {

// Defaults follow the OWASP password storage cheat sheet for argon2id (19 MiB, 2 passes, 1 lane).
struct Argon2Params {
  uint32_t time_cost = 2;           // passes over memory
  uint32_t memory_kib = 19 * 1024;  // memory per hash, KiB
  uint32_t parallelism = 1;         // lanes
  uint32_t salt_bytes = 16;         // random salt length
  uint32_t hash_bytes = 32;         // output length
};

// Password rules checked before hashing (byte lengths of the UTF-8 text).
inline constexpr std::size_t kMinPasswordBytes = 8;
inline constexpr std::size_t kMaxPasswordBytes = 1024;

class PasswordHasher {
 public:
  explicit PasswordHasher(Argon2Params params = {});

  // An encoded argon2id hash with a fresh random salt. kValidationFailed (field "password") when
  // the password is shorter than kMinPasswordBytes or longer than kMaxPasswordBytes; kInternal if
  // argon2 fails (e.g. out of memory).
  Result<std::string> Hash(std::string_view password) const;

  // True when `password` matches `encoded`; false for a wrong password and for an encoded string
  // that is not a well-formed argon2id hash (never an error a caller could leak).
  bool Verify(std::string_view encoded, std::string_view password) const;

  // Runs one hash of the same cost and discards it, so a login for an unknown account takes as
  // long as one for a known account (no user enumeration through timing).
  void BurnEquivalentTime(std::string_view password) const;

  const Argon2Params& params() const { return params_; }

 private:
  Argon2Params params_;
  std::string dummy_hash_;  // a hash of a random password with params_
};

}  // namespace signx::identity
