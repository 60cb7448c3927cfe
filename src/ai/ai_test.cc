// The AI runtime on SQLite and PostgreSQL: the routes called through the Router, jobs run by a
// real jobs::Worker on the real queue, models from the real registry (a lead model and a cost
// model trained here, the forecast model the module registers).
#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <random>
#include <set>

#include "ai/inference.h"
#include "ai/routes.h"
#include "ai/runner.h"
#include "ai/service.h"
#include "ai/store.h"
#include "csv/reader.h"
#include "estimating/cost_model.h"
#include "estimating/predict.h"
#include "estimating/shared_predictor.h"
#include "estimating/testing/synthetic_cost_model.h"
#include "forecast/forecast.h"
#include "http/testing/route_call.h"
#include "jobs/worker.h"
#include "leads/bundle.h"
#include "leads/scorer.h"
#include "leads/training.h"
#include "storage/testing/test_stores.h"

namespace signx::ai {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

constexpr std::string_view kLeadSchema = R"({"name":"aitest","missing":[""],"fields":[
  {"name":"lead_id","column":"Lead ID","type":"text","role":"id","required":true},
  {"name":"source","column":"Source","type":"category","role":"feature"},
  {"name":"visits","column":"Visits","type":"number","role":"feature","min":0},
  {"name":"converted","column":"Converted","type":"integer","role":"label",
   "positive":["1"],"negative":["0"]}]})";

std::string LeadCsv(int rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::string csv = "Lead ID,Source,Visits,Converted\n";
  const char* sources[] = {"Google", "Reference", "Direct"};
  for (int i = 0; i < rows; ++i) {
    const int src = static_cast<int>(u(rng) * 3);
    const double visits = std::floor(u(rng) * 20);
    const double logit = -1.5 + (src == 1 ? 2.0 : 0) + 0.15 * visits;
    const bool y = u(rng) < 1.0 / (1.0 + std::exp(-logit));
    csv += fmt::format("L{},{},{},{}\n", i, sources[src], visits, y ? 1 : 0);
  }
  return csv;
}

// Trained once for the whole suite (both backends).
const leads::ModelBundle& LeadBundle() {
  static const leads::ModelBundle* bundle = [] {
    auto schema = leads::ParseSchemaText(kLeadSchema);
    SIGNX_CHECK(schema.ok(), schema.status().ToString());
    auto table = csv::ReadTable(LeadCsv(800, 3));
    SIGNX_CHECK(table.ok(), table.status().ToString());
    leads::TrainOptions o;
    o.num_rounds = 100;
    o.early_stopping_rounds = 10;
    o.grid_max_depth = {2};
    o.grid_eta = {0.3};
    o.compare_leaky = false;
    auto out = leads::TrainLeadModel(*table, *schema, o);
    SIGNX_CHECK(out.ok(), out.status().ToString());
    return new leads::ModelBundle(std::move(out->bundle));
  }();
  return *bundle;
}

const std::string& CostBundleText() {
  static const std::string* text = [] {
    auto b = estimating::testing::TrainSyntheticCostModel(
        {.projects = 1500, .data_seed = 21, .rounds = 200, .train_seed = 5});
    SIGNX_CHECK(b.ok(), b.status().ToString());
    return new std::string(estimating::SerializeCostBundle(*b));
  }();
  return *text;
}

// A weekly-seasonal daily series of `weeks` weeks.
json::array Series(int weeks, double level) {
  json::array a;
  for (int d = 0; d < weeks * 7; ++d) {
    a.push_back(level + 10.0 * std::sin(2 * M_PI * d / 7.0) + 0.1 * d);
  }
  return a;
}

class AiTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-ai-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 28)));
    registry_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
    // Retries are due at once (the backoff is not what these tests are about).
    queue_ = std::make_unique<jobs::Queue>(
        db_->store(), SystemClock::Get(),
        jobs::QueueOptions{.backoff_base = std::chrono::microseconds(1),
                           .backoff_max = std::chrono::microseconds(1),
                           .seed = 1});
    RunOptions options;
    options.chunk_rows = 2;
    options.after_chunk = [this](int attempt, int64_t rows_done) -> Status {
      return fault_ ? fault_(attempt, rows_done) : Status::Ok();
    };
    RegisterInferenceJobs(*queue_, blobs_, outbox_, options);
    ASSERT_TRUE(EnsureForecastModel(*registry_).ok());
    ASSERT_TRUE(EnsureForecastModel(*registry_).ok());  // idempotent
    service_ = std::make_unique<AiService>(db_->store(), *queue_, *registry_, blobs_, outbox_);
    AddAiRoutes(router_, schemas_, *service_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "", const std::string& org = "org_a",
                      std::vector<std::string> permissions = {"*"},
                      std::map<std::string, std::string> headers = {}) {
    http::testing::RouteCall call{.method = method,
                                  .target = target,
                                  .body = body,
                                  .headers = std::move(headers),
                                  .request_id = "req-ai"};
    call.principal = http::Principal{.kind = "user",
                                     .subject_id = "usr_" + org,
                                     .org_id = org,
                                     .role = "org_member",
                                     .permissions = std::move(permissions)};
    return http::testing::CallRoute(router_, std::move(call));
  }
  static json::object Obj(const http::Response& r) { return json::parse(r.body).as_object(); }
  static std::string Str(const json::value& v) { return std::string(v.as_string()); }

  // Runs every due job with a real worker (on this thread); returns how many ran.
  int RunJobs() {
    jobs::Worker worker(*queue_, {.types = {std::string(kRunInferenceJob)}});
    int ran = 0;
    for (;;) {
      auto r = worker.RunOnce();
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      if (!r.ok() || !*r) break;
      ++ran;
    }
    return ran;
  }

  std::string RegisterLeadModel() {
    const leads::ModelBundle& b = LeadBundle();
    auto v = registry_->Register(ml::Owner::Platform(), "leads", b.model_version,
                                 leads::SerializeBundle(b), json::serialize(b.card), "test");
    SIGNX_CHECK(v.ok(), v.status().ToString());
    SIGNX_CHECK(registry_->Promote(ml::Owner::Platform(), "leads", b.model_version).ok(), "");
    return b.model_version;
  }

  std::string RegisterOrgCostModel(const std::string& org) {
    auto bundle = estimating::ParseCostBundle(CostBundleText());
    SIGNX_CHECK(bundle.ok(), bundle.status().ToString());
    const std::string version = bundle->model_version;
    auto v = registry_->Register(ml::Owner::Org(org), "cost", version, CostBundleText(),
                                 json::serialize(bundle->card), "test");
    SIGNX_CHECK(v.ok(), v.status().ToString());
    SIGNX_CHECK(registry_->Promote(ml::Owner::Org(org), "cost", version).ok(), "");
    return version;
  }

  // Submits and returns the 202 body.
  json::object Submit(std::string_view kind, const json::object& body,
                      const std::string& org = "org_a") {
    auto r = Call("POST", fmt::format("/v1/ai/models/{}/inference-jobs", kind),
                  json::serialize(body), org);
    EXPECT_EQ(r.status, 202) << r.body;
    return Obj(r);
  }

  std::vector<json::object> AllResults(const std::string& id, int limit) {
    std::vector<json::object> out;
    std::string cursor;
    for (int pages = 0; pages < 1000; ++pages) {
      auto r = Call("GET", fmt::format("/v1/ai/inference-jobs/{}/results?limit={}{}", id, limit,
                                       cursor.empty() ? "" : "&cursor=" + cursor));
      EXPECT_EQ(r.status, 200) << r.body;
      auto page = Obj(r);
      for (auto& item : page.at("items").as_array()) out.push_back(item.as_object());
      if (page.at("next_cursor").is_null()) break;
      cursor = Str(page.at("next_cursor"));
    }
    return out;
  }

  int64_t Count(const std::string& sql, const storage::Params& params = {}) {
    auto rs = db_->store().Query(sql, params);
    SIGNX_CHECK(rs.ok(), rs.status().ToString());
    return rs->rows[0].Int(0);
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path blob_dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> registry_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<AiService> service_;
  http::Router router_;
  http::SchemaRegistry schemas_;
  std::function<Status(int, int64_t)> fault_;
};

