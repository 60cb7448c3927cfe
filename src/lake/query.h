// Read side of the analytics lake: DuckDB SQL over the Parquet files under <data_dir>/lake/, and
// the text renderings (table, JSON, CSV) that `signx lake query` prints.
//
// Every dataset is a view named after it:
//   read_parquet('<data_dir>/lake/<dataset>/**/*.parquet', hive_partitioning=true,
//                hive_types={'year': BIGINT, 'month': BIGINT}, union_by_name=true)
// so rows carry the partition columns `year` and `month` (integers) and files written before a
// column was added read that column as NULL. Datasets are found on disk (every folder under lake/
// whose name is a valid dataset name and that holds at least one .parquet file); datasets declared
// by the caller but still without files become empty views with their declared columns.
//
// The SQL is trusted operator input (CLI, admin tooling), never end-user input: it runs in a
// private in-memory DuckDB whose file access is limited to the lake folder, with extension
// installation off. Thread-safety: free functions, safe to call concurrently.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "lake/duck.h"
#include "lake/schema.h"

namespace signx::lake {

struct QueryOptions {
  size_t max_rows = 100'000;            // rows converted to text; the rest set `truncated`
  std::vector<DatasetSchema> declared;  // datasets that get a view even without files
  int threads = 0;                      // DuckDB worker threads; 0 = DuckDB's default (cores)
};

// "<data_dir>/lake"
std::string LakeRoot(std::string_view data_dir);

// Names of the datasets present on disk (sorted).
std::vector<std::string> ListDatasets(std::string_view data_dir);

// Runs `sql` (one or more statements; the last one's rows are returned) with a view per dataset.
// A SQL error is kInvalidArgument with DuckDB's message.
Result<duck::Rows> QueryLake(std::string_view data_dir, const std::string& sql,
                             const QueryOptions& options = {});

// Renderings. Table: aligned columns with a header rule and a "(N rows)" footer, NULL shown as
// "NULL", long cells cut at 80 bytes. JSON: an array of objects (numbers and booleans unquoted,
// NULL as null), one line. CSV: RFC 4180 with a header line, NULL as an empty field.
std::string FormatTable(const duck::Rows& rows);
std::string FormatJson(const duck::Rows& rows);
std::string FormatCsv(const duck::Rows& rows);

}  // namespace signx::lake
