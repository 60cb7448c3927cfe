#include "cmd_demo_seed.h"

#include <sys/stat.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>

#include "app/platform.h"
#include "base/strings.h"
#include "cache/memory_rate_limiter.h"
#include "cli_common.h"
#include "cmd_bench_retrieval.h"
#include "csv/reader.h"
#include "estimating/cost_model.h"
#include "estimating/generator.h"
#include "estimating/importer.h"
#include "estimating/predict_service.h"
#include "identity/crypto.h"
#include "identity/identity_service.h"
#include "leads/bundle.h"
#include "leads/csv_scoring.h"
#include "leads/schema.h"
#include "leads/score_log.h"
#include "leads/service.h"
#include "leads/training.h"
#include "metrics/metrics.h"
#include "ml/registry.h"
#include "search/reranker_registry.h"

namespace signx::cli {
namespace {

// Trains and promotes a lead model when none is in production and the data can be found.
Status SeedLeadModel(app::Platform& platform, const std::string& leads_csv) {
  ml::ModelRegistry registry(*platform.store, *platform.blobs, SystemClock::Get());
  // The public x_education data set: the platform default, for every org.
  SIGNX_ASSIGN_OR_RETURN(
      auto prod, registry.Production(ml::Owner::Platform(), std::string(leads::kModelName)));
  if (prod) {
    std::fprintf(stderr, "lead model %s is already in production\n", prod->version.c_str());
    return Status::Ok();
  }
  if (!std::filesystem::exists(leads_csv)) {
    std::fprintf(stderr,
                 "no lead data at %s: skipped the lead model (train one later with `signx train "
                 "leads --data <csv>` and `signx leads register --model <bundle> --promote`)\n",
                 leads_csv.c_str());
    return Status::Ok();
  }
  std::fprintf(stderr, "training the lead model from %s ...\n", leads_csv.c_str());
  SIGNX_ASSIGN_OR_RETURN(auto schema, leads::BuiltinSchema("x_education"));
  SIGNX_ASSIGN_OR_RETURN(std::string text, csv::ReadFile(leads_csv));
  SIGNX_ASSIGN_OR_RETURN(auto table, csv::ReadTable(text, {.delimiter = schema.delimiter}));
  SIGNX_ASSIGN_OR_RETURN(auto trained,
                         leads::TrainLeadModel(table, schema, {.compare_leaky = false}));
  metrics::Registry unused;
  leads::LeadsService service(registry, unused);
  SIGNX_ASSIGN_OR_RETURN(auto version,
                         service.RegisterBundle(ml::Owner::Platform(),
                                                leads::SerializeBundle(trained.bundle), "demo"));
  SIGNX_RETURN_IF_ERROR(
      registry.Promote(ml::Owner::Platform(), std::string(leads::kModelName), version.version)
          .status());
  std::fprintf(stderr, "lead model %s trained and promoted\n", version.version.c_str());
  return Status::Ok();
}

// Trains the re-ranker documents search ships (signx train retrieval) when none is in production
// and the BEIR SciFact folder is there; without it documents search is BM25.
Status SeedReranker(app::Platform& platform, const std::string& beir) {
  ml::ModelRegistry registry(*platform.store, *platform.blobs, SystemClock::Get());
  SIGNX_ASSIGN_OR_RETURN(std::string current, search::ProductionRerankerVersion(registry));
  if (!current.empty()) {
    std::fprintf(stderr, "search re-ranker %s is already in production\n", current.c_str());
    return Status::Ok();
  }
  if (!std::filesystem::exists(std::filesystem::path(beir) / "qrels" / "train.tsv")) {
    std::fprintf(stderr,
                 "no BEIR train split at %s: documents search stays BM25 (train the re-ranker "
                 "later with `signx train retrieval --beir <dir>`)\n",
                 beir.c_str());
    return Status::Ok();
  }
  std::fprintf(stderr, "training the documents search re-ranker on %s (train split) ...\n",
               beir.c_str());
  SIGNX_ASSIGN_OR_RETURN(ShippedReranker r,
                         TrainShippedReranker(platform, beir, /*semantic=*/true, /*promote=*/true));
  std::fprintf(stderr, "search re-ranker %s trained on %zu queries in %.1f s and promoted\n",
               r.version.version.c_str(), r.queries, r.seconds);
  return Status::Ok();
}

// Scores the last kDemoLeads leads of the data set for the demo org with the production model, so
// the worklist has leads to work (once: skipped when the org has scored leads already).
Status SeedLeadScores(app::Platform& platform, const std::string& org_id,
                      const std::string& leads_csv) {
  constexpr std::size_t kDemoLeads = 300;
  SIGNX_ASSIGN_OR_RETURN(
      auto existing,
      platform.store->Query("SELECT COUNT(*) FROM lead_scores WHERE org_id = $1", {org_id}));
  if (existing.rows.at(0).Int(0) > 0 || !std::filesystem::exists(leads_csv)) return Status::Ok();
  ml::ModelRegistry registry(*platform.store, *platform.blobs, SystemClock::Get());
  SIGNX_ASSIGN_OR_RETURN(auto prod, registry.Effective(org_id, std::string(leads::kModelName)));
  if (!prod) return Status::Ok();
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, registry.ReadBytes(*prod));
  SIGNX_ASSIGN_OR_RETURN(leads::ModelBundle bundle, leads::ParseBundle(bytes));
  SIGNX_ASSIGN_OR_RETURN(leads::Scorer scorer, leads::Scorer::Create(std::move(bundle)));
  SIGNX_ASSIGN_OR_RETURN(std::string text, csv::ReadFile(leads_csv));
  // The header line and the last kDemoLeads data lines (the file has no quoted line breaks).
  std::vector<std::string_view> lines;
  for (std::string_view rest = text; !rest.empty();) {
    const auto nl = rest.find('\n');
    lines.push_back(rest.substr(0, nl));
    rest = nl == std::string_view::npos ? std::string_view() : rest.substr(nl + 1);
  }
  if (lines.size() < 2) return Status::Ok();
  std::string sample(lines.front());
  sample += '\n';
  for (std::size_t i = lines.size() > kDemoLeads + 1 ? lines.size() - kDemoLeads : 1;
       i < lines.size(); ++i) {
    sample.append(lines[i]);
    sample += '\n';
  }
  std::vector<leads::ScoreLogEntry> entries;
  const Timestamp now = SystemClock::Get().Now();
  SIGNX_RETURN_IF_ERROR(
      leads::ScoreLeadCsv(scorer, sample, nullptr, {}, {},
                          [&](const leads::Lead&, const leads::LeadScore& sc) {
                            entries.push_back(leads::ScoreLogEntryOf(org_id, sc, "demo-seed", now));
                          })
          .status());
  SIGNX_RETURN_IF_ERROR(platform.store->WithTxn(
      [&](storage::Txn& txn) { return leads::WriteLeadScores(txn, entries); }));
  std::fprintf(stderr, "scored %zu demo leads for the worklist\n", entries.size());
  return Status::Ok();
}

// Imports a seeded synthetic cost history into the demo org and trains, registers and promotes
// the cost model on it, unless the demo org has a cost model already. The model is promoted twice:
// as the demo org's own (its reference jobs are the org's imported records, so its
// similar_projects show them) and as the platform default (synthetic public data, so every other
// org can price before it has a model of its own; answers of the platform default never list
// similar jobs).
Status SeedEstimating(app::Platform& platform, const std::string& org_id) {
  ml::ModelRegistry registry(*platform.store, *platform.blobs, SystemClock::Get());
  SIGNX_ASSIGN_OR_RETURN(auto prod, registry.Production(ml::Owner::Org(org_id), "cost"));
  if (prod) {
    std::fprintf(stderr, "cost model %s is already in production\n", prod->version.c_str());
    return Status::Ok();
  }
  constexpr int64_t kProjects = 3000;
  std::fprintf(stderr, "generating and importing %lld past sign jobs (seed 42) ...\n",
               static_cast<long long>(kProjects));
  std::ostringstream history;
  SIGNX_RETURN_IF_ERROR(estimating::WriteHistory({.projects = kProjects, .seed = 42},
                                                 estimating::HistoryFormat::kNdjson, history));
  const std::string ndjson = history.str();
  SIGNX_ASSIGN_OR_RETURN(
      auto outcome,
      estimating::RunImport(*platform.store, nullptr, {.org_id = org_id, .actor = "demo"}, ndjson,
                            {.filename = "demo-history.ndjson"}));
  std::fprintf(stderr, "imported %lld cost records\n",
               static_cast<long long>(outcome.record.accepted));
  int64_t skipped = 0;
  SIGNX_ASSIGN_OR_RETURN(auto jobs, estimating::ParseHistoryNdjson(ndjson, &skipped));
  std::fprintf(stderr, "training the cost model ...\n");
  SIGNX_ASSIGN_OR_RETURN(
      auto bundle, estimating::TrainCostModel(std::move(jobs), {.data_name = "demo-history"}));
  metrics::Registry unused;
  estimating::CostService service(registry, unused);
  const std::string bundle_text = estimating::SerializeCostBundle(bundle);
  SIGNX_ASSIGN_OR_RETURN(auto version,
                         service.RegisterBundle(ml::Owner::Org(org_id), bundle_text, "demo"));
  SIGNX_RETURN_IF_ERROR(registry.Promote(ml::Owner::Org(org_id), "cost", version.version).status());
  SIGNX_ASSIGN_OR_RETURN(auto platform_prod, registry.Production(ml::Owner::Platform(), "cost"));
  if (!platform_prod) {
    SIGNX_RETURN_IF_ERROR(
        service.RegisterBundle(ml::Owner::Platform(), bundle_text, "demo").status());
    SIGNX_RETURN_IF_ERROR(
        registry.Promote(ml::Owner::Platform(), "cost", version.version).status());
  }
  std::fprintf(stderr, "cost model %s trained and promoted\n", version.version.c_str());
  return Status::Ok();
}

Status Seed(const config::Config& cfg, const std::string& leads_csv, const std::string& beir) {
  SIGNX_ASSIGN_OR_RETURN(auto platform, app::OpenPlatform(cfg, /*migrate=*/true));
  const auto env_path = std::filesystem::path(cfg.data_dir) / "demo.env";
  if (!std::filesystem::exists(env_path)) {
    cache::MemoryRateLimiter limiter(SystemClock::Get());
    identity::IdentitySettings settings;
    SIGNX_ASSIGN_OR_RETURN(std::string key, identity::RandomBytes(32));
    settings.jwt_keys = {{"demo", key}};
    settings.jwt_active_kid = "demo";
    identity::IdentityService ids(*platform.store, limiter, std::move(settings));
    const auto actor = identity::Actor::System("demo");
    SIGNX_ASSIGN_OR_RETURN(auto org, ids.CreateOrg("Demo Sign Co", actor));
    SIGNX_ASSIGN_OR_RETURN(std::string r1, identity::RandomBytes(9));
    SIGNX_ASSIGN_OR_RETURN(std::string r2, identity::RandomBytes(9));
    const std::string admin_pw = "demo-" + HexEncode(r1), viewer_pw = "demo-" + HexEncode(r2);
    SIGNX_RETURN_IF_ERROR(
        ids.CreateUser(org.id, "admin@demo.signx.test", admin_pw, "org_admin", actor).status());
    SIGNX_RETURN_IF_ERROR(
        ids.CreateUser(org.id, "viewer@demo.signx.test", viewer_pw, "org_viewer", actor).status());
    SIGNX_ASSIGN_OR_RETURN(
        auto api_key,
        ids.CreateApiKeyInOrg(org.id, "demo",
                              {"leads:score", "leads:read", "projects:read", "projects:write",
                               "estimates:predict", "quotes:write", "jobs:read", "events:read",
                               "documents:read", "documents:write", "operations:read",
                               "operations:write"},
                              std::nullopt, actor));
    std::ostringstream env;
    env << "# Written by `signx demo seed`. Load with: . " << env_path.string() << "\n"
        << "SIGNX_DEMO_ORG=" << org.id << "\n"
        << "SIGNX_DEMO_ADMIN_EMAIL=admin@demo.signx.test\n"
        << "SIGNX_DEMO_ADMIN_PASSWORD=" << admin_pw << "\n"
        << "SIGNX_DEMO_VIEWER_EMAIL=viewer@demo.signx.test\n"
        << "SIGNX_DEMO_VIEWER_PASSWORD=" << viewer_pw << "\n"
        << "SIGNX_DEMO_API_KEY=" << api_key.key << "\n";
    const auto tmp = env_path.string() + ".tmp";
    {
      std::ofstream out(tmp, std::ios::trunc);
      out << env.str();
      if (!out) return Internal("cannot write " + tmp);
    }
    ::chmod(tmp.c_str(), 0600);
    std::filesystem::rename(tmp, env_path);
  }
  SIGNX_RETURN_IF_ERROR(SeedLeadModel(platform, leads_csv));
  SIGNX_RETURN_IF_ERROR(SeedReranker(platform, beir));
  std::ifstream in(env_path);
  std::string org_id;
  for (std::string line; std::getline(in, line);) {
    if (line.rfind("SIGNX_DEMO_ORG=", 0) == 0) org_id = line.substr(15);
  }
  if (!org_id.empty()) {
    SIGNX_RETURN_IF_ERROR(SeedLeadScores(platform, org_id, leads_csv));
    SIGNX_RETURN_IF_ERROR(SeedEstimating(platform, org_id));
  }
  in.clear();
  in.seekg(0);
  std::stringstream text;
  text << in.rdbuf();
  std::printf("%s", text.str().c_str());
  return Status::Ok();
}

}  // namespace

