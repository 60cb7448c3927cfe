#include "http/testing/test_auth.h"

#include <gtest/gtest.h>

#include <string>

namespace signx::http::testing {
namespace {

Principal OrgMember(std::string_view org, const Request& request) {
  return {.kind = "user",
          .subject_id = "usr_" + std::string(org),
          .org_id = std::string(org),
          .role = std::string(request.Header("X-Test-Role").value_or("org_member")),
          .permissions = {"projects:read"}};
}

Route RouteNeeding(std::string permission) {
  Route route;
  route.method = "GET";
  route.pattern = "/v1/things";
  route.meta.permission = std::move(permission);
  return route;
}

TEST(TestAuthTest, WithoutTheHeaderTheRequestStaysAnonymous) {
  TestAuth auth(OrgMember);
  Request request;
  EXPECT_FALSE(auth.Before(request, RouteNeeding("projects:write")).has_value());
  EXPECT_FALSE(request.principal.has_value());
}

TEST(TestAuthTest, TheMakerBuildsThePrincipalFromTheHeaderAndTheRequest) {
  TestAuth auth(OrgMember);
  Request request;
  request.headers.Set("X-Test-Org", "org_a");
  request.headers.Set("X-Test-Role", "org_admin");
  // Without enforce_permissions the route's permission is the handler's business.
  EXPECT_FALSE(auth.Before(request, RouteNeeding("projects:write")).has_value());
  ASSERT_TRUE(request.principal.has_value());
  EXPECT_EQ(request.principal->org_id, "org_a");
  EXPECT_EQ(request.principal->subject_id, "usr_org_a");
  EXPECT_EQ(request.principal->role, "org_admin");
}

TEST(TestAuthTest, EnforcedPermissionsAnswer403OnlyWhenThePrincipalLacksThem) {
  TestAuth auth(OrgMember, {.header = "X-Test-Tenant", .enforce_permissions = true});
  Request request;
  request.request_id = "req_1";
  request.headers.Set("X-Test-Tenant", "org_a");
  EXPECT_FALSE(auth.Before(request, RouteNeeding("projects:read")).has_value());
  auto denied = auth.Before(request, RouteNeeding("projects:write"));
  ASSERT_TRUE(denied.has_value());
  EXPECT_EQ(denied->status, 403);
  EXPECT_NE(denied->body.find("req_1"), std::string::npos) << denied->body;
  // The default header is not looked at once another is configured.
  Request other;
  other.headers.Set("X-Test-Org", "org_a");
  EXPECT_FALSE(auth.Before(other, RouteNeeding("projects:write")).has_value());
  EXPECT_FALSE(other.principal.has_value());
}

}  // namespace
}  // namespace signx::http::testing
