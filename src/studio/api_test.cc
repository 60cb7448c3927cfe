// Studio's API on SQLite and PostgreSQL: the lifecycle through every guard, ETags (428/412 and a
// real race over http::Server), payload versions, hashes, diffs, files and cost snapshots, the
// migration of old statuses, tenant isolation and the OpenAPI document.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <latch>
#include <thread>

#include "base/sha256.h"
#include "estimating/cost_model.h"
#include "estimating/predict_service.h"
#include "estimating/routes.h"
#include "estimating/service.h"
#include "estimating/testing/synthetic_cost_model.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "http/testing/route_call.h"
#include "http/testing/test_auth.h"
#include "metrics/metrics.h"
#include "ml/registry.h"
#include "runtime/blocking_pool.h"
#include "storage/migrations.h"
#include "storage/testing/test_stores.h"
#include "studio/routes.h"
#include "studio/service.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using http::testing::OrgMember;
using storage::testing::Backend;

constexpr std::string_view kPriceList = R"({"id": "pl_std", "version": "2025-01",
  "method": "markup", "rate_pct": 50, "contingency_pct": 10,
  "materials": {"acm": {"name": "ACM 3 mm", "unit": "sqft", "cost_cents_per_unit": 450, "waste_pct": 10}},
  "labor": {"fab": {"name": "fabrication", "cost_cents_per_hour": 6500}},
  "machines": {}, "quantity_breaks": []})";

// 10 x 6 ft face, top at 25 ft, 115 mph, exposure C, 10.75 x 0.365 in pipe, 3 ft pier in class 4
// soil: IBC Eq. 18-1 needs about 9.17 ft of embedment, so 10 ft passes and 4 ft does not.
std::string Structure(double embedment_ft, std::string_view order = "a") {
  if (order == "a") {
    return fmt::format(
        R"({{"wind_speed_mph": 115, "exposure": "C", "sign_width_ft": 10, "sign_height_ft": 6,
            "top_height_ft": 25, "pole": {{"diameter_in": 10.75, "wall_in": 0.365}},
            "soil_class": 4, "footing_diameter_ft": 3, "embedment_ft": {}}})",
        embedment_ft);
  }
  // The same config, keys in another order and numbers written differently.
  return fmt::format(
      R"({{"embedment_ft": {}, "footing_diameter_ft": 3.0, "soil_class": 4,
          "pole": {{"wall_in": 0.3650, "diameter_in": 1.075e1}}, "top_height_ft": 25,
          "sign_height_ft": 6e0, "sign_width_ft": 10, "exposure": "C", "wind_speed_mph": 115.0}})",
      embedment_ft);
}

class StudioApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-studio-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 26)));
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    registry_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
    cost_ = std::make_unique<estimating::CostService>(*registry_, metrics_);
    estimating_ =
        std::make_unique<estimating::EstimatingService>(db_->store(), outbox_, *queue_, blobs_);
    studio_ = std::make_unique<StudioService>(db_->store(), outbox_, *queue_, blobs_, cost_.get(),
                                              *estimating_);
    estimating::AddEstimatingRoutes(router_, schemas_, *estimating_);
    AddStudioRoutes(router_, schemas_, *studio_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "", std::map<std::string, std::string> headers = {},
                      std::optional<http::Principal> principal = OrgMember("org_a")) {
    return http::testing::CallRoute(router_, {.method = method,
                                              .target = target,
                                              .body = body,
                                              .headers = std::move(headers),
                                              .principal = std::move(principal)});
  }
  static json::object Obj(const http::Response& r) { return json::parse(r.body).as_object(); }
  static std::string ETagOf(const http::Response& r) {
    return std::string(r.headers.Get("ETag").value_or(""));
  }

  std::string NewProject(const std::string& name = "Pylon") {
    auto r = Call("POST", "/v1/projects", json::serialize(json::object{{"name", name}}));
    SIGNX_CHECK(r.status == 201, r.body);
    return std::string(Obj(r).at("id").as_string());
  }
  int64_t Version(const std::string& id) {
    auto r = Call("GET", "/v1/projects/" + id + "/lifecycle");
    SIGNX_CHECK(r.status == 200, r.body);
    return Obj(r).at("version").as_int64();
  }
  http::Response Move(const std::string& id, const std::string& to, const std::string& data = "{}",
                      std::optional<http::Principal> who = OrgMember("org_a")) {
    return Call("POST", "/v1/projects/" + id + "/transitions",
                R"({"to": ")" + to + R"(", "data": )" + data + "}",
                {{"If-Match", fmt::format("\"v{}\"", Version(id))}}, std::move(who));
  }
  // Saves a payload with the right precondition; returns the response.
  http::Response Save(const std::string& id, const std::string& module, const std::string& body) {
    auto cur = Call("GET", "/v1/projects/" + id + "/payloads/" + module);
    std::map<std::string, std::string> h;
    if (cur.status == 404) {
      h["If-None-Match"] = "*";
    } else {
      h["If-Match"] = ETagOf(cur);
    }
    return Call("PUT", "/v1/projects/" + id + "/payloads/" + module, body, h);
  }
  static std::string Guard(const http::Response& r) {
    auto e = json::parse(r.body).at("error").as_object();
    if (!e.contains("details") || e.at("details").as_array().empty()) return "";
    return std::string(e.at("details").as_array()[0].at("message").as_string());
  }
  int64_t Count(const std::string& sql, std::vector<storage::Param> params = {}) {
    auto rs = db_->store().Query(sql, params);
    SIGNX_CHECK(rs.ok(), rs.status().ToString());
    return rs->rows[0].Int(0);
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path blob_dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  events::Outbox outbox_;
  metrics::Registry metrics_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<ml::ModelRegistry> registry_;
  std::unique_ptr<estimating::CostService> cost_;
  std::unique_ptr<estimating::EstimatingService> estimating_;
  std::unique_ptr<StudioService> studio_;
  http::Router router_;
  http::SchemaRegistry schemas_;
};

