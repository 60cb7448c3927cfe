// Estimating API on SQLite and PostgreSQL: routes called through the Router (and one real
// http::Server), the org-scoped repository, imports, quotes and the quote PDF job.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "estimating/driver_filter.h"
#include "estimating/generator.h"
#include "estimating/importer.h"
#include "estimating/quote.h"
#include "estimating/routes.h"
#include "estimating/service.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "http/testing/route_call.h"
#include "http/testing/test_auth.h"
#include "jobs/worker.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"
#include "storage/testing/test_stores.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using http::testing::OrgMember;
using storage::testing::Backend;

std::string History(int n, HistoryFormat format, uint64_t seed = 7) {
  std::ostringstream out;
  out << CsvHeader(format);
  for (int i = 0; i < n; ++i)
    WriteRecord(GenerateProject({.projects = n, .seed = seed}, i), format, out);
  return out.str();
}

constexpr std::string_view kPriceList = R"({"id": "pl_std", "version": "2025-01",
  "method": "markup", "rate_pct": 50, "contingency_pct": 10,
  "materials": {"acm": {"name": "ACM 3 mm", "unit": "sqft", "cost_cents_per_unit": 450, "waste_pct": 10}},
  "labor": {"fab": {"name": "fabrication", "cost_cents_per_hour": 6500}},
  "machines": {"cnc": {"name": "CNC router", "cost_cents_per_hour": 9000, "setup_cents": 2500}},
  "quantity_breaks": [{"min_quantity": 10, "rate_pct": 40}]})";

class EstimatingApiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-estapi-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 26)));
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    ASSERT_TRUE(RegisterEstimatingJobs(*queue_, db_->store(), blobs_).ok());
    service_ = std::make_unique<EstimatingService>(db_->store(), outbox_, *queue_, blobs_);
    AddEstimatingRoutes(router_, schemas_, *service_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "", std::optional<std::string> org = "org_a",
                      std::map<std::string, std::string> headers = {}) {
    http::testing::RouteCall call{
        .method = method, .target = target, .body = body, .headers = std::move(headers)};
    if (org) call.principal = OrgMember(*org);
    return http::testing::CallRoute(router_, std::move(call));
  }
  static json::object Obj(const http::Response& r) { return json::parse(r.body).as_object(); }

  // The project resource's routes are studio's (studio/api_test.cc): the project row is made
  // through the Repository the cost-record routes read it with.
  std::string NewProject(const std::string& name, const std::string& org = "org_a") {
    auto p = db_->store().WithTxnResult<Project>([&](storage::Txn& txn) {
      return Repository(txn, Scope{org, "usr_" + org}).CreateProject({.name = name});
    });
    SIGNX_CHECK(p.ok(), p.status().ToString());
    return p->id;
  }
  int64_t CountProjects(const std::string& org = "org_a") {
    auto rs = db_->store().Query("SELECT COUNT(*) FROM projects WHERE org_id = $1", {org});
    return rs->rows[0].Int(0);
  }

  int64_t CountEvents(std::string_view type) {
    auto rs = db_->store().Query("SELECT COUNT(*) FROM events WHERE type = $1", {type});
    return rs->rows[0].Int(0);
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

TEST_P(EstimatingApiTest, TenantIsolation) {
  const std::string a = NewProject("A's pylon", "org_a");
  const std::string rec = R"({"drivers":{"width_in":96,"height_in":48,"wind_speed_mph":115,
      "material":"aluminum"},"total_cost_cents":1000})";
  EXPECT_EQ(Call("POST", "/v1/projects/" + a + "/cost-records", rec, "org_b").status, 404);
  auto r = Call("POST", "/v1/projects/" + a + "/cost-records", rec, "org_a");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string cr(Obj(r).at("id").as_string());
  EXPECT_EQ(Call("GET", "/v1/cost-records/" + cr, "", "org_b").status, 404);
  EXPECT_EQ(Obj(Call("GET", "/v1/cost-records", "", "org_b")).at("items").as_array().size(),
            0u);
  EXPECT_EQ(Call("GET", "/v1/projects/" + a + "/cost-records", "", "org_b").status, 404);
}