TEST_P(AiTest, LeadBatchRunsThroughTheQueue) {
  const std::string version = RegisterLeadModel();
  json::array input{json::object{{"lead_id", "a1"}, {"source", "Reference"}, {"visits", 12}},
                    json::object{{"lead_id", "a2"}, {"source", "Google"}, {"visits", 1}},
                    json::object{{"lead_id", "a3"}, {"source", "Direct"}, {"visits", -4}},
                    json::object{{"lead_id", "a4"}, {"source", "Telepathy"}}};
  auto created = Submit("lead", {{"input", input}, {"explain", true}});
  const std::string id = Str(created.at("id"));
  EXPECT_EQ(created.at("status").as_string(), "queued");
  EXPECT_EQ(created.at("model_version").as_string(), version);
  EXPECT_EQ(created.at("model_owner").as_string(), "platform");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM audit_log WHERE action = 'inference_job.create' AND "
                  "subject_id = $1 AND org_id = 'org_a'",
                  {id}),
            1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'ai.inference_job_created'"), 1);

  EXPECT_EQ(RunJobs(), 1);
  auto job = Obj(Call("GET", "/v1/ai/inference-jobs/" + id));
  EXPECT_EQ(job.at("status").as_string(), "succeeded") << json::serialize(job);
  EXPECT_EQ(job.at("progress").as_int64(), 100);
  EXPECT_EQ(job.at("attempts").as_int64(), 1);
  const auto& metrics = job.at("metrics").as_object();
  EXPECT_EQ(metrics.at("rows").as_int64(), 4);
  EXPECT_EQ(metrics.at("rows_done").as_int64(), 4);
  EXPECT_EQ(metrics.at("rows_failed").as_int64(), 1);
  EXPECT_TRUE(metrics.at("wall_ms").is_int64());
  ASSERT_EQ(job.at("errors").as_array().size(), 1u);
  EXPECT_EQ(job.at("errors").as_array()[0].at("row").as_int64(), 2);
  EXPECT_EQ(job.at("errors").as_array()[0].at("field").as_string(), "visits");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'ai.inference_job_completed'"), 1);

  // The answers are the lead model's own scores, row by row, in input order.
  auto scorer = leads::Scorer::Create(LeadBundle());
  ASSERT_TRUE(scorer.ok());
  auto rows = AllResults(id, 3);
  ASSERT_EQ(rows.size(), 4u);
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(rows[i].at("row").as_int64(), i);
    if (i == 2) {
      EXPECT_FALSE(rows[i].at("ok").as_bool());
      EXPECT_EQ(rows[i].at("errors").as_array()[0].at("field").as_string(), "visits");
      continue;
    }
    ASSERT_TRUE(rows[i].at("ok").as_bool()) << json::serialize(rows[i]);
    const auto& out = rows[i].at("output").as_object();
    auto want = scorer->ScoreJson(input[i].as_object(), {.explain = true});
    ASSERT_TRUE(want.ok());
    EXPECT_EQ(out.at("lead_id").as_string(), want->lead_id);
    EXPECT_NEAR(out.at("score").to_number<double>(), want->score, 1e-9);
    EXPECT_EQ(out.at("tier").as_string(), std::string(1, want->tier));
    EXPECT_FALSE(out.at("reasons").as_array().empty());
  }
  EXPECT_EQ(rows[3].at("output").at("unknown_categories").as_int64(), 1);
}

