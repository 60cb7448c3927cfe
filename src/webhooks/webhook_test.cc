// Pure rules: the X-Signature header checked by an independent verifier (OpenSSL HMAC() called
// directly, the header parsed here), event-type patterns, endpoint validation messages, excerpts.
#include "webhooks/webhook.h"

#include <gtest/gtest.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>

#include <cstdio>

#include "base/strings.h"

namespace signx::webhooks {
namespace {

// What a receiver does: HMAC-SHA256 over t + "." + body, lower-case hex.
std::string ReceiverHmacHex(const std::string& secret, const std::string& t,
                            const std::string& body) {
  const std::string msg = t + "." + body;
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), secret.data(), static_cast<int>(secret.size()),
       reinterpret_cast<const unsigned char*>(msg.data()), msg.size(), md, &len);
  std::string hex;
  char buf[3];
  for (unsigned int i = 0; i < len; ++i) {
    std::snprintf(buf, sizeof buf, "%02x", md[i]);
    hex += buf;
  }
  return hex;
}

struct ParsedSignature {
  std::string t;
  std::vector<std::string> v1;
};

ParsedSignature Parse(const std::string& header) {
  ParsedSignature p;
  for (auto part : Split(header, ',')) {
    const auto eq = part.find('=');
    if (eq == std::string_view::npos) continue;
    const auto key = part.substr(0, eq);
    const auto value = std::string(part.substr(eq + 1));
    if (key == "t") p.t = value;
    if (key == "v1") p.v1.push_back(value);
  }
  return p;
}

TEST(SignatureTest, MatchesAnIndependentHmacOverTimestampDotBody) {
  const std::string secret = "whsec_test-secret-value";
  const std::string body = R"({"id":"evt_1","type":"project.created","data":{"n":1}})";
  const std::string header = SignatureHeader(1767225600, body, {secret});
  const ParsedSignature p = Parse(header);
  EXPECT_EQ(p.t, "1767225600");
  ASSERT_EQ(p.v1.size(), 1u);
  EXPECT_EQ(p.v1[0], ReceiverHmacHex(secret, p.t, body));
  EXPECT_EQ(p.v1[0].size(), 64u);
  // A different body, timestamp or secret gives a different signature.
  EXPECT_NE(p.v1[0], ReceiverHmacHex(secret, p.t, body + " "));
  EXPECT_NE(p.v1[0], ReceiverHmacHex(secret, "1767225601", body));
  EXPECT_NE(p.v1[0], ReceiverHmacHex("whsec_other", p.t, body));
}

TEST(SignatureTest, KnownAnswer) {
  // Computed with Python: hmac.new(b"whsec_abc", b'1767225600.{"a":1}', hashlib.sha256).
  EXPECT_EQ(SignatureHeader(1767225600, R"({"a":1})", {"whsec_abc"}),
            "t=1767225600,v1=cbda914ef925500e01ae9b59f301c22974643eca32485487a08c1e0b40cc8f6e");
}

TEST(SignatureTest, OneV1PerSecretInOrder) {
  const std::string body = "{}";
  const ParsedSignature p = Parse(SignatureHeader(42, body, {"whsec_new", "whsec_old"}));
  ASSERT_EQ(p.v1.size(), 2u);
  EXPECT_EQ(p.v1[0], ReceiverHmacHex("whsec_new", "42", body));
  EXPECT_EQ(p.v1[1], ReceiverHmacHex("whsec_old", "42", body));
}

TEST(SecretTest, PrefixedRandomAndDistinct) {
  const std::string a = NewSecret();
  const std::string b = NewSecret();
  EXPECT_EQ(a.rfind("whsec_", 0), 0u);
  EXPECT_EQ(a.size(), 6u + 43u);
  EXPECT_NE(a, b);
}

