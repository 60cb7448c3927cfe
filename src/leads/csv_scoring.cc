#include "leads/csv_scoring.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cmath>
#include <span>
#include <utility>

#include "base/strings.h"
#include "blobs/blob_registry.h"
#include "csv/reader.h"
#include "csv/writer.h"
#include "http/json.h"
#include "leads/bundle.h"
#include "leads/lead.h"
#include "leads/score_log.h"
#include "leads/service.h"
#include "ml/registry.h"

namespace signx::leads {

namespace json = boost::json;

namespace {

constexpr std::size_t kChunkRows = 500;
constexpr std::string_view kCsvContentType = "text/csv; charset=utf-8";

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

// The result file: RFC 4180, CRLF; also quoted on ; tab and | so that a reader guessing the
// delimiter cannot split a cell.
constexpr csv::WriterOptions kOutputCsv{.also_quote = ";\t|"};

void AppendCsvRow(std::string& out, const std::vector<std::string>& cells) {
  for (std::size_t i = 0; i < cells.size(); ++i) {
    if (i > 0) out.push_back(kOutputCsv.delimiter);
    csv::AppendField(out, SafeCell(cells[i]), kOutputCsv);
  }
  out += kOutputCsv.line_end;
}

json::array ProblemsJson(const std::vector<CsvProblem>& problems) {
  json::array out;
  for (const auto& p : problems) {
    out.push_back(json::object{{"row", p.row}, {"field", p.field}, {"message", p.message}});
  }
  return out;
}

const json::value* Find(const json::object& o, std::string_view key) { return o.if_contains(key); }

std::string StringAt(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

int64_t IntAt(const json::object& o, std::string_view key) {
  const json::value* v = Find(o, key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  return 0;
}

}  // namespace

CsvCheck CheckLeadCsv(const Schema& schema, std::string_view text, const CsvUploadLimits& limits) {
  CsvCheck check;
  auto fail = [&](std::string field, std::string message) {
    check.problems.push_back({0, std::move(field), std::move(message)});
    return check;
  };
  if (static_cast<int64_t>(text.size()) > limits.max_bytes) {
    return fail("", fmt::format("the file is {} bytes; the limit is {} bytes ({} MB)", text.size(),
                                limits.max_bytes, limits.max_bytes / (1024 * 1024)));
  }
  if (Trim(text).empty()) return fail("", "the file is empty");
  if (!IsValidUtf8(text)) {
    return fail("", "the file is not UTF-8 text (save it as “CSV UTF-8” and upload it again)");
  }
  text = csv::StripBom(text);
  check.delimiter = csv::DetectDelimiter(text);
  // One pass that keeps only the header: syntax, field counts and limits are checked on every
  // record up to max_rows + 1 data rows (enough to know the file is too long).
  csv::Reader reader(
      text, {.delimiter = check.delimiter, .limits = {.max_records = limits.max_rows + 2}});
  std::vector<std::string> header;
  {
    // The reader names the 1-based record (the header is record 1).
    auto has_header = reader.Next(&header);
    if (!has_header.ok()) return fail("", std::string(has_header.status().message()));
    if (!*has_header) return fail("", "CSV input is empty");
    std::vector<std::string> row;
    while (check.rows <= limits.max_rows) {
      auto more = reader.Next(&row);
      if (!more.ok()) return fail("", std::string(more.status().message()));
      if (!*more) break;
      ++check.rows;
    }
  }
  const std::vector<int> columns = ColumnsOf(schema, header);
  int features_present = 0;
  std::vector<std::string> missing_required;
  for (std::size_t i = 0; i < schema.fields.size(); ++i) {
    const FieldSpec& f = schema.fields[i];
    if (!ReadWhenScoring(f)) continue;
    if (columns[i] >= 0) {
      features_present += f.role == FieldRole::kFeature ? 1 : 0;
      continue;
    }
    if (f.required) {
      check.problems.push_back(
          {0, f.name, fmt::format("the header row has no “{}” column (required)", ColumnOf(f))});
    } else if (f.role == FieldRole::kFeature && !f.leaky) {
      check.missing_columns.push_back(ColumnOf(f));
    }
  }
  if (features_present == 0) {
    check.problems.push_back(
        {0, "",
         fmt::format("the header row matches none of the columns of schema {} (is the "
                     "first row the header?)",
                     schema.name)});
  }
  for (std::size_t c = 0; c < header.size(); ++c) {
    if (std::find(columns.begin(), columns.end(), static_cast<int>(c)) == columns.end()) {
      check.ignored_columns.emplace_back(Trim(header[c]));
    }
  }
  if (check.rows == 0) check.problems.push_back({0, "", "the file has a header row but no leads"});
  if (check.rows > limits.max_rows) {
    check.problems.push_back(
        {0, "", fmt::format("the file has more than {} rows; split it", limits.max_rows)});
  }
  return check;
}

Result<std::string> ScoreLeadCsv(
    const Scorer& scorer, std::string_view text, CsvScoreSummary* summary,
    const std::function<bool(int)>& progress, const CsvUploadLimits& limits,
    const std::function<void(const Lead&, const LeadScore&)>& on_scored) {
  const Schema& schema = scorer.bundle().schema;
  text = csv::StripBom(text);
  const csv::ReaderOptions read_options{.delimiter = csv::DetectDelimiter(text)};
  // First pass, keeping nothing: a malformed file fails before any row is scored (nothing
  // reaches on_scored), and the row count makes progress a share of the rows.
  std::size_t n = 0;
  std::vector<std::string> header;
  {
    csv::Reader counter(text, read_options);
    SIGNX_ASSIGN_OR_RETURN(const bool has_header, counter.Next(&header));
    if (!has_header) return InvalidArgument("CSV input is empty");
    std::vector<std::string> row;
    while (true) {
      SIGNX_ASSIGN_OR_RETURN(const bool more, counter.Next(&row));
      if (!more) break;
      ++n;
    }
  }
  // Second pass: kChunkRows rows in memory at a time.
  csv::Reader reader(text, read_options);
  SIGNX_RETURN_IF_ERROR(reader.Next(&header).status());
  const std::vector<int> columns = ColumnsOf(schema, header);
  CsvScoreSummary s;
  s.model_version = scorer.bundle().model_version;
  s.rows = static_cast<int64_t>(n);

  std::string out;
  out.reserve(text.size() + n * 24);
  for (const char* extra : {"score", "tier", "bucket", "error"}) header.emplace_back(extra);
  AppendCsvRow(out, header);

  std::vector<std::vector<std::string>> chunk;
  for (std::size_t start = 0; start < n; start += kChunkRows) {
    const std::size_t end = std::min(n, start + kChunkRows);
    chunk.resize(end - start);
    for (auto& row : chunk) {
      SIGNX_ASSIGN_OR_RETURN(const bool more, reader.Next(&row));
      if (!more) return Internal("the CSV input changed between two passes");
    }
    std::vector<Lead> leads;
    std::vector<std::size_t> lead_row;  // row index of each lead
    std::vector<std::string> errors(end - start);
    for (std::size_t r = start; r < end; ++r) {
      const auto& row = chunk[r - start];
      auto lead = LeadFromCsvRow(schema, columns, row);
      std::vector<FieldError> bad;
      if (!lead.ok()) bad = lead.status().details();
      if (bad.empty() && !lead.ok()) bad.push_back({"", std::string(lead.status().message())});
      // Required fields must have a value, as in the API.
      for (std::size_t i = 0; i < schema.fields.size(); ++i) {
        const FieldSpec& f = schema.fields[i];
        if (!ReadWhenScoring(f) || !f.required || columns[i] < 0) continue;
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
      std::vector<std::string>& cells = chunk[r - start];
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

std::string CsvJobPayloadJson(const CsvJobPayload& p) {
  return json::serialize(json::object{{"input_sha256", p.input_sha256},
                                      {"filename", p.filename},
                                      {"model_version", p.model_version},
                                      {"uploaded_by", p.uploaded_by}});
}

Result<CsvJobPayload> ParseCsvJobPayload(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return InvalidArgument("leads.score_csv payload: not a JSON object");
  const auto& o = v.get_object();
  CsvJobPayload p{StringAt(o, "input_sha256"), StringAt(o, "filename"),
                  StringAt(o, "model_version"), StringAt(o, "uploaded_by")};
  if (p.input_sha256.empty() || p.model_version.empty()) {
    return InvalidArgument("leads.score_csv payload: input_sha256 and model_version are required");
  }
  return p;
}

std::string CsvJobResultJson(const CsvJobResult& r) {
  const auto& s = r.summary;
  json::object tiers;
  for (std::size_t t = 0; t < 5; ++t)
    tiers[std::string(1, static_cast<char>('A' + t))] = s.tiers[t];
  return json::serialize(json::object{{"output_sha256", r.output_sha256},
                                      {"output_bytes", r.output_bytes},
                                      {"filename", r.filename},
                                      {"model_version", s.model_version},
                                      {"rows", s.rows},
                                      {"scored", s.scored},
                                      {"invalid", s.invalid},
                                      {"tiers", std::move(tiers)},
                                      {"problems", ProblemsJson(s.problems)}});
}

Result<CsvJobResult> ParseCsvJobResult(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return InvalidArgument("leads.score_csv result: not a JSON object");
  const auto& o = v.get_object();
  CsvJobResult r;
  r.output_sha256 = StringAt(o, "output_sha256");
  r.output_bytes = IntAt(o, "output_bytes");
  r.filename = StringAt(o, "filename");
  r.summary.model_version = StringAt(o, "model_version");
  r.summary.rows = IntAt(o, "rows");
  r.summary.scored = IntAt(o, "scored");
  r.summary.invalid = IntAt(o, "invalid");
  if (const auto* t = Find(o, "tiers"); t && t->is_object()) {
    for (std::size_t i = 0; i < 5; ++i) {
      r.summary.tiers[i] = IntAt(t->get_object(), std::string(1, static_cast<char>('A' + i)));
    }
  }
  if (const auto* p = Find(o, "problems"); p && p->is_array()) {
    for (const auto& e : p->get_array()) {
      if (!e.is_object()) continue;
      r.summary.problems.push_back({static_cast<std::size_t>(IntAt(e.get_object(), "row")),
                                    StringAt(e.get_object(), "field"),
                                    StringAt(e.get_object(), "message")});
    }
  }
  if (r.output_sha256.empty()) return InvalidArgument("leads.score_csv result: no output_sha256");
  return r;
}

std::string ScoredFileName(std::string_view uploaded) {
  std::string base(uploaded);
  if (auto slash = base.find_last_of("/\\"); slash != std::string::npos) base.erase(0, slash + 1);
  if (base.size() > 4) {
    std::string ext = base.substr(base.size() - 4);
    std::transform(ext.begin(), ext.end(), ext.begin(),
                   [](unsigned char c) { return std::tolower(c); });
    if (ext == ".csv") base.resize(base.size() - 4);
  }
  std::string safe;
  for (unsigned char c : base) {
    safe.push_back(std::isalnum(c) || c == '-' || c == '_' || c == '.' ? static_cast<char>(c)
                                                                       : '_');
  }
  if (safe.size() > 80) safe.resize(80);
  if (safe.empty() || safe.find_first_not_of("._") == std::string::npos) safe = "leads";
  return safe + "-scored.csv";
}

Result<std::shared_ptr<const Scorer>> ScorerCache::Get(const std::string& org_id,
                                                       const std::string& version) {
  // Keyed by org too: a version another org's job loaded is not this org's to use.
  const std::string key = org_id + "\n" + version;
  {
    std::lock_guard lock(mu_);
    for (const auto& [k, s] : loaded_) {
      if (k == key) return s;
    }
  }
  // The org's own version of that id, else the platform's: never another org's.
  ml::ModelRegistry registry(store_, blobs_, SystemClock::Get());
  std::optional<ml::ModelVersion> mv;
  if (!org_id.empty()) {
    auto own = registry.Get(ml::Owner::Org(org_id), std::string(kModelName), version);
    if (own.ok()) {
      mv = std::move(own).value();
    } else if (own.status().code() != ErrorCode::kNotFound) {
      return own.status();
    }
  }
  if (!mv) {
    SIGNX_ASSIGN_OR_RETURN(mv,
                           registry.Get(ml::Owner::Platform(), std::string(kModelName), version));
  }
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, registry.ReadBytes(*mv));
  SIGNX_ASSIGN_OR_RETURN(ModelBundle bundle, ParseBundle(bytes));
  SIGNX_ASSIGN_OR_RETURN(Scorer scorer, Scorer::Create(std::move(bundle)));
  auto shared = std::make_shared<const Scorer>(std::move(scorer));
  std::lock_guard lock(mu_);
  loaded_.emplace_back(key, shared);
  if (loaded_.size() > 2) loaded_.erase(loaded_.begin());
  return shared;
}

namespace {
constexpr std::size_t kScoreRowsPerTxn = 2000;  // lead_scores rows per transaction
}  // namespace

Result<CsvJobResult> RunLeadCsvJob(storage::Store& store, const blobs::BlobStore& blobs,
                                   ScorerCache& scorers, std::string_view payload_json,
                                   const std::function<bool(int)>& progress,
                                   const CsvJobTargets& targets) {
  SIGNX_ASSIGN_OR_RETURN(CsvJobPayload payload, ParseCsvJobPayload(payload_json));
  SIGNX_ASSIGN_OR_RETURN(std::string input, blobs.Read(payload.input_sha256));
  SIGNX_ASSIGN_OR_RETURN(std::shared_ptr<const Scorer> scorer,
                         scorers.Get(targets.org_id.value_or(""), payload.model_version));
  CsvJobResult result;
  std::vector<ScoreLogEntry> scored;
  const Timestamp now = SystemClock::Get().Now();
  const Schema& schema = scorer->bundle().schema;
  // The job's lake rows go to a batch keyed by the job id: they reach the lake only when the batch
  // commits, and a retry's batch replaces the earlier attempt's rows (each row once).
  std::unique_ptr<lake::LakeWriter::Batch> lake_batch;
  Status lake_status;
  if (targets.lake) {
    SIGNX_ASSIGN_OR_RETURN(lake_batch, targets.lake->OpenBatch("lead_scores", targets.job_id));
  }
  auto on_scored = [&](const Lead& lead, const LeadScore& sc) {
    const json::object lead_json = LeadToJson(schema, lead);
    if (lake_batch && lake_status.ok()) {
      lake_status = lake_batch->Append(
          LeadScoreLakeRow(now, targets.job_id, sc, http::ToJsonText(lead_json)));
    }
    if (targets.org_id && !targets.org_id->empty() && !sc.lead_id.empty()) {
      scored.push_back(ScoreLogEntryOf(*targets.org_id, sc, targets.job_id, now,
                                       DisplayValues(schema, lead_json)));
    }
  };
  SIGNX_ASSIGN_OR_RETURN(std::string output,
                         ScoreLeadCsv(*scorer, input, &result.summary, progress, {}, on_scored));
  // Durable (synced) before the job can succeed: a succeeded job never runs again.
  if (lake_batch) {
    SIGNX_RETURN_IF_ERROR(lake_status);
    SIGNX_RETURN_IF_ERROR(lake_batch->Commit());
  }
  SIGNX_ASSIGN_OR_RETURN(blobs::PutResult put, blobs.Put(output));
  // Registered without a reference: uploads and results are kept for the blobs.gc grace period
  // (24 h) after the job, then collected. A re-run stores the same bytes (same hash).
  blobs::BlobRegistry registry(blobs, SystemClock::Get());
  SIGNX_RETURN_IF_ERROR(store.WithTxn(
      [&](storage::Txn& txn) { return registry.Register(txn, put.info, kCsvContentType); }));
  // The scores in transactions of kScoreRowsPerTxn rows, so a 100,000-row file does not hold the
  // database's write lock for long; the upsert is idempotent, and the job ends (and its result
  // is visible) only once every chunk is written — a failure retries the job.
  for (std::size_t start = 0; start < scored.size(); start += kScoreRowsPerTxn) {
    const std::size_t n = std::min(kScoreRowsPerTxn, scored.size() - start);
    SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) {
      return WriteLeadScores(txn, std::span<const ScoreLogEntry>(scored).subspan(start, n));
    }));
  }
  result.output_sha256 = put.info.sha256;
  result.output_bytes = put.info.size_bytes;
  result.filename = ScoredFileName(payload.filename);
  if (progress) (void)progress(100);
  return result;
}

}  // namespace signx::leads
