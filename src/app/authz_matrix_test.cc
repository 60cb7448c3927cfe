// The authorization matrix (see authz_matrix_test.h for what it checks and where the routes' cases
// live).
#include "app/authz_matrix_test.h"

#include <iostream>
#include <set>
#include <string>
#include <vector>

#include "base/strings.h"
#include "identity/roles.h"

namespace signx::app::authz_matrix {
namespace {

using http::testing::RawResponse;

TEST_P(AuthzMatrixTest, EveryRouteEveryRoleOwnAndOtherOrg) {
  const auto& routes = app_->router().routes();
  ASSERT_GT(routes.size(), 30u);
  const CaseMap& cases = AllCases().cases;
  EXPECT_TRUE(AllCases().duplicates.empty())
      << "routes listed in more than one table of the authorization matrix (keep each in its "
         "module's src/app/authz_matrix_cases_<module>_test.cc):\n  "
      << Join(AllCases().duplicates, "\n  ");
  std::vector<std::string> missing;
  for (const auto& route : routes) {
    if (!cases.contains(RouteKey(route))) missing.push_back(RouteKey(route));
  }
  EXPECT_TRUE(missing.empty())
      << "routes missing from the authorization matrix (add them to the table of the module that "
         "serves them, src/app/authz_matrix_cases_<module>_test.cc, with a path, a body and a "
         "Scope):\n  "
      << Join(missing, "\n  ");

  // Order: anonymous, then org B (other org; super_admin last so its cross-org rights do not
  // change what the others see), then org A.
  std::vector<const Caller*> order;
  for (const auto& c : callers_) {
    if (c.org == "B" && !c.super) order.push_back(&c);
  }
  for (const auto& c : callers_) {
    if (c.org == "B" && c.super) order.push_back(&c);
  }
  for (const auto& c : callers_) {
    if (c.org == "A") order.push_back(&c);
  }
  int calls = 0;
  std::set<std::string> known;
  for (const auto& route : routes) {
    auto it = cases.find(RouteKey(route));
    if (it == cases.end()) continue;
    const Case& k = it->second;
    const std::string what = RouteKey(route);
    const std::string path = Fill(k.path);
    const std::string body = Fill(k.body);
    const bool is_public = route.meta.permission == http::kPublic;
    const bool any_auth = route.meta.permission == identity::kAnyAuthenticated;
    auto call = [&](const Headers& auth) -> RawResponse {
      Headers h = k.headers;
      for (const auto& [name, v] : auth) h[name] = v;
      ++calls;
      if (k.stream) {
        RawResponse r;
        r.status = StreamStatus(app_->port(), path, h);
        return r;
      }
      return Call(route.method, path, body, h, k.content_type);
    };

    // No credentials.
    {
      RawResponse r = call({});
      // (A public route may still answer 401 to bad credentials in its body, e.g. login.)
      if (!is_public) {
        EXPECT_EQ(r.status, 401) << what << " without credentials: " << r.body;
      }
      EXPECT_NE(r.status, 500) << what << " anonymous: " << r.body;
      auto leaked = LeakedIds(r.body, path + body);
      EXPECT_TRUE(leaked.empty()) << what << " anonymous leaked org A ids: " << Join(leaked, ",");
    }
    if (is_public) continue;  // credentials do not change what a public route may do

    for (const Caller* c : order) {
      const std::string who = what + " as " + c->name;
      const bool holds = any_auth || identity::Allows(c->permissions, route.meta.permission);
      RawResponse r = call(c->auth);
      if (!holds) {
        EXPECT_EQ(r.status, 403) << who << " lacks " << route.meta.permission << ": " << r.body;
        continue;
      }
      if (k.users_only && c->is_key) {
        EXPECT_EQ(r.status, 403) << who << " (users only): " << r.body;
        continue;
      }
      EXPECT_NE(r.status, 401) << who << ": " << r.body;
      EXPECT_NE(r.status, 403) << who << ": " << r.body;
      // 503 is fine (no model loaded yet); 500 is a bug.
      if (k.known_500.empty()) {
        EXPECT_NE(r.status, 500) << who << ": " << r.body;
      } else if (r.status == 500) {
        known.insert(what + ": " + k.known_500);
      }
      const bool other = c->org != "A";
      if (other) {
        const bool cross_ok = c->super && (k.scope == Scope::kOrgPath || k.super_sees_all);
        if (!cross_ok && (k.scope == Scope::kOrgResource || k.scope == Scope::kOrgPath)) {
          EXPECT_EQ(r.status, 404) << who << " got another org's resource: " << r.body;
        }
        if (!cross_ok) {
          auto leaked = LeakedIds(r.body, path + body);
          EXPECT_TRUE(leaked.empty())
              << who << " leaked org A ids " << Join(leaked, ",") << ": " << r.body.substr(0, 400);
        }
      } else if (route.method == "GET" && k.own_read_ok && !k.stream &&
                 (k.scope == Scope::kOrgResource || k.scope == Scope::kOrgPath ||
                  k.scope == Scope::kTenant)) {
        EXPECT_TRUE(r.status >= 200 && r.status < 300)
            << who << " own org: " << r.status << " " << r.body.substr(0, 400);
      }
    }
  }
  for (const auto& note : known) std::cout << "KNOWN ISSUE " << note << "\n";
  EXPECT_GT(calls, static_cast<int>(routes.size()));
  std::cout << "authz matrix: " << routes.size() << " routes, " << callers_.size()
            << " principals + anonymous, " << calls << " calls\n";
}

INSTANTIATE_TEST_SUITE_P(Backends, AuthzMatrixTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::app::authz_matrix