TEST(EventTypeTest, PatternsAndMatching) {
  EXPECT_TRUE(IsValidEventTypePattern("*"));
  EXPECT_TRUE(IsValidEventTypePattern("project.created"));
  EXPECT_TRUE(IsValidEventTypePattern("project.*"));
  EXPECT_FALSE(IsValidEventTypePattern(""));
  EXPECT_FALSE(IsValidEventTypePattern("Project.Created"));
  EXPECT_FALSE(IsValidEventTypePattern("project created"));
  EXPECT_FALSE(IsValidEventTypePattern(".*"));
  EXPECT_FALSE(IsValidEventTypePattern("pro*ject"));
  EXPECT_FALSE(IsValidEventTypePattern(std::string(129, 'a')));

  EXPECT_TRUE(MatchesEventType({"*"}, "anything.at_all"));
  EXPECT_TRUE(MatchesEventType({"project.*"}, "project.created"));
  EXPECT_FALSE(MatchesEventType({"project.*"}, "projects.created"));
  EXPECT_FALSE(MatchesEventType({"project.*"}, "project"));
  EXPECT_TRUE(MatchesEventType({"lead.scored", "quote.sent"}, "quote.sent"));
  EXPECT_FALSE(MatchesEventType({"lead.scored"}, "lead.scored.v2"));
  EXPECT_FALSE(MatchesEventType({}, "lead.scored"));
}

std::vector<FieldError> Validate(const EndpointInput& in, bool creating = true,
                                 const http::AddressPolicy& policy = {}) {
  std::vector<FieldError> errors;
  ValidateEndpointInput(in, creating, policy, errors);
  return errors;
}

TEST(ValidationTest, CreateNeedsUrlAndEventTypes) {
  EXPECT_EQ(Validate({}),
            (std::vector<FieldError>{{"url", "is required"}, {"event_types", "is required"}}));
  EXPECT_TRUE(Validate({}, /*creating=*/false).empty());
  EXPECT_TRUE(Validate({.url = "https://example.com/hooks?x=1", .event_types = {{"*"}}}).empty());
  EXPECT_TRUE(Validate({.url = "http://127.0.0.1:8080/h", .event_types = {{"a.b"}}}).empty());
}

TEST(ValidationTest, UrlRules) {
  auto url_error = [](std::string url) {
    auto errors = Validate({.url = std::move(url), .event_types = {{"*"}}});
    return errors.empty() ? std::string() : errors[0].field + ": " + errors[0].message;
  };
  EXPECT_EQ(url_error("ftp://example.com/x"), "url: must be an http:// or https:// URL");
  EXPECT_EQ(url_error("file:///etc/passwd"), "url: must be an http:// or https:// URL");
  EXPECT_EQ(url_error("example.com/hook"), "url: must be an http:// or https:// URL");
  EXPECT_EQ(url_error("https://exa mple.com/"),
            "url: must not contain spaces or control characters");
  EXPECT_EQ(url_error("https://user:pw@example.com/"),
            "url: must not contain credentials (user@host)");
  EXPECT_EQ(url_error("https://example.com/#frag"), "url: must not contain a fragment (#)");
  EXPECT_EQ(url_error("https://example.com/" + std::string(2048, 'a')),
            "url: must be at most 2048 bytes");
  EXPECT_EQ(url_error("https:///nohost"), "url: must be an http:// or https:// URL with a host");
  EXPECT_EQ(url_error("HTTPS://Example.com/ok"), "");
  EXPECT_EQ(NormalizeUrl("HTTPS://Example.com/ok"), "https://Example.com/ok");
  EXPECT_EQ(NormalizeUrl("ftp://x/"), "ftp://x/");
}

TEST(ValidationTest, LiteralHostsThePolicyRefuses) {
  const http::AddressPolicy strict{.enforce = true};
  auto url_error = [&](std::string url, const http::AddressPolicy& policy) {
    auto errors = Validate({.url = std::move(url), .event_types = {{"*"}}}, true, policy);
    return errors.empty() ? std::string() : errors[0].field;
  };
  for (const char* url : {"http://127.0.0.1/", "http://2130706433/", "http://0x7f000001/",
                          "http://127.1/", "http://0177.0.0.1/", "http://localhost:9/",
                          "http://[::1]/", "http://169.254.169.254/", "http://10.1.2.3/"}) {
    EXPECT_EQ(url_error(url, strict), "url") << url;
    EXPECT_EQ(url_error(url, {}), "") << url;  // the policy decides, not the URL syntax
  }
  EXPECT_EQ(url_error("https://8.8.8.8/", strict), "");
  EXPECT_EQ(url_error("https://hooks.example.com/", strict), "");
  const http::AddressPolicy loopback{.enforce = true, .allow = *http::ParseCidrList("127.0.0.0/8")};
  EXPECT_EQ(url_error("http://127.0.0.1:8080/", loopback), "");
  EXPECT_EQ(url_error("http://localhost:8080/", loopback), "url");  // ::1 is not allowed
  const auto errors = Validate({.url = "http://127.1/", .event_types = {{"*"}}}, true, strict);
  ASSERT_EQ(errors.size(), 1u);
  EXPECT_EQ(errors[0].message,
            "must not point to a loopback, private, link-local or reserved address (127.0.0.1); "
            "webhooks go to public addresses only unless the operator allows the range "
            "(webhooks.allow_private_cidrs)");
}

