// Peak memory of reading CSV, old path vs new (issue 19): each case runs in its own forked child,
// which builds its input, resets the peak to the current RSS, reads
// getrusage(RUSAGE_SELF).ru_maxrss (before), runs the case, reads
// it again (after) and prints both and the difference. Inputs: 4 MiB of commas, and a realistic
// lead CSV of 100,000 rows (the X Education export's 9,237 rows repeated with unique ids).
//
// The "old" cases are verbatim copies of the two libcsv wrappers this repository had before
// src/csv/ (src/leads/csv.cc ParseCsv and src/estimating/importer.cc ParseCsvRecords at 489aa81),
// kept here only to measure against. Not a test: no assertions, numbers go to bench/RESULTS.md.
//
// Usage: signx_csv_memory_bench [path/to/Leads.csv]
#include <csv.h>
#include <fmt/format.h>
#include <malloc.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/sha256.h"
#include "base/status.h"
#include "base/strings.h"
#include "csv/reader.h"
#include "leads/csv_scoring.h"
#include "leads/lead.h"
#include "leads/schema.h"
#include "leads/scorer.h"
#include "leads/training.h"

namespace old_path {

using signx::Internal;
using signx::InvalidArgument;
using signx::Result;
using signx::Status;

// ---- src/leads/csv.cc at 489aa81 ----

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;
};

struct ParseState {
  CsvTable* table = nullptr;
  std::vector<std::string> current;
  std::size_t record = 0;
  std::size_t max_rows = 0;
  bool done = false;
  Status error;
};

void OnField(void* s, std::size_t len, void* data) {
  auto* st = static_cast<ParseState*>(data);
  if (st->done) return;
  st->current.emplace_back(s ? static_cast<const char*>(s) : "", s ? len : 0);
}

void OnRecordEnd(int /*terminator*/, void* data) {
  auto* st = static_cast<ParseState*>(data);
  if (st->done) return;
  ++st->record;
  if (st->table->header.empty() && st->record == 1) {
    st->table->header = std::move(st->current);
  } else if (st->current.size() != st->table->header.size()) {
    st->error =
        InvalidArgument(fmt::format("CSV record {} has {} fields, the header has {}", st->record,
                                    st->current.size(), st->table->header.size()));
    st->done = true;
  } else {
    st->table->rows.push_back(std::move(st->current));
    if (st->max_rows && st->table->rows.size() >= st->max_rows) st->done = true;
  }
  st->current.clear();
}

Result<CsvTable> ParseCsv(std::string_view text, char delimiter = ',', std::size_t max_rows = 0) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) return Internal("csv_init failed");
  csv_set_delim(&parser, static_cast<unsigned char>(delimiter));
  CsvTable table;
  ParseState st;
  st.table = &table;
  st.max_rows = max_rows;
  const std::size_t parsed =
      csv_parse(&parser, text.data(), text.size(), OnField, OnRecordEnd, &st);
  Status status;
  if (parsed != text.size() && !st.done) {
    status = InvalidArgument(fmt::format("CSV parse error near record {}: {}", st.record + 1,
                                         csv_strerror(csv_error(&parser))));
  } else if (!st.done && csv_fini(&parser, OnField, OnRecordEnd, &st) != 0) {
    status = InvalidArgument(
        fmt::format("CSV parse error at end of input: {}", csv_strerror(csv_error(&parser))));
  }
  csv_free(&parser);
  if (!status.ok()) return status;
  if (!st.error.ok()) return st.error;
  if (table.header.empty()) return InvalidArgument("CSV input is empty");
  return table;
}

// ---- src/estimating/importer.cc at 489aa81 ----

constexpr int64_t kMaxImportRows = 200'000;

struct CsvState {
  std::vector<std::vector<std::string>> records;
  std::vector<std::string> current;
  bool too_many = false;
};

void OnImportField(void* s, std::size_t len, void* data) {
  auto* st = static_cast<CsvState*>(data);
  st->current.emplace_back(s ? static_cast<const char*>(s) : "", s ? len : 0);
}

