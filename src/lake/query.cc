#include "lake/query.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <filesystem>
#include <set>
#include <system_error>

#include "base/strings.h"
#include "csv/writer.h"

namespace signx::lake {
namespace fs = std::filesystem;
namespace {

constexpr size_t kMaxCellBytes = 80;

bool IsDatasetName(std::string_view s) {
  if (s.empty() || s.size() > 63 || !(s.front() >= 'a' && s.front() <= 'z')) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_';
  });
}

bool HasParquet(const fs::path& dir) {
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec),
       end;
       !ec && it != end; it.increment(ec)) {
    if (it->path().extension() == ".parquet" && it->is_regular_file(ec)) return true;
  }
  return false;
}

std::string ParquetGlob(const fs::path& root, std::string_view dataset) {
  return (root / std::string(dataset)).string() + "/**/*.parquet";
}

bool IsNumericType(std::string_view t) {
  static const std::set<std::string_view> kNumeric = {
      "TINYINT", "SMALLINT", "INTEGER",  "BIGINT", "UTINYINT", "USMALLINT", "UINTEGER",
      "UBIGINT", "HUGEINT",  "UHUGEINT", "FLOAT",  "DOUBLE",   "DECIMAL"};
  return kNumeric.contains(t);
}

// Cuts `s` to at most kMaxCellBytes bytes without splitting a UTF-8 sequence.
std::string Cut(const std::string& s) {
  if (s.size() <= kMaxCellBytes) return s;
  return std::string(Utf8Prefix(s, kMaxCellBytes - 3)) + "...";
}

// Display width: UTF-8 code points (continuation bytes do not count).
size_t Width(std::string_view s) {
  return static_cast<size_t>(std::count_if(
      s.begin(), s.end(), [](char c) { return (static_cast<unsigned char>(c) & 0xC0) != 0x80; }));
}

// True if `s` is exactly one JSON number (RFC 8259 grammar).
bool IsJsonNumber(std::string_view s) {
  size_t i = 0;
  auto digits = [&] {
    const size_t from = i;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') ++i;
    return i > from;
  };
  if (i < s.size() && s[i] == '-') ++i;
  if (i < s.size() && s[i] == '0') {
    ++i;
  } else if (!digits()) {
    return false;
  }
  if (i < s.size() && s[i] == '.') {
    ++i;
    if (!digits()) return false;
  }
  if (i < s.size() && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < s.size() && (s[i] == '+' || s[i] == '-')) ++i;
    if (!digits()) return false;
  }
  return i == s.size();
}

}  // namespace

std::string LakeRoot(std::string_view data_dir) {
  return (fs::path(std::string(data_dir)) / "lake").string();
}