TEST_P(EstimatingApiTest, DriverFiltersAndStats) {
  const std::string p = NewProject("History");
  struct R {
    double wind;
    const char* material;
    const char* foundation;
    int64_t actual, estimate;
  };
  const std::vector<R> recs = {{115, "aluminum", "drilled_pier", 10000, 9000},
                               {145, "aluminum", "direct_embed", 20000, 25000},
                               {150, "steel", "drilled_pier", 30000, 30000},
                               {160, "steel", "drilled_pier", 50000, 40000}};
  for (const auto& x : recs) {
    json::object body{{"drivers",
                       {{"width_in", 96},
                        {"height_in", 48},
                        {"wind_speed_mph", x.wind},
                        {"material", x.material},
                        {"sign_type", "pylon"},
                        {"mounting_type", "pole"},
                        {"foundation_type", x.foundation}}},
                      {"total_cost_cents", x.actual},
                      {"estimate", {{"total_cost_cents", x.estimate}}}};
    auto r = Call("POST", "/v1/projects/" + p + "/cost-records", json::serialize(body));
    ASSERT_EQ(r.status, 201) << r.body;
  }
  auto count = [&](const std::string& q) -> int {
    auto r = Call("GET", "/v1/cost-records?" + q);
    EXPECT_EQ(r.status, 200) << q << " " << r.body;
    if (r.status != 200) return -1;
    return static_cast<int>(Obj(r).at("items").as_array().size());
  };
  EXPECT_EQ(count(""), 4);
  EXPECT_EQ(count("filter=wind_speed_mph>140"), 3);
  EXPECT_EQ(count("filter=wind_speed_mph%3E%3D150"), 2);
  EXPECT_EQ(count("wind_speed_mph>140"), 3);   // bare expression as the parameter name
  EXPECT_EQ(count("wind_speed_mph>=150"), 2);  // "wind_speed_mph>" = "150"
  EXPECT_EQ(count("foundation_type=drilled_pier"), 3);
  EXPECT_EQ(count("filter=foundation_type=drilled_pier,wind_speed_mph>140"), 2);
  EXPECT_EQ(count("filter=material!=steel"), 2);
  EXPECT_EQ(count("filter=wind_speed_mph<=115&limit=1"), 1);
  EXPECT_EQ(Obj(Call("GET", "/v1/projects/" + p + "/cost-records?filter=material=steel"))
                .at("items")
                .as_array()
                .size(),
            2u);

  // Injection attempts and bad grammar: 400, never SQL.
  for (const std::string q :
       {"filter=wind_speed_mph>1;DROP TABLE projects", "filter=material='x' OR 1=1",
        "filter=material=x%27)%20OR%20(1=1", "filter=drivers)--=1", "filter=nokey>3",
        "filter=material>steel", "filter=wind_speed_mph>abc", "filter=wind_speed_mph", "bogus=1",
        "filter=has_lighting=maybe"}) {
    auto r = Call("GET", "/v1/cost-records?" + q);
    EXPECT_EQ(r.status, 422) << q << " " << r.body;
  }
  EXPECT_EQ(count(""), 4);  // the table is still there

  auto r = Call("GET", "/v1/cost-records/stats?group_by=material");
  ASSERT_EQ(r.status, 200) << r.body;
  auto groups = Obj(r).at("groups").as_array();
  ASSERT_EQ(groups.size(), 2u);
  const auto& al = groups[0].as_object();
  EXPECT_EQ(al.at("group").as_string(), "aluminum");
  EXPECT_EQ(al.at("count").as_int64(), 2);
  EXPECT_DOUBLE_EQ(al.at("mean_actual_cents").to_number<double>(), 15000);
  EXPECT_DOUBLE_EQ(al.at("median_actual_cents").to_number<double>(), 15000);
  // |9000-10000|/10000 = 0.1, |25000-20000|/20000 = 0.25 → 0.175
  EXPECT_NEAR(al.at("estimate_mape").to_number<double>(), 0.175, 1e-12);
  const auto& st = groups[1].as_object();
  EXPECT_EQ(st.at("group").as_string(), "steel");
  EXPECT_NEAR(st.at("estimate_mape").to_number<double>(), 0.1, 1e-12);
  r = Call("GET", "/v1/cost-records/stats?group_by=material&filter=foundation_type=drilled_pier");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Obj(r).at("groups").as_array()[0].at("count").as_int64(), 1);
  EXPECT_EQ(Call("GET", "/v1/cost-records/stats?group_by=wind_speed_mph").status, 422);
  EXPECT_EQ(Call("GET", "/v1/cost-records/stats").status, 422);
}

