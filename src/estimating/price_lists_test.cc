// Versioned price lists through the routes on SQLite and PostgreSQL: versions per name, 422 per
// field, activation (one active per org), quotes priced with the active or a named version and
// storing which one, audit rows, tenant isolation.
#include "estimating/price_lists.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "estimating/routes.h"
#include "estimating/service.h"
#include "http/testing/route_call.h"
#include "storage/testing/test_stores.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

constexpr std::string_view kList = R"({"name": "standard", "method": "markup", "rate_pct": 50,
  "contingency_pct": 10,
  "materials": {"acm": {"name": "ACM 3 mm", "unit": "sqft", "cost_cents_per_unit": 450, "waste_pct": 10}},
  "labor": {"fab": {"name": "fabrication", "cost_cents_per_hour": 6500}},
  "machines": {"cnc": {"name": "CNC router", "cost_cents_per_hour": 9000, "setup_cents": 2500}}})";

constexpr std::string_view kQuote =
    R"({"request": {"quantity": 1, "parts": [{"kind": "material", "key": "acm", "usage": 10}]}})";

class PriceListTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-pricelists-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 26)));
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    service_ = std::make_unique<EstimatingService>(db_->store(), outbox_, *queue_, blobs_);
    AddEstimatingRoutes(router_, schemas_, *service_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& org = "org_a") {
    http::testing::RouteCall call{.method = method, .target = target, .body = body};
    call.principal = http::Principal{.kind = "user",
                                     .subject_id = "usr_" + org,
                                     .org_id = org,
                                     .role = "org_member",
                                     .permissions = {"*"}};
    return http::testing::CallRoute(router_, std::move(call));
  }
  static json::object Obj(const http::Response& r) { return json::parse(r.body).as_object(); }
  static std::set<std::string> Fields(const http::Response& r) {
    std::set<std::string> out;
    const json::object o = Obj(r);
    for (const auto& d : o.at("error").at("details").as_array()) {
      out.emplace(d.at("field").as_string());
    }
    return out;
  }
  json::object WithRate(double rate) {
    json::object o = json::parse(kList).as_object();
    o["rate_pct"] = rate;
    return o;
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path blob_dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<EstimatingService> service_;
  http::Router router_;
  http::SchemaRegistry schemas_;
};

