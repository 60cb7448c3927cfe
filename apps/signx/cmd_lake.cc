#include "cmd_lake.h"

#include <cstdio>
#include <memory>
#include <string>

#include "cli_common.h"
#include "lake/query.h"

namespace signx::cli {

void AddLakeCommands(CLI::App& app, int* exit_code) {
  auto flags = std::make_shared<ConfigFlags>();
  auto* lake =
      app.add_subcommand("lake", "query the analytics lake (Parquet under <data_dir>/lake)");
  lake->require_subcommand(1);
  AddConfigFlags(lake, *flags);
  // One value per --set, so `--set k=v "<SQL>"` leaves the SQL to the positional argument.
  lake->get_option("--set")->allow_extra_args(false);

  struct QueryArgs {
    std::string sql;
    std::string format = "table";
    size_t max_rows = 10'000;
  };
  auto args = std::make_shared<QueryArgs>();
  auto* query = lake->add_subcommand(
      "query", "run DuckDB SQL; each dataset is a view named after it (with year, month columns)");
  query->fallthrough();  // --config/--set may follow the subcommand
  query
      ->add_option("sql", args->sql,
                   "the SQL, e.g. \"SELECT tier, count(*) FROM lead_scores "
                   "GROUP BY tier\"")
      ->required();
  query->add_option("--format", args->format, "table, json or csv")
      ->check(CLI::IsMember({"table", "json", "csv"}));
  query->add_option("--max-rows", args->max_rows, "print at most this many rows")
      ->check(CLI::Range(size_t{1}, size_t{100'000'000}));
  query->callback([flags, args, exit_code] {
    auto cfg = LoadConfigAndLogging(*flags, exit_code);
    if (!cfg) return;
    auto rows = lake::QueryLake(cfg->data_dir, args->sql, {.max_rows = args->max_rows});
    if (!rows.ok()) {
      *exit_code = PrintError(rows.status());
      return;
    }
    const std::string out = args->format == "json"  ? lake::FormatJson(*rows)
                            : args->format == "csv" ? lake::FormatCsv(*rows)
                                                    : lake::FormatTable(*rows);
    std::fwrite(out.data(), 1, out.size(), stdout);
    if (rows->truncated && args->format != "table") {
      std::fprintf(stderr, "signx: output cut at %zu rows (--max-rows)\n", args->max_rows);
    }
  });

  auto* datasets = lake->add_subcommand("datasets", "list the datasets that have files");
  datasets->fallthrough();
  datasets->callback([flags, exit_code] {
    auto cfg = LoadConfigAndLogging(*flags, exit_code);
    if (!cfg) return;
    for (const auto& name : lake::ListDatasets(cfg->data_dir)) std::printf("%s\n", name.c_str());
  });
}

}  // namespace signx::cli
