// The leads capability end to end (encoder, training, scoring with reasons, the scoring and
// KServe routes, model registry round trips, per-org models, the lake and score log of the batch
// route). Schemas and lead validation: lead_test.cc; the lake rows' text: lake_rows_test.cc. Longer
// than ~700 lines because the cases share one trained fixture model that is expensive to build;
// splitting would train it once per test binary.
#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>
#include <set>

#include "base/strings.h"
#include "csv/reader.h"
#include "http/json.h"
#include "http/request.h"
#include "lake/lake_writer.h"
#include "leads/bundle.h"
#include "leads/encoder.h"
#include "leads/infer_schema.h"
#include "leads/lead.h"
#include "leads/schema.h"
#include "leads/scorer.h"
#include "leads/training.h"
#include "ml/metrics.h"
#include "ml/tree_shap.h"
#include "ml/xgboost.h"

namespace signx::leads {
namespace {
namespace json = boost::json;

std::string ScoreText(const LeadScore& s, bool remote = false) {
  std::string out;
  AppendScoreJson(out, s, remote);
  return out;
}

TEST(ScoreJsonTest, WritesTheDocumentedShapeWithEscapesAndShortestNumbers) {
  LeadScore s{.lead_id = "L-\"7\"",
              .score = 0.8692437410354614,
              .bucket = 5,
              .tier = 'A',
              .model_version = "leads-abc",
              .reasons = {{"lead_source", "Lead Source = Ref\\erence\n: +0.84", 0.84},
                          {"visits", "Visits = 3: -0.1", -0.1}},
              .unknown_categories = 2};
  EXPECT_EQ(ScoreText(s),
            R"({"lead_id":"L-\"7\"","score":0.8692437410354614,"bucket":5,"tier":"A",)"
            R"("model_version":"leads-abc","reasons":[{"field":"lead_source",)"
            R"("text":"Lead Source = Ref\\erence\n: +0.84","contribution":0.84},)"
            R"({"field":"visits","text":"Visits = 3: -0.1","contribution":-0.1}],)"
            R"("unknown_categories":2})");
  // Valid JSON, and the remote flag is the last member.
  s.reasons.clear();
  const std::string remote = ScoreText(s, true);
  EXPECT_TRUE(remote.ends_with(R"("reasons":[],"unknown_categories":2,"reasons_available":false})"))
      << remote;
  const json::value back = json::parse(remote);
  EXPECT_EQ(back.at("lead_id").as_string(), "L-\"7\"");
  EXPECT_EQ(back.at("score").as_double(), 0.8692437410354614);
}

// ---- synthetic export for encoder / training / scoring ----

Schema TestSchema() {
  return *ParseSchemaText(R"({"name":"test","missing":["","Select"],"fields":[
    {"name":"lead_id","column":"Lead ID","type":"text","role":"id","required":true},
    {"name":"source","column":"Source","type":"category","role":"feature"},
    {"name":"visits","column":"Visits","type":"number","role":"feature","min":0},
    {"name":"opted_in","column":"Opted In","type":"boolean","role":"feature","default":false},
    {"name":"first_contact","column":"First Contact","type":"date","role":"feature"},
    {"name":"quality","column":"Quality","label":"Lead quality","type":"category",
     "role":"feature","leaky":true},
    {"name":"notes","column":"Notes","type":"text","role":"feature"},
    {"name":"converted","column":"Converted","type":"integer","role":"label",
     "positive":["1"],"negative":["0"]}]})");
}

std::string SyntheticCsv(int rows, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::string csv = "Lead ID,Source,Visits,Opted In,First Contact,Quality,Notes,Converted\n";
  const char* sources[] = {"Google", "Reference", "Direct", "Select"};
  for (int i = 0; i < rows; ++i) {
    const int src = static_cast<int>(u(rng) * 4);
    const double visits = std::floor(u(rng) * 20);
    const bool opted = u(rng) < 0.5;
    double logit = -1.0 + (src == 1 ? 2.0 : 0) + 0.15 * visits - (opted ? 0 : 0.5);
    const bool y = u(rng) < 1.0 / (1.0 + std::exp(-logit));
    const bool rare = i % 97 == 0;
    csv += fmt::format(
        "L{},{},{},{},2017-0{}-1{},{},\"free, text\",{}\n", i, rare ? "Smoke Signal" : sources[src],
        i % 10 == 0 ? std::string() : fmt::format("{}", visits), opted ? "Yes" : "No", 1 + i % 9,
        i % 10, (y ? u(rng) < 0.9 : u(rng) < 0.1) ? "Hot" : "Cold", y ? 1 : 0);
  }
  csv += "L-unlabelled,Google,3,No,2017-01-01,Hot,,\n";  // label missing: skipped
  return csv;
}

TEST(EncoderTest, OneHotOtherAndRoundTrip) {
  const Schema s = TestSchema();
  auto table = csv::ReadTable(SyntheticCsv(300, 1));
  ASSERT_TRUE(table.ok());
  auto cols = MapColumns(s, table->header);
  ASSERT_TRUE(cols.ok());
  std::vector<Lead> leads;
  for (const auto& row : table->rows) leads.push_back(*LeadFromCsvRow(s, *cols, row));
  auto enc = Encoder::Fit(s, leads, {.min_category_count = 5, .include_leaky = false});
  ASSERT_TRUE(enc.ok());
  // source: Direct, Google, Reference + (other) for the rare "Smoke Signal"; visits; opted_in;
  // first_contact .days .month .weekday. Quality (leaky) and notes (text) are not encoded.
  EXPECT_EQ(enc->column_names(),
            (std::vector<std::string>{"source=Direct", "source=Google", "source=Reference",
                                      "source=(other)", "visits", "opted_in", "first_contact.days",
                                      "first_contact.month", "first_contact.weekday"}));
  std::vector<float> row(enc->width());
  Lead lead;
  lead.values.resize(s.fields.size());
  lead.values[s.FieldIndex("source")] = std::string("Reference");
  lead.values[s.FieldIndex("visits")] = 4.0;
  lead.values[s.FieldIndex("first_contact")] = std::string("2017-03-01");  // a Wednesday
  EXPECT_EQ(enc->Encode(lead, row), 0);
  EXPECT_EQ(row[2], 1.0f);
  EXPECT_EQ(row[0] + row[1] + row[3], 0.0f);
  EXPECT_EQ(row[4], 4.0f);
  EXPECT_TRUE(std::isnan(row[5]));  // boolean missing (no default applied to a raw Lead)
  EXPECT_EQ(row[6], 17226.0f);
  EXPECT_EQ(row[7], 3.0f);
  EXPECT_EQ(row[8], 2.0f);
  lead.values[s.FieldIndex("source")] = std::string("Telepathy");
  std::vector<std::string> unknown;
  EXPECT_EQ(enc->Encode(lead, row, &unknown), 1);
  EXPECT_EQ(unknown, std::vector<std::string>{"source"});
  EXPECT_EQ(row[3], 1.0f);  // other
  auto back = Encoder::FromJson(enc->ToJson(), s);
  ASSERT_TRUE(back.ok()) << back.status().ToString();
  EXPECT_EQ(back->column_names(), enc->column_names());
  std::vector<float> row2(back->width());
  back->Encode(lead, row2);
  for (std::size_t i = 0; i < row.size(); ++i) {
    EXPECT_TRUE(row[i] == row2[i] || (std::isnan(row[i]) && std::isnan(row2[i])));
  }
  auto with_leaky = Encoder::Fit(s, leads, {.min_category_count = 5, .include_leaky = true});
  ASSERT_TRUE(with_leaky.ok());
  EXPECT_EQ(with_leaky->width(), enc->width() + 2);  // quality=Cold, quality=Hot
}