TEST_P(AiTest, CostBatchUsesTheOrgsOwnModel) {
  const std::string version = RegisterOrgCostModel("org_a");
  const json::object spec{
      {"width_in", 96}, {"height_in", 48}, {"wind_speed_mph", 115}, {"material", "aluminum"}};
  json::array input{
      spec,
      json::object{
          {"width_in", -5}, {"height_in", 48}, {"wind_speed_mph", 115}, {"material", "aluminum"}}};
  auto created = Submit("cost", {{"input", input}});
  EXPECT_EQ(created.at("model_version").as_string(), version);
  EXPECT_EQ(created.at("model_owner").as_string(), "org");
  // Org B has no cost model of its own and the platform none: 503, nothing queued.
  auto other = Call("POST", "/v1/ai/models/cost/inference-jobs",
                    json::serialize(json::object{{"input", input}}), "org_b");
  EXPECT_EQ(other.status, 503) << other.body;

  EXPECT_EQ(RunJobs(), 1);
  const std::string id = Str(created.at("id"));
  auto job = Obj(Call("GET", "/v1/ai/inference-jobs/" + id));
  EXPECT_EQ(job.at("status").as_string(), "succeeded");
  EXPECT_EQ(job.at("metrics").at("rows_failed").as_int64(), 1);
  auto rows = AllResults(id, 100);
  ASSERT_EQ(rows.size(), 2u);
  auto predictor =
      estimating::CostPredictor::Create(*estimating::ParseCostBundle(CostBundleText()));
  ASSERT_TRUE(predictor.ok());
  auto want = (*predictor)->Predict(*estimating::ParseCostRequest(spec));
  ASSERT_TRUE(want.ok());
  const auto& out = rows[0].at("output").as_object();
  EXPECT_EQ(out.at("cost_cents").as_int64(), want->cost_cents);
  EXPECT_EQ(out.at("interval").at("p10_cents").as_int64(), want->p10_cents);
  EXPECT_EQ(out.at("interval").at("p90_cents").as_int64(), want->p90_cents);
  EXPECT_LE(want->p10_cents, want->cost_cents);
  EXPECT_LE(want->cost_cents, want->p90_cents);
  EXPECT_FALSE(out.contains("similar_projects"));
  EXPECT_FALSE(rows[1].at("ok").as_bool());
  EXPECT_EQ(rows[1].at("errors").as_array()[0].at("field").as_string(), "width_in");
}

// A cost batch runs on the process's one loaded predictor of the bundle (the one the API's
// CostService and the learning loop share: estimating/shared_predictor.h), not a private copy of
// a ~15-20 MB model.
TEST_P(AiTest, CostBatchSharesTheProcesssLoadedPredictor) {
  RegisterOrgCostModel("org_a");
  const std::size_t before = estimating::LiveSharedCostPredictors();
  json::array input{json::object{
      {"width_in", 96}, {"height_in", 48}, {"wind_speed_mph", 115}, {"material", "aluminum"}}};
  Submit("cost", {{"input", input}});
  EXPECT_EQ(RunJobs(), 1);
  EXPECT_EQ(estimating::LiveSharedCostPredictors(), before + 1)
      << "the job's model cache holds the shared predictor of the bundle";
  auto again = estimating::LoadCostPredictor(CostBundleText());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(estimating::LiveSharedCostPredictors(), before + 1) << "the same one, not a copy";
}

TEST_P(AiTest, ForecastBatchUsesAutomaticSelection) {
  json::array input{json::object{{"series", Series(8, 100)}, {"horizon", 7}, {"period", 7}},
                    json::object{{"series", json::array{1, 2, "x"}}, {"horizon", 3}},
                    json::object{{"series", json::array{5, 6, 7}}},
                    json::object{{"series", json::array{4}}, {"horizon", 2}}};
  auto created = Submit("forecast", {{"input", input}});
  EXPECT_EQ(created.at("model_version").as_string(), kForecastModelVersion);
  const std::string id = Str(created.at("id"));
  EXPECT_EQ(RunJobs(), 1);
  auto job = Obj(Call("GET", "/v1/ai/inference-jobs/" + id));
  EXPECT_EQ(job.at("status").as_string(), "succeeded");
  EXPECT_EQ(job.at("metrics").at("rows_failed").as_int64(), 2);
  auto rows = AllResults(id, 100);
  ASSERT_EQ(rows.size(), 4u);
  // Row 0: the same forecast src/forecast gives for the series.
  std::vector<double> history;
  for (const auto& v : input[0].at("series").as_array()) history.push_back(v.to_number<double>());
  auto want = forecast::AutoForecast(history, {.horizon = 7, .period = 7, .level = 0.8});
  ASSERT_TRUE(want.ok());
  const auto& out = rows[0].at("output").as_object();
  EXPECT_EQ(out.at("method").as_string(), want->method);
  ASSERT_EQ(out.at("point").as_array().size(), 7u);
  for (std::size_t s = 0; s < 7; ++s) {
    const double p = out.at("point").as_array()[s].to_number<double>();
    EXPECT_NEAR(p, want->point[s], 1e-9);
    EXPECT_LE(out.at("lower").as_array()[s].to_number<double>(), p);
    EXPECT_GE(out.at("upper").as_array()[s].to_number<double>(), p);
  }
  EXPECT_EQ(rows[1].at("errors").as_array()[0].at("field").as_string(), "series[2]");
  EXPECT_EQ(rows[2].at("errors").as_array()[0].at("field").as_string(), "horizon");
  // A one-value series still forecasts (a simpler method, said in notes).
  ASSERT_TRUE(rows[3].at("ok").as_bool()) << json::serialize(rows[3]);
  EXPECT_EQ(rows[3].at("output").at("point").as_array().size(), 2u);
}