TEST_P(EstimatingApiTest, SpecValidate) {
  auto r = Call("POST", "/v1/specs/validate",
                R"({"width_in":400,"height_in":200,"wind_speed_mph":160,"material":"steel"})");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(Obj(r).at("requires_engineering_review").as_bool());
  EXPECT_EQ(Obj(r).at("engineering_review").at("route").as_string(), sign::kEngineeringReviewRoute);
  r = Call("POST", "/v1/specs/validate",
           R"({"width_in":0,"height_in":48,"wind_speed_mph":80,"material":"wood"})");
  ASSERT_EQ(r.status, 422);
  auto details = Obj(r).at("error").at("details").as_array();
  std::set<std::string> fields;
  for (auto& d : details) fields.emplace(d.at("field").as_string());
  EXPECT_TRUE(fields.contains("width_in"));
  EXPECT_TRUE(fields.contains("wind_speed_mph"));
  EXPECT_TRUE(fields.contains("material"));
  EXPECT_NE(r.body.find("Iowa"), std::string::npos);
}

TEST_P(EstimatingApiTest, ImportNdjsonCsvKeyedInAndReplay) {
  const std::string nd = History(20, HistoryFormat::kNdjson);
  auto r = Call("POST", "/v1/imports?filename=h.ndjson", nd);
  ASSERT_EQ(r.status, 201) << r.body;
  auto imp = Obj(r);
  EXPECT_EQ(imp.at("status").as_string(), "completed");
  EXPECT_EQ(imp.at("format").as_string(), "ndjson");
  EXPECT_EQ(imp.at("accepted").as_int64(), 20);
  EXPECT_EQ(imp.at("rejected").as_int64(), 0);
  EXPECT_EQ(imp.at("sha256").as_string().size(), 64u);
  EXPECT_EQ(CountEvents("import.completed"), 1);
  // A record came in with its lines and drivers.
  const std::string cr(imp.at("report").at("accepted_rows").as_array()[0].at("id").as_string());
  auto rec = Obj(Call("GET", "/v1/cost-records/" + cr));
  EXPECT_GT(rec.at("lines").as_array().size(), 3u);
  EXPECT_TRUE(rec.at("drivers").as_object().contains("wind_speed_mph"));
  EXPECT_EQ(rec.at("external_id").as_string(), "cr_syn_00000001");

  // Same bytes again → the earlier import, nothing written.
  auto again = Call("POST", "/v1/imports", nd);
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(Obj(again).at("id"), imp.at("id"));
  EXPECT_TRUE(Obj(again).at("replayed").as_bool());
  // GET the import.
  r = Call("GET", "/v1/imports/" + std::string(imp.at("id").as_string()));
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(Call("GET", "/v1/imports/" + std::string(imp.at("id").as_string()), "", "org_b").status,
            404);

  // The same records as CSV (different bytes) are rejected as already imported: all-or-nothing.
  const std::string csv = History(20, HistoryFormat::kCsv);
  r = Call("POST", "/v1/imports?format=csv", csv);
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_NE(r.body.find("already imported"), std::string::npos);
  // CSV in another org imports fine.
  r = Call("POST", "/v1/imports", csv, "org_b");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Obj(r).at("format").as_string(), "csv");
  EXPECT_EQ(Obj(r).at("accepted").as_int64(), 20);

  // KeyedIn cost summary: lines grouped per record, totals summed from the lines.
  const std::string ki = History(3, HistoryFormat::kKeyedInCsv, 99);
  r = Call("POST", "/v1/imports", ki, "org_c");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(Obj(r).at("format").as_string(), "keyedin-csv");
  EXPECT_EQ(Obj(r).at("accepted").as_int64(), 3);
  const std::string kcr(Obj(r).at("report").at("accepted_rows").as_array()[0].at("id").as_string());
  rec = Obj(Call("GET", "/v1/cost-records/" + kcr, "", "org_c"));
  const auto gen = GenerateProject({.projects = 3, .seed = 99}, 0);
  EXPECT_EQ(rec.at("actual").at("total_cost_cents").as_int64(), gen.actual.total_cost_cents);
  EXPECT_EQ(rec.at("lines").as_array().size(), gen.lines.size());
}