std::vector<std::string> ListDatasets(std::string_view data_dir) {
  std::vector<std::string> out;
  const fs::path root = LakeRoot(data_dir);
  std::error_code ec;
  for (fs::directory_iterator it(root, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (it->is_directory(ec) && IsDatasetName(name) && HasParquet(it->path())) out.push_back(name);
  }
  std::sort(out.begin(), out.end());
  return out;
}

Result<duck::Rows> QueryLake(std::string_view data_dir, const std::string& sql,
                             const QueryOptions& options) {
  std::error_code ec;
  const fs::path root = fs::absolute(LakeRoot(data_dir), ec);
  if (ec) return InvalidArgument("lake: bad data directory " + std::string(data_dir));

  std::vector<std::pair<std::string, std::string>> settings;
  if (options.threads > 0) settings.emplace_back("threads", std::to_string(options.threads));
  SIGNX_ASSIGN_OR_RETURN(duck::Database db, duck::Database::Open("", settings));
  SIGNX_ASSIGN_OR_RETURN(duck::Connection conn, duck::Connection::Open(db));

  std::set<std::string> on_disk;
  for (auto& name : ListDatasets(data_dir)) on_disk.insert(std::move(name));
  std::string ddl;
  for (const auto& name : on_disk) {
    ddl += fmt::format(
        "CREATE VIEW {} AS SELECT * EXCLUDE (year, month), year, month FROM read_parquet({}, "
        "hive_partitioning = true, "
        "hive_types = {{'year': BIGINT, 'month': BIGINT}}, union_by_name = true);\n",
        duck::QuoteIdent(name), duck::QuoteString(ParquetGlob(root, name)));
  }
  for (const auto& schema : options.declared) {
    if (on_disk.contains(schema.name) || !ValidateSchema(schema).ok()) continue;
    std::string cols;
    for (const auto& c : schema.columns) {
      cols += fmt::format("CAST(NULL AS {}) AS {}, ", SqlType(c.type), duck::QuoteIdent(c.name));
    }
    ddl += fmt::format(
        "CREATE VIEW {} AS SELECT {}CAST(NULL AS BIGINT) AS year, CAST(NULL AS BIGINT) AS month "
        "WHERE false;\n",
        duck::QuoteIdent(schema.name), cols);
    on_disk.insert(schema.name);
  }
  // From here on the SQL may read and write only inside the lake, and may not change settings.
  ddl += "SET TimeZone = 'UTC';\n";
  ddl += fmt::format("SET allowed_directories = [{}];\n", duck::QuoteString(root.string() + "/"));
  ddl += "SET enable_external_access = false;\nSET lock_configuration = true;\n";
  if (auto st = conn.Execute(ddl); !st.ok()) return st.WithContext("lake: preparing views");
  return conn.Query(sql, options.max_rows);
}

std::string FormatTable(const duck::Rows& rows) {
  const size_t n = rows.columns.size();
  std::vector<size_t> width(n, 0);
  std::vector<std::vector<std::string>> cells;
  cells.reserve(rows.rows.size());
  for (size_t c = 0; c < n; ++c) width[c] = Width(rows.columns[c]);
  for (const auto& r : rows.rows) {
    auto& line = cells.emplace_back();
    for (size_t c = 0; c < n && c < r.size(); ++c) {
      line.push_back(r[c] ? Cut(*r[c]) : std::string("NULL"));
      width[c] = std::max(width[c], Width(line.back()));
    }
  }
  auto emit = [&](std::string& out, size_t c, const std::string& text, bool right) {
    const size_t pad = width[c] - Width(text);
    if (c > 0) out += " | ";
    if (right) out.append(pad, ' ');
    out += text;
    if (!right && c + 1 < n) out.append(pad, ' ');
  };
  std::string out;
  for (size_t c = 0; c < n; ++c) emit(out, c, rows.columns[c], IsNumericType(rows.types[c]));
  out += '\n';
  for (size_t c = 0; c < n; ++c) {
    if (c > 0) out += "-+-";
    out.append(width[c], '-');
  }
  out += '\n';
  for (const auto& line : cells) {
    for (size_t c = 0; c < line.size(); ++c) emit(out, c, line[c], IsNumericType(rows.types[c]));
    out += '\n';
  }
  out += fmt::format("({} row{}{})\n", rows.rows.size(), rows.rows.size() == 1 ? "" : "s",
                     rows.truncated ? ", truncated" : "");
  return out;
}

std::string FormatJson(const duck::Rows& rows) {
  // Built by hand so numbers keep DuckDB's exact text (no re-formatting through a double).
  std::string out = "[";
  for (size_t r = 0; r < rows.rows.size(); ++r) {
    const auto& row = rows.rows[r];
    out += r == 0 ? "{" : ",{";
    for (size_t c = 0; c < rows.columns.size() && c < row.size(); ++c) {
      if (c > 0) out += ',';
      out += boost::json::serialize(boost::json::string(rows.columns[c]));
      out += ':';
      if (!row[c]) {
        out += "null";
        continue;
      }
      const std::string& text = *row[c];
      const std::string& type = rows.types[c];
      if (type == "BOOLEAN") {
        out += text == "true" ? "true" : "false";
      } else if (IsNumericType(type) && IsJsonNumber(text)) {
        out += text;
      } else {
        out += boost::json::serialize(boost::json::string(text));  // inf, nan, other types
      }
    }
    out += '}';
  }
  out += "]\n";
  return out;
}

std::string FormatCsv(const duck::Rows& rows) {
  std::string out;
  for (size_t c = 0; c < rows.columns.size(); ++c) {
    if (c > 0) out += ',';
    csv::AppendField(out, rows.columns[c]);
  }
  out += "\r\n";
  for (const auto& r : rows.rows) {
    for (size_t c = 0; c < r.size(); ++c) {
      if (c > 0) out += ',';
      if (r[c]) csv::AppendField(out, *r[c]);
    }
    out += "\r\n";
  }
  return out;
}

}  // namespace signx::lake
