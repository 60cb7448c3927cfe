// The learning loop on SQLite and PostgreSQL: the drift rule decides retraining exactly at the
// 1.2 × baseline threshold (below / at / above), a retrained candidate is promoted only when it
// beats production on the held-out window, rollback restores the previous version, the jobs run
// through the real queue, and every org sees only its own evaluations.
#include "estimating/learning.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <set>
#include <sstream>
#include <tuple>

#include "estimating/generator.h"
#include "estimating/importer.h"
#include "estimating/predict_service.h"
#include "estimating/shared_predictor.h"
#include "http/json.h"
#include "jobs/worker.h"
#include "storage/testing/test_stores.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

std::string HistoryNdjson(int n, uint64_t seed) {
  std::ostringstream out;
  for (int i = 0; i < n; ++i) {
    WriteRecord(
        GenerateProject({.projects = n, .seed = seed, .first_year = 2021, .last_year = 2025}, i),
        HistoryFormat::kNdjson, out);
  }
  return out.str();
}

class LearningTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-learning-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 28)));
    clock_.Set(FromUnixMicros(int64_t{1'780'000'000} * 1'000'000));
    queue_ = std::make_unique<jobs::Queue>(db_->store(), clock_);
    registry_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, clock_);
    LearningOptions o;
    o.train.num_rounds = 40;
    loop_ = std::make_shared<LearningLoop>(db_->store(), *registry_, outbox_, *queue_, o, clock_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }

  // Trains on n generated jobs, registers and promotes the model as the platform default;
  // `baseline` overrides the drift baseline of the registered card when set.
  std::string TrainAndPromote(int n, uint64_t seed, int num_rounds,
                              std::optional<double> baseline = std::nullopt) {
    // Trained once per process and shape (training is the slow part of these tests).
    static std::map<std::tuple<int, uint64_t, int>, CostBundle> cache;
    auto it = cache.find({n, seed, num_rounds});
    if (it == cache.end()) {
      std::vector<HistoryJob> jobs;
      for (int i = 0; i < n; ++i) {
        jobs.push_back(JobFromRecord(GenerateProject(
            {.projects = n, .seed = seed, .first_year = 2021, .last_year = 2025}, i)));
      }
      CostTrainOptions t;
      t.record_timing = false;
      t.num_rounds = num_rounds;
      auto trained = TrainCostModel(std::move(jobs), t);
      SIGNX_CHECK(trained.ok(), std::string(trained.status().message()));
      it = cache.emplace(std::make_tuple(n, seed, num_rounds), std::move(*trained)).first;
    }
    const CostBundle* bundle = &it->second;
    json::object card = bundle->card;
    if (baseline) card["drift_baseline_mape"] = *baseline;
    auto v = registry_->Register(ml::Owner::Platform(), "cost", bundle->model_version,
                                 SerializeCostBundle(*bundle), http::ToJsonText(card), "test");
    SIGNX_CHECK(v.ok(), std::string(v.status().message()));
    SIGNX_CHECK(registry_->Promote(ml::Owner::Platform(), "cost", bundle->model_version).ok(),
                "promote");
    return bundle->model_version;
  }

  Scope ScopeOf(const std::string& org) { return {org, "test"}; }

  void Import(const std::string& org, const std::string& ndjson) {
    ImportOptions o;
    o.format = ImportFormat::kNdjson;
    o.drift_queue = queue_.get();
    auto r = RunImport(db_->store(), &outbox_, ScopeOf(org), ndjson, o, clock_);
    ASSERT_TRUE(r.ok()) << r.status().message();
    ASSERT_EQ(r->record.status, "completed") << r->record.report_json;
  }

  // `n` records in `org` with actual 10,000 cents and a stored prediction by `version`.
  void RecordsWithPredictions(const std::string& org, int n, int64_t predicted,
                              const std::string& version) {
    const std::string ndjson = HistoryNdjson(n, 99);
    ASSERT_TRUE(db_->store()
                    .WithTxn([&](storage::Txn& txn) -> Status {
                      Repository repo(txn, ScopeOf(org), clock_);
                      SIGNX_ASSIGN_OR_RETURN(auto p, repo.CreateProject({.name = "p"}));
                      std::istringstream in(ndjson);
                      std::string line;
                      while (std::getline(in, line)) {
                        auto o = json::parse(line).as_object();
                        SIGNX_ASSIGN_OR_RETURN(CostRecordData d, ParseCostRecordJson(o, "", true));
                        d.external_id.reset();
                        d.actual = CostTotals{.total_cost_cents = 10'000};
                        d.lines.clear();
                        SIGNX_ASSIGN_OR_RETURN(auto c, repo.CreateCostRecord(p.id, d));
                        SIGNX_RETURN_IF_ERROR(
                            txn.Exec("UPDATE cost_records SET predicted_cost_cents = $1, "
                                     "model_version = $2 WHERE id = $3",
                                     {predicted, version, c.id})
                                .status());
                      }
                      return Status::Ok();
                    })
                    .ok());
  }

  int64_t Count(const std::string& sql, const storage::Params& params) {
    auto r = db_->store().WithTxnResult<int64_t>([&](storage::Txn& txn) -> Result<int64_t> {
      SIGNX_ASSIGN_OR_RETURN(auto row, txn.QueryOne(sql, params));
      return row->Int(0);
    });
    SIGNX_CHECK(r.ok(), std::string(r.status().message()));
    return *r;
  }
  int64_t RetrainJobs(const std::string& org) {
    return Count("SELECT COUNT(*) FROM jobs WHERE type = $1 AND org_id = $2",
                 {std::string(kRetrainJob), org});
  }
  int64_t Events(const std::string& type, const std::string& org) {
    return Count("SELECT COUNT(*) FROM events WHERE type = $1 AND org_id = $2", {type, org});
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path blob_dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  FakeClock clock_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<ml::ModelRegistry> registry_;
  std::shared_ptr<LearningLoop> loop_;
};

TEST_P(LearningTest, DriftRuleTriggersRetrainingExactlyAboveThreshold) {
  // Baseline 25 % → threshold 1.2 × 25 % = 30 %. 30 pairs (min_pairs) with actual $100.00.
  const std::string v = TrainAndPromote(260, 7, 50, 0.25);
  clock_.Advance(std::chrono::hours(1));  // records arrive after the model was registered
  RecordsWithPredictions("org_below", 30, 12'000, v);  // 20 %
  RecordsWithPredictions("org_at", 30, 13'000, v);     // 30 %: not worse than the threshold
  RecordsWithPredictions("org_above", 30, 13'100, v);  // 31 %

  auto below = loop_->EvaluateDrift(ScopeOf("org_below"), "");
  ASSERT_TRUE(below.ok() && *below) << below.status().message();
  EXPECT_FALSE((*below)->drifted);
  EXPECT_TRUE((*below)->enough_data);
  EXPECT_EQ((*below)->pairs, 30);
  EXPECT_NEAR(*(*below)->mape, 0.20, 1e-12);
  EXPECT_EQ(RetrainJobs("org_below"), 0);

  auto at = loop_->EvaluateDrift(ScopeOf("org_at"), "");
  ASSERT_TRUE(at.ok() && *at);
  EXPECT_DOUBLE_EQ(*(*at)->mape, *(*at)->threshold_mape);
  EXPECT_FALSE((*at)->drifted);
  EXPECT_EQ(RetrainJobs("org_at"), 0);
  EXPECT_EQ(Events("model.drift_detected", "org_at"), 0);

  auto above = loop_->EvaluateDrift(ScopeOf("org_above"), "");
  ASSERT_TRUE(above.ok() && *above);
  EXPECT_TRUE((*above)->drifted);
  EXPECT_NEAR(*(*above)->mape, 0.31, 1e-12);
  EXPECT_NEAR(*(*above)->baseline_mape, 0.25, 1e-12);
  EXPECT_EQ(RetrainJobs("org_above"), 1);
  EXPECT_EQ(Events("model.drift_detected", "org_above"), 1);

  // A second evaluation the same day: still drifted, but the retrain job and the event are not
  // duplicated.
  auto again = loop_->EvaluateDrift(ScopeOf("org_above"), "");
  ASSERT_TRUE(again.ok() && *again);
  EXPECT_TRUE((*again)->drifted);
  EXPECT_EQ(RetrainJobs("org_above"), 1);
  EXPECT_EQ(Events("model.drift_detected", "org_above"), 1);

  // Too few pairs: no decision.
  RecordsWithPredictions("org_few", 29, 50'000, v);
  auto few = loop_->EvaluateDrift(ScopeOf("org_few"), "");
  ASSERT_TRUE(few.ok() && *few);
  EXPECT_FALSE((*few)->enough_data);
  EXPECT_FALSE((*few)->drifted);
  EXPECT_EQ(RetrainJobs("org_few"), 0);

  // Tenant isolation: each org lists only its own evaluations.
  auto list_above = ListModelEvaluations(db_->store(), ScopeOf("org_above"), 50, "");
  ASSERT_TRUE(list_above.ok());
  ASSERT_EQ(list_above->items.size(), 2u);
  for (const auto& e : list_above->items) EXPECT_EQ(e.org_id, "org_above");
  auto list_none = ListModelEvaluations(db_->store(), ScopeOf("org_nobody"), 50, "");
  ASSERT_TRUE(list_none.ok());
  EXPECT_TRUE(list_none->items.empty());
}

TEST_P(LearningTest, RecordsBeforeTheModelAndOtherOrgsDoNotCount) {
  const std::string v = TrainAndPromote(260, 7, 50, 0.25);
  // Created at the model's registration instant: not after it, so excluded (it may have been
  // in the training data).
  RecordsWithPredictions("org_a", 30, 30'000, v);
  clock_.Advance(std::chrono::hours(1));
  RecordsWithPredictions("org_b", 30, 30'000, v);  // another org's bad predictions
  auto a = loop_->EvaluateDrift(ScopeOf("org_a"), "");
  ASSERT_TRUE(a.ok() && *a);
  EXPECT_EQ((*a)->pairs, 0);
  EXPECT_FALSE((*a)->drifted);
  EXPECT_EQ(RetrainJobs("org_a"), 0);
  auto b = loop_->EvaluateDrift(ScopeOf("org_b"), "");
  ASSERT_TRUE(b.ok() && *b);
  EXPECT_TRUE((*b)->drifted);
  EXPECT_EQ(RetrainJobs("org_b"), 1);
  EXPECT_EQ(RetrainJobs("org_a"), 0);
}

// Issue 19's soak: one server held three copies of one cost model (~18 MB each) — the platform
// default, the same bundle as the org's own production version, and the drift evaluation's
// copy, loaded at the end of the first 10-minute bucket (a step in RSS minutes into the run).
TEST_P(LearningTest, OneLoadedPredictorPerBundleInTheProcess) {
  const std::string v = TrainAndPromote(300, 11, 1);
  auto prod = registry_->Production(ml::Owner::Platform(), "cost");
  ASSERT_TRUE(prod.ok() && prod->has_value());
  auto bytes = registry_->ReadBytes(**prod);
  ASSERT_TRUE(bytes.ok()) << bytes.status().message();
  // org_a's own production version is the same bundle (as `signx demo seed` registers it).
  ASSERT_TRUE(
      registry_->Register(ml::Owner::Org("org_a"), "cost", v, *bytes, (*prod)->card_json, "test")
          .ok());
  ASSERT_TRUE(registry_->Promote(ml::Owner::Org("org_a"), "cost", v).ok());

  metrics::Registry metrics;
  CostService service(*registry_, metrics);
  ASSERT_TRUE(service.Reload().ok());
  const std::shared_ptr<const CostPredictor> platform = service.Current("");
  ASSERT_NE(platform, nullptr);
  const auto own = service.For("org_a");
  ASSERT_FALSE(own.platform);
  EXPECT_EQ(own.model.get(), platform.get()) << "the same bundle was loaded twice";

  // The drift evaluation predicts org_a's new records with the predictor the service serves.
  clock_.Advance(std::chrono::hours(1));
  Import("org_a", HistoryNdjson(40, 11));
  const long holders = platform.use_count();
  auto e = loop_->EvaluateDrift(ScopeOf("org_a"), "");
  ASSERT_TRUE(e.ok() && *e) << e.status().message();
  EXPECT_GT((*e)->pairs, 0);
  EXPECT_EQ(platform.use_count(), holders + 1) << "the loop built its own copy of the model";

  // A different bundle is a different predictor; a predictor nobody holds is freed.
  const std::shared_ptr<const CostPredictor> other = *LoadCostPredictor(SerializeCostBundle([&] {
    CostBundle b = platform->bundle();
    b.card["note"] = "another bundle";
    return b;
  }()));
  EXPECT_NE(other.get(), platform.get());
}

TEST_P(LearningTest, NoProductionModelNothingToEvaluate) {
  auto e = loop_->EvaluateDrift(ScopeOf("org_a"), "");
  ASSERT_TRUE(e.ok());
  EXPECT_FALSE(e->has_value());
}

TEST_P(LearningTest, WorseCandidateStaysStaging) {
  const std::string history = HistoryNdjson(300, 11);
  Import("org_r", history);
  const std::string good = TrainAndPromote(300, 11, 60);
  // A deliberately weak candidate: one boosting round.
  LearningOptions weak;
  weak.train.num_rounds = 1;
  LearningLoop loop(db_->store(), *registry_, outbox_, *queue_, weak, clock_);
  auto e = loop.Retrain(ScopeOf("org_r"), "job_x");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_EQ(e->kind, "retrain");
  EXPECT_FALSE(e->promoted);
  ASSERT_TRUE(e->candidate_mape && e->mape);
  EXPECT_GT(*e->candidate_mape, *e->mape);
  EXPECT_EQ(e->model_version, good);
  auto prod = registry_->Effective("org_r", "cost");
  ASSERT_TRUE(prod.ok() && *prod);
  EXPECT_EQ((*prod)->version, good);
  auto cand = registry_->Get(ml::Owner::Org("org_r"), "cost", *e->candidate_version);
  ASSERT_TRUE(cand.ok());
  EXPECT_EQ(cand->state, "staging");
  EXPECT_EQ(Events("model.retrained", "org_r"), 1);
  EXPECT_EQ(Events("model.promoted", "org_r"), 0);
  EXPECT_EQ(e->window_size, 45);  // 15 % of 300
}

TEST_P(LearningTest, BetterCandidateIsPromotedAndRollbackRestores) {
  const std::string history = HistoryNdjson(300, 11);
  Import("org_r", history);
  const std::string weak = TrainAndPromote(300, 11, 1);
  auto e = loop_->Retrain(ScopeOf("org_r"), "job_y");
  ASSERT_TRUE(e.ok()) << e.status().message();
  EXPECT_TRUE(e->promoted);
  ASSERT_TRUE(e->candidate_mape && e->mape);
  EXPECT_LT(*e->candidate_mape, *e->mape);
  auto prod = registry_->Effective("org_r", "cost");
  ASSERT_TRUE(prod.ok() && *prod);
  EXPECT_EQ((*prod)->version, *e->candidate_version);
  EXPECT_EQ((*prod)->org_id, "org_r") << "promoted within the org";
  EXPECT_EQ((*registry_->Production(ml::Owner::Platform(), "cost"))->version, weak)
      << "the platform default is untouched";
  EXPECT_EQ(Events("model.retrained", "org_r"), 1);
  EXPECT_EQ(Events("model.promoted", "org_r"), 1);
  // Rollback (what POST /v1/estimates/models/rollback calls for the org) takes the org back to
  // the model before: here the platform default.
  auto back = registry_->Rollback(ml::Owner::Org("org_r"), "cost");
  ASSERT_TRUE(back.ok()) << back.status().message();
  EXPECT_EQ(back->version, *e->candidate_version);
  EXPECT_EQ(back->state, "archived");
  EXPECT_EQ((*registry_->Effective("org_r", "cost"))->version, weak);
  // The other org's evaluations list does not show this comparison.
  auto other = ListModelEvaluations(db_->store(), ScopeOf("org_other"), 50, "");
  ASSERT_TRUE(other.ok());
  EXPECT_TRUE(other->items.empty());
}

// Issue 19 item 1: a retrain learns from one org's records and lands in that org only — the
// platform default and another org's prices do not move — and similar_projects of an org never
// contain another org's jobs.
TEST_P(LearningTest, RetrainFromOneOrgLandsInThatOrgOnly) {
  Import("org_a", HistoryNdjson(300, 11));
  Import("org_b", HistoryNdjson(300, 12));
  const std::string platform = TrainAndPromote(300, 11, 1);
  metrics::Registry metrics;
  CostService service(*registry_, metrics);
  ASSERT_TRUE(service.Reload().ok());
  const json::object spec = json::parse(R"({"width_in": 96, "height_in": 48,
      "wind_speed_mph": 115, "material": "aluminum", "sign_type": "monument",
      "region_index": 1.05})")
                                .as_object();
  auto b_before = service.PredictJson("org_b", spec);
  ASSERT_TRUE(b_before.ok()) << b_before.status().message();
  // The platform default's reference jobs are nobody's to see.
  EXPECT_TRUE(json::parse(*b_before).at("similar_projects").as_array().empty()) << *b_before;

  auto e = loop_->Retrain(ScopeOf("org_a"), "job_a");
  ASSERT_TRUE(e.ok()) << e.status().message();
  ASSERT_TRUE(e->promoted);
  ASSERT_TRUE(service.Reload().ok());  // the poll of a serving replica
  EXPECT_EQ((*registry_->Production(ml::Owner::Platform(), "cost"))->version, platform);
  EXPECT_FALSE(registry_->Production(ml::Owner::Org("org_b"), "cost")->has_value());
  EXPECT_EQ(registry_->List(ml::Owner::Platform(), "cost")->size(), 1u);
  auto a = service.PredictJson("org_a", spec);
  ASSERT_TRUE(a.ok());
  EXPECT_EQ(json::parse(*a).at("model_version").as_string(), *e->candidate_version);
  auto b_after = service.PredictJson("org_b", spec);
  ASSERT_TRUE(b_after.ok());
  EXPECT_EQ(*b_after, *b_before) << "org_a's retrain changed org_b's price";

  // Each org's similar jobs are its own cost records, never the other's.
  auto ids_of = [&](const std::string& org) {
    std::set<std::string> ids;
    auto rs = db_->store().Query("SELECT id FROM cost_records WHERE org_id = $1", {org});
    for (const auto& r : rs->rows) ids.insert(r.Text(0));
    return ids;
  };
  const std::set<std::string> a_ids = ids_of("org_a"), b_ids = ids_of("org_b");
  auto similar = [](const std::string& answer) {
    std::vector<std::string> out;
    const json::value v = json::parse(answer);
    for (const auto& s : v.at("similar_projects").as_array()) {
      out.emplace_back(s.at("id").as_string());
    }
    return out;
  };
  ASSERT_EQ(similar(*a).size(), 5u);
  for (const auto& id : similar(*a)) EXPECT_TRUE(a_ids.contains(id)) << id;
  EXPECT_TRUE(similar(*b_after).empty());
  auto eb = loop_->Retrain(ScopeOf("org_b"), "job_b");
  ASSERT_TRUE(eb.ok()) << eb.status().message();
  ASSERT_TRUE(eb->promoted);
  ASSERT_TRUE(service.Reload().ok());
  auto b_own = service.PredictJson("org_b", spec);
  ASSERT_TRUE(b_own.ok());
  ASSERT_EQ(similar(*b_own).size(), 5u);
  for (const auto& id : similar(*b_own)) {
    EXPECT_TRUE(b_ids.contains(id)) << id;
    EXPECT_FALSE(a_ids.contains(id)) << "org_b was shown org_a's job " << id;
  }
  // And A's answer is still A's model.
  EXPECT_EQ(json::parse(*service.PredictJson("org_a", spec)).at("model_version").as_string(),
            *e->candidate_version);
}

TEST_P(LearningTest, JobsRunThroughTheQueue) {
  ASSERT_TRUE(RegisterLearningJobs(*queue_, loop_).ok());
  const std::string v = TrainAndPromote(260, 7, 50, 0.25);
  clock_.Advance(std::chrono::hours(1));
  RecordsWithPredictions("org_q", 30, 20'000, v);  // 100 % error → drift
  // Recording actuals enqueues one evaluation per org and 10-minute bucket.
  ASSERT_TRUE(
      db_->store()
          .WithTxn([&](storage::Txn& txn) -> Status {
            SIGNX_ASSIGN_OR_RETURN(auto a, EnqueueDriftEvaluation(*queue_, txn, "org_q", clock_));
            SIGNX_ASSIGN_OR_RETURN(auto b, EnqueueDriftEvaluation(*queue_, txn, "org_q", clock_));
            EXPECT_TRUE(a.created);
            EXPECT_FALSE(b.created);
            EXPECT_EQ(a.id, b.id);
            return Status::Ok();
          })
          .ok());
  jobs::Worker worker(*queue_, {.threads = 1, .run_maintenance = false});
  auto ran = worker.RunOnce();
  ASSERT_TRUE(ran.ok());
  EXPECT_FALSE(*ran);  // not due before the end of its bucket
  clock_.Advance(std::chrono::minutes(10));
  ran = worker.RunOnce();
  ASSERT_TRUE(ran.ok() && *ran);
  EXPECT_EQ(RetrainJobs("org_q"), 1);
  EXPECT_EQ(Events("model.drift_detected", "org_q"), 1);
  auto list = ListModelEvaluations(db_->store(), ScopeOf("org_q"), 50, "");
  ASSERT_TRUE(list.ok());
  ASSERT_EQ(list->items.size(), 1u);
  EXPECT_TRUE(list->items[0].drifted);
  ASSERT_TRUE(list->items[0].job_id.has_value());
  // The daily run without an org fans out one evaluation per org with actuals.
  auto retrain = queue_->List({.type = std::string(kRetrainJob)});
  ASSERT_TRUE(retrain.ok() && retrain->jobs.size() == 1u);
  ASSERT_TRUE(queue_->Cancel(retrain->jobs[0].id).ok());  // not trained in this test
  auto daily = queue_->Enqueue({.type = std::string(kEvaluateDriftJob)});
  ASSERT_TRUE(daily.ok());
  ran = worker.RunOnce();
  ASSERT_TRUE(ran.ok() && *ran);
  auto fan = queue_->Get(daily->id);
  ASSERT_TRUE(fan.ok());
  EXPECT_EQ(fan->state, jobs::JobState::kSucceeded);
  ASSERT_TRUE(fan->result_json.has_value());
  auto result = json::parse(*fan->result_json).as_object();
  EXPECT_EQ(result.at("orgs").as_int64(), 1);
  EXPECT_EQ(result.at("enqueued").as_int64(), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE type = $1 AND org_id = $2 AND state = $3",
                  {std::string(kEvaluateDriftJob), std::string("org_q"), std::string("queued")}),
            1);
}

TEST_P(LearningTest, ImportWithActualsEnqueuesEvaluation) {
  Import("org_i", HistoryNdjson(5, 3));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM jobs WHERE type = $1 AND org_id = $2",
                  {std::string(kEvaluateDriftJob), std::string("org_i")}),
            1);
}

INSTANTIATE_TEST_SUITE_P(Backends, LearningTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::estimating
