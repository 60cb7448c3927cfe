#include "leads/csv_scoring.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <filesystem>
#include <random>

#include "blobs/blob_registry.h"
#include "csv/reader.h"
#include "leads/bundle.h"
#include "leads/service.h"
#include "leads/training.h"
#include "ml/registry.h"
#include "storage/testing/test_stores.h"

namespace signx::leads {
namespace {

Schema CsvSchema() {
  return *ParseSchemaText(R"({"name":"csvtest","missing":["","Select"],"fields":[
    {"name":"lead_id","column":"Lead ID","type":"text","role":"id","required":true},
    {"name":"source","column":"Source","type":"category","role":"feature"},
    {"name":"visits","column":"Visits","type":"number","role":"feature","min":0},
    {"name":"opted_in","column":"Opted In","type":"boolean","role":"feature","default":false},
    {"name":"converted","column":"Converted","type":"integer","role":"label",
     "positive":["1"],"negative":["0"]}]})");
}

std::string TrainingCsv(int rows) {
  std::mt19937_64 rng(7);
  std::uniform_real_distribution<double> u(0, 1);
  std::string csv = "Lead ID,Source,Visits,Opted In,Converted\n";
  const char* sources[] = {"Google", "Reference", "Direct"};
  for (int i = 0; i < rows; ++i) {
    const int src = static_cast<int>(u(rng) * 3);
    const double visits = std::floor(u(rng) * 20);
    const bool opted = u(rng) < 0.5;
    const double logit = -1.5 + (src == 1 ? 2.5 : 0) + 0.2 * visits - (opted ? 0 : 0.5);
    const bool y = u(rng) < 1.0 / (1.0 + std::exp(-logit));
    csv +=
        fmt::format("L{},{},{},{},{}\n", i, sources[src], visits, opted ? "Yes" : "No", y ? 1 : 0);
  }
  return csv;
}

class CsvScoringTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto table = csv::ReadTable(TrainingCsv(800));
    ASSERT_TRUE(table.ok());
    TrainOptions o;
    o.num_rounds = 60;
    o.early_stopping_rounds = 10;
    o.max_depth = 3;
    o.eta = 0.2;
    o.nthread = 1;
    o.compare_leaky = false;
    auto out = TrainLeadModel(*table, CsvSchema(), o);
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    bundle_ = new ModelBundle(std::move(out->bundle));
    auto scorer = Scorer::Create(*bundle_);
    ASSERT_TRUE(scorer.ok()) << scorer.status().ToString();
    scorer_ = new Scorer(std::move(scorer).value());
  }
  static void TearDownTestSuite() {
    delete scorer_;
    delete bundle_;
  }
  static ModelBundle* bundle_;
  static Scorer* scorer_;
};
ModelBundle* CsvScoringTest::bundle_ = nullptr;
Scorer* CsvScoringTest::scorer_ = nullptr;

TEST(CsvCheckTest, AcceptsAMatchingFileAndListsIgnoredAndMissingColumns) {
  const Schema s = CsvSchema();
  auto check = CheckLeadCsv(s, "\xEF\xBB\xBFLead ID,Source,Shoe Size\nL1,Google,44\nL2,,\n");
  EXPECT_TRUE(check.ok()) << check.problems.front().message;
  EXPECT_EQ(check.rows, 2u);
  EXPECT_EQ(check.ignored_columns, std::vector<std::string>{"Shoe Size"});
  EXPECT_EQ(check.missing_columns, (std::vector<std::string>{"Visits", "Opted In"}));
  // Field names work as headers too, and semicolons are detected.
  auto by_name = CheckLeadCsv(s, "lead_id;visits\nL1;3\n");
  EXPECT_TRUE(by_name.ok());
  EXPECT_EQ(by_name.delimiter, ';');
}

