#include "identity/jwt.h"

#include <boost/json/object.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>

#include "base/check.h"
#include "identity/crypto.h"

namespace signx::identity {
namespace json = boost::json;
namespace {

constexpr std::size_t kMaxTokenBytes = 8192;

Status Unauth(std::string why) {
  return Status(ErrorCode::kUnauthenticated, "invalid access token: " + std::move(why));
}

bool ValidKid(std::string_view kid) {
  if (kid.empty() || kid.size() > 64) return false;
  for (char c : kid) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::optional<json::object> ParseObject(std::string_view text) {
  json::parse_options opt;
  opt.max_depth = 8;
  json::parser parser({}, opt);
  boost::system::error_code ec;
  parser.write(text.data(), text.size(), ec);
  if (ec) return std::nullopt;
  json::value v = parser.release();
  if (!v.is_object()) return std::nullopt;
  return std::move(v.get_object());
}

std::optional<std::string> StringClaim(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr || !v->is_string()) return std::nullopt;
  return std::string(v->get_string());
}

std::optional<int64_t> IntClaim(const json::object& o, std::string_view name) {
  const json::value* v = o.if_contains(name);
  if (v == nullptr) return std::nullopt;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64() && v->get_uint64() <= static_cast<uint64_t>(INT64_MAX)) {
    return static_cast<int64_t>(v->get_uint64());
  }
  return std::nullopt;
}

// 9999-12-31T23:59:59Z: later (or negative) times are refused, so no claim can overflow a
// Timestamp or the leeway arithmetic.
constexpr int64_t kMaxClaimSeconds = 253'402'300'799;

bool InClaimRange(int64_t t) { return t >= 0 && t <= kMaxClaimSeconds; }

int64_t SaturatingAdd(int64_t a, int64_t b) {
  int64_t out = 0;
  if (__builtin_add_overflow(a, b, &out)) return b > 0 ? INT64_MAX : INT64_MIN;
  return out;
}

int64_t Seconds(Timestamp t) {
  return std::chrono::duration_cast<std::chrono::seconds>(t.time_since_epoch()).count();
}

}  // namespace

Result<JwtKeyRing> JwtKeyRing::Create(std::vector<JwtKey> keys, std::string active_kid) {
  if (keys.empty()) return InvalidArgument("the JWT key ring needs at least one key");
  JwtKeyRing ring;
  bool found = false;
  for (std::size_t i = 0; i < keys.size(); ++i) {
    const JwtKey& k = keys[i];
    if (!ValidKid(k.kid)) {
      return InvalidArgument("JWT key id '" + k.kid +
                             "' must be 1-64 characters of [A-Za-z0-9._-]");
    }
    if (k.secret.size() < 32) {
      return InvalidArgument("JWT key '" + k.kid + "' must have at least 32 bytes of secret");
    }
    for (std::size_t j = 0; j < i; ++j) {
      if (keys[j].kid == k.kid) return InvalidArgument("JWT key id '" + k.kid + "' is repeated");
    }
    if (k.kid == active_kid) {
      ring.active_ = i;
      found = true;
    }
  }
  if (!found) return InvalidArgument("the active JWT key '" + active_kid + "' is not in the ring");
  ring.keys_ = std::move(keys);
  return ring;
}

JwtKeyRing JwtKeyRing::Ephemeral() {
  auto secret = RandomBytes(32);
  SIGNX_CHECK(secret.ok(), "RAND_bytes failed");
  JwtKeyRing ring;
  ring.keys_.push_back({"ephemeral-" + RandomHex(4), std::move(*secret)});
  return ring;
}

const JwtKey& JwtKeyRing::active() const { return keys_[active_]; }

const JwtKey* JwtKeyRing::Find(std::string_view kid) const {
  for (const auto& k : keys_) {
    if (k.kid == kid) return &k;
  }
  return nullptr;
}