TEST_P(EstimatingApiTest, ImportAllOrNothingVsPartialAndIdempotencyKey) {
  std::string nd = History(5, HistoryFormat::kNdjson, 3);
  // Break row 2 (wind below the minimum) and row 4 (not JSON).
  std::vector<std::string> lines;
  std::istringstream in(nd);
  for (std::string l; std::getline(in, l);) lines.push_back(l);
  const auto pos = lines[1].find("\"wind_speed_mph\":");
  ASSERT_NE(pos, std::string::npos);
  const auto end = lines[1].find_first_of(",}", pos);
  lines[1] = lines[1].substr(0, pos) + "\"wind_speed_mph\":50" + lines[1].substr(end);
  lines[3] = "{not json";
  std::string bad;
  for (auto& l : lines) bad += l + "\n";

  auto r = Call("POST", "/v1/imports", bad);
  ASSERT_EQ(r.status, 422) << r.body;
  auto err = Obj(r).at("error").as_object();
  std::set<std::string> fields;
  for (auto& d : err.at("details").as_array()) fields.emplace(d.at("field").as_string());
  EXPECT_TRUE(fields.contains("rows[2].drivers.wind_speed_mph")) << r.body;
  EXPECT_TRUE(fields.contains("rows[4]")) << r.body;
  EXPECT_EQ(Obj(Call("GET", "/v1/cost-records")).at("items").as_array().size(), 0u);
  EXPECT_EQ(CountProjects(), 0);

  // Partial: the 3 valid rows go in, the report names the 2 others.
  r = Call("POST", "/v1/imports?partial=true", bad, "org_a", {{"Idempotency-Key", "up-1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto imp = Obj(r);
  EXPECT_EQ(imp.at("accepted").as_int64(), 3);
  EXPECT_EQ(imp.at("rejected").as_int64(), 2);
  auto rejected = imp.at("report").at("rejected_rows").as_array();
  ASSERT_EQ(rejected.size(), 2u);
  EXPECT_EQ(rejected[0].at("row").as_int64(), 2);
  EXPECT_EQ(rejected[1].at("row").as_int64(), 4);
  EXPECT_EQ(Obj(Call("GET", "/v1/cost-records")).at("items").as_array().size(), 3u);

  // Same Idempotency-Key, even with other bytes → the earlier import.
  r = Call("POST", "/v1/imports?partial=true", nd, "org_a", {{"Idempotency-Key", "up-1"}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(Obj(r).at("id"), imp.at("id"));
  EXPECT_EQ(Obj(Call("GET", "/v1/cost-records")).at("items").as_array().size(), 3u);

  // Garbage files.
  EXPECT_EQ(Call("POST", "/v1/imports", "").status, 400);
  EXPECT_EQ(Call("POST", "/v1/imports?format=xml", nd).status, 422);
}

TEST_P(EstimatingApiTest, QuotesMatchQuoteHAndPdfJob) {
  const std::string p = NewProject("Quote me");
  const std::string request = R"({"quantity": 12, "contingency_pct": 5, "parts": [
      {"kind": "material", "key": "acm", "usage": 32},
      {"kind": "labor", "key": "fab", "usage": 3.5},
      {"kind": "machine", "key": "cnc", "usage": 0.75},
      {"kind": "fixed", "description": "Permit", "fixed_cents": 15000}]})";
  json::object body{{"project_id", p},
                    {"price_list", json::parse(kPriceList)},
                    {"request", json::parse(request)}};
  auto r = Call("POST", "/v1/quotes", json::serialize(body), "org_a", {{"Idempotency-Key", "q1"}});
  ASSERT_EQ(r.status, 201) << r.body;
  auto q = Obj(r);
  // Same numbers as quote.h directly.
  auto expected = PriceQuote(*ParsePriceList(json::parse(kPriceList).as_object()),
                             *ParseQuoteRequest(json::parse(request).as_object()));
  ASSERT_TRUE(expected.ok());
  EXPECT_EQ(q.at("price_cents").as_int64(), expected->price_cents);
  EXPECT_EQ(q.at("total_cost_cents").as_int64(), expected->total_cost_cents);
  EXPECT_EQ(json::serialize(q.at("quote")), json::serialize(ToJson(*expected)));
  EXPECT_EQ(q.at("quote").at("rate_bp").as_int64(), 4000);  // quantity break at 10
  EXPECT_EQ(q.at("price_list_version").as_string(), "pl_std@2025-01");
  EXPECT_EQ(CountEvents("quote.created"), 1);
  const std::string id(q.at("id").as_string());
  EXPECT_EQ(Call("POST", "/v1/quotes", json::serialize(body), "org_a", {{"Idempotency-Key", "q1"}})
                .status,
            200);

  // From a predicted cost: one fixed line, contingency and markup on top.
  json::object pred{{"price_list", json::parse(kPriceList)},
                    {"from_prediction", {{"cost_cents", 1000000}, {"model_version", "cost-abc"}}},
                    {"quantity", 1}};
  r = Call("POST", "/v1/quotes", json::serialize(pred));
  ASSERT_EQ(r.status, 201) << r.body;
  // 10,000.00 + 10 % contingency = 11,000.00; × 1.5 = 16,500.00
  EXPECT_EQ(Obj(r).at("price_cents").as_int64(), 1650000);
  EXPECT_EQ(Call("POST", "/v1/quotes", R"({"price_list": {}})").status, 422);
  EXPECT_EQ(Call("POST", "/v1/quotes", json::serialize(body), "org_b").status, 404);  // project

  // PDF: 202 with the job until the job has run, then the PDF.
  r = Call("GET", "/v1/quotes/" + id + "/pdf");
  ASSERT_EQ(r.status, 202) << r.body;
  EXPECT_FALSE(Obj(r).at("job_id").is_null());
  EXPECT_EQ(Call("GET", "/v1/quotes/" + id + "/pdf", "", "org_b").status, 404);
  jobs::Worker worker(*queue_, {.types = {std::string(kRenderQuotePdfJob)}});
  int ran = 0;
  while (*worker.RunOnce()) ++ran;
  EXPECT_EQ(ran, 2);  // one per quote
  r = Call("GET", "/v1/quotes/" + id + "/pdf");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.content_type, "application/pdf");
  EXPECT_TRUE(r.body.starts_with("%PDF")) << r.body.substr(0, 20);
  auto stored = Obj(Call("GET", "/v1/quotes/" + id));
  const std::string sha(stored.at("pdf").at("sha256").as_string());
  EXPECT_EQ(stored.at("pdf").at("status").as_string(), "ready");
  auto refs = db_->store().Query("SELECT ref_count FROM blobs WHERE sha256 = $1", {sha});
  ASSERT_EQ(refs->rows.size(), 1u);
  EXPECT_EQ(refs->rows[0].Int(0), 1);
  // Re-running the job body is a no-op.
  auto again = RenderAndStoreQuotePdf(db_->store(), *blobs_, {"org_a", "test"}, id);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, sha);
  refs = db_->store().Query("SELECT ref_count FROM blobs WHERE sha256 = $1", {sha});
  EXPECT_EQ(refs->rows[0].Int(0), 1);
}