TEST(CsvCheckTest, RejectsWithProblemsNamingTheFieldAndRule) {
  const Schema s = CsvSchema();
  auto no_id = CheckLeadCsv(s, "Source,Visits\nGoogle,3\n");
  ASSERT_EQ(no_id.problems.size(), 1u);
  EXPECT_EQ(no_id.problems[0].field, "lead_id");
  EXPECT_NE(no_id.problems[0].message.find("Lead ID"), std::string::npos);

  auto wrong_header = CheckLeadCsv(s, "Lead ID,Colour\nL1,red\n");
  ASSERT_EQ(wrong_header.problems.size(), 1u);
  EXPECT_NE(wrong_header.problems[0].message.find("matches none"), std::string::npos);

  EXPECT_FALSE(CheckLeadCsv(s, "").ok());
  EXPECT_FALSE(CheckLeadCsv(s, "Lead ID,Source\n").ok());  // header only
  auto latin1 = CheckLeadCsv(s, "Lead ID,Source\nL1,Caf\xE9\n");
  ASSERT_FALSE(latin1.ok());
  EXPECT_NE(latin1.problems[0].message.find("UTF-8"), std::string::npos);
  auto ragged = CheckLeadCsv(s, "Lead ID,Source\nL1,Google\nL2,Google,extra\n");
  ASSERT_FALSE(ragged.ok());
  auto big = CheckLeadCsv(s, "Lead ID,Source\nL1,Google\n", {.max_bytes = 10});
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.problems[0].message.find("limit"), std::string::npos);
  auto many = CheckLeadCsv(s, "Lead ID,Source\nL1,a\nL2,b\nL3,c\n", {.max_rows = 2});
  ASSERT_FALSE(many.ok());
  EXPECT_NE(many.problems[0].message.find("more than 2 rows"), std::string::npos);
}

// Issue 19: 4 MiB of commas (one header of 4 Mi fields) is stopped by the reader's field limit
// with a message naming the record and the limit, instead of becoming 4 Mi strings.
TEST(CsvCheckTest, FourMebibytesOfCommasAreRejectedByTheFieldLimit) {
  const Schema s = CsvSchema();
  auto check = CheckLeadCsv(s, std::string(4 << 20, ','));
  ASSERT_EQ(check.problems.size(), 1u);
  EXPECT_EQ(check.problems[0].row, 0u);
  EXPECT_EQ(check.problems[0].message, "CSV record 1 exceeds the limit of 512 fields per record");
  auto long_cell =
      CheckLeadCsv(s, "Lead ID,Source\nL1,Google\nL2," + std::string(70 * 1024, 'x') + "\n");
  ASSERT_EQ(long_cell.problems.size(), 1u);
  EXPECT_EQ(long_cell.problems[0].message,
            "CSV record 3 has a field longer than the limit of 65536 bytes per field");
}