TrainOptions FastOptions() {
  TrainOptions o;
  o.num_rounds = 200;
  o.early_stopping_rounds = 20;
  o.max_depth = 3;
  o.eta = 0.1;
  o.grid_max_depth = {2, 3};
  o.grid_eta = {0.1, 0.3};
  o.nthread = 1;
  return o;
}

// Every reason's contribution equals XGBoost's own pred_contribs summed over the field's
// columns (to 1e-5), for `rows` leads of `table` (missing values included).
void ExpectReasonsMatchXGBoost(const ModelBundle& bundle, const csv::Table& table,
                               std::size_t rows) {
  auto scorer = Scorer::Create(bundle);
  ASSERT_TRUE(scorer.ok()) << scorer.status().ToString();
  auto booster = ml::Booster::LoadRaw(bundle.booster);
  ASSERT_TRUE(booster.ok());
  auto cols = MapColumns(bundle.schema, table.header);
  ASSERT_TRUE(cols.ok()) << cols.status().ToString();
  std::vector<Lead> leads;
  std::vector<FieldError> lenient;
  for (std::size_t i = 0; i < table.rows.size() && leads.size() < rows; ++i) {
    auto lead = LeadFromCsvRow(bundle.schema, *cols, table.rows[i], &lenient);
    ASSERT_TRUE(lead.ok());
    leads.push_back(std::move(lead).value());
  }
  const Encoder& enc = bundle.encoder;
  const std::size_t width = enc.width();
  std::vector<float> x(leads.size() * width);
  for (std::size_t i = 0; i < leads.size(); ++i) {
    enc.Encode(leads[i], std::span<float>(x.data() + i * width, width));
  }
  auto m = ml::DMatrix::FromDense(x, leads.size(), width);
  ASSERT_TRUE(m.ok());
  auto contribs = booster->PredictContribs(*m);
  ASSERT_TRUE(contribs.ok());
  auto scores = scorer->Score(leads, {.explain = true, .max_reasons = 1000});
  ASSERT_TRUE(scores.ok());
  double worst = 0;
  std::size_t checked = 0;
  for (std::size_t i = 0; i < leads.size(); ++i) {
    std::map<std::string, double> by_field;
    for (std::size_t c = 0; c < width; ++c) {
      by_field[enc.sources()[enc.SourceOfColumn(c)].name] += (*contribs)[i * (width + 1) + c];
    }
    for (const auto& r : (*scores)[i].reasons) {
      worst = std::max(worst, std::abs(r.contribution - by_field.at(r.field)));
      ++checked;
    }
  }
  EXPECT_GT(checked, leads.size());
  EXPECT_LE(worst, 1e-5) << "over " << checked << " reasons";
  std::printf("reasons vs XGBoost pred_contribs: %zu reasons, max |diff| %.3g\n", checked, worst);
}

class TrainedModelTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    auto table = csv::ReadTable(SyntheticCsv(1500, 2));
    ASSERT_TRUE(table.ok());
    table_ = new csv::Table(std::move(table).value());
    auto out = TrainLeadModel(*table_, TestSchema(), FastOptions());
    ASSERT_TRUE(out.ok()) << out.status().ToString();
    bundle_ = new ModelBundle(std::move(out->bundle));
  }
  static void TearDownTestSuite() {
    delete table_;
    delete bundle_;
  }
  static csv::Table* table_;
  static ModelBundle* bundle_;
};
csv::Table* TrainedModelTest::table_ = nullptr;
ModelBundle* TrainedModelTest::bundle_ = nullptr;

TEST_F(TrainedModelTest, TrainingIsReproducibleWithTheSeed) {
  auto again = TrainLeadModel(*table_, TestSchema(), FastOptions());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->bundle.booster, bundle_->booster);
  EXPECT_EQ(again->bundle.model_version, bundle_->model_version);
  EXPECT_EQ(again->bundle.thresholds, bundle_->thresholds);
  TrainOptions other = FastOptions();
  other.seed = 43;
  auto different = TrainLeadModel(*table_, TestSchema(), other);
  ASSERT_TRUE(different.ok());
  EXPECT_NE(different->bundle.booster, bundle_->booster);
}

TEST_F(TrainedModelTest, CardReportsBothVariants) {
  const json::object& card = bundle_->card;
  EXPECT_EQ(card.at("data").at("rows").to_number<int>(), 1501);
  EXPECT_EQ(card.at("data").at("rows_used").to_number<int>(), 1500);
  EXPECT_EQ(card.at("data").at("rows_skipped_unlabelled").to_number<int>(), 1);
  EXPECT_FALSE(card.at("trained_with_leaky_fields").as_bool());
  const auto& without = card.at("variants").at("without_leaky_fields").as_object();
  const auto& with = card.at("variants").at("with_leaky_fields").as_object();
  const double auc_without = without.at("test").at("auc_roc").to_number<double>();
  const double auc_with = with.at("test").at("auc_roc").to_number<double>();
  EXPECT_GT(auc_without, 0.6);
  EXPECT_GT(auc_with, auc_without);  // "Quality" leaks the label
  EXPECT_EQ(without.at("test").at("calibration_table").as_array().size(), 10u);
  EXPECT_EQ(without.at("tiers").as_array().size(), 5u);
  EXPECT_FALSE(without.at("top_features").as_array().empty());
  EXPECT_EQ(card.at("model").at("model_version"), card.at("model_version"));
  EXPECT_FALSE(CardSummary(card).empty());
  ASSERT_EQ(bundle_->thresholds.size(), 4u);
  EXPECT_TRUE(std::is_sorted(bundle_->thresholds.begin(), bundle_->thresholds.end()));
}

TEST_F(TrainedModelTest, BundleRoundTripsThroughAFile) {
  const auto path = std::filesystem::temp_directory_path() /
                    fmt::format("signx_leads_test_{}", ::getpid()) / "model.json";
  ASSERT_TRUE(SaveBundleFile(*bundle_, path.string()).ok());
  auto loaded = LoadBundleFile(path.string());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->booster, bundle_->booster);
  EXPECT_EQ(loaded->model_version, bundle_->model_version);
  const std::string a = SerializeBundle(*loaded), b = SerializeBundle(*bundle_);
  std::size_t diff = 0;
  while (diff < a.size() && diff < b.size() && a[diff] == b[diff]) ++diff;
  EXPECT_EQ(diff, a.size()) << "first difference: " << a.substr(diff > 60 ? diff - 60 : 0, 120)
                            << " vs " << b.substr(diff > 60 ? diff - 60 : 0, 120);
  std::filesystem::remove_all(path.parent_path());
  // Tampering is detected.
  std::string text = SerializeBundle(*bundle_);
  const auto pos = text.find("\"min_category_count\":5");
  ASSERT_NE(pos, std::string::npos);
  text[pos + 21] = '6';
  auto tampered = ParseBundle(text);
  ASSERT_FALSE(tampered.ok());
  EXPECT_EQ(tampered.status().code(), ErrorCode::kDataLoss);
  EXPECT_FALSE(ParseBundle("{\"format\":\"other\"}").ok());
}

