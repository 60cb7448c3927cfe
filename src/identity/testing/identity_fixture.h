// Test helpers for identity and for other modules' tests that need authenticated principals: a
// migrated database on one backend, a fast IdentityService on a FakeClock (cheap argon2, fixed JWT
// key), and two orgs with users of each role.
// Thread-safety: a fixture belongs to one test.
#pragma once

#include <memory>
#include <string>

#include "base/clock.h"
#include "cache/memory_rate_limiter.h"
#include "http/request.h"
#include "identity/identity_service.h"
#include "storage/testing/test_stores.h"

namespace signx::identity::testing {

// Settings for tests: argon2 at 1 pass / 1 MiB, one fixed key "test-1", default limits.
IdentitySettings FastSettings();

inline constexpr std::string_view kTestPassword = "correct horse battery";

struct SeededOrg {
  Org org;
  User admin;   // org_admin
  User member;  // org_member
  User viewer;  // org_viewer
};

class IdentityWorld {
 public:
  // Opens a migrated database; check skip_reason() before anything else.
  explicit IdentityWorld(storage::testing::Backend backend,
                         IdentitySettings settings = FastSettings());
  ~IdentityWorld();

  const std::string& skip_reason() const { return db_->skip_reason(); }

  // Creates an org with admin/member/viewer users "<role>@<slug>.test" (password kTestPassword).
  SeededOrg SeedOrg(const std::string& slug);
  // The principal the middleware builds from an access token of `user` acting in `org` as `role`.
  static http::Principal PrincipalOf(const User& user, const Org& org, Role role);

  storage::Store& store() { return db_->store(); }
  IdentityService& service() { return *service_; }
  FakeClock& clock() { return clock_; }
  cache::MemoryRateLimiter& limiter() { return *limiter_; }

 private:
  FakeClock clock_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<cache::MemoryRateLimiter> limiter_;
  std::unique_ptr<IdentityService> service_;
};

}  // namespace signx::identity::testing