// The project resource (moved from estimating with the same behaviour): create, list pages,
// status filter, GET with ETag / 304, PATCH with If-Match (428, 412, status refused), idempotent
// create, tenant isolation, and the events and OpenAPI tags that go with it.
TEST_P(StudioApiTest, ProjectCrudPaginationAndETag) {
  std::vector<std::string> ids;
  for (int i = 0; i < 5; ++i) ids.push_back(NewProject("Sign " + std::to_string(i)));
  NewProject("Done");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'project.created'"), 6);
  // A project starts as a draft; its status moves only through transitions.
  EXPECT_EQ(Call("POST", "/v1/projects", R"({"name":"x","status":"closed"})").status, 422);
  ASSERT_TRUE(
      db_->store()
          .WithTxn([](storage::Txn& txn) {
            return txn.Exec("UPDATE projects SET status = 'closed' WHERE name = 'Done'").status();
          })
          .ok());

  auto r = Call("GET", "/v1/projects?limit=2");
  ASSERT_EQ(r.status, 200) << r.body;
  auto page = Obj(r);
  ASSERT_EQ(page.at("items").as_array().size(), 2u);
  EXPECT_EQ(page.at("items").as_array()[0].at("name").as_string(), "Done");
  std::vector<std::string> seen;
  std::string cursor(page.at("next_cursor").as_string());
  for (auto& p : page.at("items").as_array()) seen.emplace_back(p.at("id").as_string());
  while (!cursor.empty()) {
    page = Obj(Call("GET", "/v1/projects?limit=2&cursor=" + cursor));
    for (auto& p : page.at("items").as_array()) seen.emplace_back(p.at("id").as_string());
    cursor =
        page.at("next_cursor").is_null() ? "" : std::string(page.at("next_cursor").as_string());
  }
  EXPECT_EQ(seen.size(), 6u);
  page = Obj(Call("GET", "/v1/projects?status=closed"));
  EXPECT_EQ(page.at("items").as_array().size(), 1u);
  EXPECT_EQ(Call("GET", "/v1/projects?limit=0").status, 422);
  EXPECT_EQ(Call("GET", "/v1/projects?cursor=bogus").status, 422);
  EXPECT_EQ(Call("GET", "/v1/projects?status=nope").status, 422);

  // GET with ETag (304 on If-None-Match), PATCH with If-Match.
  r = Call("GET", "/v1/projects/" + ids[0]);
  ASSERT_EQ(r.status, 200);
  const std::string etag = ETagOf(r);
  EXPECT_EQ(etag, "\"v1\"");
  EXPECT_EQ(Obj(r).at("status").as_string(), "draft");
  r = Call("GET", "/v1/projects/" + ids[0], "", {{"If-None-Match", etag}});
  EXPECT_EQ(r.status, 304);
  EXPECT_EQ(ETagOf(r), etag);
  EXPECT_EQ(Call("PATCH", "/v1/projects/" + ids[0], R"({"customer":"Acme"})").status, 428);
  r = Call("PATCH", "/v1/projects/" + ids[0], R"({"customer":"Acme"})", {{"If-Match", etag}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Obj(r).at("customer").as_string(), "Acme");
  EXPECT_EQ(Obj(r).at("version").as_int64(), 2);
  EXPECT_EQ(ETagOf(r), "\"v2\"");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'project.updated'"), 1);
  r = Call("PATCH", "/v1/projects/" + ids[0], R"({"name":"late"})", {{"If-Match", etag}});
  EXPECT_EQ(r.status, 412) << r.body;
  r = Call("PATCH", "/v1/projects/" + ids[0], R"({"name":"late"})", {{"If-Match", "bogus"}});
  EXPECT_EQ(r.status, 412) << r.body;
  EXPECT_EQ(
      Call("PATCH", "/v1/projects/prj_nope", R"({"name":"x"})", {{"If-Match", "bogus"}}).status,
      404);
  r = Call("PATCH", "/v1/projects/" + ids[0], R"({"status":"quoted"})", {{"If-Match", "\"v2\""}});
  EXPECT_EQ(r.status, 422);  // the status moves through POST /v1/projects/{id}/transitions
  r = Call("PATCH", "/v1/projects/" + ids[0], R"({"customer":null})", {{"If-Match", "W/\"v2\""}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Obj(r).at("customer").is_null());
  // The lifecycle sees the same row and version.
  EXPECT_EQ(Version(ids[0]), 3);

  // Validation and idempotency.
  EXPECT_EQ(Call("POST", "/v1/projects", R"({"nam":"x"})").status, 422);
  r = Call("POST", "/v1/projects", R"({"name":"Idem"})", {{"Idempotency-Key", "k1"}});
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(r.headers.Get("Location").value_or(""),
            "/v1/projects/" + std::string(Obj(r).at("id").as_string()));
  auto again = Call("POST", "/v1/projects", R"({"name":"Idem"})", {{"Idempotency-Key", "k1"}});
  EXPECT_EQ(again.status, 200);
  EXPECT_EQ(Obj(again).at("id"), Obj(r).at("id"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'project.created'"), 7);

  // Tenants and credentials.
  EXPECT_EQ(Call("GET", "/v1/projects", "", {}, std::nullopt).status, 401);
  EXPECT_EQ(Call("GET", "/v1/projects/" + ids[0], "", {}, OrgMember("org_b")).status, 404);
  EXPECT_EQ(Call("PATCH", "/v1/projects/" + ids[0], R"({"name":"x"})", {{"If-Match", "\"v3\""}},
                 OrgMember("org_b"))
                .status,
            404);
  EXPECT_EQ(
      Obj(Call("GET", "/v1/projects", "", {}, OrgMember("org_b"))).at("items").as_array().size(),
      0u);

  // The project resource is studio's in the OpenAPI document, each operation once.
  const auto doc = json::parse(http::BuildOpenApi(router_, schemas_, {.version = "test"}));
  const auto& paths = doc.at("paths").as_object();
  for (const auto& [path, method] :
       std::vector<std::pair<std::string, std::string>>{{"/v1/projects", "post"},
                                                        {"/v1/projects", "get"},
                                                        {"/v1/projects/{id}", "get"},
                                                        {"/v1/projects/{id}", "patch"},
                                                        {"/v1/projects/{id}", "delete"}}) {
    ASSERT_TRUE(paths.contains(path)) << path;
    const auto& op = paths.at(path).at(method);
    EXPECT_EQ(op.at("tags").as_array(), json::array{"studio"}) << method << " " << path;
  }
  EXPECT_EQ(paths.at("/v1/projects/{id}/cost-records").at("get").at("tags").as_array(),
            json::array{"estimating"});
  std::map<std::pair<std::string, std::string>, int> routes;
  for (const auto& route : router_.routes()) ++routes[{route.method, route.pattern}];
  for (const auto& [key, n] : routes) EXPECT_EQ(n, 1) << key.first << " " << key.second;
}

TEST_P(StudioApiTest, LifecycleThroughEveryGuard) {
  const std::string id = NewProject();
  auto r = Call("GET", "/v1/projects/" + id + "/lifecycle");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ETagOf(r), "\"v1\"");
  EXPECT_EQ(Obj(r).at("status").as_string(), "draft");

  // If-Match: 428 without, 412 stale or weak.
  const std::string to_design = R"({"to": "design"})";
  EXPECT_EQ(Call("POST", "/v1/projects/" + id + "/transitions", to_design).status, 428);
  EXPECT_EQ(Call("POST", "/v1/projects/" + id + "/transitions", to_design, {{"If-Match", "\"v9\""}})
                .status,
            412);
  EXPECT_EQ(
      Call("POST", "/v1/projects/" + id + "/transitions", to_design, {{"If-Match", "W/\"v1\""}})
          .status,
      412);
  EXPECT_EQ(Call("POST", "/v1/projects/" + id + "/transitions", R"({"to": "nope"})",
                 {{"If-Match", "\"v1\""}})
                .status,
            422);
  // Not in the table.
  r = Move(id, "approved");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Guard(r), "no_transition");

  r = Call("POST", "/v1/projects/" + id + "/transitions", to_design, {{"If-Match", "\"v1\""}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(ETagOf(r), "\"v2\"");
  EXPECT_EQ(Obj(r).at("event").at("from").as_string(), "draft");
  ASSERT_EQ(Move(id, "engineering").status, 200);

  // Leaving engineering: no structure payload, then a failing one, then a passing one.
  r = Move(id, "estimating");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Guard(r), "structure_check_passed");
  EXPECT_NE(r.body.find("no structure payload"), std::string::npos) << r.body;
  r = Save(id, "structure", Structure(4));
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_FALSE(Obj(r).at("calculation").at("passed").as_bool());
  r = Move(id, "estimating");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Guard(r), "structure_check_passed");
  EXPECT_NE(r.body.find("embedment"), std::string::npos) << r.body;
  r = Save(id, "structure", Structure(10));
  ASSERT_EQ(r.status, 200) << r.body;
  const auto calc = Obj(r).at("calculation").as_object();
  EXPECT_TRUE(calc.at("passed").as_bool()) << r.body;
  EXPECT_GT(calc.at("result").at("embedment_ft").as_double(), 4.0);
  EXPECT_NEAR(calc.at("result").at("embedment_ft").as_double(), 9.17, 0.01);
  EXPECT_FALSE(calc.at("trace").as_array().empty());
  ASSERT_EQ(Move(id, "estimating").status, 200);

  // quoted needs a quote made from the current payloads.
  r = Move(id, "quoted");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Guard(r), "quote_current");
  const std::string quote_body =
      R"({"price_list": )" + std::string(kPriceList) +
      R"(, "from_prediction": {"cost_cents": 250000, "description": "pylon"}})";
  r = Call("POST", "/v1/projects/" + id + "/quotes", quote_body);
  ASSERT_EQ(r.status, 201) << r.body;
  // A payload saved after the quote makes it stale.
  ASSERT_EQ(Save(id, "cabinet", R"({"material": "aluminum", "faces": 2})").status, 201);
  r = Move(id, "quoted");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Guard(r), "quote_current");
  ASSERT_EQ(Call("POST", "/v1/projects/" + id + "/quotes", quote_body).status, 201);
  // The row's own permission: quoted needs quotes:write.
  r = Move(id, "quoted", "{}", OrgMember("org_a", {"projects:write", "projects:read"}));
  EXPECT_EQ(r.status, 403) << r.body;
  ASSERT_EQ(Move(id, "quoted").status, 200);
  ASSERT_EQ(Move(id, "approved", R"({"po": "PO-17"})").status, 200);
  ASSERT_EQ(Move(id, "in_production").status, 200);
  ASSERT_EQ(Move(id, "installed").status, 200);

  // closed needs the actual cost; given with the move it becomes a cost record.
  r = Move(id, "closed");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Guard(r), "actual_cost_recorded");
  EXPECT_EQ(Move(id, "closed", R"({"actual_cost_cents": -5})").status, 422);
  r = Move(id, "closed", R"({"actual_cost_cents": 1234500})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM cost_records WHERE project_id = $1 AND "
                  "total_cost_cents = 1234500",
                  {id}),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE type = 'estimating.evaluate_drift'"), 1);
  // Final: nothing moves, payloads are frozen.
  EXPECT_EQ(Guard(Move(id, "cancelled")), "no_transition");
  EXPECT_EQ(Save(id, "cabinet", R"({"material": "steel", "faces": 1})").status, 409);

  // Every move: one timeline row and one outbox event, nothing for the refused ones.
  const int64_t moves = 8;
  EXPECT_EQ(Count("SELECT COUNT(*) FROM project_events WHERE project_id = $1", {id}), moves);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'project.status_changed'"), moves);
  r = Call("GET", "/v1/projects/" + id + "/events?limit=5");
  ASSERT_EQ(r.status, 200) << r.body;
  auto page = Obj(r);
  ASSERT_EQ(page.at("items").as_array().size(), 5u);
  EXPECT_EQ(page.at("items").as_array()[0].at("to").as_string(), "design");
  EXPECT_EQ(page.at("items").as_array()[4].at("data").at("po").as_string(), "PO-17");
  r = Call("GET", "/v1/projects/" + id +
                      "/events?limit=5&cursor=" + std::string(page.at("next_cursor").as_string()));
  page = Obj(r);
  ASSERT_EQ(page.at("items").as_array().size(), 3u);
  EXPECT_EQ(page.at("items").as_array()[2].at("to").as_string(), "closed");
  EXPECT_TRUE(page.at("next_cursor").is_null());
}

