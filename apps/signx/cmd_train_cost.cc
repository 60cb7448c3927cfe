#include "cmd_train_cost.h"
#include "base/sha256.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cstdio>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>

#include "app/platform.h"
#include "base/clock.h"
#include "cli_common.h"
#include "estimating/cost_model.h"
#include "estimating/predict_service.h"
#include "metrics/metrics.h"
#include "ml/registry.h"

namespace signx {
namespace {

struct TrainCostFlags {
  cli::ConfigFlags config;
  std::string data;
  std::string out;
  std::uint64_t seed = 42;
  int threads = 2;
  bool reg = false;
  bool promote = false;
  bool print_card = false;
  std::string org;  // owner of the registered version; "" = the platform default
};

Status RunTrainCost(const TrainCostFlags& f) {
  std::ifstream in(f.data, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot read '{}'", f.data));
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  int64_t skipped = 0;
  SIGNX_ASSIGN_OR_RETURN(std::vector<estimating::HistoryJob> jobs,
                         estimating::ParseHistoryNdjson(text, &skipped));
  estimating::CostTrainOptions o;
  o.seed = f.seed;
  o.nthread = f.threads;
  o.data_name = f.data;
  o.data_sha256 = Sha256Hex(text);
  std::fprintf(stderr, "training on %zu jobs (%lld rows skipped)\n", jobs.size(),
               static_cast<long long>(skipped));
  SIGNX_ASSIGN_OR_RETURN(estimating::CostBundle bundle,
                         estimating::TrainCostModel(std::move(jobs), o));
  const std::string out =
      f.out.empty() ? fmt::format("var/models/cost-{}.json", bundle.model_version.substr(5))
                    : f.out;
  SIGNX_RETURN_IF_ERROR(estimating::SaveCostBundleFile(bundle, out));
  if (f.print_card) {
    std::printf("%s\n", boost::json::serialize(bundle.card).c_str());
  } else {
    std::fputs(estimating::CostCardSummary(bundle.card).c_str(), stdout);
  }
  std::printf("wrote %s\n", out.c_str());
  if (!f.reg && !f.promote) return Status::Ok();

  int exit_code = 0;
  auto cfg = cli::LoadConfigAndLogging(f.config, &exit_code);
  if (!cfg) return FailedPrecondition("cannot load the configuration");
  SIGNX_ASSIGN_OR_RETURN(app::Platform platform, app::OpenPlatform(*cfg, /*migrate=*/false));
  ml::ModelRegistry registry(*platform.store, *platform.blobs, SystemClock::Get());
  metrics::Registry unused_metrics;
  estimating::CostService service(registry, unused_metrics);
  const ml::Owner owner = f.org.empty() ? ml::Owner::Platform() : ml::Owner::Org(f.org);
  SIGNX_ASSIGN_OR_RETURN(
      ml::ModelVersion version,
      service.RegisterBundle(owner, estimating::SerializeCostBundle(bundle), "cli"));
  std::printf("registered %s for %s (%s)\n", version.version.c_str(), owner.Label().c_str(),
              version.state.c_str());
  if (f.promote) {
    SIGNX_ASSIGN_OR_RETURN(
        version, registry.Promote(owner, std::string(estimating::kCostModelName), version.version));
    std::printf("promoted %s to production for %s\n", version.version.c_str(),
                owner.Label().c_str());
  }
  return Status::Ok();
}

}  // namespace

void AddTrainCostCommand(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<TrainCostFlags>();
  CLI::App* train = cli::FindOrAddGroup(app, "train", "train models");
  CLI::App* cmd = train->add_subcommand(
      "cost", "train the cost model from a cost history (NDJSON from `signx demo generate`)");
  cli::AddConfigFlags(cmd, flags->config);
  cmd->add_option("--data", flags->data, "NDJSON cost history, one record per line")
      ->required()
      ->check(CLI::ExistingFile);
  cmd->add_option("--seed", flags->seed, "seed for XGBoost (42)");
  cmd->add_option("--out", flags->out, "bundle file (default var/models/cost-<version hash>.json)");
  cmd->add_option("--threads", flags->threads, "XGBoost training threads (2)")
      ->check(CLI::Range(1, 64));
  cmd->add_flag("--register", flags->reg,
                "store the bundle in the model registry as \"cost\" (staging)");
  cmd->add_flag("--promote", flags->promote, "register and make it the production cost model");
  cmd->add_option("--org", flags->org,
                  "register/promote as this org's own cost model (default: the platform default, "
                  "which prices every org without a model of its own; train it only on data "
                  "every org may see, e.g. `signx demo generate`)");
  cmd->add_flag("--print-card", flags->print_card, "print the whole model card (JSON)");
  cmd->callback([flags, exit_code] {
    if (Status st = RunTrainCost(*flags); !st.ok()) *exit_code = cli::PrintError(st);
  });
}

}  // namespace signx
