// The leads module as app/capabilities.cc wires it: one LeadMonitor for the leads.monitor job, the
// monitoring route and the gauges, with the process's metrics registry — leads scored through the
// API and through a CSV job, once the job has run, show the same numbers on
// GET /v1/leads/monitoring and on /metrics.
#include "leads/module.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <random>

#include "config/config.h"
#include "csv/reader.h"
#include "events/outbox.h"
#include "http/openapi.h"
#include "http/router.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "leads/bundle.h"
#include "leads/csv_jobs.h"
#include "leads/monitoring.h"
#include "leads/scorer.h"
#include "leads/service.h"
#include "leads/training.h"
#include "metrics/metrics.h"
#include "ml/registry.h"
#include "storage/testing/test_stores.h"

namespace signx::leads {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

Schema TestSchema() {
  return *ParseSchemaText(R"({"name":"moduletest","missing":[""],"fields":[
    {"name":"lead_id","column":"Lead ID","type":"text","role":"id","required":true},
    {"name":"source","column":"Source","type":"category","role":"feature"},
    {"name":"visits","column":"Visits","type":"number","role":"feature","min":0},
    {"name":"converted","column":"Converted","type":"integer","role":"label",
     "positive":["1"],"negative":["0"]}]})");
}

const ModelBundle& Bundle() {
  static const ModelBundle* bundle = [] {
    std::mt19937_64 rng(11);
    std::uniform_real_distribution<double> u(0, 1);
    std::string csv = "Lead ID,Source,Visits,Converted\n";
    const char* sources[] = {"Google", "Reference", "Direct"};
    for (int i = 0; i < 600; ++i) {
      const int src = static_cast<int>(u(rng) * 3);
      const double visits = std::floor(u(rng) * 20);
      const double logit = -1.5 + (src == 1 ? 2.5 : 0) + 0.2 * visits;
      csv += fmt::format("T{},{},{},{}\n", i, sources[src], visits,
                         u(rng) < 1.0 / (1.0 + std::exp(-logit)) ? 1 : 0);
    }
    auto table = csv::ReadTable(csv);
    SIGNX_CHECK(table.ok(), table.status().ToString());
    TrainOptions o;
    o.num_rounds = 30;
    o.early_stopping_rounds = 10;
    o.max_depth = 3;
    o.nthread = 1;
    o.compare_leaky = false;
    auto out = TrainLeadModel(*table, TestSchema(), o);
    SIGNX_CHECK(out.ok(), out.status().ToString());
    return new ModelBundle(std::move(out->bundle));
  }();
  return *bundle;
}

http::Principal Member(const std::string& org) {
  return {.kind = "user",
          .subject_id = "usr_" + org,
          .org_id = org,
          .role = "org_member",
          .permissions = {"leads:read", "leads:score"}};
}

// The value of the sample `name{model_version="<version>"}` in an exposition, or NaN.
double Sample(const std::string& exposition, const std::string& name, const std::string& version) {
  const std::string key = fmt::format("{}{{model_version=\"{}\"}} ", name, version);
  const auto at = exposition.find(key);
  if (at == std::string::npos) return std::nan("");
  return std::stod(exposition.substr(at + key.size()));
}

class LeadsModuleTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    dir_ = std::filesystem::temp_directory_path() /
           ("signx-leads-module-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    config_.data_dir = dir_.string();
    blobs_ = std::shared_ptr<blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(dir_ / "blobs", int64_t{1} << 26)));
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    registry_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
  }
  void TearDown() override {
    if (module_) module_->Stop();
    module_.reset();
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "") {
    http::Request req;
    req.method = method;
    req.target = target;
    const auto q = target.find('?');
    req.path = target.substr(0, q);
    if (q != std::string::npos) req.query = http::ParseQuery(target.substr(q + 1));
    req.request_id = "req-module";
    req.body = body;
    req.principal = Member("org_a");
    http::Match m = router_.Find(method, req.path);
    SIGNX_CHECK(m.route != nullptr, "no route for " + method + " " + req.path);
    req.path_params = m.params;
    return m.route->handler(req);
  }

  // Runs one queued job of `type` as a worker thread would.
  void RunJob(const std::string& type) {
    jobs::Worker worker(*queue_, {.threads = 1, .types = {type}, .run_maintenance = false});
    auto ran = worker.RunOnce();
    ASSERT_TRUE(ran.ok()) << ran.status().ToString();
    ASSERT_TRUE(*ran) << "no " << type << " job was queued";
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
  std::unique_ptr<capability::Capability> module_;
};

