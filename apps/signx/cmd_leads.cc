#include "cmd_leads.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cctype>
#include <cstdio>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "app/platform.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "cli_common.h"
#include "csv/reader.h"
#include "http/json.h"
#include "leads/bundle.h"
#include "leads/infer_schema.h"
#include "leads/quality_report.h"
#include "leads/schema.h"
#include "leads/scorer.h"
#include "leads/service.h"
#include "leads/training.h"
#include "metrics/metrics.h"
#include "ml/registry.h"

namespace signx {
namespace {

namespace json = boost::json;

[[noreturn]] void Fail(const Status& st) {
  std::fprintf(stderr, "signx: %s\n", st.ToString().c_str());
  for (const auto& d : st.details()) {
    std::fprintf(stderr, "  %s: %s\n", d.field.c_str(), d.message.c_str());
  }
  throw CLI::RuntimeError(st.code() == ErrorCode::kValidationFailed ? 2 : 1);
}

template <typename T>
T OrFail(Result<T> r) {
  if (!r.ok()) Fail(r.status());
  return std::move(r).value();
}

void Pretty(const json::value& v, std::string& out, int indent) {
  const std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
  if (v.is_object() && !v.get_object().empty()) {
    out += "{\n";
    bool first = true;
    for (const auto& kv : v.get_object()) {
      if (!first) out += ",\n";
      first = false;
      out += pad + "  " + json::serialize(json::value(kv.key())) + ": ";
      Pretty(kv.value(), out, indent + 1);
    }
    out += "\n" + pad + "}";
  } else if (v.is_array() && !v.get_array().empty()) {
    // Arrays of scalars stay on one line.
    const auto& a = v.get_array();
    const bool scalars = std::all_of(
        a.begin(), a.end(), [](const json::value& e) { return !e.is_object() && !e.is_array(); });
    if (scalars) {
      out += http::ToJsonText(v);
      return;
    }
    out += "[\n";
    for (std::size_t i = 0; i < a.size(); ++i) {
      out += pad + "  ";
      Pretty(a[i], out, indent + 1);
      out += i + 1 < a.size() ? ",\n" : "\n";
    }
    out += pad + "]";
  } else {
    out += http::ToJsonText(v);
  }
}

// Indented JSON for people; numbers as people write them (0.473, not Boost.JSON's 4.73E-1).
std::string PrettyJson(const json::value& v) {
  std::string out;
  Pretty(v, out, 0);
  out += "\n";
  return out;
}

Result<leads::Schema> ResolveSchema(const std::string& name_or_path) {
  for (const auto& builtin : leads::BuiltinSchemaNames()) {
    if (builtin == name_or_path) return leads::BuiltinSchema(builtin);
  }
  return leads::LoadSchemaFile(name_or_path);
}

struct TrainFlags {
  std::string data;
  std::string schema = "x_education";
  std::string out;
  std::uint64_t seed = 42;
  bool with_leaky = false;
  bool no_compare = false;
  bool print_card = false;
  int threads = 2;
  std::string test_ids;
  std::string exclude;         // comma-separated feature fields to leave out
  std::string test_scores;     // a reference's per-lead test scores (its ids define the test set)
  std::string test_id_column;  // the data column the reference's ids are values of
  int resamples = 2000;
  std::uint64_t bootstrap_seed = 42;
};

std::vector<std::string> SplitCommaList(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find(',', start);
    if (end == std::string::npos) end = text.size();
    std::string item(Trim(std::string_view(text).substr(start, end - start)));
    if (!item.empty()) out.push_back(std::move(item));
    start = end + 1;
  }
  return out;
}

std::string IdColumn(const leads::Schema& schema) {
  for (const auto& f : schema.fields) {
    if (f.role == leads::FieldRole::kId) return f.column.empty() ? f.name : f.column;
  }
  Fail(InvalidArgument("schema " + schema.name + " has no id field to match test ids against"));
}

// SignX's test scores against the reference's, row by row (the reference's order); the labels
// must agree where the reference file gives them.
leads::PairedComparison CompareWithReference(const leads::TrainOutput& trained,
                                             const leads::ReferenceScores& ref,
                                             const std::vector<std::string>& ref_ids_in_data,
                                             const TrainFlags& f) {
  std::unordered_map<std::string_view, std::size_t> ours;
  for (std::size_t i = 0; i < trained.test_ids.size(); ++i) ours.emplace(trained.test_ids[i], i);
  std::vector<float> labels, p_ours, p_ref;
  std::size_t label_mismatch = 0;
  for (std::size_t k = 0; k < ref.ids.size(); ++k) {
    auto it = ours.find(ref_ids_in_data[k]);
    if (it == ours.end()) Fail(Internal("test lead " + ref.ids[k] + " was not scored"));
    const float y = trained.test_labels[it->second];
    if (ref.labels[k] && *ref.labels[k] != y) ++label_mismatch;
    labels.push_back(y);
    p_ours.push_back(trained.test_scores[it->second]);
    p_ref.push_back(ref.scores[k]);
  }
  if (label_mismatch > 0) {
    Fail(
        InvalidArgument(fmt::format("{} of {} test leads have another label in {} than in the data",
                                    label_mismatch, ref.ids.size(), f.test_scores)));
  }
  return OrFail(leads::PairedBootstrap(
      labels, p_ours, p_ref, {.resamples = f.resamples, .seed = f.bootstrap_seed, .level = 0.95}));
}

// One lead id per line (blank lines and surrounding spaces ignored).
std::vector<std::string> ReadIdList(const std::string& path) {
  const std::string text = OrFail(csv::ReadFile(path));
  std::vector<std::string> ids;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    std::string_view line(text.data() + start, end - start);
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.back()))) {
      line.remove_suffix(1);
    }
    while (!line.empty() && std::isspace(static_cast<unsigned char>(line.front()))) {
      line.remove_prefix(1);
    }
    if (!line.empty()) ids.emplace_back(line);
    start = end + 1;
  }
  if (ids.empty()) Fail(InvalidArgument(path + " lists no test ids"));
  return ids;
}

