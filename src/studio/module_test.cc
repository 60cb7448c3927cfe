// The studio module as app/capabilities.cc wires it:
//  - payload cost snapshots come from estimating's one predictor (EstimatingExports), so they
//    follow the org's production model and count on the shared /metrics registry — no second
//    CostService (a second copy of every model, and a second estimates_* family on the registry,
//    which aborts);
//  - the projects index is written by projects.index / projects.reindex jobs, so two `signx
//    serve` replicas that run no jobs and one `signx worker` on the same database and data_dir
//    keep serve's search in step, one index job per event.
#include "estimating/module.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <sstream>

#include "config/config.h"
#include "estimating/cost_model.h"
#include "estimating/predict_service.h"
#include "estimating/testing/synthetic_cost_model.h"
#include "events/dispatcher.h"
#include "events/outbox.h"
#include "http/json.h"
#include "http/openapi.h"
#include "http/router.h"
#include "http/testing/route_call.h"
#include "http/testing/test_auth.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "metrics/metrics.h"
#include "ml/registry.h"
#include "storage/testing/test_stores.h"
#include "studio/module.h"
#include "studio/project_search.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using http::testing::OrgMember;
using storage::testing::Backend;

// A cost model trained on generated jobs (the slow part: once per process).
const estimating::CostBundle& Bundle() {
  static const estimating::CostBundle* bundle = [] {
    auto trained = estimating::testing::TrainSyntheticCostModel(
        {.projects = 300, .data_seed = 5, .rounds = 30});
    SIGNX_CHECK(trained.ok(), trained.status().ToString());
    return new estimating::CostBundle(std::move(*trained));
  }();
  return *bundle;
}

// The value of estimates_predictions_total summed over its labels, from the rendered registry.
double PredictionsCounted(const metrics::Registry& metrics) {
  double sum = 0;
  std::istringstream in(metrics.Render());
  for (std::string line; std::getline(in, line);) {
    if (!line.starts_with("estimates_predictions_total")) continue;
    sum += std::stod(line.substr(line.rfind(' ') + 1));
  }
  return sum;
}

class StudioModuleTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    dir_ = std::filesystem::temp_directory_path() /
           ("signx-studio-module-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    config_.data_dir = dir_.string();
    blobs_ = std::shared_ptr<blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(dir_ / "blobs", int64_t{1} << 26)));
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    registry_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
  }
  void TearDown() override {
    for (auto& m : modules_) m->Stop();
    modules_.clear();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  http::Response Call(const std::string& method, const std::string& target, const std::string& body,
                      std::map<std::string, std::string> headers = {},
                      const std::string& org = "org_a") {
    return http::testing::CallRoute(router_, {.method = method,
                                              .target = target,
                                              .body = body,
                                              .headers = std::move(headers),
                                              .principal = OrgMember(org)});
  }

  // The cost snapshot of a project of `org` with a structure and a cabinet payload.
  json::object Snapshot(const std::string& org) {
    auto r = Call("POST", "/v1/projects", R"({"name": "Pylon"})", {}, org);
    SIGNX_CHECK(r.status == 201, r.body);
    const std::string id(json::parse(r.body).at("id").as_string());
    r = Call("PUT", "/v1/projects/" + id + "/payloads/structure",
             R"({"wind_speed_mph": 115, "exposure": "C", "sign_width_ft": 10,
                 "sign_height_ft": 6, "top_height_ft": 25,
                 "pole": {"diameter_in": 10.75, "wall_in": 0.365}, "soil_class": 4,
                 "footing_diameter_ft": 3, "embedment_ft": 10})",
             {{"If-None-Match", "*"}}, org);
    SIGNX_CHECK(r.status == 201, r.body);
    r = Call("PUT", "/v1/projects/" + id + "/payloads/cabinet",
             R"({"material": "aluminum", "faces": 2, "sign_type": "pylon"})",
             {{"If-None-Match", "*"}}, org);
    SIGNX_CHECK(r.status == 201, r.body);
    return json::parse(r.body).at("cost_snapshot").as_object();
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path dir_;
  config::Config config_;
  std::shared_ptr<blobs::BlobStore> blobs_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<ml::ModelRegistry> registry_;
  events::Outbox outbox_;
  metrics::Registry metrics_;
  http::Router router_;
  http::SchemaRegistry schemas_;
  std::vector<std::unique_ptr<capability::Capability>> modules_;
};