TEST_P(StudioApiTest, HoldResumesWhereItWasAndDeleteNeedsIfMatch) {
  const std::string id = NewProject();
  ASSERT_EQ(Move(id, "design").status, 200);
  auto r = Move(id, "on_hold", R"({"reason": "customer away"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Obj(r).at("project").at("held_from").as_string(), "design");
  r = Call("GET", "/v1/projects/" + id + "/lifecycle");
  auto next = Obj(r).at("next").as_array();
  ASSERT_EQ(next.size(), 2u);  // resume to design, cancel
  EXPECT_EQ(next[0].at("to").as_string(), "design");
  r = Move(id, "engineering");
  EXPECT_EQ(r.status, 409);
  EXPECT_EQ(Guard(r), "resumes_to_held_status");
  r = Move(id, "design");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Obj(r).at("project").at("held_from").is_null());

  // DELETE: If-Match, and only a draft or cancelled project.
  EXPECT_EQ(Call("DELETE", "/v1/projects/" + id).status, 428);
  r = Call("DELETE", "/v1/projects/" + id, "", {{"If-Match", fmt::format("\"v{}\"", Version(id))}});
  EXPECT_EQ(r.status, 409) << r.body;
  ASSERT_EQ(Move(id, "cancelled").status, 200);
  EXPECT_EQ(Call("DELETE", "/v1/projects/" + id, "", {{"If-Match", "\"v1\""}}).status, 412);
  r = Call("DELETE", "/v1/projects/" + id, "", {{"If-Match", fmt::format("\"v{}\"", Version(id))}});
  EXPECT_EQ(r.status, 204) << r.body;
  EXPECT_EQ(Call("GET", "/v1/projects/" + id + "/lifecycle").status, 404);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'project.deleted'"), 1);
}