void OnImportRecord(int, void* data) {
  auto* st = static_cast<CsvState*>(data);
  if (static_cast<int64_t>(st->records.size()) > kMaxImportRows) {
    st->too_many = true;
    st->current.clear();
    return;
  }
  st->records.push_back(std::move(st->current));
  st->current.clear();
}

Result<std::vector<std::vector<std::string>>> ParseCsvRecords(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  csv_parser p;
  if (csv_init(&p, 0) != 0) return Internal("csv_init failed");
  CsvState st;
  const std::size_t n = csv_parse(&p, text.data(), text.size(), OnImportField, OnImportRecord, &st);
  Status err;
  if (n != text.size()) {
    err = InvalidArgument(
        fmt::format("the file is not valid CSV: {} near byte {}", csv_strerror(csv_error(&p)), n));
  } else if (csv_fini(&p, OnImportField, OnImportRecord, &st) != 0) {
    err =
        InvalidArgument(fmt::format("the file is not valid CSV: {}", csv_strerror(csv_error(&p))));
  }
  csv_free(&p);
  if (!err.ok()) return err;
  if (st.too_many) {
    return InvalidArgument(fmt::format("the file has more than {} rows", kMaxImportRows));
  }
  return std::move(st.records);
}

// ---- src/leads/csv_scoring.cc ScoreLeadCsv (and its helpers) at 489aa81 ----

using namespace signx::leads;  // NOLINT: the copy is verbatim
using signx::ErrorCode;
using signx::FieldError;
using signx::Trim;

constexpr std::size_t kChunkRows = 500;

bool UsedForScoring(const FieldSpec& f) {
  return f.role == FieldRole::kId || f.role == FieldRole::kFeature;
}

std::string ColumnOf(const FieldSpec& f) { return f.column.empty() ? f.name : f.column; }

// Column of each schema field in `header` (by CSV column name, else by field name), or -1.
std::vector<int> ColumnsOf(const Schema& schema, const std::vector<std::string>& header) {
  std::vector<int> out(schema.fields.size(), -1);
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const FieldSpec& f = schema.fields[i];
    const std::string column = ColumnOf(f);
    for (std::size_t c = 0; c < header.size(); ++c) {
      const std::string_view h = Trim(header[c]);
      if (h == column || h == f.name) {
        out[i] = static_cast<int>(c);
        break;
      }
    }
  }
  return out;
}

void AddProblem(std::vector<CsvProblem>& problems, std::size_t max, CsvProblem p) {
  if (problems.size() < max) problems.push_back(std::move(p));
}

// A cell a spreadsheet would evaluate as a formula gets a leading apostrophe.
std::string SafeCell(std::string_view cell) {
  if (cell.empty()) return std::string(cell);
  const char c = cell[0];
  bool formula = c == '=' || c == '+' || c == '@' || c == '\t' || c == '\r';
  if (c == '-') {
    formula = cell.size() == 1
                  ? false
                  : !(std::isdigit(static_cast<unsigned char>(cell[1])) || cell[1] == '.');
  }
  return formula ? "'" + std::string(cell) : std::string(cell);
}

void AppendCsvCell(std::string& out, std::string_view raw) {
  const std::string cell = SafeCell(raw);
  const bool quote = cell.find_first_of(",\"\r\n;\t|") != std::string::npos;
  if (!quote) {
    out += cell;
    return;
  }
  out.push_back('"');
  for (char ch : cell) {
    if (ch == '"') out.push_back('"');
    out.push_back(ch);
  }
  out.push_back('"');
}

void AppendCsvRow(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out.push_back(',');
    AppendCsvCell(out, cells[i]);
  }
  out += "\r\n";
}

std::string_view StripBom(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return text;
}

