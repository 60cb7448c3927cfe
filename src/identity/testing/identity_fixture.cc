#include "identity/testing/identity_fixture.h"

#include "base/check.h"

namespace signx::identity::testing {

IdentitySettings FastSettings() {
  IdentitySettings s;
  s.argon2 = {.time_cost = 1, .memory_kib = 1024, .parallelism = 1};
  s.jwt_keys = {{"test-1", std::string(32, 'k')}};
  s.jwt_active_kid = "test-1";
  return s;
}

IdentityWorld::IdentityWorld(storage::testing::Backend backend, IdentitySettings settings)
    : db_(storage::testing::MigratedDatabase(backend)) {
  if (!db_->skip_reason().empty()) return;
  limiter_ = std::make_unique<cache::MemoryRateLimiter>(clock_);
  service_ =
      std::make_unique<IdentityService>(db_->store(), *limiter_, std::move(settings), clock_);
}

IdentityWorld::~IdentityWorld() = default;

SeededOrg IdentityWorld::SeedOrg(const std::string& slug) {
  const Actor cli = Actor::System("test");
  SeededOrg s;
  auto org = service_->CreateOrg("Org " + slug, cli);
  SIGNX_CHECK(org.ok(), org.status().ToString());
  s.org = *org;
  auto make = [&](const char* role, const char* who) {
    auto u = service_->CreateUser(s.org.id, std::string(who) + "@" + slug + ".test", kTestPassword,
                                  role, cli);
    SIGNX_CHECK(u.ok(), u.status().ToString());
    return *u;
  };
  s.admin = make("org_admin", "admin");
  s.member = make("org_member", "member");
  s.viewer = make("org_viewer", "viewer");
  return s;
}

http::Principal IdentityWorld::PrincipalOf(const User& user, const Org& org, Role role) {
  return {.kind = "user",
          .subject_id = user.id,
          .org_id = org.id,
          .role = std::string(RoleName(role)),
          .permissions = PermissionsFor(role)};
}

}  // namespace signx::identity::testing
