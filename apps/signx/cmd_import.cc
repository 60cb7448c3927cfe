#include "cmd_import.h"

#include <boost/json.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <memory>
#include <sstream>
#include <string>

#include "app/platform.h"
#include "cli_common.h"
#include "estimating/importer.h"
#include "events/outbox.h"
#include "jobs/queue.h"
#include "http/json.h"

namespace signx::cli {
namespace {

struct ImportFlags {
  ConfigFlags config;
  std::string file;
  std::string org;
  std::string format;  // "" = detect
  std::string filename;
  bool partial = false;
  bool migrate = false;
};

int RunImportCostRecords(const ImportFlags& f) {
  int exit_code = 0;
  auto cfg = LoadConfigAndLogging(f.config, &exit_code);
  if (!cfg) return exit_code;
  std::string bytes;
  if (f.file == "-") {
    bytes.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    std::ifstream in(f.file, std::ios::binary);
    if (!in) return PrintError(InvalidArgument("cannot open " + f.file));
    std::ostringstream ss;
    ss << in.rdbuf();
    bytes = ss.str();
  }
  estimating::ImportOptions options;
  options.partial = f.partial;
  options.filename = !f.filename.empty() ? f.filename
                     : f.file == "-"     ? std::string("stdin")
                                         : std::filesystem::path(f.file).filename().string();
  if (!f.format.empty()) options.format = estimating::ParseImportFormat(f.format);

  auto platform = app::OpenPlatform(*cfg, f.migrate);
  if (!platform.ok()) return PrintError(platform.status());
  storage::Store& store = *platform->store;
  auto org = store.Query("SELECT 1 FROM orgs WHERE id = $1", {f.org});
  if (!org.ok()) return PrintError(org.status());
  if (org->rows.empty()) {
    return PrintError(NotFound("org " + f.org + " does not exist (see `signx admin`)"));
  }
  // The import.completed event goes to the outbox; a running server's dispatcher delivers it.
  events::Outbox outbox;
  // Actual costs start the learning loop's drift evaluation, run by the server's or a
  // `signx worker`'s job workers.
  jobs::Queue queue(store);
  options.drift_queue = &queue;
  auto out = estimating::RunImport(store, &outbox, {f.org, "cli"}, bytes, options);
  if (!out.ok()) return PrintError(out.status());
  boost::json::object report = estimating::ToJson(out->record);
  report["replayed"] = out->replayed;
  const std::string text = http::ToJsonText(report) + "\n";
  std::fwrite(text.data(), 1, text.size(), stdout);
  if (out->record.status == "rejected") {
    return PrintError(estimating::RejectedImportStatus(out->record));
  }
  std::fprintf(stderr, "signx: import %s %s: %lld accepted, %lld rejected of %lld rows%s\n",
               out->record.id.c_str(), out->record.status.c_str(),
               static_cast<long long>(out->record.accepted),
               static_cast<long long>(out->record.rejected),
               static_cast<long long>(out->record.total_rows),
               out->replayed ? " (this file was imported before; nothing new written)" : "");
  return 0;
}

}  // namespace

void AddImportCommands(CLI::App& app, int* exit_code) {
  auto* import = app.add_subcommand("import", "import data files");
  import->require_subcommand(1);
  auto flags = std::make_shared<ImportFlags>();
  auto* cost = import->add_subcommand(
      "cost-records",
      "import cost history (CSV, NDJSON or a KeyedIn cost-summary CSV) into an org");
  AddConfigFlags(cost, flags->config);
  cost->add_option("file", flags->file, "the file, or - for stdin")->required();
  cost->add_option("--org", flags->org, "the org to import into (org_...)")->required();
  cost->add_option("--format", flags->format, "csv, ndjson or keyedin-csv (default: detected)")
      ->check(CLI::IsMember({"csv", "ndjson", "keyedin-csv"}));
  cost->add_option("--filename", flags->filename, "name recorded with the import");
  cost->add_flag("--partial", flags->partial,
                 "import the valid rows even when some are rejected (default: all or nothing)");
  cost->add_flag("--migrate", flags->migrate, "apply pending database migrations first");
  cost->callback([flags, exit_code] { *exit_code = RunImportCostRecords(*flags); });
}

}  // namespace signx::cli
