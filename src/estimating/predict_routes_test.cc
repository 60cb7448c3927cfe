// The cost prediction routes on a real http::Server (port 0) with a real ModelRegistry (SQLite).
#include "estimating/predict_routes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>

#include "base/check.h"
#include "base/clock.h"
#include "blobs/blob_store.h"
#include "estimating/cost_model.h"
#include "estimating/generator.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "metrics/metrics.h"
#include "ml/registry.h"
#include "runtime/blocking_pool.h"
#include "storage/testing/test_stores.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using http::testing::RawClient;

std::string TrainedBundle(uint64_t seed) {
  GeneratorOptions o;
  o.projects = 1500;
  o.seed = 21;
  std::vector<HistoryJob> jobs;
  for (int64_t i = 0; i < o.projects; ++i) jobs.push_back(JobFromRecord(GenerateProject(o, i)));
  CostTrainOptions t;
  t.seed = seed;
  t.record_timing = false;
  t.num_rounds = 200;
  auto b = TrainCostModel(std::move(jobs), t);
  EXPECT_TRUE(b.ok()) << b.status().ToString();
  return SerializeCostBundle(*b);
}

// X-Test-Org and X-Test-Role make the request's Principal (the real server's auth middleware does
// this from a JWT or an API key).
class TestAuth : public http::Middleware {
 public:
  std::optional<http::Response> Before(http::Request& req, const http::Route&) override {
    auto org = req.Header("X-Test-Org");
    if (!org) return std::nullopt;
    req.principal = http::Principal{.kind = "user",
                                    .subject_id = "usr_" + std::string(*org),
                                    .org_id = std::string(*org),
                                    .role = std::string(req.Header("X-Test-Role").value_or("")),
                                    .permissions = {"*"}};
    return std::nullopt;
  }
};

class CostRoutesTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    bundle_a_ = new std::string(TrainedBundle(1));
    bundle_b_ = new std::string(TrainedBundle(2));
  }
  static void TearDownTestSuite() {
    delete bundle_a_;
    delete bundle_b_;
  }

  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(storage::testing::Backend::kSqlite);
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    root_ = std::filesystem::temp_directory_path() /
            ("signx_cost_routes_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    blobs_ = std::move(blobs::BlobStore::Open(root_, 64 << 20)).value();
    registry_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
    service_ = std::make_unique<CostService>(*registry_, metrics_);
    AddCostRoutes(router_, schemas_, *service_);
    config::ServerConfig cfg;
    cfg.port = 0;
    cfg.io_threads = 2;
    pool_ = std::make_unique<runtime::BlockingPool>(2, 64);
    server_ = std::make_unique<http::Server>(cfg, router_, metrics_, *pool_, false);
    server_->Use(std::make_shared<TestAuth>());
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    if (server_) {
      server_->Shutdown();
      server_->Wait();
    }
    std::filesystem::remove_all(root_);
  }

  // As an org_admin of `org` (role `role`).
  http::testing::RawResponse Call(const std::string& method, const std::string& target,
                                  const std::string& body = "", const std::string& org = "org_a",
                                  const std::string& role = "org_admin") {
    RawClient c(server_->port());
    auto r = c.Request(
        method, target, body,
        {{"Content-Type", "application/json"}, {"X-Test-Org", org}, {"X-Test-Role", role}});
    EXPECT_TRUE(r.has_value());
    return r.value_or(http::testing::RawResponse{});
  }

  std::string Upload(const std::string& bundle, const std::string& query = "",
                     const std::string& org = "org_a", const std::string& role = "org_admin") {
    auto r = Call("POST", "/v1/estimates/models" + query, bundle, org, role);
    EXPECT_EQ(r.status, 201) << r.body;
    return std::string(json::parse(r.body).as_object().at("version").as_string());
  }

  static std::string* bundle_a_;
  static std::string* bundle_b_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path root_;
  std::unique_ptr<blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> registry_;
  metrics::Registry metrics_;
  metrics::Registry metrics2_;
  std::unique_ptr<CostService> service_;
  http::Router router_;
  http::SchemaRegistry schemas_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
};
std::string* CostRoutesTest::bundle_a_ = nullptr;
std::string* CostRoutesTest::bundle_b_ = nullptr;

constexpr char kSpec[] = R"({"width_in": 96, "height_in": 48, "wind_speed_mph": 115,
    "material": "aluminum", "sign_type": "monument", "mounting_type": "ground",
    "foundation_type": "spread_footing", "illumination": "internal_led", "faces": 2,
    "sign_height_ft": 6, "base_material": "masonry", "region_index": 1.05})";

