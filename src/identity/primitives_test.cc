// Unit tests for the identity primitives: base64url, argon2id, HS256 JWTs (including the usual
// attacks), API key format and the role table.
#include <gtest/gtest.h>

#include <boost/json/object.hpp>
#include <boost/json/serialize.hpp>

#include "base/sha256.h"
#include "identity/api_key.h"
#include "identity/client_address.h"
#include "identity/crypto.h"
#include "identity/jwt.h"
#include "identity/password.h"
#include "identity/roles.h"

namespace signx::identity {
namespace {

namespace json = boost::json;

TEST(CryptoTest, Base64UrlRoundTripsAndIsStrict) {
  for (std::string s : {"", "f", "fo", "foo", "foob", "fooba", "foobar", "\xff\xfe\x00"}) {
    auto d = Base64UrlDecode(Base64UrlEncode(s));
    ASSERT_TRUE(d.has_value());
    EXPECT_EQ(*d, s);
  }
  EXPECT_EQ(Base64UrlEncode("\xfb\xff"), "-_8");
  EXPECT_FALSE(Base64UrlDecode("Zm9v=").has_value());  // padding
  EXPECT_FALSE(Base64UrlDecode("Zm+v").has_value());   // standard alphabet
  EXPECT_FALSE(Base64UrlDecode("Zm9 v").has_value());  // whitespace
  EXPECT_FALSE(Base64UrlDecode("Z").has_value());      // impossible length
  EXPECT_FALSE(Base64UrlDecode("Zh").has_value());     // non-zero trailing bits
}

TEST(CryptoTest, HmacMatchesRfc4231Case2) {
  EXPECT_EQ(Sha256Hex(""), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  const std::string mac = HmacSha256("Jefe", "what do ya want for nothing?");
  EXPECT_EQ(Base64UrlEncode(mac),
            Base64UrlEncode(std::string("\x5b\xdc\xc1\x46\xbf\x60\x75\x4e\x6a\x04\x24\x26\x08\x95"
                                        "\x75\xc7\x5a\x00\x3f\x08\x9d\x27\x39"
                                        "\x83\x9d\xec\x58\xb9\x64\xec\x38\x43",
                                        32)));
  EXPECT_TRUE(ConstantTimeEquals("abc", "abc"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abd"));
  EXPECT_FALSE(ConstantTimeEquals("abc", "abcd"));
}

Argon2Params FastParams() { return {.time_cost = 1, .memory_kib = 1024, .parallelism = 1}; }

TEST(PasswordTest, HashesWithArgon2idAndVerifies) {
  PasswordHasher h(FastParams());
  auto hash = h.Hash("correct horse battery");
  ASSERT_TRUE(hash.ok()) << hash.status().ToString();
  EXPECT_EQ(hash->rfind("$argon2id$v=19$m=1024,t=1,p=1$", 0), 0u) << *hash;
  EXPECT_TRUE(h.Verify(*hash, "correct horse battery"));
  EXPECT_FALSE(h.Verify(*hash, "correct horse battery!"));
  EXPECT_FALSE(h.Verify(*hash, ""));
  // Same password, different salt.
  EXPECT_NE(*h.Hash("correct horse battery"), *hash);
  // A hash made with other parameters still verifies (parameters live in the string).
  PasswordHasher stronger({.time_cost = 2, .memory_kib = 2048, .parallelism = 1});
  EXPECT_TRUE(stronger.Verify(*hash, "correct horse battery"));
}

TEST(PasswordTest, RejectsBadInputWithoutErrors) {
  PasswordHasher h(FastParams());
  EXPECT_EQ(h.Hash("short").status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(h.Hash(std::string(kMaxPasswordBytes + 1, 'a')).status().code(),
            ErrorCode::kValidationFailed);
  EXPECT_FALSE(h.Verify("not a hash", "whatever1"));
  EXPECT_FALSE(h.Verify("$argon2i$v=19$m=1024,t=1,p=1$c2FsdHNhbHQ$aGFzaA", "whatever1"));
  EXPECT_FALSE(h.Verify("$argon2id$garbage", "whatever1"));
  h.BurnEquivalentTime("whatever1");
}

class JwtTest : public ::testing::Test {
 protected:
  JwtTest()
      : ring_(JwtKeyRing::Create({{"k1", std::string(32, 'a')}, {"k2", std::string(40, 'b')}}, "k2")
                  .value()) {
    claims_.subject = "usr_1";
    claims_.org_id = "org_1";
    claims_.role = "org_admin";
    claims_.token_id = "jti1";
    claims_.issued_at = now_;
    claims_.expires_at = now_ + std::chrono::minutes(15);
  }

  // Builds a token from raw parts signed with `secret` (empty = no signature).
  static std::string Forge(const json::object& header, const json::object& payload,
                           const std::string& secret) {
    std::string input =
        Base64UrlEncode(json::serialize(header)) + "." + Base64UrlEncode(json::serialize(payload));
    return input + "." + (secret.empty() ? "" : Base64UrlEncode(HmacSha256(secret, input)));
  }
  json::object Payload() const {
    const int64_t now_s =
        std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
    return {{"iss", "signx"},      {"aud", "signx-api"}, {"sub", "usr_1"}, {"org", "org_1"},
            {"role", "org_admin"}, {"jti", "x"},         {"iat", now_s},   {"exp", now_s + 900}};
  }
  ErrorCode VerifyCode(const std::string& token) const {
    return VerifyAccessToken(token, ring_, now_).status().code();
  }

  Timestamp now_ = Timestamp(std::chrono::seconds(1'767'225'600));
  JwtKeyRing ring_;
  AccessClaims claims_;
};

TEST_F(JwtTest, SignsWithActiveKidAndVerifies) {
  const std::string token = SignAccessToken(claims_, ring_);
  auto header = Base64UrlDecode(token.substr(0, token.find('.')));
  ASSERT_TRUE(header.has_value());
  EXPECT_NE(header->find(R"("kid":"k2")"), std::string::npos) << *header;
  EXPECT_NE(header->find(R"("alg":"HS256")"), std::string::npos);
  auto c = VerifyAccessToken(token, ring_, now_);
  ASSERT_TRUE(c.ok()) << c.status().ToString();
  EXPECT_EQ(c->subject, "usr_1");
  EXPECT_EQ(c->org_id, "org_1");
  EXPECT_EQ(c->role, "org_admin");
  EXPECT_EQ(c->expires_at, claims_.expires_at);
}

TEST_F(JwtTest, RotatedKeyStillVerifiesWhileInTheRing) {
  const std::string forged =
      Forge({{"alg", "HS256"}, {"kid", "k1"}}, Payload(), std::string(32, 'a'));
  EXPECT_TRUE(VerifyAccessToken(forged, ring_, now_).ok());
  auto only_k2 = JwtKeyRing::Create({{"k2", std::string(40, 'b')}}, "k2").value();
  EXPECT_EQ(VerifyAccessToken(forged, only_k2, now_).status().code(), ErrorCode::kUnauthenticated);
}

TEST_F(JwtTest, RejectsAlgNone) {
  EXPECT_EQ(VerifyCode(Forge({{"alg", "none"}, {"kid", "k2"}}, Payload(), "")),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyCode(Forge({{"alg", "None"}, {"kid", "k2"}}, Payload(), std::string(40, 'b'))),
            ErrorCode::kUnauthenticated);
}

TEST_F(JwtTest, RejectsWrongAlg) {
  for (const char* alg : {"HS512", "HS384", "RS256", "ES256", "EdDSA", "hs256"}) {
    EXPECT_EQ(VerifyCode(Forge({{"alg", alg}, {"kid", "k2"}}, Payload(), std::string(40, 'b'))),
              ErrorCode::kUnauthenticated)
        << alg;
  }
  json::object no_alg{{"kid", "k2"}};
  EXPECT_EQ(VerifyCode(Forge(no_alg, Payload(), std::string(40, 'b'))),
            ErrorCode::kUnauthenticated);
}

TEST_F(JwtTest, RejectsWrongKey) {
  EXPECT_EQ(VerifyCode(Forge({{"alg", "HS256"}, {"kid", "k2"}}, Payload(), std::string(40, 'c'))),
            ErrorCode::kUnauthenticated);
  // Signed with k1's secret but claims k2.
  EXPECT_EQ(VerifyCode(Forge({{"alg", "HS256"}, {"kid", "k2"}}, Payload(), std::string(32, 'a'))),
            ErrorCode::kUnauthenticated);
}

TEST_F(JwtTest, RejectsUnknownOrMissingKid) {
  EXPECT_EQ(VerifyCode(Forge({{"alg", "HS256"}, {"kid", "k9"}}, Payload(), std::string(40, 'b'))),
            ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyCode(Forge({{"alg", "HS256"}}, Payload(), std::string(40, 'b'))),
            ErrorCode::kUnauthenticated);
}

TEST_F(JwtTest, RejectsExpiredAndFutureTokens) {
  const std::string token = SignAccessToken(claims_, ring_);
  EXPECT_TRUE(VerifyAccessToken(token, ring_, now_ + std::chrono::minutes(15)).ok());  // leeway
  auto late = VerifyAccessToken(token, ring_, now_ + std::chrono::minutes(16));
  EXPECT_EQ(late.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(late.status().message().find("expired"), std::string_view::npos);
  EXPECT_EQ(VerifyAccessToken(token, ring_, now_ - std::chrono::minutes(5)).status().code(),
            ErrorCode::kUnauthenticated);
  json::object no_exp = Payload();
  no_exp.erase("exp");
  EXPECT_EQ(VerifyCode(Forge({{"alg", "HS256"}, {"kid", "k2"}}, no_exp, std::string(40, 'b'))),
            ErrorCode::kUnauthenticated);
}

// Issue 19: `exp + leeway` was signed overflow, and `nbf` was documented but not checked.
TEST_F(JwtTest, TimeClaimsAreCheckedWithoutOverflow) {
  const std::string secret(40, 'b');
  const json::object header{{"alg", "HS256"}, {"kid", "k2"}};
  json::object far = Payload();
  far["exp"] = INT64_MAX - 10;
  auto refused = VerifyAccessToken(Forge(header, far, secret), ring_, now_);
  EXPECT_EQ(refused.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(refused.status().message().find("out of range"), std::string_view::npos)
      << refused.status().message();
  // A huge leeway saturates instead of wrapping: a valid token still verifies.
  const JwtOptions lenient{.leeway = std::chrono::seconds(INT64_MAX)};
  EXPECT_TRUE(VerifyAccessToken(SignAccessToken(claims_, ring_), ring_, now_, lenient).ok());

  const int64_t now_s =
      std::chrono::duration_cast<std::chrono::seconds>(now_.time_since_epoch()).count();
  json::object later = Payload();
  later["nbf"] = now_s + 120;
  auto early = VerifyAccessToken(Forge(header, later, secret), ring_, now_);
  EXPECT_EQ(early.status().code(), ErrorCode::kUnauthenticated);
  EXPECT_NE(early.status().message().find("nbf"), std::string_view::npos);
  EXPECT_TRUE(
      VerifyAccessToken(Forge(header, later, secret), ring_, now_ + std::chrono::minutes(2)).ok());
  later["nbf"] = now_s + 10;  // within the leeway
  EXPECT_TRUE(VerifyAccessToken(Forge(header, later, secret), ring_, now_).ok());
  later["nbf"] = "soon";
  EXPECT_EQ(VerifyCode(Forge(header, later, secret)), ErrorCode::kUnauthenticated);
}

TEST_F(JwtTest, RejectsTamperedTokens) {
  const std::string token = SignAccessToken(claims_, ring_);
  const std::size_t d1 = token.find('.');
  const std::size_t d2 = token.rfind('.');
  // Payload swapped for one claiming super_admin, original signature kept.
  json::object p = Payload();
  p["role"] = "super_admin";
  const std::string tampered =
      token.substr(0, d1 + 1) + Base64UrlEncode(json::serialize(p)) + token.substr(d2);
  EXPECT_EQ(VerifyCode(tampered), ErrorCode::kUnauthenticated);
  // A flipped signature character, a truncated signature, extra parts, garbage.
  std::string flipped = token;
  flipped.back() = flipped.back() == 'A' ? 'B' : 'A';
  EXPECT_EQ(VerifyCode(flipped), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyCode(token.substr(0, token.size() - 4)), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyCode(token + ".x"), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyCode(token.substr(0, d2)), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyCode(""), ErrorCode::kUnauthenticated);
  EXPECT_EQ(VerifyCode("a.b.c"), ErrorCode::kUnauthenticated);
  // Wrong issuer or audience, even when correctly signed.
  json::object wrong_iss = Payload();
  wrong_iss["iss"] = "someone-else";
  EXPECT_EQ(VerifyCode(Forge({{"alg", "HS256"}, {"kid", "k2"}}, wrong_iss, std::string(40, 'b'))),
            ErrorCode::kUnauthenticated);
  json::object wrong_aud = Payload();
  wrong_aud["aud"] = "other";
  EXPECT_EQ(VerifyCode(Forge({{"alg", "HS256"}, {"kid", "k2"}}, wrong_aud, std::string(40, 'b'))),
            ErrorCode::kUnauthenticated);
}

TEST(JwtKeyRingTest, ValidatesKeys) {
  EXPECT_FALSE(JwtKeyRing::Create({}, "k").ok());
  EXPECT_FALSE(JwtKeyRing::Create({{"k", "short"}}, "k").ok());
  EXPECT_FALSE(JwtKeyRing::Create({{"k", std::string(32, 'x')}}, "other").ok());
  EXPECT_FALSE(
      JwtKeyRing::Create({{"k", std::string(32, 'x')}, {"k", std::string(32, 'y')}}, "k").ok());
  EXPECT_FALSE(JwtKeyRing::Create({{"bad kid", std::string(32, 'x')}}, "bad kid").ok());
  const JwtKeyRing e = JwtKeyRing::Ephemeral();
  EXPECT_EQ(e.active().secret.size(), 32u);
}

TEST(ApiKeyTest, FormatParseAndHash) {
  const GeneratedApiKey k = GenerateApiKey();
  EXPECT_EQ(k.key.size(), 3 + kApiKeyPrefixChars + 1 + kApiKeySecretChars);
  EXPECT_EQ(k.key.rfind("sx_" + k.prefix + "_", 0), 0u);
  auto p = ParseApiKey(k.key);
  ASSERT_TRUE(p.has_value());
  EXPECT_EQ(p->prefix, k.prefix);
  EXPECT_TRUE(ApiKeySecretMatches(p->secret, k.secret_sha256));
  EXPECT_EQ(k.key.find(k.secret_sha256), std::string::npos);
  std::string wrong = p->secret;
  wrong[0] = wrong[0] == '0' ? '1' : '0';
  EXPECT_FALSE(ApiKeySecretMatches(wrong, k.secret_sha256));
  EXPECT_NE(GenerateApiKey().key, k.key);

  EXPECT_FALSE(ParseApiKey("").has_value());
  EXPECT_FALSE(ParseApiKey("sx_abc_def").has_value());
  EXPECT_FALSE(ParseApiKey("xx" + k.key.substr(2)).has_value());
  std::string upper = k.key;
  upper[5] = 'G';
  EXPECT_FALSE(ParseApiKey(upper).has_value());
}

TEST(RolesTest, TableIsConsistent) {
  for (Role r : AllRoles()) {
    EXPECT_EQ(ParseRole(RoleName(r)), r);
    for (const auto& p : PermissionsFor(r)) {
      EXPECT_TRUE(p == "*" || IsKnownPermission(p)) << RoleName(r) << " " << p;
    }
  }
  EXPECT_FALSE(ParseRole("admin").has_value());
  const auto perms = AllPermissions();
  EXPECT_TRUE(std::is_sorted(perms.begin(), perms.end()));
  EXPECT_EQ(std::adjacent_find(perms.begin(), perms.end()), perms.end());
}

TEST(RolesTest, RolesNestFromViewerToSuperAdmin) {
  const auto viewer = PermissionsFor(Role::kOrgViewer);
  const auto member = PermissionsFor(Role::kOrgMember);
  const auto admin = PermissionsFor(Role::kOrgAdmin);
  for (const auto& p : viewer) EXPECT_TRUE(Allows(member, p)) << p;
  for (const auto& p : member) EXPECT_TRUE(Allows(admin, p)) << p;
  EXPECT_TRUE(Allows(PermissionsFor(Role::kSuperAdmin), "anything:new"));
  EXPECT_FALSE(Allows(viewer, "projects:write"));
  EXPECT_FALSE(Allows(member, "admin:users"));
  EXPECT_FALSE(Allows(member, "admin:api_keys"));
  EXPECT_FALSE(Allows(member, "audit:read"));
  EXPECT_TRUE(Allows(admin, "admin:users"));
  EXPECT_TRUE(Allows(admin, "leads:admin"));
  EXPECT_FALSE(Allows(admin, "anything:new"));
}

TEST(ClientAddressTest, BelievesForwardedForOnlyFromTrustedProxies) {
  const auto trusted = ParseNetworks("10.0.0.0/8, 192.168.1.1, fd00::/8");
  ASSERT_TRUE(trusted.ok()) << trusted.status().ToString();
  EXPECT_TRUE(InNetworks(*trusted, "10.200.0.1"));
  EXPECT_TRUE(InNetworks(*trusted, "::ffff:10.0.0.1"));
  EXPECT_TRUE(InNetworks(*trusted, "fd12::1"));
  EXPECT_FALSE(InNetworks(*trusted, "192.168.1.2"));
  EXPECT_FALSE(InNetworks(*trusted, "not an ip"));
  EXPECT_FALSE(ParseNetworks("10.0.0.0/33").ok());
  EXPECT_FALSE(ParseNetworks("example.com").ok());
  // No trusted proxies, or an untrusted peer: the peer.
  EXPECT_EQ(ClientAddress("203.0.113.1", "198.51.100.1", {}), "203.0.113.1");
  EXPECT_EQ(ClientAddress("203.0.113.1", "198.51.100.1", *trusted), "203.0.113.1");
  // The right-most untrusted address; what the client wrote to its left is ignored.
  EXPECT_EQ(ClientAddress("10.0.0.2", "1.2.3.4, 198.51.100.1, 10.0.0.3", *trusted), "198.51.100.1");
  EXPECT_EQ(ClientAddress("10.0.0.2", "198.51.100.1:4711", *trusted), "198.51.100.1");
  EXPECT_EQ(ClientAddress("10.0.0.2", "[2001:db8::1]", *trusted), "2001:db8::1");
  // Every hop trusted: the left-most; garbage stops at the last trusted hop.
  EXPECT_EQ(ClientAddress("10.0.0.2", "10.0.0.7, 10.0.0.3", *trusted), "10.0.0.7");
  EXPECT_EQ(ClientAddress("10.0.0.2", "junk, 10.0.0.3", *trusted), "10.0.0.3");
  EXPECT_EQ(ClientAddress("10.0.0.2", "", *trusted), "10.0.0.2");
}

}  // namespace
}  // namespace signx::identity