TEST_P(StudioModuleTest, CostSnapshotsComeFromEstimatingsPredictorAndTheOrgsModel) {
  const capability::Deps deps{.config = config_,
                              .store = db_->store(),
                              .blobs = blobs_,
                              .queue = *queue_,
                              .models = *registry_,
                              .outbox = &outbox_,
                              .metrics = &metrics_};
  auto exports = std::make_shared<estimating::EstimatingExports>();
  modules_.push_back(estimating::OpenEstimatingModule(deps, exports));
  modules_.push_back(OpenStudioModule(deps, exports));
  for (auto& m : modules_) ASSERT_TRUE(m->RegisterJobs(*queue_).ok()) << m->name();
  for (auto& m : modules_) {
    ASSERT_TRUE(m->Start().ok()) << m->name();
    m->AddRoutes(router_, schemas_);
  }
  ASSERT_NE(exports->cost(), nullptr);

  // org_a's own production model, loaded as the 10 s poll would.
  const estimating::CostBundle& bundle = Bundle();
  ASSERT_TRUE(registry_
                  ->Register(ml::Owner::Org("org_a"), "cost", bundle.model_version,
                             estimating::SerializeCostBundle(bundle), http::ToJsonText(bundle.card),
                             "test")
                  .ok());
  ASSERT_TRUE(registry_->Promote(ml::Owner::Org("org_a"), "cost", bundle.model_version).ok());
  ASSERT_TRUE(exports->cost()->Reload(ml::Owner::Org("org_a")).ok());

  const double before = PredictionsCounted(metrics_);
  const json::object a = Snapshot("org_a");
  ASSERT_EQ(a.at("status").as_string(), "ok") << json::serialize(a);
  EXPECT_EQ(a.at("prediction").at("model_version").as_string(), bundle.model_version);
  EXPECT_GT(a.at("prediction").at("result").at("cost_cents").to_number<double>(), 0.0);
  // Priced by estimating's predictor: the prediction is counted on the shared registry.
  EXPECT_EQ(PredictionsCounted(metrics_), before + 1);

  // org_b has no model of its own and there is no platform default: no snapshot price.
  const json::object b = Snapshot("org_b");
  EXPECT_EQ(b.at("status").as_string(), "unavailable") << json::serialize(b);
}

// One signx process's estimating and studio modules: `serve` starts them (with its own
// dispatcher and metrics registry) and mounts their routes on `router`; a worker only registers
// their jobs.
struct Process {
  std::vector<std::unique_ptr<capability::Capability>> modules;
  std::unique_ptr<metrics::Registry> metrics = std::make_unique<metrics::Registry>();
  std::unique_ptr<events::Dispatcher> dispatcher;
  std::unique_ptr<jobs::Queue> queue;
  http::Router router;
  http::SchemaRegistry schemas;

  ~Process() {
    for (auto& m : modules) m->Stop();
  }
};

