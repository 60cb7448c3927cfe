// auth.* configuration into identity settings: static API keys keep every scope (scopes have
// colons of their own), and a malformed entry is named.
#include "app/identity_settings.h"

#include <gtest/gtest.h>

namespace signx::app {
namespace {

TEST(IdentitySettingsTest, StaticApiKeysKeepScopesWithColons) {
  config::AuthConfig auth;
  auth.api_keys = "crm:sx_static_key_0001:org_a:leads:score|estimates:predict, ci:sx_static_key_0002:org_b:";
  auto s = IdentitySettingsFrom(auth);
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  ASSERT_EQ(s->static_api_keys.size(), 2u);
  const auto& crm = s->static_api_keys[0];
  EXPECT_EQ(crm.name, "crm");
  EXPECT_EQ(crm.key, "sx_static_key_0001");
  EXPECT_EQ(crm.org_id, "org_a");
  EXPECT_EQ(crm.scopes, (std::vector<std::string>{"leads:score", "estimates:predict"}));
  EXPECT_TRUE(s->static_api_keys[1].scopes.empty());
}

TEST(IdentitySettingsTest, AMalformedStaticKeyIsNamed) {
  config::AuthConfig auth;
  auth.api_keys = "crm:sx_static_key_0001";
  auto s = IdentitySettingsFrom(auth);
  ASSERT_FALSE(s.ok());
  EXPECT_NE(s.status().ToString().find("auth.api_keys"), std::string::npos) << s.status().ToString();
}

}  // namespace
}  // namespace signx::app