TEST_F(TrainedModelTest, ScoresMatchTheBoosterAndAreDeterministic) {
  auto scorer = Scorer::Create(*bundle_);
  ASSERT_TRUE(scorer.ok()) << scorer.status().ToString();
  const Schema& s = bundle_->schema;
  auto cols = MapColumns(s, table_->header);
  ASSERT_TRUE(cols.ok());
  std::vector<Lead> leads;
  for (std::size_t i = 0; i < 50; ++i) leads.push_back(*LeadFromCsvRow(s, *cols, table_->rows[i]));
  auto batch = scorer->Score(leads, {});
  ASSERT_TRUE(batch.ok());
  // Reference check: the booster's own probabilities through the bundle's calibration.
  auto booster = ml::Booster::LoadRaw(bundle_->booster);
  ASSERT_TRUE(booster.ok());
  std::vector<float> x(leads.size() * bundle_->encoder.width());
  for (std::size_t i = 0; i < leads.size(); ++i) {
    bundle_->encoder.Encode(leads[i], std::span<float>(x.data() + i * bundle_->encoder.width(),
                                                       bundle_->encoder.width()));
  }
  auto m = ml::DMatrix::FromDense(x, leads.size(), bundle_->encoder.width());
  ASSERT_TRUE(m.ok());
  auto p = booster->Predict(*m);
  ASSERT_TRUE(p.ok());
  for (std::size_t i = 0; i < leads.size(); ++i) {
    const LeadScore& r = (*batch)[i];
    EXPECT_DOUBLE_EQ(r.score, bundle_->calibrator.Apply((*p)[i]));
    EXPECT_GE(r.score, 0.0);
    EXPECT_LE(r.score, 1.0);
    EXPECT_EQ(r.bucket, BucketFor(r.score, bundle_->thresholds));
    EXPECT_EQ(r.tier, TierFor(r.bucket));
    EXPECT_EQ(r.model_version, bundle_->model_version);
    EXPECT_EQ(r.lead_id, fmt::format("L{}", i));
    // Batch == single.
    auto one = scorer->Score(std::span<const Lead>(&leads[i], 1), {});
    ASSERT_TRUE(one.ok());
    EXPECT_EQ(ScoreText(one->front()), ScoreText(r));
  }
  // Reasons are readable and deterministic.
  json::object lead = {{"lead_id", "X1"},
                       {"source", "Reference"},
                       {"visits", 18},
                       {"opted_in", true},
                       {"first_contact", "2017-03-01"}};
  auto a = scorer->ScoreJson(lead, {});
  auto b = scorer->ScoreJson(lead, {});
  ASSERT_TRUE(a.ok() && b.ok()) << a.status().ToString();
  EXPECT_EQ(ScoreText(*a), ScoreText(*b));
  ASSERT_FALSE(a->reasons.empty());
  bool saw_source = false;
  for (const auto& r : a->reasons) {
    if (r.field == "source") {
      saw_source = true;
      EXPECT_TRUE(r.text.starts_with("Source = Reference: +")) << r.text;
    }
  }
  EXPECT_TRUE(saw_source);
  auto no_reasons = scorer->ScoreJson(lead, {.explain = false});
  ASSERT_TRUE(no_reasons.ok());
  EXPECT_TRUE(no_reasons->reasons.empty());
  EXPECT_EQ(no_reasons->score, a->score);
  // Unknown categories are counted, not rejected.
  lead["source"] = "Carrier Pigeon";
  auto unknown = scorer->ScoreJson(lead, {});
  ASSERT_TRUE(unknown.ok());
  EXPECT_EQ(unknown->unknown_categories, 1);
  // Batch validation names the lead and the field.
  json::array leads_json = {lead, json::object{{"visits", -1}}, 5};
  auto bad = scorer->ScoreJsonBatch(leads_json, {});
  ASSERT_FALSE(bad.ok());
  std::set<std::string> fields;
  for (const auto& d : bad.status().details()) fields.insert(d.field);
  EXPECT_EQ(fields, (std::set<std::string>{"leads[1].lead_id", "leads[1].visits", "leads[2]"}));
}

TEST_F(TrainedModelTest, ReasonsSumToTheMargin) {
  auto scorer = Scorer::Create(*bundle_);
  ASSERT_TRUE(scorer.ok());
  json::object lead = {{"lead_id", "X2"}, {"source", "Google"}, {"visits", 3}};
  auto r = scorer->ScoreJson(lead, {.explain = true, .max_reasons = 100});
  ASSERT_TRUE(r.ok());
  double sum = 0;
  for (const auto& reason : r->reasons) sum += reason.contribution;
  // Without calibration the probability is sigmoid(bias + sum of all contributions); reasons
  // drop contributions under 0.005, so allow a little slack.
  if (bundle_->calibrator.kind() == ml::Calibrator::Kind::kNone) {
    auto booster = ml::Booster::LoadRaw(bundle_->booster);
    ASSERT_TRUE(booster.ok());
    const double logit = std::log(r->score / (1 - r->score));
    EXPECT_LT(std::abs(logit - sum), 2.0);  // bias is the remainder
  }
}

TEST_F(TrainedModelTest, CardRecordsTheGridAndKeepsTheSmallestGoodModel) {
  const auto& model = bundle_->card.at("model").as_object();
  const auto& grid = model.at("model_selection").at("grid").as_array();
  ASSERT_EQ(grid.size(), 4u);  // depth {2,3} × eta {0.1,0.3}
  double best = 0;
  for (const auto& g : grid) best = std::max(best, g.at("validation_auc_roc").to_number<double>());
  int chosen = 0;
  for (const auto& g : grid) {
    if (!g.at("chosen").as_bool()) continue;
    ++chosen;
    EXPECT_GE(g.at("validation_auc_roc").to_number<double>(), best - 0.001 - 1e-9);
    EXPECT_EQ(g.at("nodes"), model.at("refit").at("selected_model_nodes"));
    EXPECT_EQ(g.at("trees"), model.at("refit").at("early_stopped_rounds"));
    EXPECT_EQ(g.at("max_depth"), model.at("max_depth"));
    // No other good-enough candidate is smaller.
    for (const auto& h : grid) {
      if (h.at("validation_auc_roc").to_number<double>() >= best - 0.001) {
        EXPECT_LE(g.at("nodes").to_number<double>(), h.at("nodes").to_number<double>());
      }
    }
  }
  EXPECT_EQ(chosen, 1);
}