Result<std::string> ScoreLeadCsv(
    const Scorer& scorer, std::string_view text, CsvScoreSummary* summary,
    const std::function<bool(int)>& progress, const CsvUploadLimits& limits,
    const std::function<void(const Lead&, const LeadScore&)>& on_scored) {
  const Schema& schema = scorer.bundle().schema;
  text = StripBom(text);
  SIGNX_ASSIGN_OR_RETURN(CsvTable table, ParseCsv(text, signx::csv::DetectDelimiter(text)));
  const std::vector<int> columns = ColumnsOf(schema, table.header);
  CsvScoreSummary s;
  s.model_version = scorer.bundle().model_version;
  s.rows = static_cast<int64_t>(table.rows.size());

  std::string out;
  out.reserve(text.size() + table.rows.size() * 24);
  {
    std::vector<std::string> header = table.header;
    for (const char* extra : {"score", "tier", "bucket", "error"}) header.emplace_back(extra);
    AppendCsvRow(out, header);
  }

  const std::size_t n = table.rows.size();
  for (std::size_t start = 0; start < n; start += kChunkRows) {
    const std::size_t end = std::min(n, start + kChunkRows);
    std::vector<Lead> leads;
    std::vector<std::size_t> lead_row;  // row index of each lead
    std::vector<std::string> errors(end - start);
    for (std::size_t r = start; r < end; ++r) {
      const auto& row = table.rows[r];
      auto lead = LeadFromCsvRow(schema, columns, row);
      std::vector<FieldError> bad;
      if (!lead.ok()) bad = lead.status().details();
      if (bad.empty() && !lead.ok()) bad.push_back({"", std::string(lead.status().message())});
      // Required fields must have a value, as in the API.
      for (std::size_t i = 0; i < schema.fields.size(); ++i) {
        const FieldSpec& f = schema.fields[i];
        if (!UsedForScoring(f) || !f.required || columns[i] < 0) continue;
        if (schema.IsMissing(i, Trim(row[static_cast<std::size_t>(columns[i])]))) {
          bad.push_back({f.name, "is required"});
        }
      }
      if (!bad.empty()) {
        std::string message;
        for (const auto& e : bad) {
          if (!message.empty()) message += "; ";
          message += e.field.empty() ? e.message : e.field + ": " + e.message;
          AddProblem(s.problems, limits.max_problems, {r + 1, e.field, e.message});
        }
        errors[r - start] = std::move(message);
        ++s.invalid;
        continue;
      }
      leads.push_back(std::move(lead).value());
      lead_row.push_back(r);
    }
    std::vector<LeadScore> scores;
    if (!leads.empty()) {
      SIGNX_ASSIGN_OR_RETURN(scores, scorer.Score(leads, {.explain = false, .max_reasons = 0}));
    }
    std::size_t next = 0;
    for (std::size_t r = start; r < end; ++r) {
      std::vector<std::string> cells = table.rows[r];
      if (next < lead_row.size() && lead_row[next] == r) {
        const LeadScore& sc = scores[next++];
        cells.push_back(fmt::format("{:.4f}", sc.score));
        cells.emplace_back(1, sc.tier);
        cells.push_back(std::to_string(sc.bucket));
        cells.emplace_back();
        ++s.scored;
        ++s.tiers[static_cast<std::size_t>(std::clamp(sc.tier - 'A', 0, 4))];
        if (on_scored) on_scored(leads[next - 1], sc);
      } else {
        cells.insert(cells.end(), {"", "", "", errors[r - start]});
      }
      AppendCsvRow(out, cells);
    }
    if (progress) {
      const int percent = static_cast<int>(end * 100 / std::max<std::size_t>(n, 1));
      if (!progress(std::min(percent, 99))) {
        return Status(ErrorCode::kCancelled, "scoring the CSV was cancelled");
      }
    }
  }
  if (summary) *summary = std::move(s);
  return out;
}

}  // namespace old_path