TEST_F(CsvScoringTest, ScoresEveryRowKeepsInvalidOnesWithTheirErrors) {
  const std::string csv =
      "Lead ID,Source,Visits,Opted In,Notes\n"
      "L1,Reference,15,Yes,keep me\n"
      "L2,Google,-4,No,negative visits\n"
      ",Direct,2,No,no id\n"
      "L4,Direct,0,Maybe,bad flag\n"
      "L5,Google,3,No,\"=HYPERLINK(\"\"http://x\"\")\"\n";
  CsvScoreSummary summary;
  std::vector<int> seen;
  auto out = ScoreLeadCsv(*scorer_, csv, &summary, [&](int p) {
    seen.push_back(p);
    return true;
  });
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  EXPECT_EQ(summary.rows, 5);
  EXPECT_EQ(summary.scored, 2);
  EXPECT_EQ(summary.invalid, 3);
  int64_t tier_total = 0;
  for (auto t : summary.tiers) tier_total += t;
  EXPECT_EQ(tier_total, 2);
  EXPECT_EQ(summary.model_version, bundle_->model_version);
  ASSERT_FALSE(seen.empty());

  // Problems name the data row and the field.
  ASSERT_GE(summary.problems.size(), 3u);
  EXPECT_EQ(summary.problems[0].row, 2u);
  EXPECT_EQ(summary.problems[0].field, "visits");
  EXPECT_EQ(summary.problems[1].row, 3u);
  EXPECT_EQ(summary.problems[1].field, "lead_id");
  EXPECT_EQ(summary.problems[2].row, 4u);
  EXPECT_EQ(summary.problems[2].field, "opted_in");

  auto table = csv::ReadTable(*out);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->header, (std::vector<std::string>{"Lead ID", "Source", "Visits", "Opted In",
                                                     "Notes", "score", "tier", "bucket", "error"}));
  ASSERT_EQ(table->rows.size(), 5u);
  const auto& first = table->rows[0];
  EXPECT_EQ(first[4], "keep me");
  const double p = std::stod(first[5]);
  EXPECT_GT(p, 0.0);
  EXPECT_LT(p, 1.0);
  EXPECT_EQ(first[6].size(), 1u);
  EXPECT_TRUE(first[6][0] >= 'A' && first[6][0] <= 'E');
  EXPECT_TRUE(first[8].empty());
  EXPECT_TRUE(table->rows[1][5].empty());
  EXPECT_NE(table->rows[1][8].find("visits"), std::string::npos);
  // Same lead scored alone gives the same probability.
  auto alone = scorer_->ScoreJson(
      boost::json::object{
          {"lead_id", "L1"}, {"source", "Reference"}, {"visits", "15"}, {"opted_in", "Yes"}},
      {.explain = false});
  ASSERT_TRUE(alone.ok()) << alone.status().ToString();
  EXPECT_EQ(first[5], fmt::format("{:.4f}", alone->score));
  // A formula is neutralised for spreadsheets.
  EXPECT_EQ(table->rows[4][4], "'=HYPERLINK(\"http://x\")");
}

TEST_F(CsvScoringTest, CancelStopsScoring) {
  std::string csv = "Lead ID,Visits\n";
  for (int i = 0; i < 1200; ++i) csv += fmt::format("L{},{}\n", i, i % 7);
  CsvScoreSummary summary;
  int calls = 0;
  auto out = ScoreLeadCsv(*scorer_, csv, &summary, [&](int) { return ++calls < 2; });
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().code(), ErrorCode::kCancelled);
  EXPECT_EQ(calls, 2);
}

// The scoring pass streams the file, but a malformed row anywhere still fails the whole file
// before any row is scored or reported.
TEST_F(CsvScoringTest, AMalformedRowLateInTheFileFailsBeforeAnyRowIsScored) {
  std::string csv = "Lead ID,Visits\n";
  for (int i = 0; i < 1200; ++i) csv += fmt::format("L{},{}\n", i, i % 7);
  csv += "L1200,3,extra\n";
  int scored = 0;
  int progress_calls = 0;
  auto out = ScoreLeadCsv(
      *scorer_, csv, nullptr,
      [&](int) {
        ++progress_calls;
        return true;
      },
      {}, [&](const Lead&, const LeadScore&) { ++scored; });
  ASSERT_FALSE(out.ok());
  EXPECT_EQ(out.status().message(), "CSV record 1202 has 3 fields, the header has 2");
  EXPECT_EQ(scored, 0);
  EXPECT_EQ(progress_calls, 0);
}