TEST_P(AiTest, BadInputIs422NamingTheField) {
  auto field_of = [](const http::Response& r) {
    auto o = json::parse(r.body).as_object();
    return std::string(o.at("error").at("details").as_array()[0].at("field").as_string());
  };
  auto post = [&](std::string_view kind, const std::string& body) {
    return Call("POST", fmt::format("/v1/ai/models/{}/inference-jobs", kind), body);
  };
  auto r = post("forecast", R"({"rows": []})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(field_of(r), "input");
  r = post("forecast", R"({"input": []})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(field_of(r), "input");
  r = post("forecast", R"({"input": [{"series": [1], "horizon": 1}, 7]})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(field_of(r), "input[1]");
  r = post("forecast", R"({"input": [{}], "explain": true})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(field_of(r), "explain");
  r = post("forecast", R"({"input": [{}], "version": "forecast-nope"})");
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(field_of(r), "version");
  r = post("forecast", R"({"input": )");
  EXPECT_EQ(r.status, 400);  // not JSON
  std::string many = "{\"input\": [";
  for (std::size_t i = 0; i <= kMaxInputRows; ++i) many += i == 0 ? "{}" : ",{}";
  many += "]}";
  r = post("forecast", many);
  EXPECT_EQ(r.status, 422);
  EXPECT_EQ(field_of(r), "input");
  EXPECT_NE(r.body.find("100000"), std::string::npos) << r.body;
  // No lead model anywhere: 503.
  EXPECT_EQ(post("lead", R"({"input": [{"lead_id": "x"}]})").status, 503);
  // Nothing was queued or stored by any of these.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inference_jobs"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs"), 0);
  // The submit route declares the kind's permission and a body limit (413 above it).
  http::Match m = router_.Find("POST", "/v1/ai/models/cost/inference-jobs");
  ASSERT_NE(m.route, nullptr);
  EXPECT_EQ(m.route->meta.permission, "estimates:predict");
  EXPECT_EQ(m.route->meta.max_body_bytes, kMaxBodyBytes);
}

TEST_P(AiTest, AnotherOrgsJobIs404) {
  auto created =
      Submit("forecast",
             {{"input", json::array{json::object{{"series", Series(3, 10)}, {"horizon", 2}}}}});
  const std::string id = Str(created.at("id"));
  EXPECT_EQ(Call("GET", "/v1/ai/inference-jobs/" + id, "", "org_b").status, 404);
  EXPECT_EQ(Call("GET", "/v1/ai/inference-jobs/" + id + "/results", "", "org_b").status, 404);
  auto list = Obj(Call("GET", "/v1/ai/inference-jobs", "", "org_b"));
  EXPECT_TRUE(list.at("items").as_array().empty());
  // Own org: listed; a reader without the kind's read permission gets 403 and an empty list.
  EXPECT_EQ(Obj(Call("GET", "/v1/ai/inference-jobs")).at("items").as_array().size(), 1u);
  const std::vector<std::string> leads_only = {"jobs:read", "leads:read"};
  EXPECT_EQ(Call("GET", "/v1/ai/inference-jobs/" + id, "", "org_a", leads_only).status, 403);
  EXPECT_TRUE(Obj(Call("GET", "/v1/ai/inference-jobs", "", "org_a", leads_only))
                  .at("items")
                  .as_array()
                  .empty());
  EXPECT_EQ(RunJobs(), 1);
  EXPECT_EQ(Call("GET", "/v1/ai/inference-jobs/" + id, "", "org_b").status, 404);
}

TEST_P(AiTest, RetryAfterAFailureDoesNotDuplicateResults) {
  json::array input;
  for (int i = 0; i < 5; ++i) {
    input.push_back(json::object{{"series", Series(3, 10 * (i + 1))}, {"horizon", 3}});
  }
  const std::string id = Str(Submit("forecast", {{"input", input}}).at("id"));
  // Attempt 1 fails after its second chunk (4 rows committed), as a lost database would.
  fault_ = [](int attempt, int64_t rows_done) -> Status {
    if (attempt == 1 && rows_done == 4) return Status(ErrorCode::kUnavailable, "database lost");
    return Status::Ok();
  };
  jobs::Worker worker(*queue_, {.types = {std::string(kRunInferenceJob)}});
  ASSERT_TRUE(*worker.RunOnce());
  auto job = Obj(Call("GET", "/v1/ai/inference-jobs/" + id));
  EXPECT_EQ(job.at("status").as_string(), "queued") << json::serialize(job);
  EXPECT_NE(Str(job.at("error")).find("database lost"), std::string::npos);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inference_results WHERE inference_id = $1", {id}), 4);
  // Attempt 2 starts over and answers every row once.
  EXPECT_EQ(RunJobs(), 1);
  job = Obj(Call("GET", "/v1/ai/inference-jobs/" + id));
  EXPECT_EQ(job.at("status").as_string(), "succeeded");
  EXPECT_EQ(job.at("attempts").as_int64(), 2);
  EXPECT_TRUE(job.at("error").is_null());
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inference_results WHERE inference_id = $1", {id}), 5);
  auto rows = AllResults(id, 2);
  ASSERT_EQ(rows.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(rows[i].at("row").as_int64(), i);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'ai.inference_job_completed'"), 1);

  // A failure retrying cannot fix ends the job failed at once, with the error.
  fault_ = [](int, int64_t) -> Status {
    return Status(ErrorCode::kInvalidArgument, "cannot be fixed");
  };
  const std::string id2 = Str(Submit("forecast", {{"input", input}}).at("id"));
  EXPECT_EQ(RunJobs(), 1);
  job = Obj(Call("GET", "/v1/ai/inference-jobs/" + id2));
  EXPECT_EQ(job.at("status").as_string(), "failed");
  EXPECT_NE(Str(job.at("error")).find("cannot be fixed"), std::string::npos);
  EXPECT_TRUE(job.at("finished_at").is_string());
}

// A worker whose lease was recovered (attempt 1) cannot write over the attempt that runs now.
TEST_P(AiTest, AStaleAttemptCannotWriteOverTheCurrentOne) {
  const std::string id =
      Str(Submit("forecast",
                 {{"input", json::array{json::object{{"series", Series(2, 5)}, {"horizon", 1}}}}})
              .at("id"));
  auto in_txn = [&](const std::function<Status(InferenceStore&)>& fn) {
    return db_->store().WithTxn([&](storage::Txn& txn) {
      InferenceStore s(txn, "org_a", SystemClock::Get());
      return fn(s);
    });
  };
  ASSERT_TRUE(in_txn([&](InferenceStore& s) { return s.StartAttempt(id, 1); }).ok());
  ASSERT_TRUE(in_txn([&](InferenceStore& s) { return s.StartAttempt(id, 2); }).ok());
  EXPECT_EQ(in_txn([&](InferenceStore& s) { return s.SetProgress(id, 1, 1, 0, 50); }).code(),
            ErrorCode::kFailedPrecondition);
  EXPECT_EQ(in_txn([&](InferenceStore& s) {
              return s.Finish(id, 1, kSucceeded, 5, std::nullopt);
            }).code(),
            ErrorCode::kFailedPrecondition);
  ASSERT_TRUE(RecordFailure(db_->store(), outbox_, SystemClock::Get(), "org_a", id, 1,
                            Status(ErrorCode::kUnavailable, "stale"), true)
                  .ok());
  auto job = Obj(Call("GET", "/v1/ai/inference-jobs/" + id));
  EXPECT_EQ(job.at("status").as_string(), "running");
  EXPECT_EQ(job.at("attempts").as_int64(), 2);
  EXPECT_TRUE(job.at("error").is_null());
  // A different org's store sees no such job.
  EXPECT_EQ(db_->store()
                .WithTxn([&](storage::Txn& txn) {
                  InferenceStore s(txn, "org_b", SystemClock::Get());
                  return s.StartAttempt(id, 3);
                })
                .code(),
            ErrorCode::kNotFound);
}

// A job runs the version it was submitted with, even after a promotion; `version` names one.
TEST_P(AiTest, AJobRunsTheVersionItWasSubmittedWith) {
  const json::object body{
      {"input", json::array{json::object{{"series", Series(3, 20)}, {"horizon", 2}}}}};
  const std::string before = Str(Submit("forecast", body).at("id"));
  ASSERT_TRUE(registry_
                  ->Register(ml::Owner::Platform(), "forecast", "forecast-auto-1-l90",
                             R"({"setup":"auto-1","level":0.9})", "{}", "test")
                  .ok());
  ASSERT_TRUE(registry_->Promote(ml::Owner::Platform(), "forecast", "forecast-auto-1-l90").ok());
  json::object named = body;
  named["version"] = std::string(kForecastModelVersion);  // archived now, still runnable by name
  const std::string pinned = Str(Submit("forecast", named).at("id"));
  const std::string after = Str(Submit("forecast", body).at("id"));
  EXPECT_EQ(RunJobs(), 3);
  auto level = [&](const std::string& id) {
    auto rows = AllResults(id, 10);
    EXPECT_EQ(rows.size(), 1u);
    return rows.empty() ? 0.0 : rows[0].at("output").at("level").to_number<double>();
  };
  EXPECT_EQ(Str(Obj(Call("GET", "/v1/ai/inference-jobs/" + before)).at("model_version")),
            kForecastModelVersion);
  EXPECT_DOUBLE_EQ(level(before), 0.8);
  EXPECT_DOUBLE_EQ(level(pinned), 0.8);
  EXPECT_EQ(Str(Obj(Call("GET", "/v1/ai/inference-jobs/" + after)).at("model_version")),
            "forecast-auto-1-l90");
  EXPECT_DOUBLE_EQ(level(after), 0.9);
}

// A queue job that ended without finishing the inference (cancelled through /v1/jobs) reads as
// failed with the queue's state.
TEST_P(AiTest, AJobWhoseQueueJobEndedReadsAsFailed) {
  auto created = Submit(
      "forecast", {{"input", json::array{json::object{{"series", Series(2, 5)}, {"horizon", 1}}}}});
  ASSERT_TRUE(queue_->Cancel(Str(created.at("job_id"))).ok());
  auto job = Obj(Call("GET", "/v1/ai/inference-jobs/" + Str(created.at("id"))));
  EXPECT_EQ(job.at("status").as_string(), "failed");
  EXPECT_TRUE(job.at("error").is_string());
  EXPECT_EQ(RunJobs(), 0);
}

TEST_P(AiTest, IdempotencyKeyAnswersTheEarlierJob) {
  const std::string body = json::serialize(
      json::object{{"input", json::array{json::object{{"series", Series(2, 5)}, {"horizon", 1}}}}});
  auto a = Call("POST", "/v1/ai/models/forecast/inference-jobs", body, "org_a", {"*"},
                {{"Idempotency-Key", "batch-7"}});
  auto b = Call("POST", "/v1/ai/models/forecast/inference-jobs", body, "org_a", {"*"},
                {{"Idempotency-Key", "batch-7"}});
  EXPECT_EQ(a.status, 202);
  EXPECT_EQ(b.status, 200);
  EXPECT_EQ(Obj(a).at("id"), Obj(b).at("id"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE type = 'ai.run_inference'"), 1);
  // The same key in another org is another job.
  auto c = Call("POST", "/v1/ai/models/forecast/inference-jobs", body, "org_b", {"*"},
                {{"Idempotency-Key", "batch-7"}});
  EXPECT_EQ(c.status, 202);
  EXPECT_NE(Obj(a).at("id"), Obj(c).at("id"));
}

TEST_P(AiTest, ModelsAreTheRegistrysVersions) {
  const std::string lead = RegisterLeadModel();
  const std::string cost = RegisterOrgCostModel("org_a");
  auto list = [&](const std::string& org, const std::string& query) {
    std::vector<json::object> out;
    std::string cursor;
    for (int i = 0; i < 50; ++i) {
      auto r =
          Call("GET", "/v1/ai/models?limit=1" + query + (cursor.empty() ? "" : "&cursor=" + cursor),
               "", org);
      EXPECT_EQ(r.status, 200) << r.body;
      auto page = Obj(r);
      for (auto& m : page.at("items").as_array()) out.push_back(m.as_object());
      if (page.at("next_cursor").is_null()) break;
      cursor = Str(page.at("next_cursor"));
    }
    return out;
  };
  auto a = list("org_a", "");
  ASSERT_EQ(a.size(), 3u);
  std::map<std::string, json::object> by_kind;
  for (auto& m : a) by_kind[Str(m.at("kind"))] = m;
  EXPECT_EQ(by_kind["lead"].at("version").as_string(), lead);
  EXPECT_EQ(by_kind["lead"].at("owner").as_string(), "platform");
  EXPECT_EQ(by_kind["cost"].at("version").as_string(), cost);
  EXPECT_EQ(by_kind["cost"].at("owner").as_string(), "org");
  EXPECT_EQ(by_kind["forecast"].at("version").as_string(), kForecastModelVersion);
  for (auto& [k, m] : by_kind) {
    EXPECT_TRUE(m.at("in_use").as_bool()) << k;
    EXPECT_EQ(m.at("status").as_string(), "production") << k;
    EXPECT_TRUE(m.at("card").is_object()) << k;
  }
  // Org B sees the platform's models only, and ?kind= narrows.
  auto b = list("org_b", "");
  EXPECT_EQ(b.size(), 2u);
  for (auto& m : b) EXPECT_EQ(m.at("owner").as_string(), "platform");
  auto only = list("org_a", "&kind=cost");
  ASSERT_EQ(only.size(), 1u);
  EXPECT_EQ(only[0].at("kind").as_string(), "cost");
  // The view is over the one registry: no second table of models.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM ai_models WHERE org_id IN ('', 'org_a')"), 3);
}

TEST_P(AiTest, JobListIsKeysetPaged) {
  std::set<std::string> ids;
  for (int i = 0; i < 3; ++i) {
    ids.insert(
        Str(Submit("forecast",
                   {{"input", json::array{json::object{{"series", Series(2, i)}, {"horizon", 1}}}}})
                .at("id")));
  }
  auto first = Obj(Call("GET", "/v1/ai/inference-jobs?limit=2"));
  ASSERT_EQ(first.at("items").as_array().size(), 2u);
  auto second =
      Obj(Call("GET", "/v1/ai/inference-jobs?limit=2&cursor=" + Str(first.at("next_cursor"))));
  ASSERT_EQ(second.at("items").as_array().size(), 1u);
  EXPECT_TRUE(second.at("next_cursor").is_null());
  std::set<std::string> seen;
  for (auto* page : {&first, &second}) {
    for (auto& j : page->at("items").as_array()) seen.insert(Str(j.at("id")));
  }
  EXPECT_EQ(seen, ids);
  EXPECT_EQ(Call("GET", "/v1/ai/inference-jobs?model=nope").status, 422);
  EXPECT_EQ(Call("GET", "/v1/ai/inference-jobs?cursor=bogus").status, 422);
}

INSTANTIATE_TEST_SUITE_P(Backends, AiTest, ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::ai