TEST_F(TrainedModelTest, TestIdsFixTheTestRows) {
  // Every third lead id is the test set; validation comes from the rest, seeded.
  TrainOptions o = FastOptions();
  o.compare_leaky = false;
  std::set<std::string> ids;
  for (int i = 0; i < 1500; i += 3) o.test_ids.push_back(fmt::format("L{}", i));
  o.test_ids_name = "every third";
  auto a = TrainLeadModel(*table_, TestSchema(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  const auto& split = a->bundle.card.at("split").as_object();
  EXPECT_EQ(split.at("test").to_number<int>(), 500);
  EXPECT_EQ(split.at("train").to_number<int>() + split.at("validation").to_number<int>(), 1000);
  EXPECT_NEAR(split.at("validation").to_number<double>(), 1000 * 0.15 / 0.85, 2);
  EXPECT_NE(split.at("method").as_string().find("every third"), std::string::npos);
  EXPECT_EQ(a->bundle.card.at("model").at("test").at("rows").to_number<int>(), 500);
  auto b = TrainLeadModel(*table_, TestSchema(), o);
  ASSERT_TRUE(b.ok());
  EXPECT_EQ(a->bundle.booster, b->bundle.booster);  // reproducible with the seed
  // Unknown and repeated ids are errors.
  o.test_ids.push_back("nope");
  EXPECT_EQ(TrainLeadModel(*table_, TestSchema(), o).status().code(), ErrorCode::kInvalidArgument);
  o.test_ids.back() = "L0";
  EXPECT_EQ(TrainLeadModel(*table_, TestSchema(), o).status().code(), ErrorCode::kInvalidArgument);
}

TEST_F(TrainedModelTest, ReturnsTheServedTestScoresOfTheTestRows) {
  TrainOptions o = FastOptions();
  o.compare_leaky = false;
  for (int i = 0; i < 1500; i += 3) o.test_ids.push_back(fmt::format("L{}", i));
  auto a = TrainLeadModel(*table_, TestSchema(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  ASSERT_EQ(a->test_ids.size(), 500u);
  ASSERT_EQ(a->test_scores.size(), 500u);
  ASSERT_EQ(a->test_labels.size(), 500u);
  // Each returned score is what the returned bundle serves for that lead.
  auto scorer = Scorer::Create(a->bundle);
  ASSERT_TRUE(scorer.ok());
  auto cols = MapColumns(a->bundle.schema, table_->header);
  ASSERT_TRUE(cols.ok());
  std::map<std::string, std::size_t> row_of;
  for (std::size_t r = 0; r < table_->rows.size(); ++r) row_of[table_->rows[r][0]] = r;
  for (std::size_t k = 0; k < a->test_ids.size(); k += 50) {
    std::vector<FieldError> lenient;
    auto lead =
        LeadFromCsvRow(a->bundle.schema, *cols, table_->rows[row_of.at(a->test_ids[k])], &lenient);
    ASSERT_TRUE(lead.ok());
    auto s = scorer->Score(std::vector<Lead>{*lead}, {.explain = false});
    ASSERT_TRUE(s.ok());
    EXPECT_NEAR((*s)[0].score, a->test_scores[k], 1e-6) << a->test_ids[k];
    EXPECT_EQ(a->test_labels[k], table_->rows[row_of.at(a->test_ids[k])][7] == "1" ? 1.0f : 0.0f);
  }
}

TEST_F(TrainedModelTest, ExcludeFieldsReplacesTheSchemasLeakyMarks) {
  TrainOptions o = FastOptions();
  o.compare_leaky = false;
  o.exclude_fields = {"source"};
  auto a = TrainLeadModel(*table_, TestSchema(), o);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  std::set<std::string> used;
  for (const auto& s : a->bundle.encoder.sources()) used.insert(s.name);
  EXPECT_FALSE(used.contains("source"));
  EXPECT_TRUE(used.contains("quality"));  // leaky in the schema, not excluded here
  EXPECT_TRUE(used.contains("visits"));
  EXPECT_EQ(a->bundle.card.at("excluded_fields"), json::array({"source"}));
  EXPECT_EQ(a->bundle.card.at("leaky_fields"), json::array({"source"}));
  // The bundle's schema says what the model left out, so serving encodes the same way.
  EXPECT_TRUE(
      a->bundle.schema.fields[static_cast<std::size_t>(a->bundle.schema.FieldIndex("source"))]
          .leaky);
  o.exclude_fields = {"nope"};
  EXPECT_EQ(TrainLeadModel(*table_, TestSchema(), o).status().code(), ErrorCode::kValidationFailed);
  o.exclude_fields = {"converted"};  // the label is not a feature
  EXPECT_EQ(TrainLeadModel(*table_, TestSchema(), o).status().code(), ErrorCode::kValidationFailed);
}

TEST_F(TrainedModelTest, RefitsTheChosenModelOnTrainPlusValidation) {
  TrainOptions o = FastOptions();
  o.compare_leaky = false;
  for (int i = 0; i < 1500; i += 3) o.test_ids.push_back(fmt::format("L{}", i));
  auto refit = TrainLeadModel(*table_, TestSchema(), o);
  ASSERT_TRUE(refit.ok()) << refit.status().ToString();
  const json::object& card = refit->bundle.card;
  const int train = card.at("split").at("train").to_number<int>();
  const int valid = card.at("split").at("validation").to_number<int>();
  const auto& r = card.at("model").at("refit").as_object();
  EXPECT_EQ(card.at("refit"), card.at("model").at("refit"));
  EXPECT_TRUE(r.at("refitted").as_bool());
  EXPECT_EQ(r.at("rows").to_number<int>(), train + valid);
  EXPECT_EQ(r.at("rounds"), r.at("early_stopped_rounds"));  // unscaled by default
  // The refit model trains on the validation rows, so it is not calibrated on them.
  EXPECT_EQ(card.at("model").at("calibration"), "none");
  EXPECT_TRUE(r.at("validation_calibration").is_string());
  int chosen_trees = 0;
  for (const auto& g : card.at("model").at("model_selection").at("grid").as_array()) {
    if (g.at("chosen").as_bool()) chosen_trees = g.at("trees").to_number<int>();
  }
  EXPECT_EQ(r.at("rounds").to_number<int>(), chosen_trees);
  // The served booster has exactly that many trees.
  auto booster = ml::Booster::LoadRaw(refit->bundle.booster);
  ASSERT_TRUE(booster.ok());
  auto trees = ml::TreeEnsemble::FromBooster(*booster);
  ASSERT_TRUE(trees.ok());
  EXPECT_EQ(trees->num_nodes(), card.at("model").at("tree_nodes").to_number<std::size_t>());

  // Thresholds are the quintiles of the final model's scores on its training rows (all rows
  // but the test ids), not on the test rows.
  std::set<std::string> test_ids(o.test_ids.begin(), o.test_ids.end());
  auto cols = MapColumns(refit->bundle.schema, table_->header);
  ASSERT_TRUE(cols.ok());
  std::vector<Lead> fit_leads;
  std::vector<FieldError> lenient;
  for (const auto& row : table_->rows) {
    if (row.back().empty()) continue;  // the unlabelled row is not used
    auto lead = LeadFromCsvRow(refit->bundle.schema, *cols, row, &lenient);
    ASSERT_TRUE(lead.ok());
    if (!test_ids.contains(lead->id)) fit_leads.push_back(std::move(lead).value());
  }
  ASSERT_EQ(fit_leads.size(), static_cast<std::size_t>(train + valid));
  auto scorer = Scorer::Create(refit->bundle);
  ASSERT_TRUE(scorer.ok());
  auto probs = scorer->Probabilities(fit_leads);
  ASSERT_TRUE(probs.ok());
  const std::array<double, 4> q = {0.2, 0.4, 0.6, 0.8};
  auto expected = ml::Quantiles(*probs, q);
  ASSERT_TRUE(expected.ok());
  ASSERT_EQ(refit->bundle.thresholds.size(), 4u);
  for (std::size_t k = 0; k < 4; ++k) {
    EXPECT_NEAR(refit->bundle.thresholds[k], (*expected)[k], 1e-6) << k;
  }

  // Without refit the model trained on the train rows only is kept; it differs.
  TrainOptions no = o;
  no.refit = false;
  auto kept = TrainLeadModel(*table_, TestSchema(), no);
  ASSERT_TRUE(kept.ok());
  const auto& kr = kept->bundle.card.at("model").at("refit").as_object();
  EXPECT_FALSE(kr.at("refitted").as_bool());
  EXPECT_EQ(kr.at("rows").to_number<int>(), train);
  EXPECT_NE(kept->bundle.booster, refit->bundle.booster);
  // Same selection either way (refit happens after it), and the pre-refit test metrics of the
  // refit card are the kept model's test metrics.
  EXPECT_EQ(kr.at("early_stopped_rounds"), r.at("early_stopped_rounds"));
  EXPECT_NEAR(r.at("test_before_refit").at("auc_roc").to_number<double>(),
              kept->bundle.card.at("model").at("test").at("auc_roc").to_number<double>(), 1e-7);

  // Scaled rounds: early-stopped trees × (train + validation) / train.
  TrainOptions scaled = o;
  scaled.refit_scale_rounds = true;
  auto sc = TrainLeadModel(*table_, TestSchema(), scaled);
  ASSERT_TRUE(sc.ok());
  const auto& sr = sc->bundle.card.at("model").at("refit").as_object();
  EXPECT_EQ(sr.at("rounds").to_number<long>(),
            std::lround(chosen_trees * static_cast<double>(train + valid) / train));
}

TEST_F(TrainedModelTest, ReasonsAreXGBoostContributionsPerField) {
  ExpectReasonsMatchXGBoost(*bundle_, *table_, 1000);
}

// The top reasons are the first ones of the full list: largest |contribution| first, ties in
// field order (the Scorer selects only the top max_reasons).
TEST_F(TrainedModelTest, TopReasonsAreTheHeadOfTheFullOrder) {
  auto scorer = Scorer::Create(*bundle_);
  ASSERT_TRUE(scorer.ok());
  auto cols = MapColumns(bundle_->schema, table_->header);
  ASSERT_TRUE(cols.ok());
  std::vector<Lead> leads;
  std::vector<FieldError> lenient;
  for (std::size_t i = 0; i < table_->rows.size() && leads.size() < 300; ++i) {
    leads.push_back(
        std::move(LeadFromCsvRow(bundle_->schema, *cols, table_->rows[i], &lenient)).value());
  }
  auto all = scorer->Score(leads, {.explain = true, .max_reasons = 1000});
  ASSERT_TRUE(all.ok());
  for (const int top : {1, 3, 5}) {
    auto head = scorer->Score(leads, {.explain = true, .max_reasons = top});
    ASSERT_TRUE(head.ok());
    for (std::size_t i = 0; i < leads.size(); ++i) {
      const auto& full = (*all)[i].reasons;
      const auto& got = (*head)[i].reasons;
      ASSERT_EQ(got.size(), std::min<std::size_t>(full.size(), top));
      for (std::size_t k = 0; k < got.size(); ++k) {
        EXPECT_EQ(got[k].field, full[k].field);
        EXPECT_EQ(got[k].text, full[k].text);
      }
    }
  }
  std::map<std::string, std::size_t> field_order;
  for (std::size_t k = 0; k < bundle_->encoder.sources().size(); ++k) {
    field_order[bundle_->encoder.sources()[k].name] = k;
  }
  for (const auto& s : *all) {
    for (std::size_t k = 1; k < s.reasons.size(); ++k) {
      const double a = std::abs(s.reasons[k - 1].contribution);
      const double b = std::abs(s.reasons[k].contribution);
      EXPECT_GE(a, b);
      if (a == b) {
        EXPECT_LT(field_order.at(s.reasons[k - 1].field), field_order.at(s.reasons[k].field));
      }
    }
  }
}

TEST(RealDataTest, TrainsOnXEducationLeadsWhenPresent) {
  const std::string path = std::string(SIGNX_SOURCE_DIR) + "/../shared/data/leads/Leads.csv";
  if (!std::filesystem::exists(path)) GTEST_SKIP() << "no " << path;
  auto text = csv::ReadFile(path);
  ASSERT_TRUE(text.ok());
  auto table = csv::ReadTable(*text);
  ASSERT_TRUE(table.ok()) << table.status().ToString();
  EXPECT_EQ(table->rows.size(), 9237u);
  TrainOptions o;
  o.compare_leaky = false;
  auto out = TrainLeadModel(*table, *BuiltinSchema("x_education"), o);
  ASSERT_TRUE(out.ok()) << out.status().ToString();
  const double auc = out->bundle.card.at("model").at("test").at("auc_roc").to_number<double>();
  EXPECT_GT(auc, 0.85);
  ExpectReasonsMatchXGBoost(out->bundle, *table, 2000);
}

}  // namespace
}  // namespace signx::leads

namespace signx::leads {
namespace {

TEST(InferSchemaTest, ProposesTypesRolesAndLabel) {
  auto t = csv::ReadTable(
      "Prospect ID,Lead Source,TotalVisits,Page Views,Do Not Email,Created,Converted,Notes\n"
      "a1,Google,3,1.5,No,2017-01-02,1,hello there\n"
      "a2,Select,,2.0,Yes,2017-01-03,0,something else\n"
      "a3,Reference,7,0.5,No,2017-01-04,1,more words\n"
      "a4,Google,1,1.0,No,,0,and more\n");
  ASSERT_TRUE(t.ok());
  const json::object s = InferSchema(*t, ',').value();
  std::map<std::string, json::object> by_name;
  for (const auto& f : s.at("fields").as_array()) {
    by_name[json::value_to<std::string>(f.at("name"))] = f.as_object();
  }
  EXPECT_EQ(by_name["prospect_id"].at("role"), "id");
  EXPECT_EQ(by_name["lead_source"].at("type"), "category");
  EXPECT_EQ(by_name["lead_source"].at("missing").as_array().size(), 1u);  // "Select"
  EXPECT_EQ(by_name["total_visits"].at("type"), "integer");
  EXPECT_EQ(by_name["page_views"].at("type"), "number");
  EXPECT_EQ(by_name["do_not_email"].at("type"), "boolean");
  EXPECT_EQ(by_name["created"].at("type"), "date");
  EXPECT_EQ(by_name["converted"].at("role"), "label");
  EXPECT_EQ(by_name["notes"].at("type"), "text");
  EXPECT_FALSE(s.at("label_candidates").as_array().empty());
  // The proposal is a loadable schema.
  auto parsed = ParseSchema(s);
  EXPECT_TRUE(parsed.ok()) << parsed.status().ToString();
}

// 400 deals: `amount` is filled in only for won deals (a leak), `source` and `visits` carry a
// little signal, `region` none.
csv::Table Deals() {
  std::string text = "deal_id,source,visits,region,amount,result\n";
  uint64_t x = 12345;
  auto next = [&x] {
    x = x * 6364136223846793005ULL + 1442695040888963407ULL;
    return (x >> 33) % 1000;
  };
  for (int i = 0; i < 400; ++i) {
    const bool won = next() < 300;
    const char* source = next() < (won ? 550u : 450u) ? "web" : "referral";
    const int visits = static_cast<int>(next() % 10) + (won && next() < 300 ? 2 : 0);
    const char* region = next() < 500 ? "north" : "south";
    text += fmt::format("d{},{},{},{},{},{}\n", i, source, visits, region,
                        won ? std::to_string(1000 + next()) : "", won ? "Won" : "Lost");
  }
  return csv::ReadTable(text).value();
}

TEST(InferSchemaTest, TheCallersLabelAndTheFieldsThatLeakIt) {
  const csv::Table t = Deals();
  auto s = InferSchema(t, ',', {.label = "result", .positive = {"Won"}});
  ASSERT_TRUE(s.ok()) << s.status().ToString();
  std::map<std::string, json::object> by_name;
  for (const auto& f : s->at("fields").as_array()) {
    by_name[json::value_to<std::string>(f.at("name"))] = f.as_object();
  }
  EXPECT_EQ(by_name["result"].at("role"), "label");
  EXPECT_EQ(by_name["result"].at("positive"), json::array{"Won"});
  EXPECT_EQ(by_name["result"].at("negative"), json::array{"Lost"});
  EXPECT_EQ(by_name["amount"].at("leaky"), true);
  EXPECT_FALSE(by_name["source"].contains("leaky"));
  EXPECT_FALSE(by_name["visits"].contains("leaky"));
  EXPECT_FALSE(by_name["region"].contains("leaky"));
  bool said = false;
  for (const auto& n : s->at("notes").as_array()) {
    said = said || std::string(n.as_string()).starts_with("amount: alone it separates the label");
  }
  EXPECT_TRUE(said);
  EXPECT_TRUE(ParseSchema(*s).ok());

  // Bad choices are named.
  EXPECT_EQ(InferSchema(t, ',', {.label = "nope", .positive = {"Won"}}).status().code(),
            ErrorCode::kInvalidArgument);
  EXPECT_EQ(InferSchema(t, ',', {.label = "result"}).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(InferSchema(t, ',', {.label = "result", .positive = {"Maybe"}}).status().code(),
            ErrorCode::kInvalidArgument);
}

}  // namespace
}  // namespace signx::leads

// ---- HTTP: /v1/leads routes and the Open Inference Protocol, on a real server --------------

#include "blobs/blob_store.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "leads/kserve_routes.h"
#include "leads/routes.h"
#include "leads/service.h"
#include "metrics/metrics.h"
#include "ml/registry.h"
#include "runtime/blocking_pool.h"
#include "storage/testing/test_stores.h"

namespace signx::leads {
namespace {

// X-Test-Org and X-Test-Role make the request's Principal (the real server's auth middleware
// does this from a JWT or an API key).
class TestAuth : public http::Middleware {
 public:
  std::optional<http::Response> Before(http::Request& req, const http::Route&) override {
    auto org = req.Header("X-Test-Org");
    if (!org) return std::nullopt;
    const std::string role(req.Header("X-Test-Role").value_or("org_admin"));
    req.principal = http::Principal{.kind = "user",
                                    .subject_id = "usr_" + std::string(*org),
                                    .org_id = std::string(*org),
                                    .role = role,
                                    .permissions = {"*"}};
    return std::nullopt;
  }
};

class LeadRoutesTest : public TrainedModelTest {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(storage::testing::Backend::kSqlite);
    root_ =
        std::filesystem::temp_directory_path() / ("signx_leadroutes_" + std::to_string(::getpid()));
    std::filesystem::remove_all(root_);
    blobs_ = std::move(blobs::BlobStore::Open(root_, 64 << 20)).value();
    registry_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
    BeforeService();
    service_ = std::make_unique<LeadsService>(*registry_, metrics_, lake_.get(),
                                              ServiceOptions{.score_log = score_log_.get()});
    AddLeadRoutes(router_, schemas_, *service_);
    AddKServeRoutes(router_, *service_);
    pool_ = std::make_unique<runtime::BlockingPool>(2, 64);
    config::ServerConfig cfg;
    cfg.port = 0;
    server_ = std::make_unique<http::Server>(cfg, router_, metrics_, *pool_, false);
    server_->Use(std::make_shared<TestAuth>());
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
    std::filesystem::remove_all(root_);
  }
  virtual void BeforeService() {}
  // As an org_admin of `org` (role `role`).
  std::optional<http::testing::RawResponse> Post(const std::string& path, const std::string& body,
                                                 const std::string& org = "org_a",
                                                 const std::string& role = "org_admin") {
    http::testing::RawClient c(server_->port());
    return c.Request(
        "POST", path, body,
        {{"Content-Type", "application/json"}, {"X-Test-Org", org}, {"X-Test-Role", role}});
  }
  std::optional<http::testing::RawResponse> Get(const std::string& path,
                                                const std::string& org = "org_a") {
    http::testing::RawClient c(server_->port());
    return c.Request("GET", path, "", {{"X-Test-Org", org}, {"X-Test-Role", "org_admin"}});
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path root_;
  std::unique_ptr<lake::LakeWriter> lake_;  // set by subclasses before SetUp; may stay null
  std::unique_ptr<ScoreLog> score_log_;     // likewise
  std::unique_ptr<blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> registry_;
  metrics::Registry metrics_;
  std::unique_ptr<LeadsService> service_;
  http::Router router_;
  http::SchemaRegistry schemas_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
};

TEST_F(LeadRoutesTest, NoModelIs503ThenUploadPromoteAndScore) {
  const std::string lead = R"({"lead_id": "L1", "source": "Reference", "visits": 12})";
  auto none = Post("/v1/leads/score", lead);
  ASSERT_TRUE(none.has_value());
  EXPECT_EQ(none->status, 503);
  EXPECT_NE(none->body.find("signx train leads"), std::string::npos);

  auto up = Post("/v1/leads/models", SerializeBundle(*bundle_));
  ASSERT_TRUE(up.has_value());
  ASSERT_EQ(up->status, 201) << up->body;
  auto bad_upload = Post("/v1/leads/models", R"({"not": "a bundle"})");
  EXPECT_EQ(bad_upload->status / 100, 4) << bad_upload->body;
  auto promoted = Post("/v1/leads/models/" + bundle_->model_version + "/promote", "");
  ASSERT_EQ(promoted->status, 200) << promoted->body;

  auto scored = Post("/v1/leads/score", lead);
  ASSERT_EQ(scored->status, 200) << scored->body;
  EXPECT_NE(scored->body.find(R"("lead_id":"L1")"), std::string::npos);
  EXPECT_NE(scored->body.find(R"("reasons":[{)"), std::string::npos);
  // Deterministic: the same lead gives the same bytes.
  EXPECT_EQ(Post("/v1/leads/score", lead)->body, scored->body);
  auto quiet = Post("/v1/leads/score?explain=false", lead);
  EXPECT_NE(quiet->body.find(R"("reasons":[])"), std::string::npos);

  auto invalid = Post("/v1/leads/score", R"({"lead_id": "L2", "visits": -1})");
  EXPECT_EQ(invalid->status, 422);
  EXPECT_NE(invalid->body.find(R"("field":"visits")"), std::string::npos);
  auto batch = Post("/v1/leads/score/batch", R"({"leads": []})");
  EXPECT_EQ(batch->status, 422);

  // The same model through the Open Inference Protocol: columnar in, columnar out.
  auto v2 = Post("/v2/models/leads/infer",
                 R"({"id": "r1", "inputs": [
                     {"name": "lead_id", "datatype": "BYTES", "shape": [2], "data": ["L1", "L3"]},
                     {"name": "source", "datatype": "BYTES", "shape": [2],
                      "data": ["Reference", "Google"]},
                     {"name": "visits", "datatype": "FP64", "shape": [2], "data": [12, 1]}]})");
  ASSERT_EQ(v2->status, 200) << v2->body;
  EXPECT_NE(v2->body.find(R"("id":"r1")"), std::string::npos);
  EXPECT_NE(v2->body.find(R"("name":"tier","datatype":"BYTES","shape":[2])"), std::string::npos);
  // Row 0 scores like the /v1 answer for the same lead.
  const auto at = scored->body.find(R"("score":)") + 8;
  const std::string v1_score = scored->body.substr(at, scored->body.find(',', at) - at);
  EXPECT_NE(v2->body.find(R"("name":"score","datatype":"FP64","shape":[2],"data":[)" + v1_score),
            std::string::npos)
      << v2->body;
  auto ragged = Post("/v2/models/leads/infer",
                     R"({"inputs": [{"name": "lead_id", "data": ["a", "b"]},
                                    {"name": "visits", "data": [1]}]})");
  EXPECT_EQ(ragged->status, 422);
  EXPECT_NE(ragged->body.find("inputs[1].data"), std::string::npos);
}

// Issue 19 item 1: an org's lead model scores that org's leads only; other orgs keep the platform
// default, and cannot see, promote or roll back the org's versions.
TEST_F(LeadRoutesTest, AnOrgsPromotionDoesNotChangeAnotherOrgsScores) {
  const std::string lead = R"({"lead_id": "L1", "source": "Reference", "visits": 12})";
  TrainOptions other_options = FastOptions();
  other_options.seed = 43;
  auto other = TrainLeadModel(*table_, TestSchema(), other_options);
  ASSERT_TRUE(other.ok());
  ASSERT_NE(other->bundle.model_version, bundle_->model_version);

  // The platform default, by a super_admin.
  ASSERT_EQ(
      Post("/v1/leads/models?owner=platform", SerializeBundle(*bundle_), "org_root", "super_admin")
          ->status,
      201);
  ASSERT_EQ(Post("/v1/leads/models/" + bundle_->model_version + "/promote?owner=platform", "",
                 "org_root", "super_admin")
                ->status,
            200);
  auto b_before = Post("/v1/leads/score", lead, "org_b");
  ASSERT_EQ(b_before->status, 200) << b_before->body;
  EXPECT_NE(b_before->body.find(bundle_->model_version), std::string::npos);

  // Org A uploads and promotes its own model.
  ASSERT_EQ(Post("/v1/leads/models", SerializeBundle(other->bundle), "org_a")->status, 201);
  auto promoted = Post("/v1/leads/models/" + other->bundle.model_version + "/promote", "", "org_a");
  ASSERT_EQ(promoted->status, 200) << promoted->body;
  auto a = Post("/v1/leads/score", lead, "org_a");
  ASSERT_EQ(a->status, 200);
  EXPECT_NE(a->body.find(other->bundle.model_version), std::string::npos) << a->body;
  auto b_after = Post("/v1/leads/score", lead, "org_b");
  EXPECT_EQ(b_after->body, b_before->body) << "A's promotion changed B's scores";

  // B cannot list, read, promote or roll back A's version (404, not 403), nor the platform's.
  auto list_b = Get("/v1/leads/models", "org_b");
  ASSERT_EQ(list_b->status, 200);
  EXPECT_EQ(list_b->body.find(other->bundle.model_version), std::string::npos) << list_b->body;
  EXPECT_EQ(Get("/v1/leads/models/" + other->bundle.model_version, "org_b")->status, 404);
  EXPECT_EQ(
      Post("/v1/leads/models/" + other->bundle.model_version + "/promote", "", "org_b")->status,
      404);
  EXPECT_EQ(Post("/v1/leads/models/rollback?owner=org_a", "", "org_b")->status, 404);
  EXPECT_EQ(Get("/v1/leads/models?owner=platform", "org_a")->status, 404);
  EXPECT_EQ(
      Post("/v1/leads/models/" + bundle_->model_version + "/promote?owner=platform", "", "org_a")
          ->status,
      404);
  // The Open Inference Protocol route scores with the caller's org's model too.
  auto v2 = Post("/v2/models/leads/infer",
                 R"({"inputs": [{"name": "lead_id", "datatype": "BYTES", "shape": [1],
                     "data": ["L1"]}, {"name": "source", "datatype": "BYTES", "shape": [1],
                     "data": ["Reference"]}, {"name": "visits", "datatype": "FP64", "shape": [1],
                     "data": [12]}]})",
                 "org_b");
  ASSERT_EQ(v2->status, 200) << v2->body;
  EXPECT_EQ(v2->body.find(other->bundle.model_version), std::string::npos) << v2->body;
}

}  // namespace
}  // namespace signx::leads