std::string SignAccessToken(const AccessClaims& claims, const JwtKeyRing& ring,
                            const JwtOptions& options) {
  const JwtKey& key = ring.active();
  const json::object header{{"alg", "HS256"}, {"typ", "JWT"}, {"kid", key.kid}};
  const json::object payload{{"iss", options.issuer},
                             {"aud", options.audience},
                             {"sub", claims.subject},
                             {"org", claims.org_id},
                             {"role", claims.role},
                             {"jti", claims.token_id},
                             {"iat", Seconds(claims.issued_at)},
                             {"exp", Seconds(claims.expires_at)}};
  std::string signing_input =
      Base64UrlEncode(json::serialize(header)) + "." + Base64UrlEncode(json::serialize(payload));
  const std::string sig = HmacSha256(key.secret, signing_input);
  return signing_input + "." + Base64UrlEncode(sig);
}

Result<AccessClaims> VerifyAccessToken(std::string_view token, const JwtKeyRing& ring,
                                       Timestamp now, const JwtOptions& options) {
  if (token.empty() || token.size() > kMaxTokenBytes) return Unauth("malformed");
  const std::size_t dot1 = token.find('.');
  if (dot1 == std::string_view::npos) return Unauth("malformed");
  const std::size_t dot2 = token.find('.', dot1 + 1);
  if (dot2 == std::string_view::npos || token.find('.', dot2 + 1) != std::string_view::npos) {
    return Unauth("malformed");
  }
  const std::string_view header_b64 = token.substr(0, dot1);
  const std::string_view payload_b64 = token.substr(dot1 + 1, dot2 - dot1 - 1);
  const std::string_view sig_b64 = token.substr(dot2 + 1);

  const auto header_text = Base64UrlDecode(header_b64);
  if (!header_text) return Unauth("malformed header");
  const auto header = ParseObject(*header_text);
  if (!header) return Unauth("malformed header");
  const auto alg = StringClaim(*header, "alg");
  if (!alg || *alg != "HS256") return Unauth("unsupported alg");
  const auto kid = StringClaim(*header, "kid");
  if (!kid) return Unauth("missing kid");
  const JwtKey* key = ring.Find(*kid);
  if (key == nullptr) return Unauth("unknown kid");

  const auto sig = Base64UrlDecode(sig_b64);
  if (!sig) return Unauth("malformed signature");
  const std::string expected =
      HmacSha256(key->secret, token.substr(0, dot2));  // "<header>.<payload>"
  if (!ConstantTimeEquals(*sig, expected)) return Unauth("bad signature");

  const auto payload_text = Base64UrlDecode(payload_b64);
  if (!payload_text) return Unauth("malformed payload");
  const auto payload = ParseObject(*payload_text);
  if (!payload) return Unauth("malformed payload");

  if (StringClaim(*payload, "iss") != options.issuer) return Unauth("wrong issuer");
  if (StringClaim(*payload, "aud") != options.audience) return Unauth("wrong audience");
  const auto exp = IntClaim(*payload, "exp");
  const auto iat = IntClaim(*payload, "iat");
  if (!exp || !iat) return Unauth("missing exp or iat");
  if (!InClaimRange(*exp) || !InClaimRange(*iat)) return Unauth("exp or iat out of range");
  const auto nbf = IntClaim(*payload, "nbf");
  if (payload->contains("nbf") && (!nbf || !InClaimRange(*nbf))) return Unauth("malformed nbf");
  const int64_t now_s = Seconds(now);
  const int64_t leeway = options.leeway.count();
  if (now_s >= SaturatingAdd(*exp, leeway)) return Unauth("expired");
  if (*iat > SaturatingAdd(now_s, leeway)) return Unauth("issued in the future");
  if (nbf && *nbf > SaturatingAdd(now_s, leeway)) return Unauth("not yet valid (nbf)");

  AccessClaims c;
  auto sub = StringClaim(*payload, "sub");
  auto org = StringClaim(*payload, "org");
  auto role = StringClaim(*payload, "role");
  auto jti = StringClaim(*payload, "jti");
  if (!sub || !org || !role || !jti || sub->empty() || org->empty()) {
    return Unauth("missing claims");
  }
  c.subject = std::move(*sub);
  c.org_id = std::move(*org);
  c.role = std::move(*role);
  c.token_id = std::move(*jti);
  c.issued_at = Timestamp(std::chrono::seconds(*iat));
  c.expires_at = Timestamp(std::chrono::seconds(*exp));
  return c;
}

}  // namespace signx::identity