TEST_P(LeadsModuleTest, OneMonitorSeesTheApiAndTheCsvScoresAndExportsWhatTheRouteShows) {
  const ModelBundle& bundle = Bundle();
  ASSERT_TRUE(registry_
                  ->Register(ml::Owner::Platform(), std::string(kModelName), bundle.model_version,
                             SerializeBundle(bundle), "{}", "test")
                  .ok());
  ASSERT_TRUE(
      registry_->Promote(ml::Owner::Platform(), std::string(kModelName), bundle.model_version)
          .ok());
  // `signx serve`: jobs registered, then started with the process's outbox and registry.
  module_ = OpenLeadsModule({.config = config_,
                             .store = db_->store(),
                             .blobs = blobs_,
                             .queue = *queue_,
                             .models = *registry_,
                             .outbox = &outbox_,
                             .metrics = &metrics_});
  ASSERT_TRUE(module_->RegisterJobs(*queue_).ok());
  ASSERT_TRUE(module_->Start().ok());
  module_->AddRoutes(router_, schemas_);

  // Three leads through the API, four through a CSV job.
  for (int i = 0; i < 3; ++i) {
    auto r = Call(
        "POST", "/v1/leads/score",
        fmt::format(R"({{"lead_id": "API{}", "source": "Reference", "visits": {}}})", i, 5 * i));
    ASSERT_EQ(r.status, 200) << r.body;
  }
  auto scorer = Scorer::Create(bundle);
  ASSERT_TRUE(scorer.ok()) << scorer.status().ToString();
  CsvJobs csv_jobs(*queue_, blobs_);
  auto submitted =
      csv_jobs.Submit(Member("org_a"), "req-csv", *scorer, "leads.csv",
                      "Lead ID,Source,Visits\nCSV0,Google,1\nCSV1,Direct,3\nCSV2,Reference,9\n"
                      "CSV3,Google,15\n");
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  ASSERT_FALSE(submitted->job_id.empty());
  RunJob("leads.score_csv");

  // Outcomes on both (the API's scores are written by the score log when the outcome needs them).
  for (const char* lead : {"API0", "API2", "CSV0", "CSV2"}) {
    const bool converted = std::string_view(lead).ends_with("2");
    auto r = Call("POST", fmt::format("/v1/leads/{}/outcome", lead),
                  converted ? R"({"converted": true})" : R"({"converted": false})");
    ASSERT_EQ(r.status, 200) << lead << ": " << r.body;
  }
  auto rs = db_->store().Query("SELECT COUNT(*) FROM lead_scores WHERE org_id = 'org_a'");
  ASSERT_TRUE(rs.ok());
  ASSERT_EQ(rs->rows[0].Int(0), 7);

  // The recurring job, run by this process's worker thread.
  ASSERT_TRUE(queue_->Enqueue({.type = std::string(kMonitorJob)}).ok());
  RunJob(std::string(kMonitorJob));

  auto listed = Call("GET", "/v1/leads/monitoring");
  ASSERT_EQ(listed.status, 200) << listed.body;
  const auto items = json::parse(listed.body).at("items").as_array();
  ASSERT_EQ(items.size(), 1u) << listed.body;
  const auto& report = items[0].as_object();
  EXPECT_EQ(report.at("model_version").as_string(), bundle.model_version);
  EXPECT_EQ(report.at("scored").as_int64(), 7);
  EXPECT_EQ(report.at("labelled").as_int64(), 4);

  // The same numbers on this process's /metrics at once: the job's monitor is the module's, with
  // the registry (before, the job ran a second monitor without metrics, and the gauges waited for
  // the next 30 s refresh from the table).
  const std::string exposition = metrics_.Render();
  EXPECT_EQ(Sample(exposition, "leads_outcomes_labelled", bundle.model_version), 4.0) << exposition;
  ASSERT_TRUE(report.at("psi").is_number());
  EXPECT_NEAR(Sample(exposition, "leads_psi", bundle.model_version),
              report.at("psi").to_number<double>(), 1e-6);
  ASSERT_TRUE(report.at("brier").is_number());
  EXPECT_NEAR(Sample(exposition, "leads_live_brier", bundle.model_version),
              report.at("brier").to_number<double>(), 1e-6);
}

INSTANTIATE_TEST_SUITE_P(Backends, LeadsModuleTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::leads