TEST_P(StudioApiTest, PayloadVersionsHashesDiffsAndPreconditions) {
  const std::string id = NewProject();
  const std::string url = "/v1/projects/" + id + "/payloads/structure";
  EXPECT_EQ(Call("PUT", url, Structure(8)).status, 428);
  auto r = Call("PUT", url, Structure(8), {{"If-None-Match", "*"}});
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(ETagOf(r), "\"p1\"");
  const std::string sha1(Obj(r).at("sha256").as_string());
  // The snapshot says why there is no price: no cost model is loaded.
  EXPECT_EQ(Obj(r).at("cost_snapshot").at("status").as_string(), "unavailable");
  EXPECT_EQ(Call("PUT", url, Structure(8), {{"If-None-Match", "*"}}).status, 412);
  // Same config, other key order and number forms: same hash, a new version all the same.
  r = Call("PUT", url, Structure(8, "b"), {{"If-Match", "\"p1\""}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Obj(r).at("sha256").as_string(), sha1);
  EXPECT_EQ(Obj(r).at("version").as_int64(), 2);
  EXPECT_EQ(Call("PUT", url, Structure(9), {{"If-Match", "\"p1\""}}).status, 412);
  r = Call("PUT", url, Structure(9), {{"If-Match", "\"p2\""}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_NE(Obj(r).at("sha256").as_string(), sha1);

  // Validation names the field and the limit.
  r = Call("PUT", url,
           R"({"wind_speed_mph": 50, "exposure": "E", "sign_width_ft": 10, "sign_height_ft": 6,
               "top_height_ft": 5, "pole": {"diameter_in": 10.75, "wall_in": 0.365},
               "soil_class": 4, "footing_diameter_ft": 3, "embedment_ft": 8})",
           {{"If-Match", "\"p3\""}});
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_NE(
      r.body.find(R"("field":"config.wind_speed_mph","message":"must be between 85 and 300")"),
      std::string::npos)
      << r.body;
  EXPECT_NE(r.body.find("config.exposure"), std::string::npos);
  EXPECT_NE(r.body.find("config.top_height_ft"), std::string::npos);
  EXPECT_EQ(
      Call("PUT", "/v1/projects/" + id + "/payloads/roof", "{}", {{"If-None-Match", "*"}}).status,
      404);

  // Versions and the diff between two.
  r = Call("GET", url + "/versions");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Obj(r).at("items").as_array().size(), 3u);
  r = Call("GET", url + "?version=1");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Obj(r).at("config").at("embedment_ft").as_int64(), 8);
  r = Call("GET", url + "/diff?from=1&to=3");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::serialize(Obj(r).at("patch")),
            R"([{"op":"replace","path":"/config/embedment_ft","value":9}])");
  EXPECT_EQ(Obj(Call("GET", url + "/diff?from=1&to=2")).at("patch").as_array().size(), 0u);
  EXPECT_EQ(Call("GET", url + "/diff?from=1").status, 422);
  EXPECT_EQ(Call("GET", url + "/diff?from=1&to=7").status, 404);

  // Files: SHA-256 checked on the way in and on the way out.
  const std::string svg = "<svg xmlns='http://www.w3.org/2000/svg'/>";
  const std::string sha = Sha256Hex(svg);
  const std::string file_url = url + "/files/elevation.svg";
  EXPECT_EQ(Call("PUT", file_url + "?sha256=" + sha, svg).status, 428);
  r = Call("PUT", file_url + "?sha256=" + std::string(64, '0'), svg, {{"If-Match", "\"p3\""}});
  EXPECT_EQ(r.status, 422) << r.body;
  r = Call("PUT", file_url + "?sha256=" + sha, svg,
           {{"If-Match", "\"p3\""}, {"Content-Type", "image/svg+xml"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Obj(r).at("version").as_int64(), 4);
  EXPECT_EQ(Obj(r).at("files").as_array()[0].at("sha256").as_string(), sha);
  r = Call("GET", file_url);
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.body, svg);
  EXPECT_EQ(r.content_type, "image/svg+xml");
  EXPECT_EQ(r.headers.Get("X-Content-SHA256").value_or(""), sha);
  EXPECT_EQ(Count("SELECT ref_count FROM blobs WHERE sha256 = $1", {sha}), 1);
  // A corrupted file on disk is refused, not served.
  {
    auto path = *blobs_->PathOf(sha);
    std::filesystem::permissions(path, std::filesystem::perms::owner_write,
                                 std::filesystem::perm_options::add);
    std::ofstream(path, std::ios::trunc) << "<svg/>tampered";
  }
  r = Call("GET", file_url);
  EXPECT_EQ(r.status, 500) << r.body;
  EXPECT_EQ(Call("GET", url + "/files/missing.svg").status, 404);

  // The current payloads and their combined hash.
  r = Call("GET", "/v1/projects/" + id + "/payloads");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Obj(r).at("items").as_array().size(), 1u);
  EXPECT_EQ(Obj(r).at("payloads_sha256").as_string().size(), 64u);
}