TEST(CsvJobJsonTest, PayloadAndResultRoundTrip) {
  CsvJobPayload p{std::string(64, 'a'), "my leads.csv", "leads-abc", "usr_1"};
  auto back = ParseCsvJobPayload(CsvJobPayloadJson(p));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(back->input_sha256, p.input_sha256);
  EXPECT_EQ(back->filename, p.filename);
  EXPECT_EQ(back->model_version, p.model_version);
  EXPECT_FALSE(ParseCsvJobPayload("{}").ok());
  EXPECT_FALSE(ParseCsvJobPayload("nope").ok());

  CsvJobResult r;
  r.output_sha256 = std::string(64, 'b');
  r.output_bytes = 1234;
  r.filename = "x-scored.csv";
  r.summary.model_version = "leads-abc";
  r.summary.rows = 10;
  r.summary.scored = 9;
  r.summary.invalid = 1;
  r.summary.tiers = {1, 2, 3, 2, 1};
  r.summary.problems = {{4, "visits", "must be at least 0"}};
  auto rb = ParseCsvJobResult(CsvJobResultJson(r));
  ASSERT_TRUE(rb.ok());
  EXPECT_EQ(rb->output_sha256, r.output_sha256);
  EXPECT_EQ(rb->output_bytes, 1234);
  EXPECT_EQ(rb->summary.tiers, r.summary.tiers);
  EXPECT_EQ(rb->summary.problems, r.summary.problems);
  EXPECT_EQ(rb->summary.invalid, 1);
}

TEST(CsvJobJsonTest, ScoredFileNames) {
  EXPECT_EQ(ScoredFileName("leads.csv"), "leads-scored.csv");
  EXPECT_EQ(ScoredFileName("C:\\exports\\Q3 Leads.CSV"), "Q3_Leads-scored.csv");
  EXPECT_EQ(ScoredFileName("\"; evil=1"), "___evil_1-scored.csv");
  EXPECT_EQ(ScoredFileName(""), "leads-scored.csv");
  EXPECT_EQ(ScoredFileName("../.."), "leads-scored.csv");
}

class CsvJobStoreTest : public CsvScoringTest,
                        public ::testing::WithParamInterface<storage::testing::Backend> {};