TEST_F(CostRoutesTest, PredictAnswersDeterministicallyWithEveryPart) {
  auto none = Call("POST", "/v1/estimates/predict", kSpec);
  EXPECT_EQ(none.status, 503) << none.body;

  const std::string v = Upload(*bundle_a_);
  auto promoted = Call("POST", "/v1/estimates/models/" + v + "/promote");
  ASSERT_EQ(promoted.status, 200) << promoted.body;

  auto r = Call("POST", "/v1/estimates/predict", kSpec);
  ASSERT_EQ(r.status, 200) << r.body;
  const auto o = json::parse(r.body).as_object();
  const auto& result = o.at("result").as_object();
  const int64_t cost = result.at("cost_cents").as_int64();
  EXPECT_GT(cost, 0);
  const auto& interval = result.at("interval").as_object();
  EXPECT_LT(interval.at("p10_cents").as_int64(), cost);
  EXPECT_GT(interval.at("p90_cents").as_int64(), cost);
  const auto& bd = result.at("breakdown").as_object();
  int64_t sum = 0;
  for (const char* k :
       {"labor_cents", "material_cents", "equipment_cents", "overhead_cents", "other_cents"}) {
    sum += bd.at(k).as_int64();
  }
  EXPECT_EQ(sum, cost);
  EXPECT_EQ(o.at("similar_projects").as_array().size(), 5u);
  EXPECT_FALSE(o.at("drivers").as_array().empty());
  EXPECT_EQ(o.at("model_version").as_string(), v);
  EXPECT_FALSE(o.at("requires_engineering_review").as_bool());
  EXPECT_TRUE(o.at("trace").as_object().contains("spec_hash"));

  // Same spec + version → same bytes (cache miss and cache hit alike).
  EXPECT_EQ(Call("POST", "/v1/estimates/predict", kSpec).body, r.body);
  CostService fresh(*registry_, metrics2_);  // fresh predictors, same version
  ASSERT_TRUE(fresh.Reload().ok());
  auto again = fresh.PredictJson("org_a", json::parse(kSpec).as_object());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, r.body);
  // Credentials without an org have no model to be priced by.
  EXPECT_EQ(Call("POST", "/v1/estimates/predict", kSpec, "").status, 403);
}

// Issue 20 §3: a prediction has no I/O of its own once the org's model is loaded, so it runs on
// the event loop (two thread hand-offs fewer per request): it answers while every blocking-pool
// thread is busy and the pool's queue is full, where a blocking route gets 503.
TEST_F(CostRoutesTest, PredictAnswersWhileTheBlockingPoolIsFull) {
  const std::string v = Upload(*bundle_a_);
  ASSERT_EQ(Call("POST", "/v1/estimates/models/" + v + "/promote").status, 200);
  ASSERT_EQ(Call("POST", "/v1/estimates/predict", kSpec).status, 200);
  struct Gate {  // shared with the pool's tasks, which may outlive this scope
    std::mutex mu;
    std::condition_variable cv;
    bool release = false;
    int running = 0;
  };
  auto gate = std::make_shared<Gate>();
  auto block = [gate] {
    std::unique_lock lock(gate->mu);
    ++gate->running;
    gate->cv.notify_all();
    gate->cv.wait(lock, [&] { return gate->release; });
  };
  for (int i = 0; i < 2; ++i) ASSERT_TRUE(pool_->TrySubmit(block));
  {
    std::unique_lock lock(gate->mu);
    gate->cv.wait(lock, [&] { return gate->running == 2; });
  }
  int queued = 0;
  while (pool_->TrySubmit(block)) ++queued;
  // A spec not answered before (no answer-cache hit): a real prediction.
  json::object other = json::parse(kSpec).as_object();
  other["region_index"] = 1.25;
  auto r = Call("POST", "/v1/estimates/predict", json::serialize(other));
  {
    std::lock_guard lock(gate->mu);
    gate->release = true;
  }
  gate->cv.notify_all();
  {
    std::unique_lock lock(gate->mu);
    gate->cv.wait(lock, [&] { return gate->running == 2 + queued; });
  }
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).as_object().at("similar_projects").as_array().size(), 5u);
}