TEST_P(StudioApiTest, CostSnapshotComesFromTheLoadedModel) {
  auto bundle =
      estimating::testing::TrainSyntheticCostModel({.projects = 300, .data_seed = 5, .rounds = 30});
  ASSERT_TRUE(bundle.ok()) << bundle.status().ToString();
  auto predictor = estimating::CostPredictor::Create(std::move(*bundle));
  ASSERT_TRUE(predictor.ok());
  cost_->SetCurrent(*predictor);

  const std::string id = NewProject();
  auto r = Save(id, "structure", Structure(8));
  ASSERT_EQ(r.status, 201);
  EXPECT_EQ(Obj(r).at("cost_snapshot").at("status").as_string(), "unavailable");  // no cabinet
  r = Save(id, "cabinet", R"({"material": "aluminum", "faces": 2, "sign_type": "pylon"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const auto snap = Obj(r).at("cost_snapshot").as_object();
  ASSERT_EQ(snap.at("status").as_string(), "ok") << r.body;
  EXPECT_EQ(snap.at("spec").at("width_in").to_number<double>(), 120.0);
  EXPECT_GT(snap.at("prediction").at("result").at("cost_cents").to_number<double>(), 0.0) << r.body;
}

TEST_P(StudioApiTest, TenantsSeeOnlyTheirProjects) {
  const std::string id = NewProject();
  ASSERT_EQ(Save(id, "structure", Structure(8)).status, 201);
  for (const std::string path : {"/lifecycle", "/events", "/payloads", "/payloads/structure"}) {
    EXPECT_EQ(Call("GET", "/v1/projects/" + id + path, "", {}, OrgMember("org_b")).status, 404)
        << path;
  }
  EXPECT_EQ(Call("POST", "/v1/projects/" + id + "/transitions", R"({"to": "design"})",
                 {{"If-Match", "\"v1\""}}, OrgMember("org_b"))
                .status,
            404);
  EXPECT_EQ(Call("GET", "/v1/projects/" + id + "/lifecycle", "", {}, std::nullopt).status, 401);
}

// Routes on a real server: X-Test-Org makes the request's Principal (a Member of that org).
std::shared_ptr<http::testing::TestAuth> MemberAuth() {
  return std::make_shared<http::testing::TestAuth>(
      [](std::string_view org, const http::Request&) { return OrgMember(std::string(org)); });
}

// Eight writers with the same If-Match at once: exactly one wins, the others get 412, and
// exactly one timeline row and one payload version are written.
TEST_P(StudioApiTest, ConcurrentWritersExactlyOneWins) {
  metrics::Registry metrics;
  runtime::BlockingPool pool(4, 64);
  config::ServerConfig cfg;
  cfg.port = 0;
  cfg.io_threads = 2;
  http::Server server(cfg, router_, metrics, pool, false);
  server.Use(MemberAuth());
  ASSERT_TRUE(server.Start().ok());
  const std::string id = NewProject();
  ASSERT_EQ(Save(id, "cabinet", R"({"material": "acm", "faces": 1})").status, 201);
  constexpr int kWriters = 8;
  auto race = [&](const std::string& method, const std::string& target,
                  const std::function<std::string(int)>& body, const std::string& if_match) {
    std::vector<std::unique_ptr<http::testing::RawClient>> clients;
    for (int i = 0; i < kWriters; ++i) {
      clients.push_back(std::make_unique<http::testing::RawClient>(server.port()));
      EXPECT_TRUE(clients.back()->connected());
    }
    std::vector<int> status(kWriters, 0);
    std::latch start(kWriters);
    std::vector<std::thread> threads;
    for (int i = 0; i < kWriters; ++i) {
      threads.emplace_back([&, i] {
        start.arrive_and_wait();
        auto r = clients[i]->Request(method, target, body(i),
                                     {{"X-Test-Org", "org_a"},
                                      {"Content-Type", "application/json"},
                                      {"If-Match", if_match}});
        status[i] = r ? r->status : -1;
      });
    }
    for (auto& t : threads) t.join();
    std::map<int, int> by_status;
    for (int s : status) ++by_status[s];
    return by_status;
  };
  auto moves = race(
      "POST", "/v1/projects/" + id + "/transitions",
      [](int) { return std::string(R"({"to": "design"})"); }, "\"v1\"");
  EXPECT_EQ(moves[200], 1);
  EXPECT_EQ(moves[412], kWriters - 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM project_events WHERE project_id = $1 AND "
                  "to_status = 'design'",
                  {id}),
            1);
  auto saves = race(
      "PUT", "/v1/projects/" + id + "/payloads/cabinet",
      [](int i) {
        return fmt::format(R"({{"material": "acm", "faces": 1, "depth_in": {}}})", i + 1);
      },
      "\"p1\"");
  EXPECT_EQ(saves[200], 1);
  EXPECT_EQ(saves[412], kWriters - 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM project_payloads WHERE project_id = $1", {id}), 2);
  server.Shutdown();
  server.Wait();
}

TEST_P(StudioApiTest, EmailRouteValidatesAndNeedsSmtp) {
  const std::string id = NewProject();
  ASSERT_EQ(Save(id, "cabinet", R"({"material": "acm", "faces": 1})").status, 201);
  auto rep = Call("POST", "/v1/projects/" + id + "/reports");
  ASSERT_EQ(rep.status, 202) << rep.body;
  const std::string report_id(Obj(rep).at("id").as_string());
  const std::string url = "/v1/projects/" + id + "/reports/" + report_id + "/email";
  // Not ready yet (no worker ran): 409.
  studio_->SetEmailEnabled(true);
  EXPECT_EQ(Call("POST", url, R"({"to": ["ann@example.com"]})").status, 409);
  ASSERT_TRUE(GenerateReport(db_->store(), *blobs_, {"org_a", "usr_org_a"}, report_id).ok());

  auto bad = Call("POST", url, R"({"to": ["ann@example.com", "ann at example"]})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  auto details = json::parse(bad.body).at("error").at("details").as_array();
  ASSERT_EQ(details.size(), 1u);
  EXPECT_EQ(details[0].at("field").as_string(), "to[1]");
  EXPECT_EQ(Call("POST", url, R"({"to": "ann@example.com"})").status, 422);
  EXPECT_EQ(Call("POST", url, R"({"to": ["ann@example.com"]})", {}, OrgMember("org_b")).status,
            404);
  EXPECT_EQ(Call("POST", url, "not json", {}, OrgMember("org_b")).status, 404);

  auto ok = Call("POST", url, R"({"to": ["ann@example.com"], "message": "see attached"})");
  ASSERT_EQ(ok.status, 202) << ok.body;
  const std::string job_id(Obj(ok).at("job_id").as_string());
  auto job = queue_->Get(job_id);
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->type, kEmailJob);
  EXPECT_NE(job->payload_json.find(report_id), std::string::npos);

  studio_->SetEmailEnabled(false);
  auto off = Call("POST", url, R"({"to": ["ann@example.com"]})");
  EXPECT_EQ(off.status, 409);
  EXPECT_NE(off.body.find("smtp.url"), std::string::npos) << off.body;
}

TEST_P(StudioApiTest, SearchRouteValidatesAndAnswers) {
  auto search = ProjectSearch::Open(db_->store(), *queue_, blob_dir_.string());
  ASSERT_TRUE(search.ok()) << search.status().ToString();
  AddProjectSearchRoutes(router_, schemas_, **search);
  const std::string id = NewProject("Riverside pylon");
  EXPECT_EQ(Call("GET", "/v1/projects/search").status, 422);
  auto bad = Call("GET", "/v1/projects/search?q=pylon&status=nonsense");
  EXPECT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("status"), std::string::npos);
  // No index yet: the database answers and the rebuild is queued.
  auto r = Call("GET", "/v1/projects/search?q=riverside");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Obj(r).at("source").as_string(), "database");
  ASSERT_EQ(Obj(r).at("items").as_array().size(), 1u);
  EXPECT_EQ(Obj(r).at("items").as_array()[0].at("id").as_string(), id);
  EXPECT_EQ(Obj(Call("GET", "/v1/projects/search?q=riverside", "", {}, OrgMember("org_b")))
                .at("items")
                .as_array()
                .size(),
            0u);
  ASSERT_TRUE((*search)->Reindex("org_a").ok());
  r = Call("GET", "/v1/projects/search?q=riverside&status=draft&limit=5");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Obj(r).at("source").as_string(), "index");
  ASSERT_EQ(Obj(r).at("items").as_array().size(), 1u);
  EXPECT_NE(std::string(Obj(r).at("items").as_array()[0].at("snippet").as_string()).find("<mark>"),
            std::string::npos);
}