void RunTrain(const TrainFlags& f) {
  const leads::Schema schema = OrFail(ResolveSchema(f.schema));
  const std::string text = OrFail(csv::ReadFile(f.data));
  const csv::Table table = OrFail(csv::ReadTable(text, {.delimiter = schema.delimiter}));
  leads::TrainOptions o;
  o.seed = f.seed;
  o.include_leaky = f.with_leaky;
  o.compare_leaky = !f.no_compare;
  o.nthread = f.threads;
  o.data_name = f.data;
  o.data_sha256 = Sha256Hex(text);
  o.exclude_fields = SplitCommaList(f.exclude);
  if (!f.test_ids.empty()) {
    o.test_ids = ReadIdList(f.test_ids);
    o.test_ids_name = f.test_ids;
  }
  std::optional<leads::ReferenceScores> ref;
  std::vector<std::string> ref_ids_in_data;
  if (!f.test_scores.empty()) {
    ref = OrFail(leads::ReadReferenceScores(OrFail(csv::ReadFile(f.test_scores))));
    ref_ids_in_data =
        f.test_id_column.empty()
            ? ref->ids
            : OrFail(leads::MapIds(table, f.test_id_column, IdColumn(schema), ref->ids));
    o.test_ids = ref_ids_in_data;
    o.test_ids_name = f.test_scores;
  }
  leads::TrainOutput trained = OrFail(leads::TrainLeadModel(table, schema, o));
  std::string comparison;
  if (ref) {
    const leads::PairedComparison c = CompareWithReference(trained, *ref, ref_ids_in_data, f);
    json::object o_json = leads::ComparisonToJson(c);
    o_json["reference_scores"] = f.test_scores;
    trained.bundle.card["reference_comparison"] = std::move(o_json);
    comparison = leads::FormatComparison(c, "signx", "reference");
  }
  const std::string out = f.out.empty() ? fmt::format("var/models/{}-{}.json", schema.name,
                                                      trained.bundle.model_version)
                                        : f.out;
  if (Status st = leads::SaveBundleFile(trained.bundle, out); !st.ok()) Fail(st);
  if (f.print_card) {
    std::fputs(PrettyJson(trained.bundle.card).c_str(), stdout);
  } else {
    std::fputs(leads::CardSummary(trained.bundle.card).c_str(), stdout);
  }
  std::fputs(comparison.c_str(), stdout);
  std::printf("wrote %s\n", out.c_str());
}

void RunInferSchema(const std::string& data, const std::string& delimiter,
                    const leads::InferOptions& options) {
  const std::string text = OrFail(csv::ReadFile(data));
  char delim = csv::DetectDelimiter(text);
  if (!delimiter.empty()) delim = delimiter == "\\t" || delimiter == "tab" ? '\t' : delimiter[0];
  const csv::Table table = OrFail(csv::ReadTable(text, {.delimiter = delim}));
  const json::object schema = OrFail(leads::InferSchema(table, delim, options));
  std::fputs(PrettyJson(schema).c_str(), stdout);
  // The notes (leaks, identifiers, constant columns) on stderr too, so they are read.
  for (const auto& n : schema.at("notes").as_array()) {
    std::fprintf(stderr, "note: %s\n", std::string(n.as_string()).c_str());
  }
}

