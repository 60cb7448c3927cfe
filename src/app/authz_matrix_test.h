// The authorization matrix test (authz_matrix_test.cc): EVERY route the App serves × every kind
// of principal (no credentials; super_admin, org_admin, org_member, org_viewer users; a full-scope
// and a narrow API key) × own org / other org, through the real HTTP server of one App (SQLite;
// PostgreSQL too when SIGNX_TEST_POSTGRES_URL is set). For each call it checks:
//   - no credentials → 401 on every non-public route;
//   - a principal lacking the route's declared permission → 403;
//   - a principal holding it → neither 401 nor 403 (and never 500); in its own org, reads of the
//     org's resources succeed (2xx);
//   - a principal of org B given org A's resource ids → 404, never data;
//   - no answer to anyone outside org A (or anonymous) contains an id of org A's resources.
// Path parameters and bodies come from the case tables, keyed by "METHOD pattern", one table per
// module: authz_matrix_cases_<module>_test.cc. A route missing from every table FAILS the test, and
// so does a route listed in two tables.
//
// Files: this header (the Case type, the tables, the fixture), authz_matrix_harness_test.cc (the
// App, the seeded principals and org A's resources), authz_matrix_test.cc (the checks).
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <string_view>
#include <vector>

#include "app/app.h"
#include "cache/memory_rate_limiter.h"
#include "http/router.h"
#include "http/testing/raw_client.h"
#include "identity/identity_service.h"
#include "storage/testing/test_stores.h"

namespace signx::app::authz_matrix {

using Headers = std::map<std::string, std::string>;

// How a route relates to tenants, which decides what another org's principal must get.
enum class Scope {
  kOrgResource,  // the path (or body) names one of org A's resources: other org → 404
  kOrgPath,      // /v1/orgs/{id}/...: other org → 404, except super_admin (spans orgs)
  kTenant,       // acts on the caller's own org (lists, creates): must not show org A's ids
  kSelf,         // the caller itself (/v1/me...): must not show org A's ids
  kGlobal,       // not tenant data (ops, models, public pages)
};

// One route's request. In `path` and `body`, {project}, {cost_record}, {quote}, {import}, {job},
// {price_list}, {webhook}, {victim_webhook}, {delivery}, {org}, {api_key}, {victim_user},
// {subject_user}, {notification}, {notification_template}, {victim_notification_template},
// {notification_delivery}, {item}, {process}, {batch}, {forecast_run}, {alert}, {inference_job},
// {report}, {studio_draft}, {document}, {victim_document} are replaced by org A's resources
// (created in AuthzMatrixTest::Seed()).
struct Case {
  std::string path;
  Scope scope = Scope::kTenant;
  std::string body;
  std::string content_type = "application/json";
  Headers headers;
  bool stream = false;          // text/event-stream: only the status line is read
  bool users_only = false;      // API keys are refused (403) by design: they have no account
  bool own_read_ok = true;      // GET in the own org must answer 2xx
  bool super_sees_all = false;  // super_admin is allowed to see other orgs' data here (by design)
  // A known bug that makes an allowed call answer 500: the 500 check is skipped (and the note
  // printed) until it is fixed. Remove the note with the fix.
  std::string known_500;
};

// "METHOD pattern" → its Case.
using CaseMap = std::map<std::string, Case>;

// Request bodies used by several tables and by the seed.
inline const std::string kRecordBody =
    R"({"drivers":{"width_in":96,"height_in":48,"wind_speed_mph":115,"material":"aluminum"},)"
    R"("total_cost_cents":1000})";
inline const std::string kPriceList = R"({"id": "pl_std", "version": "2025-01",
  "method": "markup", "rate_pct": 50, "contingency_pct": 10,
  "materials": {"acm": {"name": "ACM 3 mm", "unit": "sqft", "cost_cents_per_unit": 450, "waste_pct": 10}},
  "labor": {"fab": {"name": "fabrication", "cost_cents_per_hour": 6500}},
  "machines": {"cnc": {"name": "CNC router", "cost_cents_per_hour": 9000, "setup_cents": 2500}},
  "quantity_breaks": [{"min_quantity": 10, "rate_pct": 40}]})";