TEST_P(CsvJobStoreTest, RunsFromBlobToBlobWithTheNamedModel) {
  auto db = storage::testing::MigratedDatabase(GetParam());
  if (!db->skip_reason().empty()) GTEST_SKIP() << db->skip_reason();
  const auto dir = std::filesystem::temp_directory_path() /
                   fmt::format("signx-csv-scoring-{}-{}", ::getpid(), static_cast<int>(GetParam()));
  std::filesystem::remove_all(dir);
  auto blobs = blobs::BlobStore::Open(dir, 1 << 24);
  ASSERT_TRUE(blobs.ok());
  ml::ModelRegistry registry(db->store(), **blobs, SystemClock::Get());
  ASSERT_TRUE(registry
                  .Register(ml::Owner::Platform(), std::string(kModelName), bundle_->model_version,
                            SerializeBundle(*bundle_), "{}", "test")
                  .ok());
  const std::string csv = "Lead ID,Source,Visits\nL1,Reference,12\nL2,Google,x\n";
  auto input = (*blobs)->Put(csv);
  ASSERT_TRUE(input.ok());

  ScorerCache cache(db->store(), **blobs);
  const std::string payload =
      CsvJobPayloadJson({input->info.sha256, "in.csv", bundle_->model_version, "usr_1"});
  int last = -1;
  auto result = RunLeadCsvJob(db->store(), **blobs, cache, payload, [&](int p) {
    last = p;
    return true;
  });
  ASSERT_TRUE(result.ok()) << result.status().ToString();
  EXPECT_EQ(last, 100);
  EXPECT_EQ(result->filename, "in-scored.csv");
  EXPECT_EQ(result->summary.scored, 1);
  EXPECT_EQ(result->summary.invalid, 1);
  auto output = (*blobs)->Read(result->output_sha256);
  ASSERT_TRUE(output.ok());
  EXPECT_EQ(static_cast<int64_t>(output->size()), result->output_bytes);
  EXPECT_TRUE(output->starts_with("Lead ID,Source,Visits,score,tier,bucket,error\r\n"));
  // The output blob is registered (so blobs.gc manages it).
  blobs::BlobRegistry reg(**blobs, SystemClock::Get());
  auto refs = db->store().WithTxnResult<int64_t>(
      [&](storage::Txn& txn) { return reg.RefCount(txn, result->output_sha256); });
  ASSERT_TRUE(refs.ok()) << refs.status().ToString();
  EXPECT_EQ(*refs, 0);

  // A re-run (the job is retried) gives the same output blob.
  auto again = RunLeadCsvJob(db->store(), **blobs, cache, payload, {});
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->output_sha256, result->output_sha256);
  auto count_scores = [&] {
    auto rs = db->store().Query("SELECT COUNT(*) FROM lead_scores");
    return rs.ok() ? rs->rows[0].Int(0) : -1;
  };
  EXPECT_EQ(count_scores(), 0) << "without an org nothing is recorded";

  // Run for an org: the scored row with a lead id is recorded there (the invalid one is not).
  auto lake = lake::LakeWriter::Open({.data_dir = (dir / "var").string()});
  ASSERT_TRUE(lake.ok()) << lake.status().ToString();
  ASSERT_TRUE((*lake)->Declare(LeadScoresDataset()).ok());
  auto for_org = RunLeadCsvJob(db->store(), **blobs, cache, payload, {},
                               {.org_id = "org_a", .job_id = "job_csv_1", .lake = lake->get()});
  ASSERT_TRUE(for_org.ok()) << for_org.status().ToString();
  // The job returns only once its lake rows are durable (its batch committed): a job is never run
  // again after it succeeded (tests/crash). They reach Parquet in the background.
  ASSERT_TRUE((*lake)->Flush().ok());
  EXPECT_EQ((*lake)->stats().rows_written, 1u);
  auto rs =
      db->store().Query("SELECT org_id, lead_id, request_id, model_version, tier FROM lead_scores");
  ASSERT_TRUE(rs.ok());
  ASSERT_EQ(rs->rows.size(), 1u);
  EXPECT_EQ(rs->rows[0].Text(0), "org_a");
  EXPECT_EQ(rs->rows[0].Text(1), "L1");
  EXPECT_EQ(rs->rows[0].Text(2), "job_csv_1");
  EXPECT_EQ(rs->rows[0].Text(3), bundle_->model_version);
  // And the scored row is in the lake, with the lead's features.
  ASSERT_TRUE((*lake)->Flush().ok());
  auto in_lake = (*lake)->Query(
      "SELECT request_id, lead_id, json_extract_string(features, '$.source') FROM lead_scores");
  ASSERT_TRUE(in_lake.ok()) << in_lake.status().ToString();
  ASSERT_EQ(in_lake->rows.size(), 1u);
  EXPECT_EQ(in_lake->rows[0][0], "job_csv_1");
  EXPECT_EQ(in_lake->rows[0][1], "L1");
  EXPECT_EQ(in_lake->rows[0][2], "Reference");
  // A retry of the same job (it failed after its rows went to the lake) replaces them: each row
  // once, keyed by job and row (issue 20).
  auto retried = RunLeadCsvJob(db->store(), **blobs, cache, payload, {},
                               {.org_id = "org_a", .job_id = "job_csv_1", .lake = lake->get()});
  ASSERT_TRUE(retried.ok()) << retried.status().ToString();
  ASSERT_TRUE((*lake)->Flush().ok());
  auto once = (*lake)->Query("SELECT count(*), count(DISTINCT lead_id) FROM lead_scores");
  ASSERT_TRUE(once.ok()) << once.status().ToString();
  EXPECT_EQ(once->rows[0], (std::vector<std::optional<std::string>>{"1", "1"}));

  // An unknown model version or a missing input fails without output.
  EXPECT_EQ(RunLeadCsvJob(db->store(), **blobs, cache,
                          CsvJobPayloadJson({input->info.sha256, "in.csv", "leads-nope", ""}), {})
                .status()
                .code(),
            ErrorCode::kNotFound);
  EXPECT_FALSE(
      RunLeadCsvJob(db->store(), **blobs, cache,
                    CsvJobPayloadJson({std::string(64, 'c'), "in.csv", bundle_->model_version, ""}),
                    {})
          .ok());
  std::filesystem::remove_all(dir);
}

INSTANTIATE_TEST_SUITE_P(Backends, CsvJobStoreTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::leads