// The API's JSON for one score, as a value to pretty-print.
json::value ScoreValue(const leads::LeadScore& score) {
  std::string text;
  leads::AppendScoreJson(text, score);
  return json::parse(text);
}

void RunScore(const std::string& model, const std::string& input, bool no_explain,
              int max_reasons) {
  leads::ModelBundle bundle = OrFail(leads::LoadBundleFile(model));
  const leads::Scorer scorer = OrFail(leads::Scorer::Create(std::move(bundle)));
  const std::string text = OrFail(csv::ReadFile(input));
  boost::system::error_code ec;
  const json::value body = json::parse(text, ec);
  if (ec) Fail(Status(ErrorCode::kMalformedJson, input + " is not valid JSON: " + ec.message()));
  leads::ScoreOptions opt;
  opt.explain = !no_explain;
  opt.max_reasons = max_reasons;
  // One lead object, an array of leads, or {"leads": [...]} (the batch request body).
  const json::array* batch = body.if_array();
  if (const auto* o = body.if_object(); o && o->contains("leads") && o->at("leads").is_array()) {
    batch = &o->at("leads").get_array();
  }
  if (batch) {
    const auto scores = OrFail(scorer.ScoreJsonBatch(*batch, opt));
    json::array out;
    for (const auto& s : scores) out.push_back(ScoreValue(s));
    json::object wrapped;
    wrapped["results"] = std::move(out);
    std::fputs(PrettyJson(wrapped).c_str(), stdout);
    return;
  }
  if (!body.is_object())
    Fail(InvalidArgument("the input must be a lead object or a list of leads"));
  std::fputs(PrettyJson(ScoreValue(OrFail(scorer.ScoreJson(body.get_object(), opt)))).c_str(),
             stdout);
}

}  // namespace