TEST_P(StudioModuleTest, AWorkerKeepsTheIndexThatServeSearchesInStep) {
  auto open = [&](bool serve) {
    auto p = std::make_unique<Process>();
    p->queue = std::make_unique<jobs::Queue>(db_->store());
    if (serve) {
      p->dispatcher = std::make_unique<events::Dispatcher>(
          db_->store(), events::DispatcherOptions{.start_after_position = 0});
    }
    const capability::Deps deps{.config = config_,
                                .store = db_->store(),
                                .blobs = blobs_,
                                .queue = *p->queue,
                                .models = *registry_,
                                .outbox = serve ? &outbox_ : nullptr,
                                .dispatcher = p->dispatcher.get(),
                                .metrics = serve ? p->metrics.get() : nullptr};
    auto exports = std::make_shared<estimating::EstimatingExports>();
    p->modules.push_back(estimating::OpenEstimatingModule(deps, exports));
    p->modules.push_back(OpenStudioModule(deps, exports));
    for (auto& m : p->modules) SIGNX_CHECK(m->RegisterJobs(*p->queue).ok(), "jobs");
    if (serve) {
      for (auto& m : p->modules) {
        SIGNX_CHECK(m->Start().ok(), "start");
        m->AddRoutes(p->router, p->schemas);
      }
    }
    return p;
  };
  // Two API replicas with jobs.workers=0 and one `signx worker`.
  auto serve1 = open(true);
  auto serve2 = open(true);
  auto worker_process = open(false);
  jobs::Worker worker(*worker_process->queue, {});

  auto call = [&](const std::string& method, const std::string& target, const std::string& body,
                  std::map<std::string, std::string> headers = {}) {
    return http::testing::CallRoute(serve1->router, {.method = method,
                                                     .target = target,
                                                     .body = body,
                                                     .headers = std::move(headers),
                                                     .principal = OrgMember("org_a")});
  };
  // Both replicas see the committed events; the worker runs every job there is.
  auto settle = [&] {
    ASSERT_TRUE(serve1->dispatcher->RunOnce().ok());
    ASSERT_TRUE(serve2->dispatcher->RunOnce().ok());
    for (int i = 0; i < 20; ++i) {
      auto ran = worker.RunOnce();
      ASSERT_TRUE(ran.ok()) << ran.status().ToString();
      if (!*ran) return;
    }
    FAIL() << "jobs keep coming";
  };
  auto search = [&](const std::string& q) {
    auto r = call("GET", "/v1/projects/search?q=" + q, "");
    SIGNX_CHECK(r.status == 200, r.body);
    return json::parse(r.body).as_object();
  };
  auto jobs_of = [&](const std::string& type, const std::string& state) {
    auto rs = db_->store().Query("SELECT COUNT(*) FROM jobs WHERE type = $1 AND state = $2",
                                 {type, state});
    SIGNX_CHECK(rs.ok(), rs.status().ToString());
    return rs->rows[0].Int(0);
  };

  auto r = call("POST", "/v1/projects", R"({"name": "Riverside pylon"})");
  ASSERT_EQ(r.status, 201) << r.body;
  const std::string id(json::parse(r.body).at("id").as_string());
  settle();
  // One index job for the event although two replicas saw it; the org's first write found no
  // index, so the worker also built it (projects.reindex).
  EXPECT_EQ(jobs_of(std::string(kProjectIndexJob), "succeeded"), 1);
  EXPECT_EQ(jobs_of(std::string(kProjectReindexJob), "succeeded"), 1);
  auto found = search("riverside");
  EXPECT_EQ(found.at("source").as_string(), "index");
  ASSERT_EQ(found.at("items").as_array().size(), 1u);
  EXPECT_EQ(found.at("items").as_array()[0].at("id").as_string(), id);

  r = call("PATCH", "/v1/projects/" + id, R"({"name": "Lakeside monument"})",
           {{"If-Match", "\"v1\""}});
  ASSERT_EQ(r.status, 200) << r.body;
  settle();
  EXPECT_EQ(jobs_of(std::string(kProjectIndexJob), "succeeded"), 2);
  found = search("lakeside");
  EXPECT_EQ(found.at("source").as_string(), "index");
  ASSERT_EQ(found.at("items").as_array().size(), 1u);
  EXPECT_TRUE(search("riverside").at("items").as_array().empty());

  r = call("DELETE", "/v1/projects/" + id, "", {{"If-Match", "\"v2\""}});
  ASSERT_EQ(r.status, 204) << r.body;
  settle();
  EXPECT_EQ(jobs_of(std::string(kProjectIndexJob), "succeeded"), 3);
  EXPECT_TRUE(search("lakeside").at("items").as_array().empty());
}

INSTANTIATE_TEST_SUITE_P(Backends, StudioModuleTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::studio