void AddDemoSeedCommand(CLI::App& app, int* exit_code) {
  struct Flags {
    ConfigFlags config;
    std::string leads_csv = "../shared/data/leads/Leads.csv";
    std::string beir = "../shared/data/beir-scifact";
  };
  auto flags = std::make_shared<Flags>();
  CLI::App* demo = nullptr;
  for (CLI::App* sub : app.get_subcommands({})) {
    if (sub->get_name() == "demo") demo = sub;
  }
  if (!demo) demo = app.add_subcommand("demo", "demo data");
  auto* seed = demo->add_subcommand(
      "seed", "create a demo org, users, API key, lead model and search re-ranker (idempotent; prints "
      "credentials)");
  AddConfigFlags(seed, flags->config);
  seed->add_option("--leads-data", flags->leads_csv,
                   "X Education leads CSV for the demo lead model");
  seed->add_option("--beir-data", flags->beir,
                   "BEIR folder whose train split trains documents search's re-ranker");
  seed->callback([flags, exit_code] {
    auto cfg = LoadConfigAndLogging(flags->config, exit_code);
    if (!cfg) return;
    if (Status st = Seed(*cfg, flags->leads_csv, flags->beir); !st.ok()) *exit_code = PrintError(st);
  });
}

}  // namespace signx::cli
