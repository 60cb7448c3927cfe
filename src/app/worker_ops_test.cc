// `signx worker` as cmd_worker.cc wires it: its jobs (WorkerJobs) report to the worker's own
// registry, which WorkerOps serves. A CSV of leads scored by the worker shows up as lake rows on
// the worker's /metrics (before, its lake writer had no registry and the worker no endpoint).
#include "app/worker_ops.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <thread>

#include "app/capabilities.h"
#include "blobs/blob_store.h"
#include "csv/reader.h"
#include "http/testing/raw_client.h"
#include "jobs/queue.h"
#include "jobs/worker.h"
#include "leads/bundle.h"
#include "leads/csv_jobs.h"
#include "leads/scorer.h"
#include "leads/service.h"
#include "leads/training.h"
#include "metrics/metrics.h"
#include "ml/registry.h"
#include "storage/testing/test_stores.h"

namespace signx::app {
namespace {

using storage::testing::Backend;

leads::Schema TestSchema() {
  return *leads::ParseSchemaText(R"({"name":"workertest","missing":[""],"fields":[
    {"name":"lead_id","column":"Lead ID","type":"text","role":"id","required":true},
    {"name":"source","column":"Source","type":"category","role":"feature"},
    {"name":"visits","column":"Visits","type":"number","role":"feature","min":0},
    {"name":"converted","column":"Converted","type":"integer","role":"label",
     "positive":["1"],"negative":["0"]}]})");
}

leads::ModelBundle TrainSmallModel() {
  std::mt19937_64 rng(5);
  std::uniform_real_distribution<double> u(0, 1);
  std::string csv = "Lead ID,Source,Visits,Converted\n";
  const char* sources[] = {"Google", "Reference", "Direct"};
  for (int i = 0; i < 400; ++i) {
    const int src = static_cast<int>(u(rng) * 3);
    const double visits = std::floor(u(rng) * 20);
    const double logit = -1.5 + (src == 1 ? 2.5 : 0) + 0.2 * visits;
    csv += fmt::format("T{},{},{},{}\n", i, sources[src], visits,
                       u(rng) < 1.0 / (1.0 + std::exp(-logit)) ? 1 : 0);
  }
  auto table = csv::ReadTable(csv);
  SIGNX_CHECK(table.ok(), table.status().ToString());
  leads::TrainOptions o;
  o.num_rounds = 20;
  o.early_stopping_rounds = 10;
  o.max_depth = 3;
  o.nthread = 1;
  o.compare_leaky = false;
  auto out = leads::TrainLeadModel(*table, TestSchema(), o);
  SIGNX_CHECK(out.ok(), out.status().ToString());
  return std::move(out->bundle);
}

class WorkerOpsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    dir_ = std::filesystem::temp_directory_path() /
           ("signx-worker-ops-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    std::filesystem::create_directories(dir_);
    config_.data_dir = dir_.string();
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path dir_;
  config::Config config_;
};

// The `name{labels} value` line of an exposition, or "".
std::string Line(const std::string& exposition, const std::string& prefix) {
  const auto at = exposition.find("\n" + prefix);
  if (at == std::string::npos) return "";
  return exposition.substr(at + 1, exposition.find('\n', at + 1) - at - 1);
}

TEST_P(WorkerOpsTest, TheWorkersLakeCountersAreOnItsMetricsEndpoint) {
  metrics::Registry registry;
  jobs::Queue queue(db_->store());
  auto handlers = WorkerJobs::Open(queue, config_, &registry);
  ASSERT_TRUE(handlers.ok()) << handlers.status().ToString();
  auto ops = WorkerOps::Start(db_->store(), registry, {.version = "test"}, {.port = 0});
  ASSERT_TRUE(ops.ok()) << ops.status().ToString();
  http::testing::RawClient client((*ops)->port());
  ASSERT_TRUE(client.connected());
  auto live = client.Request("GET", "/health/live");
  ASSERT_TRUE(live.has_value());
  EXPECT_EQ(live->status, 200);
  auto ready = client.Request("GET", "/health/ready");
  ASSERT_TRUE(ready.has_value());
  EXPECT_EQ(ready->status, 200) << ready->body;

  // A CSV of four leads, queued as the web page does and run by this worker.
  const leads::ModelBundle bundle = TrainSmallModel();
  auto blobs = blobs::BlobStore::Open(dir_ / "blobs", int64_t{1} << 26);
  ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
  std::shared_ptr<blobs::BlobStore> shared_blobs(std::move(*blobs));
  ml::ModelRegistry models(db_->store(), *shared_blobs, SystemClock::Get());
  ASSERT_TRUE(models
                  .Register(ml::Owner::Platform(), std::string(leads::kModelName),
                            bundle.model_version, leads::SerializeBundle(bundle), "{}", "test")
                  .ok());
  auto scorer = leads::Scorer::Create(bundle);
  ASSERT_TRUE(scorer.ok()) << scorer.status().ToString();
  leads::CsvJobs csv_jobs(queue, shared_blobs);
  const http::Principal member{.kind = "user",
                               .subject_id = "usr_a",
                               .org_id = "org_a",
                               .role = "org_member",
                               .permissions = {"leads:score"}};
  auto submitted = csv_jobs.Submit(member, "req-csv", *scorer, "leads.csv",
                                   "Lead ID,Source,Visits\nW0,Google,1\nW1,Direct,3\n"
                                   "W2,Reference,9\nW3,Google,15\n");
  ASSERT_TRUE(submitted.ok()) << submitted.status().ToString();
  {
    jobs::Worker worker(queue,
                        {.threads = 1, .types = {"leads.score_csv"}, .run_maintenance = false});
    auto ran = worker.RunOnce();
    ASSERT_TRUE(ran.ok()) << ran.status().ToString();
    ASSERT_TRUE(*ran);
  }
  auto job = queue.Get(submitted->job_id);
  ASSERT_TRUE(job.ok());
  ASSERT_EQ(job->state, jobs::JobState::kSucceeded) << job->last_error.value_or("");

  // The job's rows are durable when it succeeds and reach Parquet in the background: the written
  // counter shows them on the worker's endpoint once converted (waited for, not timed).
  const std::string written = R"(lake_rows_written_total{dataset="lead_scores"})";
  std::string body;
  for (int i = 0; i < 600 && Line(body, written) != written + " 4"; ++i) {
    if (i > 0) std::this_thread::sleep_for(std::chrono::milliseconds(100));
    auto metrics = client.Request("GET", "/metrics");
    ASSERT_TRUE(metrics.has_value());
    ASSERT_EQ(metrics->status, 200);
    body = metrics->body;
  }
  EXPECT_EQ(Line(body, written), written + " 4") << body;
  // The spool gauges and the job counters are there too.
  EXPECT_NE(body.find("\nlake_spool_rows "), std::string::npos) << body;
}

INSTANTIATE_TEST_SUITE_P(Backends, WorkerOpsTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::app