namespace {

using signx::Result;
namespace csv = signx::csv;

long MaxRssKb() {
  rusage u{};
  getrusage(RUSAGE_SELF, &u);
  return u.ru_maxrss;
}

// Returns freed heap to the kernel and resets the peak to the current RSS (Linux: "5" to
// /proc/self/clear_refs), so that building the input leaves no slack under the peak that a case
// could use unseen.
void ResetPeak() {
  malloc_trim(0);
  if (FILE* f = std::fopen("/proc/self/clear_refs", "w")) {
    std::fputs("5", f);
    std::fclose(f);
  }
}

std::string Commas() { return std::string(std::size_t{4} << 20, ','); }

// Leads.csv's data rows repeated until there are 100,000, each copy's Prospect ID suffixed
// "-<copy>" so that ids stay unique. Reserved up front: building the input raises no peak of its
// own beyond its final size.
std::string Leads100k(const std::string& path) {
  auto text = csv::ReadFile(path);
  if (!text.ok()) {
    std::fprintf(stderr, "%s\n", std::string(text.status().message()).c_str());
    std::exit(2);
  }
  std::string_view all = csv::StripBom(*text);
  const std::size_t eol = all.find('\n');
  const std::string_view header = all.substr(0, eol + 1);
  std::vector<std::string_view> lines;
  for (std::size_t pos = eol + 1; pos < all.size();) {
    std::size_t end = all.find('\n', pos);
    if (end == std::string_view::npos) end = all.size() - 1;
    lines.push_back(all.substr(pos, end + 1 - pos));
    pos = end + 1;
  }
  std::string out;
  out.reserve(header.size() + (all.size() / lines.size() + 8) * 100'000 + (1 << 20));
  out += header;
  for (std::size_t i = 0; i < 100'000; ++i) {
    const std::string_view line = lines[i % lines.size()];
    const std::size_t comma = line.find(',');  // the Prospect ID is the first column (unquoted)
    out += line.substr(0, comma);
    out += fmt::format("-{}", i / lines.size());
    out += line.substr(comma);
    if (!line.ends_with('\n')) out += '\n';  // the export's last line has no line end
  }
  return out;
}

struct Outcome {
  std::string result;
};

std::string Describe(const signx::Status& status) {
  std::string m(status.message());
  if (m.size() > 70) m = m.substr(0, 67) + "...";
  return "error: " + m;
}

// Runs `run` on `make()`'s input in a child process and prints one line.
void Case(const char* name, const char* input_name, const std::function<std::string()>& make,
          const std::function<std::string(const std::string&)>& run) {
  std::fflush(stdout);
  const pid_t pid = fork();
  if (pid == 0) {
    const std::string input = make();
    ResetPeak();
    const long before = MaxRssKb();
    const std::string result = run(input);
    const long after = MaxRssKb();
    std::printf("%-34s %-14s %9.1f %9.1f %9.1f %9.1f %8.1fx  %s\n", name, input_name,
                static_cast<double>(input.size()) / (1 << 20), before / 1024.0, after / 1024.0,
                (after - before) / 1024.0,
                static_cast<double>(after - before) * 1024 / static_cast<double>(input.size()),
                result.c_str());
    std::fflush(stdout);
    _exit(0);
  }
  int status = 0;
  waitpid(pid, &status, 0);
}

template <typename T>
std::string RowsOr(const Result<T>& r, std::size_t rows) {
  return r.ok() ? fmt::format("ok, {} rows", rows) : Describe(r.status());
}

// Streams every record, keeping none (the pass CheckLeadCsv, ScoreLeadCsv and the import make).
std::string Stream(const std::string& input, const csv::ReaderOptions& options) {
  csv::Reader reader(input, options);
  std::vector<std::string> rec;
  std::size_t n = 0;
  while (true) {
    auto more = reader.Next(&rec);
    if (!more.ok()) return Describe(more.status());
    if (!*more) break;
    ++n;
  }
  return fmt::format("ok, {} records", n);
}

}  // namespace

int main(int argc, char** argv) {
  const std::string leads_path =
      argc > 1 ? argv[1] : std::string(SIGNX_SOURCE_DIR) + "/../shared/data/leads/Leads.csv";
  auto commas = [] { return Commas(); };
  auto leads = [&] { return Leads100k(leads_path); };
  const csv::ReaderOptions import_options{
      .strict = false, .equal_width = false, .limits = {.max_records = 200'002}};
  const signx::leads::Schema schema = *signx::leads::BuiltinSchema("x_education");
  const signx::leads::CsvUploadLimits upload{.max_bytes = int64_t{64} << 20, .max_rows = 100'000};

  // A model for the scoring cases, trained on the export itself (one configuration, no grid).
  auto training = csv::ReadTable(*csv::ReadFile(leads_path));
  if (!training.ok()) {
    std::fprintf(stderr, "%s\n", std::string(training.status().message()).c_str());
    return 2;
  }
  signx::leads::TrainOptions train_options;
  train_options.compare_leaky = false;
  train_options.grid_max_depth = {};
  train_options.grid_eta = {};
  train_options.nthread = 2;
  auto trained = signx::leads::TrainLeadModel(*training, schema, train_options);
  if (!trained.ok()) {
    std::fprintf(stderr, "%s\n", std::string(trained.status().message()).c_str());
    return 2;
  }
  training = csv::Table{};
  const signx::leads::Scorer scorer = *signx::leads::Scorer::Create(trained->bundle);
  auto scored = [](const Result<std::string>& out, const signx::leads::CsvScoreSummary& s) {
    if (!out.ok()) return Describe(out.status());
    return fmt::format("ok, {} scored, output {:.1f} MB sha256 {}", s.scored,
                       static_cast<double>(out->size()) / (1 << 20),
                       signx::Sha256Hex(*out).substr(0, 12));
  };

  std::printf(
      "# csv_memory_bench: peak RSS (getrusage ru_maxrss) per case, each in a fresh child\n");
  std::printf("%-34s %-14s %9s %9s %9s %9s %9s  %s\n", "case", "input", "input MB", "before MB",
              "after MB", "delta MB", "delta/in", "result");
  for (const auto& [input_name, make] :
       std::vector<std::pair<const char*, std::function<std::string()>>>{{"4MiB-commas", commas},
                                                                         {"leads-100k", leads}}) {
    Case("old leads::ParseCsv (table)", input_name, make, [](const std::string& in) {
      auto t = old_path::ParseCsv(in);
      return RowsOr(t, t.ok() ? t->rows.size() : 0);
    });
    Case("old importer ParseCsvRecords", input_name, make, [](const std::string& in) {
      auto r = old_path::ParseCsvRecords(in);
      return RowsOr(r, r.ok() ? r->size() - 1 : 0);
    });
    Case("new csv::Reader stream (strict)", input_name, make,
         [](const std::string& in) { return Stream(in, {}); });
    Case("new csv::Reader stream (import)", input_name, make,
         [&](const std::string& in) { return Stream(in, import_options); });
    Case("new csv::ReadTable (table)", input_name, make, [](const std::string& in) {
      auto t = csv::ReadTable(in);
      return RowsOr(t, t.ok() ? t->rows.size() : 0);
    });
    Case("new leads::CheckLeadCsv", input_name, make, [&](const std::string& in) {
      const auto check = signx::leads::CheckLeadCsv(schema, in, upload);
      if (!check.ok()) return "problem: " + check.problems[0].message.substr(0, 60);
      return fmt::format("ok, {} rows", check.rows);
    });
    Case("old leads::ScoreLeadCsv", input_name, make, [&](const std::string& in) {
      signx::leads::CsvScoreSummary s;
      auto out = old_path::ScoreLeadCsv(scorer, in, &s, {}, upload, {});
      return scored(out, s);
    });
    Case("new leads::ScoreLeadCsv", input_name, make, [&](const std::string& in) {
      signx::leads::CsvScoreSummary s;
      auto out = signx::leads::ScoreLeadCsv(scorer, in, &s, {}, upload, {});
      return scored(out, s);
    });
  }
  // The largest upload the import accepts (64 MiB), new path only: the old one would need ~4 GiB.
  auto commas64 = [] { return std::string(std::size_t{64} << 20, ','); };
  Case("new csv::Reader stream (import)", "64MiB-commas", commas64,
       [&](const std::string& in) { return Stream(in, import_options); });
  return 0;
}