void AddLeadsCommands(CLI::App& app) {
  auto train_flags = std::make_shared<TrainFlags>();
  CLI::App* train = cli::FindOrAddGroup(app, "train", "train models");
  CLI::App* train_leads = train->add_subcommand(
      "leads", "train a lead-scoring model from a CRM export (CSV) and write a model bundle");
  train_leads->add_option("--data", train_flags->data, "CSV export with one lead per row")
      ->required()
      ->check(CLI::ExistingFile);
  train_leads->add_option("--schema", train_flags->schema,
                          "schema file, or a built-in schema: x_education (default), "
                          "crm_sales_opportunities");
  train_leads->add_option("--out", train_flags->out,
                          "bundle file (default var/models/<schema>-<model_version>.json)");
  train_leads->add_option("--seed", train_flags->seed, "seed for the split and XGBoost (42)");
  train_leads->add_flag("--with-leaky-fields", train_flags->with_leaky,
                        "train with the fields the schema marks leaky (e.g. tags, lead_quality)");
  train_leads->add_flag("--no-compare", train_flags->no_compare,
                        "skip training the other variant (with/without leaky fields) for the card");
  train_leads->add_flag("--print-card", train_flags->print_card, "print the whole model card");
  train_leads->add_option("--threads", train_flags->threads, "XGBoost training threads (2)")
      ->check(CLI::Range(1, 64));
  train_leads
      ->add_option("--test-ids", train_flags->test_ids,
                   "file of lead ids (one per line) that form the test set instead of the "
                   "seeded split, e.g. bench/reference-split/leads-test-ids.txt")
      ->check(CLI::ExistingFile);
  train_leads
      ->add_option("--test-scores", train_flags->test_scores,
                   "a reference model's test scores (CSV with lead_id, score and optionally "
                   "converted, e.g. the peer's artifacts/test_scores.csv): its leads form the test "
                   "set, and SignX's test scores are compared with its scores (paired bootstrap of "
                   "the AUC-ROC, Brier and log-loss differences)")
      ->check(CLI::ExistingFile)
      ->excludes("--test-ids");
  train_leads->add_option("--test-id-column", train_flags->test_id_column,
                          "the data column the --test-scores ids are values of (default the "
                          "schema's id column; the peer's are \"Lead Number\")");
  train_leads->add_option("--exclude", train_flags->exclude,
                          "comma-separated feature fields to leave out, instead of the schema's "
                          "leaky fields (e.g. tags,lead_quality as the peer's no-leak model)");
  train_leads
      ->add_option("--resamples", train_flags->resamples,
                   "bootstrap resamples for --test-scores (2000)")
      ->check(CLI::Range(1, 1000000));
  train_leads->add_option("--bootstrap-seed", train_flags->bootstrap_seed,
                          "seed of the bootstrap draws (42)");
  train_leads->callback([train_flags] { RunTrain(*train_flags); });

  CLI::App* leads_cmd = cli::FindOrAddGroup(app, "leads", "lead scoring tools");
  auto infer_data = std::make_shared<std::string>();
  auto infer_delim = std::make_shared<std::string>();
  auto infer_options = std::make_shared<leads::InferOptions>();
  CLI::App* infer = leads_cmd->add_subcommand(
      "infer-schema", "propose a lead schema (JSON on stdout) from a CSV export");
  infer->add_option("--data", *infer_data, "CSV export")->required()->check(CLI::ExistingFile);
  infer->add_option("--delimiter", *infer_delim, "field delimiter (detected when omitted)");
  infer->add_option("--label", infer_options->label,
                    "the outcome column (field name or CSV header); fields that look filled in "
                    "after the outcome are then marked leaky");
  infer->add_option("--positive", infer_options->positive,
                    "the label's values meaning converted (repeat for several); the rest are "
                    "negative");
  infer->callback([infer_data, infer_delim, infer_options] {
    RunInferSchema(*infer_data, *infer_delim, *infer_options);
  });

  struct ScoreFlags {
    std::string model, input;
    bool no_explain = false;
    int max_reasons = 5;
  };
  auto score_flags = std::make_shared<ScoreFlags>();
  CLI::App* score = leads_cmd->add_subcommand(
      "score", "score leads from a JSON file (one lead, a list, or {\"leads\": [...]})");
  score->add_option("--model", score_flags->model, "model bundle written by `signx train leads`")
      ->required()
      ->check(CLI::ExistingFile);
  score->add_option("--input", score_flags->input, "JSON file with the lead(s)")
      ->required()
      ->check(CLI::ExistingFile);
  score->add_flag("--no-explain", score_flags->no_explain, "skip the reasons (SHAP)");
  score->add_option("--max-reasons", score_flags->max_reasons, "reasons per lead (5)")
      ->check(CLI::Range(0, 100));
  score->callback([score_flags] {
    RunScore(score_flags->model, score_flags->input, score_flags->no_explain,
             score_flags->max_reasons);
  });

  struct RegisterFlags {
    cli::ConfigFlags config;
    std::string model;
    bool promote = false;
    std::string org;  // owner; "" = the platform default
  };
  auto reg_flags = std::make_shared<RegisterFlags>();
  CLI::App* reg = leads_cmd->add_subcommand(
      "register", "store a model bundle in the model registry (staging; --promote to use it)");
  cli::AddConfigFlags(reg, reg_flags->config);
  reg->add_option("--model", reg_flags->model, "model bundle written by `signx train leads`")
      ->required()
      ->check(CLI::ExistingFile);
  reg->add_flag("--promote", reg_flags->promote,
                "make it the production model (running servers switch within 10 s)");
  reg->add_option("--org", reg_flags->org,
                  "register/promote as this org's own lead model (default: the platform default, "
                  "used by every org without a model of its own)");
  reg->callback([reg_flags] {
    int exit_code = 0;
    auto cfg = cli::LoadConfigAndLogging(reg_flags->config, &exit_code);
    if (!cfg) throw CLI::RuntimeError(exit_code);
    auto platform = OrFail(app::OpenPlatform(*cfg, /*migrate=*/false));
    ml::ModelRegistry registry(*platform.store, *platform.blobs, SystemClock::Get());
    metrics::Registry unused_metrics;
    leads::LeadsService service(registry, unused_metrics);
    const std::string bytes = OrFail(csv::ReadFile(reg_flags->model));
    const ml::Owner owner =
        reg_flags->org.empty() ? ml::Owner::Platform() : ml::Owner::Org(reg_flags->org);
    auto version = OrFail(service.RegisterBundle(owner, bytes, "cli"));
    std::printf("registered %s for %s (%s)\n", version.version.c_str(), owner.Label().c_str(),
                version.state.c_str());
    if (reg_flags->promote) {
      version = OrFail(registry.Promote(owner, std::string(leads::kModelName), version.version));
      std::printf("promoted %s to production for %s\n", version.version.c_str(),
                  owner.Label().c_str());
    }
  });
}

}  // namespace signx
