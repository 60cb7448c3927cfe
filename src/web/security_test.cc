#include "web/security.h"

#include <gtest/gtest.h>

namespace signx::web {
namespace {

TEST(CsrfTest, TokenVerifiesForItsCookieAndBindingOnly) {
  Signer s("k0123456789abcdef0123456789abcdef");
  const std::string cookie = Signer::NewCsrfCookie();
  EXPECT_EQ(cookie.size(), 64u);
  const std::string token = s.CsrfToken(cookie, "usr_1");
  EXPECT_TRUE(s.VerifyCsrf(cookie, "usr_1", token));
  EXPECT_FALSE(s.VerifyCsrf(cookie, "usr_2", token));                   // another user's session
  EXPECT_FALSE(s.VerifyCsrf(cookie, "", token));                        // anonymous
  EXPECT_FALSE(s.VerifyCsrf(Signer::NewCsrfCookie(), "usr_1", token));  // another browser
  EXPECT_FALSE(s.VerifyCsrf(cookie, "usr_1", ""));
  EXPECT_FALSE(s.VerifyCsrf("", "usr_1", token));
  std::string tampered = token;
  tampered[0] = tampered[0] == 'a' ? 'b' : 'a';
  EXPECT_FALSE(s.VerifyCsrf(cookie, "usr_1", tampered));
  // Double-submit alone is not enough: the cookie value itself is not a valid token.
  EXPECT_FALSE(s.VerifyCsrf(cookie, "usr_1", cookie));
}

TEST(CsrfTest, TokensDependOnTheSecret) {
  Signer a("secret-a-0123456789abcdef0123456789");
  Signer b("secret-b-0123456789abcdef0123456789");
  const std::string cookie = Signer::NewCsrfCookie();
  EXPECT_FALSE(b.VerifyCsrf(cookie, "", a.CsrfToken(cookie, "")));
  Signer random1(""), random2("");
  EXPECT_NE(random1.CsrfToken(cookie, ""), random2.CsrfToken(cookie, ""));
}

TEST(SignerTest, SignedValuesRoundTripAndRejectTampering) {
  Signer s("k0123456789abcdef0123456789abcdef");
  const std::string v = s.Sign("flash", "ok:Saved <b>");
  EXPECT_EQ(s.Verify("flash", v), "ok:Saved <b>");
  EXPECT_EQ(s.Verify("other", v), std::nullopt);
  EXPECT_EQ(s.Verify("flash", "6f6b3a58.deadbeef"), std::nullopt);
  EXPECT_EQ(s.Verify("flash", "zz"), std::nullopt);
  EXPECT_EQ(s.Verify("flash", ""), std::nullopt);
}

TEST(CookiesTest, ParseAndSet) {
  auto c = ParseCookies("a=1; signx_csrf=abc ; b=\"q\"; bad; a=2; =x");
  EXPECT_EQ(c["a"], "1");
  EXPECT_EQ(c["signx_csrf"], "abc");
  EXPECT_EQ(c["b"], "q");
  EXPECT_EQ(c.count("bad"), 0u);
  EXPECT_EQ(SetCookie("n", "v", {.secure = true, .max_age_seconds = 60}),
            "n=v; Path=/; Max-Age=60; HttpOnly; Secure; SameSite=Lax");
  EXPECT_EQ(SetCookie("n", "", {.max_age_seconds = 0}),
            "n=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax");
}

}  // namespace
}  // namespace signx::web