TEST_P(EstimatingApiTest, CliStyleImportThroughRunImport) {
  auto out = RunImport(db_->store(), nullptr, {"org_cli", "cli"}, History(4, HistoryFormat::kCsv),
                       {.filename = "h.csv"});
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(out->record.accepted, 4);
  EXPECT_FALSE(out->replayed);
}

// Issue 19: 4 MiB of commas used to become one record of 4 Mi strings (~60x the upload in
// memory) before being refused; the CSV reader's field limit now stops it in the first chunk.
TEST_P(EstimatingApiTest, ImportOfFourMebibytesOfCommasIsRejectedByTheFieldLimit) {
  auto out = RunImport(db_->store(), nullptr, {"org_cli", "cli"}, std::string(4 << 20, ','),
                       {.filename = "commas.csv", .format = ImportFormat::kCsv});
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(out.status().message(), "CSV record 1 exceeds the limit of 512 fields per record");
}

// Routes on a real server: X-Test-Org makes the request's Principal (a Member of that org).
std::shared_ptr<http::testing::TestAuth> MemberAuth() {
  return std::make_shared<http::testing::TestAuth>(
      [](std::string_view org, const http::Request&) { return OrgMember(std::string(org)); });
}

TEST_P(EstimatingApiTest, OverRealHttpServer) {
  metrics::Registry metrics;
  runtime::BlockingPool pool(2, 64);
  config::ServerConfig cfg;
  cfg.port = 0;
  cfg.io_threads = 1;
  http::Server server(cfg, router_, metrics, pool, false);
  server.Use(MemberAuth());
  ASSERT_TRUE(server.Start().ok());
  {
    http::testing::RawClient c(server.port());
    ASSERT_TRUE(c.connected());
    const std::string id = NewProject("Wire");
    auto r =
        c.Request("GET", "/v1/projects/" + id + "/cost-records", "", {{"X-Test-Org", "org_b"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 404);
    r = c.Request("GET", "/v1/projects/" + id + "/cost-records", "", {});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 401);
    r = c.Request("GET", "/v1/projects/" + id + "/cost-records", "", {{"X-Test-Org", "org_a"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    r = c.Request("GET", "/v1/cost-records?wind_speed_mph%3E140", "", {{"X-Test-Org", "org_a"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 200) << r->body;
    r = c.Request("POST", "/v1/imports", History(3, HistoryFormat::kNdjson),
                  {{"X-Test-Org", "org_a"}, {"Content-Type", "application/x-ndjson"}});
    ASSERT_TRUE(r);
    EXPECT_EQ(r->status, 201) << r->body;
  }
  server.Shutdown();
  server.Wait();
}

TEST_P(EstimatingApiTest, OpenApiHasEveryRouteAndSchema) {
  const std::string doc = http::BuildOpenApi(router_, schemas_, {.version = "test"});
  auto v = json::parse(doc).as_object();
  const auto& paths = v.at("paths").as_object();
  for (const auto& route : router_.routes())
    EXPECT_TRUE(paths.contains(route.pattern)) << route.pattern;
  const auto& components = v.at("components").at("schemas").as_object();
  for (std::size_t pos = 0; (pos = doc.find("#/components/schemas/", pos)) != std::string::npos;) {
    pos += 21;
    const std::string name = doc.substr(pos, doc.find('"', pos) - pos);
    EXPECT_TRUE(components.contains(name)) << name;
  }
}

TEST(DriverFilterTest, Grammar) {
  auto f = ParseDriverFilter("wind_speed_mph>=140");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->op, FilterOp::kGe);
  EXPECT_EQ(std::get<double>(f->value), 140);
  f = ParseDriverFilter("foundation_type=drilled_pier");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(std::get<std::string>(f->value), "drilled_pier");
  f = ParseDriverFilter("has_lighting!=true");
  ASSERT_TRUE(f.ok());
  EXPECT_EQ(f->op, FilterOp::kNe);
  for (std::string_view bad :
       {"", "wind_speed_mph", "x=1", "material<steel", "material=a b", "material=' OR 1=1 --",
        "wind_speed_mph>1e400", "wind_speed_mph>nan", "has_lighting=2x"}) {
    EXPECT_FALSE(ParseDriverFilter(bad).ok()) << bad;
  }
  storage::Params params;
  std::string sql;
  AppendDriverFilterSql(storage::Dialect::kPostgres, "drivers", *ParseDriverFilter("material=acm"),
                        sql, params);
  EXPECT_EQ(sql.find("acm"), std::string::npos);  // bound, not interpolated
  EXPECT_EQ(params.size(), 2u);
}

INSTANTIATE_TEST_SUITE_P(Backends, EstimatingApiTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::estimating