inline const std::string kQuoteBody = R"({"project_id": "{project}", "price_list": )" + kPriceList +
                                      R"(, "request": {"quantity": 2, "parts": [
    {"kind": "material", "key": "acm", "usage": 32},
    {"kind": "fixed", "description": "Permit", "fixed_cents": 15000}]}})";
inline const std::string kPriceListBody = R"({"name": "matrix-std", "method": "markup",
  "rate_pct": 50, "contingency_pct": 10,
  "materials": {"acm": {"name": "ACM 3 mm", "unit": "sqft", "cost_cents_per_unit": 450, "waste_pct": 10}},
  "labor": {"fab": {"name": "fabrication", "cost_cents_per_hour": 6500}},
  "machines": {"cnc": {"name": "CNC router", "cost_cents_per_hour": 9000, "setup_cents": 2500}}})";
inline const std::string kWebhookBody =
    R"({"url":"https://hooks.example.com/matrix","event_types":["project.*"]})";
inline const std::string kForm = "application/x-www-form-urlencoded";
inline const std::string kSpecBody =
    R"({"width_in":96,"height_in":48,"wind_speed_mph":115,"material":"aluminum"})";
inline const std::string kLeadBody =
    R"({"lead_id":"matrix-lead-1","company_size":12,"industry":"retail"})";

// The tables, one per module that serves routes (authz_matrix_cases_<module>_test.cc). Adding a
// route? Add "METHOD pattern" to its module's table with a path that exercises it (org A's ids
// through the placeholders), a body an allowed caller would send, and its Scope.
CaseMap PlatformCases();
CaseMap WebhooksCases();
CaseMap NotificationsCases();
CaseMap EstimatingCases();
CaseMap StudioCases();
CaseMap EngineeringCases();
CaseMap OperationsCases();
CaseMap AiCases();
CaseMap LeadsCases();
CaseMap DocumentsCases();

// Every table merged once; `duplicates` lists the keys found in more than one table.
struct CaseTables {
  CaseMap cases;
  std::vector<std::string> duplicates;
};
const CaseTables& AllCases();

std::string RouteKey(const http::Route& r);

// Status line of a streaming response (the body never ends), over a plain socket; -1 on failure.
int StreamStatus(uint16_t port, const std::string& target, const Headers& headers);

struct Caller {
  std::string name;  // "org_admin@A", "key:full@B", "anonymous"
  std::string org;   // "A", "B" or "" (anonymous)
  bool is_key = false;
  bool super = false;
  std::vector<std::string> permissions;
  Headers auth;
};

// One App on the backend under test, orgs A and B with a user of each role and two API keys each,
// and org A's resources (vars_: placeholder name → id).
class AuthzMatrixTest : public ::testing::TestWithParam<storage::testing::Backend> {
 protected:
  void SetUp() override;
  void TearDown() override;

  static Headers WithHeader(Headers h, const std::string& name, const std::string& value);
  // One request on the shared connection (reconnects once if the server closed it).
  http::testing::RawResponse Call(const std::string& method, const std::string& target,
                                  const std::string& body, Headers headers,
                                  const std::string& content_type = "application/json");
  // A top-level string field of a JSON answer ("" when absent).
  static std::string Field(const http::testing::RawResponse& r, std::string_view key);

  // Orgs A and B with a user of each role and two API keys each; org A's resources.
  void Seed();
  bool Serves(const std::string& key) const;
  const Caller& CallerNamed(const std::string& name) const;
  // `text` with every {placeholder} replaced by org A's resource id.
  std::string Fill(std::string text) const;
  // The org A ids in `body` that the request did not itself contain.
  std::vector<std::string> LeakedIds(const std::string& body, const std::string& request) const;

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path dir_;
  config::Config config_;
  std::unique_ptr<App> app_;
  std::unique_ptr<http::testing::RawClient> client_;
  std::unique_ptr<cache::MemoryRateLimiter> limiter_;
  std::unique_ptr<identity::IdentityService> seeder_;
  std::map<std::string, std::string> org_ids_;
  std::vector<Caller> callers_;
  std::map<std::string, std::string> vars_;
  std::set<std::string> org_a_ids_;
};

}  // namespace signx::app::authz_matrix