TEST_P(PriceListTest, VersionsActivationQuotesAndIsolation) {
  // No active list yet: a quote without one is a 422 naming price_list_id.
  auto none = Call("POST", "/v1/quotes", std::string(kQuote));
  ASSERT_EQ(none.status, 422) << none.body;
  EXPECT_TRUE(Fields(none).contains("price_list_id"));

  auto v1 = Call("POST", "/v1/price-lists", json::serialize(WithRate(50)));
  ASSERT_EQ(v1.status, 201) << v1.body;
  EXPECT_EQ(Obj(v1).at("version").as_int64(), 1);
  EXPECT_EQ(Obj(v1).at("version_ref").as_string(), "standard@1");
  EXPECT_FALSE(Obj(v1).at("active").as_bool());
  const std::string id1(Obj(v1).at("id").as_string());
  auto v2 = Call("POST", "/v1/price-lists", json::serialize(WithRate(40)));
  ASSERT_EQ(v2.status, 201) << v2.body;
  EXPECT_EQ(Obj(v2).at("version").as_int64(), 2);
  const std::string id2(Obj(v2).at("id").as_string());
  // Versions are immutable: no route changes or deletes one.
  EXPECT_EQ(router_.Find("PATCH", "/v1/price-lists/" + id1).route, nullptr);
  EXPECT_EQ(router_.Find("PUT", "/v1/price-lists/" + id1).route, nullptr);
  EXPECT_EQ(router_.Find("DELETE", "/v1/price-lists/" + id1).route, nullptr);

  auto act1 = Call("POST", "/v1/price-lists/" + id1 + "/activate");
  ASSERT_EQ(act1.status, 200) << act1.body;
  EXPECT_TRUE(Obj(act1).at("active").as_bool());
  auto act2 = Call("POST", "/v1/price-lists/" + id2 + "/activate");
  ASSERT_EQ(act2.status, 200) << act2.body;
  auto list = Obj(Call("GET", "/v1/price-lists?name=standard"));
  ASSERT_EQ(list.at("items").as_array().size(), 2u);
  int active = 0;
  for (const auto& p : list.at("items").as_array()) {
    if (p.at("active").as_bool()) {
      ++active;
      EXPECT_EQ(p.at("id").as_string(), id2);
    }
  }
  EXPECT_EQ(active, 1);

  // The active version (40 % markup) prices a quote without one: 10 sqft × 1.10 × $4.50 =
  // $49.50, contingency 10 % = $4.95, total $54.45, price × 1.40 = $76.23.
  auto q = Call("POST", "/v1/quotes", std::string(kQuote));
  ASSERT_EQ(q.status, 201) << q.body;
  EXPECT_EQ(Obj(q).at("price_list_id").as_string(), id2);
  EXPECT_EQ(Obj(q).at("price_list_version").as_string(), "standard@2");
  EXPECT_EQ(Obj(q).at("total_cost_cents").as_int64(), 5445);
  EXPECT_EQ(Obj(q).at("price_cents").as_int64(), 7623);
  // A named older version prices at its own rate (50 %): $54.45 × 1.5 = $81.675 → $81.68.
  json::object named = json::parse(kQuote).as_object();
  named["price_list_id"] = id1;
  auto q1 = Call("POST", "/v1/quotes", json::serialize(named));
  ASSERT_EQ(q1.status, 201) << q1.body;
  EXPECT_EQ(Obj(q1).at("price_list_version").as_string(), "standard@1");
  EXPECT_EQ(Obj(q1).at("price_cents").as_int64(), 8168);
  const std::string qid(Obj(q1).at("id").as_string());
  EXPECT_EQ(Obj(Call("GET", "/v1/quotes/" + qid)).at("price_list_id").as_string(), id1);

  // Another org sees none of it and cannot price with it.
  EXPECT_EQ(Call("GET", "/v1/price-lists/" + id1, "", "org_b").status, 404);
  EXPECT_TRUE(Obj(Call("GET", "/v1/price-lists", "", "org_b")).at("items").as_array().empty());
  EXPECT_EQ(Call("POST", "/v1/price-lists/" + id1 + "/activate", "", "org_b").status, 404);
  auto foreign = Call("POST", "/v1/quotes", json::serialize(named), "org_b");
  ASSERT_EQ(foreign.status, 422) << foreign.body;
  EXPECT_TRUE(Fields(foreign).contains("price_list_id"));
  // org_b's own "standard" starts at version 1.
  auto b1 = Call("POST", "/v1/price-lists", json::serialize(WithRate(30)), "org_b");
  ASSERT_EQ(b1.status, 201) << b1.body;
  EXPECT_EQ(Obj(b1).at("version").as_int64(), 1);

  // Audited: 2 creates + 2 activations in org_a.
  auto audit = db_->store().Query(
      "SELECT COUNT(*) FROM audit_log WHERE org_id = $1 AND subject_type = $2",
      {std::string("org_a"), std::string("price_list")});
  ASSERT_TRUE(audit.ok());
  EXPECT_EQ(audit->rows[0].Int(0), 4);
}

TEST_P(PriceListTest, ValidationNamesEveryField) {
  json::object bad = json::parse(kList).as_object();
  bad["name"] = "Bad Name";
  bad["method"] = "percent";
  bad["id"] = "pl_x";
  bad["activate"] = "yes";
  bad["materials"].as_object()["acm"].as_object().erase("unit");
  auto r = Call("POST", "/v1/price-lists", json::serialize(bad));
  ASSERT_EQ(r.status, 422) << r.body;
  const auto fields = Fields(r);
  EXPECT_TRUE(fields.contains("name")) << r.body;
  EXPECT_TRUE(fields.contains("method")) << r.body;
  EXPECT_TRUE(fields.contains("id")) << r.body;
  EXPECT_TRUE(fields.contains("activate")) << r.body;
  EXPECT_TRUE(fields.contains("materials.acm.unit")) << r.body;
  json::object both = json::parse(kQuote).as_object();
  both["price_list_id"] = "pl_x";
  both["price_list"] = json::parse(kList).as_object();
  auto q = Call("POST", "/v1/quotes", json::serialize(both));
  ASSERT_EQ(q.status, 422) << q.body;
  EXPECT_TRUE(Fields(q).contains("price_list_id"));
  // Create with activate: true makes it active at once.
  json::object act = json::parse(kList).as_object();
  act["activate"] = true;
  auto a = Call("POST", "/v1/price-lists", json::serialize(act));
  ASSERT_EQ(a.status, 201) << a.body;
  EXPECT_TRUE(Obj(a).at("active").as_bool());
}

INSTANTIATE_TEST_SUITE_P(Backends, PriceListTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace signx::estimating