// Issue 19 item 1: one org's promotion does not move another org's prices; similar_projects come
// only from the caller's org's own model; the platform default is the super_admin's.
TEST_F(CostRoutesTest, AnOrgsPromotionDoesNotChangeAnotherOrgsPrices) {
  const std::string p = Upload(*bundle_b_, "?owner=platform", "org_root", "super_admin");
  ASSERT_EQ(Call("POST", "/v1/estimates/models/" + p + "/promote?owner=platform", "", "org_root",
                 "super_admin")
                .status,
            200);
  auto b_before = Call("POST", "/v1/estimates/predict", kSpec, "org_b");
  ASSERT_EQ(b_before.status, 200) << b_before.body;
  const auto bb = json::parse(b_before.body).as_object();
  EXPECT_EQ(bb.at("model_version").as_string(), p);
  EXPECT_TRUE(bb.at("similar_projects").as_array().empty())
      << "the platform default's reference jobs are shown to no org";

  const std::string a = Upload(*bundle_a_);
  ASSERT_NE(a, p);
  ASSERT_EQ(Call("POST", "/v1/estimates/models/" + a + "/promote").status, 200);
  auto a_answer = json::parse(Call("POST", "/v1/estimates/predict", kSpec, "org_a").body);
  EXPECT_EQ(a_answer.at("model_version").as_string(), a);
  EXPECT_EQ(a_answer.at("similar_projects").as_array().size(), 5u);
  EXPECT_EQ(Call("POST", "/v1/estimates/predict", kSpec, "org_b").body, b_before.body)
      << "org_a's promotion changed org_b's price";

  // B cannot see or change A's versions, nor the platform's: 404.
  auto list_b = json::parse(Call("GET", "/v1/estimates/models", "", "org_b").body).as_object();
  EXPECT_TRUE(list_b.at("versions").as_array().empty());
  EXPECT_EQ(list_b.at("in_use").as_string(), p);
  EXPECT_EQ(list_b.at("in_use_owner").as_string(), "platform");
  EXPECT_EQ(Call("GET", "/v1/estimates/models/" + a, "", "org_b").status, 404);
  EXPECT_EQ(Call("POST", "/v1/estimates/models/" + a + "/promote", "", "org_b").status, 404);
  EXPECT_EQ(Call("POST", "/v1/estimates/models/rollback?owner=org_a", "", "org_b").status, 404);
  EXPECT_EQ(Call("GET", "/v1/estimates/models?owner=platform", "", "org_a").status, 404);
  EXPECT_EQ(
      Call("POST", "/v1/estimates/models/" + p + "/promote?owner=platform", "", "org_a").status,
      404);
  EXPECT_EQ(Call("POST", "/v1/estimates/models/rollback?owner=platform", "", "org_a").status, 404);

  // A's rollback takes A back to the platform default; B never moved.
  auto back = Call("POST", "/v1/estimates/models/rollback", "", "org_a");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(json::parse(Call("POST", "/v1/estimates/predict", kSpec, "org_a").body)
                .at("model_version")
                .as_string(),
            p);
  EXPECT_EQ(Call("POST", "/v1/estimates/predict", kSpec, "org_b").body, b_before.body);
}

TEST_F(CostRoutesTest, InvalidSpecIs422WithFieldErrors) {
  const std::string v = Upload(*bundle_a_);
  ASSERT_EQ(Call("POST", "/v1/estimates/models/" + v + "/promote").status, 200);
  auto r = Call("POST", "/v1/estimates/predict",
                R"({"width_in": 0, "height_in": 48, "wind_speed_mph": 80, "material": "wood",
                    "widht_in": 3, "region_index": 9})");
  EXPECT_EQ(r.status, 422) << r.body;
  const auto err = json::parse(r.body).as_object().at("error").as_object();
  std::set<std::string> fields;
  for (const auto& d : err.at("details").as_array()) {
    fields.insert(std::string(d.as_object().at("field").as_string()));
  }
  for (const char* f : {"width_in", "wind_speed_mph", "material", "widht_in", "region_index"}) {
    EXPECT_TRUE(fields.count(f)) << f << " in " << r.body;
  }
  EXPECT_NE(r.body.find("below Iowa IBC minimum"), std::string::npos);
  EXPECT_EQ(Call("POST", "/v1/estimates/predict", "{not json").status, 400);
}

TEST_F(CostRoutesTest, ShopEstimateSelectsTheCorrectedModelAndBadValuesAre422) {
  const std::string v = Upload(*bundle_a_);
  ASSERT_EQ(Call("POST", "/v1/estimates/models/" + v + "/promote").status, 200);
  const std::string spec = R"({"width_in": 96, "height_in": 48, "wind_speed_mph": 115,
                               "material": "aluminum", "shop_estimate_cents": )";
  for (const char* bad : {"0", "-5", "12.5", "\"1000\"", "null", "100000000001"}) {
    auto r = Call("POST", "/v1/estimates/predict", spec + bad + "}");
    EXPECT_EQ(r.status, 422) << bad << ": " << r.body;
    EXPECT_NE(r.body.find("\"shop_estimate_cents\""), std::string::npos) << r.body;
  }
  auto with = Call("POST", "/v1/estimates/predict", spec + "450000}");
  ASSERT_EQ(with.status, 200) << with.body;
  const auto wr = json::parse(with.body).as_object().at("result").as_object();
  EXPECT_EQ(wr.at("method").as_string(), "estimate_corrected");
  EXPECT_TRUE(wr.contains("spec_only_cost_cents"));
  auto without = Call("POST", "/v1/estimates/predict", kSpec);
  ASSERT_EQ(without.status, 200) << without.body;
  const auto wo = json::parse(without.body).as_object();
  EXPECT_EQ(wo.at("result").as_object().at("method").as_string(), "spec_only");
  EXPECT_NE(without.body.find("no shop estimate given: spec-only model"), std::string::npos);
}

