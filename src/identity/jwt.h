// JSON Web Tokens (RFC 7519) signed with HS256, for short-lived access tokens.
//
// Keys live in a JwtKeyRing: every token carries the `kid` of the key that signed it, new tokens
// are signed with the active key, and any key still in the ring verifies. Rotation: add a new key,
// make it active, and drop the old one after the access-token lifetime has passed.
//
// Verification is strict, in this order: exactly three base64url parts; a JSON header whose `alg`
// is exactly "HS256" (so "none", "HS512", "RS256", ... are rejected before any key is used) and
// whose `kid` names a key in the ring; an HMAC-SHA256 signature compared in constant time; then the
// claims: `iss` and `aud` match, `exp` is in the future, `iat` and (when present) `nbf` not in the
// future (all within the leeway, compared without overflow; times before 1970 or after 9999 are
// refused), and `sub`, `org`, `role`, `jti` are present strings. Every failure is
// kUnauthenticated with a short reason that reveals nothing secret.
// Thread-safety: JwtKeyRing is immutable after Create; the functions are pure.
#pragma once

#include <chrono>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace signx::identity {

struct JwtKey {
  std::string kid;     // key id: 1-64 characters of [A-Za-z0-9._-]
  std::string secret;  // raw key bytes, at least 32
};

class JwtKeyRing {
 public:
  // kInvalidArgument when `keys` is empty, a kid is malformed or repeated, a secret is shorter
  // than 32 bytes, or `active_kid` is not one of the keys.
  static Result<JwtKeyRing> Create(std::vector<JwtKey> keys, std::string active_kid);
  // A ring with one random key, for a single process with no configured keys (tokens do not
  // survive a restart and are not accepted by other replicas).
  static JwtKeyRing Ephemeral();

  const JwtKey& active() const;
  // The key named `kid`, or nullptr.
  const JwtKey* Find(std::string_view kid) const;

 private:
  JwtKeyRing() = default;
  std::vector<JwtKey> keys_;
  std::size_t active_ = 0;
};

struct JwtOptions {
  std::string issuer = "signx";
  std::string audience = "signx-api";
  std::chrono::seconds leeway{30};  // allowed clock skew for exp, iat and nbf
};

// The claims of an access token.
struct AccessClaims {
  std::string subject;   // sub: usr_...
  std::string org_id;    // org: the tenant the token acts in
  std::string role;      // role: a role name from roles.h
  std::string token_id;  // jti: random, for logs and future deny lists
  Timestamp issued_at;   // iat (whole seconds)
  Timestamp expires_at;  // exp (whole seconds)
};

// Signs `claims` with the ring's active key: "<header>.<payload>.<signature>".
std::string SignAccessToken(const AccessClaims& claims, const JwtKeyRing& ring,
                            const JwtOptions& options = {});

// Verifies `token` as described above at time `now`.
Result<AccessClaims> VerifyAccessToken(std::string_view token, const JwtKeyRing& ring,
                                       Timestamp now, const JwtOptions& options = {});

}  // namespace signx::identity