namespace signx::leads {
namespace {

// A batch larger than one chunk is scored in chunks on several threads: the answer is the
// sequential one, byte for byte, in request order; an invalid lead in any chunk fails the whole
// batch with every error named in order and nothing scored.
TEST_F(LeadRoutesTest, ALargeBatchIsScoredInChunksLikeOneByOne) {
  ASSERT_EQ(Post("/v1/leads/models", SerializeBundle(*bundle_))->status, 201);
  ASSERT_EQ(Post("/v1/leads/models/" + bundle_->model_version + "/promote", "")->status, 200);
  json::array leads;
  const char* sources[] = {"Reference", "Google", "Direct", "Select"};
  for (int i = 0; i < 150; ++i) {  // 5 chunks of 32 (the last one short)
    json::object l{{"lead_id", fmt::format("B{}", i)}, {"source", sources[i % 4]}};
    if (i % 5 != 0) l["visits"] = (i * 7) % 23;
    leads.push_back(std::move(l));
  }
  auto batch = Post("/v1/leads/score/batch", json::serialize(json::object{{"leads", leads}}));
  ASSERT_EQ(batch->status, 200) << batch->body.substr(0, 300);
  auto scorer = service_->Current("org_a");
  ASSERT_NE(scorer, nullptr);
  std::string expected = "{\"model_version\":\"" + bundle_->model_version + "\",\"results\":[";
  for (std::size_t i = 0; i < leads.size(); ++i) {
    auto one = scorer->ScoreJson(leads[i].as_object(), {});
    ASSERT_TRUE(one.ok());
    if (i > 0) expected += ',';
    AppendScoreJson(expected, *one);
  }
  expected += "]}";
  EXPECT_EQ(batch->body, expected);

  leads[3].as_object()["visits"] = -1;        // chunk 0
  leads[140].as_object()["visits"] = "many";  // chunk 4
  auto bad = Post("/v1/leads/score/batch", json::serialize(json::object{{"leads", leads}}));
  ASSERT_EQ(bad->status, 422) << bad->body;
  const auto a = bad->body.find("leads[3].visits"), b = bad->body.find("leads[140].visits");
  ASSERT_NE(a, std::string::npos) << bad->body;
  ASSERT_NE(b, std::string::npos) << bad->body;
  EXPECT_LT(a, b);
}

// The batch route with the lake and the score log on: every scored lead of a batch reaches both
// (chunks log as soon as they are scored), the metrics count each lead once, and an invalid batch
// logs nothing.
class LoggedLeadRoutesTest : public LeadRoutesTest {
 protected:
  void SetUp() override {
    lake_dir_ = std::filesystem::temp_directory_path() /
                ("signx_leadroutes_lake_" + std::to_string(::getpid()));
    std::filesystem::remove_all(lake_dir_);
    lake_ = std::move(lake::LakeWriter::Open({.data_dir = lake_dir_.string()})).value();
    LeadRoutesTest::SetUp();
  }
  void BeforeService() override { score_log_ = std::make_unique<ScoreLog>(db_->store(), nullptr); }
  void TearDown() override {
    LeadRoutesTest::TearDown();
    service_.reset();
    score_log_->Shutdown();
    lake_->Shutdown();
    std::filesystem::remove_all(lake_dir_);
  }
  std::filesystem::path lake_dir_;
};

TEST_F(LoggedLeadRoutesTest, EveryScoredLeadOfABatchReachesTheLakeAndTheMetricsOnce) {
  ASSERT_EQ(Post("/v1/leads/models", SerializeBundle(*bundle_))->status, 201);
  ASSERT_EQ(Post("/v1/leads/models/" + bundle_->model_version + "/promote", "")->status, 200);
  json::array leads;
  for (int i = 0; i < 70; ++i) {  // 3 chunks of 32 (the last one short)
    leads.push_back(json::object{{"lead_id", fmt::format("K{}", i)}, {"visits", i % 9}});
  }
  leads[69].as_object()["visits"] = -1;
  auto bad = Post("/v1/leads/score/batch", json::serialize(json::object{{"leads", leads}}));
  ASSERT_EQ(bad->status, 422) << bad->body;
  leads[69].as_object()["visits"] = 3;
  auto ok = Post("/v1/leads/score/batch", json::serialize(json::object{{"leads", leads}}));
  ASSERT_EQ(ok->status, 200) << ok->body.substr(0, 300);
  ASSERT_TRUE(lake_->Flush().ok());
  auto rows = lake_->Query(
      "SELECT count(*), count(DISTINCT lead_id), count(DISTINCT request_id), "
      "min(json_extract(features, '$.visits')::INT), max(json_extract(features, '$.visits')::INT) "
      "FROM lead_scores");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows.size(), 1u);
  EXPECT_EQ(rows->rows[0][0], "70");  // nothing from the invalid batch
  EXPECT_EQ(rows->rows[0][1], "70");
  EXPECT_EQ(rows->rows[0][2], "1");
  EXPECT_EQ(rows->rows[0][3], "0");
  EXPECT_EQ(rows->rows[0][4], "8");
  ASSERT_TRUE(score_log_->Flush().ok());
  EXPECT_EQ(score_log_->stats().written, 70u);
  // Each lead's stored reasons are the answer's (the score log reuses the answer's text).
  const json::array results = json::parse(ok->body).at("results").as_array();
  auto stored = db_->store().Query("SELECT lead_id, reasons_json FROM lead_scores");
  ASSERT_TRUE(stored.ok()) << stored.status().message();
  ASSERT_EQ(stored->rows.size(), 70u);
  int with_reasons = 0;
  for (const storage::Row& r : stored->rows) {
    const std::size_t i = std::stoul(r.Text(0).substr(1));
    const json::array& want = results.at(i).at("reasons").as_array();
    if (want.empty()) {
      EXPECT_FALSE(r.OptText(1).has_value()) << r.Text(0);
    } else {
      ++with_reasons;
      EXPECT_EQ(json::parse(r.Text(1)), want) << r.Text(0);
    }
  }
  EXPECT_GT(with_reasons, 0);
  // leads_predictions_total over every tier: 70.
  const std::string text = metrics_.Render();
  double counted = 0;
  for (std::size_t at = text.find("\nleads_predictions_total{"); at != std::string::npos;
       at = text.find("\nleads_predictions_total{", at + 1)) {
    const std::size_t space = text.find(' ', text.find('}', at));
    counted += std::stod(text.substr(space + 1, text.find('\n', space + 1) - space - 1));
  }
  EXPECT_EQ(counted, 70);
}

TEST_F(LoggedLeadRoutesTest, LakeFeaturesAreTheLeadsAsSentWithoutWhitespace) {
  ASSERT_EQ(Post("/v1/leads/models", SerializeBundle(*bundle_))->status, 201);
  ASSERT_EQ(Post("/v1/leads/models/" + bundle_->model_version + "/promote", "")->status, 200);
  ASSERT_EQ(Post("/v1/leads/score/batch",
                 "{ \"leads\" : [ {\"lead_id\": \"F1\", \"visits\": 2.50, \"extra\": \"a  b\"},\n"
                 "  {\"lead_id\": \"F2\"} ] }")
                ->status,
            200);
  ASSERT_EQ(Post("/v1/leads/score", "{\n  \"lead_id\": \"F3\",\n  \"visits\": 1e1\n}")->status,
            200);
  ASSERT_TRUE(lake_->Flush().ok());
  auto rows = lake_->Query("SELECT lead_id, features FROM lead_scores ORDER BY lead_id");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->rows.size(), 3u);
  EXPECT_EQ(rows->rows[0][1], R"({"lead_id":"F1","visits":2.50,"extra":"a  b"})");
  EXPECT_EQ(rows->rows[1][1], R"({"lead_id":"F2"})");
  EXPECT_EQ(rows->rows[2][1], R"({"lead_id":"F3","visits":1e1})");
}

}  // namespace
}  // namespace signx::leads
