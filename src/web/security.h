// Browser-facing security helpers of the web UI: cookies, CSRF tokens and signed cookie values.
//
// CSRF (signed double-submit): every browser gets a random `signx_csrf` cookie (HttpOnly,
// SameSite=Lax). Forms carry `csrf_token` = HMAC-SHA256(secret, "csrf|" + cookie + "|" + binding),
// where binding is the signed-in user's id ("" before login), and htmx requests send the same value
// in `X-CSRF-Token`. Every unsafe method (anything but GET/HEAD/OPTIONS) must present a token that
// matches its cookie; a cookie planted by another site cannot be paired with a valid token without
// the secret, and a token minted for one user is useless in another user's session.
//
// Signed values (flash messages) are "<hex(value)>.<hex(HMAC(secret, purpose|value))>" so a
// client cannot forge what the server shows as its own message.
// Thread-safety: Signer is immutable after construction; the functions are pure.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>

namespace signx::web {

inline constexpr std::string_view kSessionCookie = "signx_session";
inline constexpr std::string_view kCsrfCookie = "signx_csrf";
inline constexpr std::string_view kFlashCookie = "signx_flash";
inline constexpr std::string_view kCsrfField = "csrf_token";
inline constexpr std::string_view kCsrfHeader = "X-CSRF-Token";

class Signer {
 public:
  // `secret` keys every MAC; an empty secret means a random per-process key (tokens and flash
  // cookies then do not survive a restart or work across replicas).
  explicit Signer(std::string secret);

  // A fresh random CSRF cookie value (64 hex characters).
  static std::string NewCsrfCookie();
  // The CSRF token for a cookie value and binding (user id or "").
  std::string CsrfToken(std::string_view cookie, std::string_view binding) const;
  // True when `token` is the CSRF token for `cookie` and `binding`; false for an empty cookie or
  // token. Constant-time in the token's content.
  bool VerifyCsrf(std::string_view cookie, std::string_view binding, std::string_view token) const;

  // `value` signed for `purpose`.
  std::string Sign(std::string_view purpose, std::string_view value) const;
  // The value if `signed_value` was produced by Sign with the same purpose and secret.
  std::optional<std::string> Verify(std::string_view purpose, std::string_view signed_value) const;

 private:
  std::string Mac(std::string_view purpose, std::string_view data) const;
  std::string key_;
};

// Cookie name → value from a Cookie request header ("a=1; b=2"); the first occurrence of a name
// wins; malformed pairs are skipped.
std::map<std::string, std::string, std::less<>> ParseCookies(std::string_view header);

struct CookieOptions {
  bool http_only = true;
  bool secure = false;
  std::string same_site = "Lax";
  std::optional<int64_t> max_age_seconds;  // nullopt = until the browser closes; 0 = delete
  std::string path = "/";
};

// The Set-Cookie header value. `value` must already be cookie-safe (no ; , whitespace or quotes).
std::string SetCookie(std::string_view name, std::string_view value, const CookieOptions& options);

}  // namespace signx::web