TEST_F(CostRoutesTest, ReviewFlagForLargeSignsInHighWind) {
  const std::string v = Upload(*bundle_a_);
  ASSERT_EQ(Call("POST", "/v1/estimates/models/" + v + "/promote").status, 200);
  auto r = Call("POST", "/v1/estimates/predict",
                R"({"width_in": 480, "height_in": 180, "wind_speed_mph": 160,
                    "material": "steel", "sign_type": "pylon"})");
  ASSERT_EQ(r.status, 200) << r.body;
  const auto o = json::parse(r.body).as_object();
  EXPECT_TRUE(o.at("requires_engineering_review").as_bool());
  EXPECT_EQ(o.at("engineering_review").as_object().at("route").as_string(),
            sign::kEngineeringReviewRoute);
}

TEST_F(CostRoutesTest, ModelsListPromoteAndRollback) {
  const std::string a = Upload(*bundle_a_);
  const std::string b = Upload(*bundle_b_);
  ASSERT_NE(a, b);
  ASSERT_EQ(Call("POST", "/v1/estimates/models/" + a + "/promote").status, 200);
  ASSERT_EQ(Call("POST", "/v1/estimates/models/" + b + "/promote").status, 200);
  auto list = json::parse(Call("GET", "/v1/estimates/models").body).as_object();
  EXPECT_EQ(list.at("in_use").as_string(), b);
  EXPECT_EQ(list.at("versions").as_array().size(), 2u);
  const auto pb = json::parse(Call("POST", "/v1/estimates/predict", kSpec).body).as_object();
  EXPECT_EQ(pb.at("model_version").as_string(), b);

  auto rb = Call("POST", "/v1/estimates/models/rollback");
  ASSERT_EQ(rb.status, 200) << rb.body;
  EXPECT_EQ(json::parse(rb.body).as_object().at("version").as_string(), a);
  const auto pa = json::parse(Call("POST", "/v1/estimates/predict", kSpec).body).as_object();
  EXPECT_EQ(pa.at("model_version").as_string(), a);

  auto one = Call("GET", "/v1/estimates/models/" + a);
  ASSERT_EQ(one.status, 200);
  EXPECT_TRUE(json::parse(one.body).as_object().at("card").as_object().contains("test"));
  EXPECT_EQ(Call("GET", "/v1/estimates/models/cost-000000000000").status, 404);
  EXPECT_EQ(Call("POST", "/v1/estimates/models", R"({"format": "other"})").status / 100, 4);
  EXPECT_TRUE(schemas_.Has("CostPrediction"));
}

// Not a test: memory of one loaded cost model of a 20,000-job history (what the per-org cap of
// ml::LiveModel bounds), and the time to load one from its bundle text.
//   signx_estimating_test --gtest_also_run_disabled_tests --gtest_filter='*MeasureModelMemory*'
TEST(CostModelMemory, DISABLED_MeasureModelMemory) {
  auto rss_mb = [] {
    std::ifstream statm("/proc/self/statm");
    long pages = 0, resident = 0;
    statm >> pages >> resident;
    return static_cast<double>(resident) * static_cast<double>(::sysconf(_SC_PAGESIZE)) / 1e6;
  };
  const std::string text = [] {  // the training data and bundle are freed before measuring
    GeneratorOptions o;
    o.projects = 20000;
    o.seed = 42;
    std::vector<HistoryJob> jobs;
    for (int64_t i = 0; i < o.projects; ++i) jobs.push_back(JobFromRecord(GenerateProject(o, i)));
    CostTrainOptions t;
    t.seed = 42;
    t.record_timing = false;
    auto b = TrainCostModel(std::move(jobs), t);
    SIGNX_CHECK(b.ok(), b.status().ToString());
    return SerializeCostBundle(*b);
  }();
  std::vector<std::shared_ptr<const CostPredictor>> loaded;
  const double before = rss_mb();
  const auto t0 = std::chrono::steady_clock::now();
  constexpr int kModels = 8;
  for (int i = 0; i < kModels; ++i) {
    auto bundle = ParseCostBundle(text);
    ASSERT_TRUE(bundle.ok());
    auto p = CostPredictor::Create(std::move(bundle).value());
    ASSERT_TRUE(p.ok());
    loaded.push_back(*p);
  }
  const double load_s =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / kModels;
  std::printf("bundle %.1f MB; per loaded cost model: %.1f MB RSS, load (parse + build) %.2f s\n",
              static_cast<double>(text.size()) / 1e6, (rss_mb() - before) / kModels, load_s);
}

}  // namespace
}  // namespace signx::estimating