TEST(SettingsTest, FromConfig) {
  config::WebhooksConfig c;
  c.allow_private_cidrs = {"127.0.0.0/8", "fd00::/8"};
  c.response_excerpt_bytes = 200;
  c.max_endpoints_per_org = 3;
  c.max_in_flight_per_org = 4;
  auto s = SettingsFrom(c);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  EXPECT_TRUE(s->client.address_policy.enforce);
  EXPECT_EQ(s->client.address_policy.allow.size(), 2u);
  EXPECT_EQ(s->response_excerpt_bytes, 200u);
  EXPECT_EQ(s->max_endpoints_per_org, 3);
  EXPECT_EQ(s->max_in_flight_per_org, 4);
  // The defaults: public addresses only, no response body kept.
  auto d = SettingsFrom({});
  ASSERT_TRUE(d.ok());
  EXPECT_TRUE(d->client.address_policy.enforce);
  EXPECT_TRUE(d->client.address_policy.allow.empty());
  EXPECT_EQ(d->response_excerpt_bytes, 0u);
  EXPECT_EQ(WebhookSettings{}.response_excerpt_bytes, 0u);
  EXPECT_TRUE(WebhookSettings{}.client.address_policy.enforce);
  c.allow_private_cidrs = {"nope"};
  EXPECT_EQ(SettingsFrom(c).status().code(), ErrorCode::kInvalidArgument);
}

TEST(ValidationTest, EventTypeRulesNameTheEntry) {
  auto errors =
      Validate({.url = "https://e.com/", .event_types = {{"ok.type", "Bad Type", "ok.type"}}});
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0].field, "event_types[1]");
  EXPECT_NE(errors[0].message.find("an event type of a-z 0-9"), std::string::npos);
  EXPECT_EQ(errors[1], (FieldError{"event_types[2]", "is listed twice"}));
  EXPECT_EQ(
      Validate({.url = "https://e.com/", .event_types = std::vector<std::string>{}}),
      (std::vector<FieldError>{{"event_types", "must list at least one event type (or \"*\")"}}));
  std::vector<std::string> many;
  for (int i = 0; i < 65; ++i) many.push_back("t" + std::to_string(i));
  EXPECT_EQ(Validate({.url = "https://e.com/", .event_types = many})[0],
            (FieldError{"event_types", "must list at most 64 event types"}));
  EXPECT_EQ(Validate({.description = std::string(501, 'd')}, false)[0],
            (FieldError{"description", "must be at most 500 bytes"}));
}

TEST(ExcerptTest, TruncatesOnCharacterBoundariesAndReplacesInvalidBytes) {
  EXPECT_EQ(SafeExcerpt("hello", 3), "hel");
  EXPECT_EQ(SafeExcerpt("h\xC3\xA9llo", 2), "h");  // é does not fit whole
  EXPECT_EQ(SafeExcerpt("h\xC3\xA9llo", 3), "h\xC3\xA9");
  EXPECT_EQ(SafeExcerpt(std::string("a\0b", 3), 10),
            "a\xEF\xBF\xBD"
            "b");
  EXPECT_EQ(SafeExcerpt("\xFF\xC3", 10), "\xEF\xBF\xBD\xEF\xBF\xBD");
  EXPECT_EQ(SafeExcerpt("\xED\xA0\x80", 10), "\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD");  // surrogate
}

}  // namespace
}  // namespace signx::webhooks