TEST_P(StudioApiTest, OpenApiHasEveryRouteAndSchema) {
  const std::string doc = http::BuildOpenApi(router_, schemas_, {.version = "test"});
  auto v = json::parse(doc).as_object();
  const auto& paths = v.at("paths").as_object();
  for (const auto& route : router_.routes()) {
    EXPECT_TRUE(paths.contains(route.pattern)) << route.pattern;
    if (!route.meta.request_schema.empty()) {
      EXPECT_TRUE(schemas_.Has(route.meta.request_schema)) << route.meta.request_schema;
    }
    if (!route.meta.response_schema.empty()) {
      EXPECT_TRUE(schemas_.Has(route.meta.response_schema)) << route.meta.response_schema;
    }
  }
  EXPECT_TRUE(schemas_.Has("StudioStructureConfig"));
}

INSTANTIATE_TEST_SUITE_P(Backends, StudioApiTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

// Migration 0016 keeps every row: projects in the old statuses, their cost records, lines and
// quotes, on both dialects.
class StudioMigrationTest : public ::testing::TestWithParam<Backend> {};

TEST_P(StudioMigrationTest, OldStatusesMapAndNoRowIsLost) {
  storage::testing::TestDatabase db(GetParam());
  if (!db.skip_reason().empty()) GTEST_SKIP() << db.skip_reason();
  auto all = storage::MigrationsFor(db.store().dialect());
  std::vector<storage::Migration> before;
  for (const auto& m : all) {
    if (m.version < 16) before.push_back(m);
  }
  ASSERT_TRUE(storage::MigrateUp(db.store(), before, SystemClock::Get()).ok());
  const char* statuses[] = {"draft", "quoted", "approved", "in_progress", "completed", "cancelled"};
  ASSERT_TRUE(
      db.store()
          .WithTxn([&](storage::Txn& txn) -> Status {
            int i = 0;
            for (const char* s : statuses) {
              const std::string id = fmt::format("prj_{}", i++);
              SIGNX_RETURN_IF_ERROR(
                  txn.Exec("INSERT INTO projects (id, org_id, name, status, metadata, "
                           "created_at, updated_at) VALUES ($1, 'org_m', $2, $3, '{}', 1, 2)",
                           {id, std::string("P ") + s, std::string(s)})
                      .status());
              SIGNX_RETURN_IF_ERROR(
                  txn.Exec("INSERT INTO cost_records (id, org_id, project_id, drivers, "
                           "total_cost_cents, created_at, updated_at) VALUES ($1, "
                           "'org_m', $2, '{}', 100, 1, 1)",
                           {"cr_" + id, id})
                      .status());
              SIGNX_RETURN_IF_ERROR(
                  txn.Exec("INSERT INTO cost_lines (cost_record_id, line_no, org_id, "
                           "cost_type) VALUES ($1, 1, 'org_m', 'Labor')",
                           {"cr_" + id})
                      .status());
              SIGNX_RETURN_IF_ERROR(
                  txn.Exec("INSERT INTO quotes (id, org_id, project_id, "
                           "price_list_version, price_list, request, quote, quantity, "
                           "total_cost_cents, price_cents, created_at, updated_at, "
                           "price_list_id) VALUES ($1, 'org_m', $2, 'v', '{}', '{}', "
                           "'{}', 1, 1, 2, 1, 1, 'pl_1')",
                           {"quo_" + id, id})
                      .status());
            }
            return Status::Ok();
          })
          .ok());
  auto done = storage::MigrateUp(db.store(), all, SystemClock::Get());
  ASSERT_TRUE(done.ok()) << done.status().ToString();
  auto rs = db.store().Query("SELECT id, status FROM projects ORDER BY id");
  ASSERT_TRUE(rs.ok());
  std::vector<std::string> got;
  for (const auto& row : rs->rows) got.push_back(row.Text(1));
  EXPECT_EQ(got, (std::vector<std::string>{"draft", "quoted", "approved", "in_production", "closed",
                                           "cancelled"}));
  for (const char* table : {"cost_records", "cost_lines", "quotes"}) {
    auto n = db.store().Query(fmt::format("SELECT COUNT(*) FROM {}", table));
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(n->rows[0].Int(0), 6) << table;
  }
  auto q = db.store().Query("SELECT price_list_id FROM quotes WHERE id = 'quo_prj_3'");
  EXPECT_EQ(q->rows[0].Text(0), "pl_1");
  // The timeline starts with the migration, naming the old status.
  auto ev = db.store().Query(
      "SELECT actor, to_status, data FROM project_events WHERE project_id = 'prj_4'");
  ASSERT_TRUE(ev.ok());
  ASSERT_EQ(ev->rows.size(), 1u);
  EXPECT_EQ(ev->rows[0].Text(0), "migration");
  EXPECT_EQ(ev->rows[0].Text(1), "closed");
  EXPECT_EQ(json::parse(ev->rows[0].Text(2)).at("previous_status").as_string(), "completed");
  // The cascade still works after the rebuild, and the new CHECK refuses an unknown status.
  ASSERT_TRUE(db.store()
                  .WithTxn([](storage::Txn& txn) {
                    return txn.Exec("DELETE FROM projects WHERE id = 'prj_0'").status();
                  })
                  .ok());
  EXPECT_EQ(db.store().Query("SELECT COUNT(*) FROM cost_lines")->rows[0].Int(0), 5);
  Status bad = db.store().WithTxn([](storage::Txn& txn) {
    return txn.Exec("UPDATE projects SET status = 'completed' WHERE id = 'prj_1'").status();
  });
  EXPECT_EQ(bad.code(), ErrorCode::kConflict) << bad.ToString();
}

INSTANTIATE_TEST_SUITE_P(Backends, StudioMigrationTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::studio
