#include "estimating/importer.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <map>
#include <set>

#include "base/id.h"
#include "base/sha256.h"
#include "base/strings.h"
#include "csv/reader.h"
#include "estimating/learning.h"
#include "events/event_types.h"
#include "http/json.h"
#include "project/status.h"
#include "storage/migrations.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;

// ---- CSV (csv::Reader: libcsv, RFC 4180, one record at a time) ----

// Lenient as the import always was (a stray quote is kept, ragged rows are reported per row);
// the record count is left to NextDataRow, which names the import's row limit.
csv::ReaderOptions ImportCsvOptions() {
  return {.strict = false,
          .equal_width = false,
          .limits = {.max_records = static_cast<std::size_t>(kMaxImportRows) + 2}};
}

// Data row i (1-based) into `*rec`: `first` (already read) for i = 1, then the next record of
// `reader`. False at the end; InvalidArgument past kMaxImportRows rows.
Result<bool> NextDataRow(csv::Reader& reader, std::vector<std::string>& first, std::size_t i,
                         std::vector<std::string>* rec) {
  if (i == 1) {
    *rec = std::move(first);
    return true;
  }
  SIGNX_ASSIGN_OR_RETURN(const bool more, reader.Next(rec));
  if (more && static_cast<int64_t>(i) > kMaxImportRows) {
    return InvalidArgument(fmt::format("the file has more than {} rows", kMaxImportRows));
  }
  return more;
}

// ---- rows ----

struct ParsedRow {
  int64_t row = 0;  // 1-based data row (CSV) or line (NDJSON)
  std::optional<std::string> external_id;
  std::optional<CostRecordData> data;
  std::string project_ref;  // external project id; "" = one per record
  std::string project_name;
  std::optional<std::string> customer;
  std::optional<std::string> location;
  std::optional<std::string> status;
  std::vector<FieldError> errors;
};

std::optional<std::string> StrField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_string() || v->as_string().empty()) return std::nullopt;
  return std::string(std::string_view(v->as_string()).substr(0, 500));
}

void FillProject(ParsedRow& r, const json::object& o) {
  r.project_ref = StrField(o, "project_id").value_or("");
  r.project_name = StrField(o, "project_name").value_or("");
  r.customer = StrField(o, "customer_name");
  if (!r.customer) r.customer = StrField(o, "customer");
  r.location = StrField(o, "location");
  r.status = StrField(o, "status");
  // Files written before migration 0016 carry in_progress / completed.
  if (r.status) {
    if (auto now = project::FromLegacyStatus(*r.status)) r.status = std::string(*now);
  }
  if (r.status && !project::IsStatus(*r.status)) {
    r.errors.push_back({"status", project::StatusRule()});
  }
}

void ParseRecordObject(ParsedRow& r, const json::object& o) {
  FillProject(r, o);
  auto data = ParseCostRecordJson(o, "", /*lenient=*/true);
  if (!data.ok()) {
    for (const auto& e : data.status().details()) r.errors.push_back(e);
  } else {
    r.external_id = data->external_id;
    r.data = std::move(*data);
  }
  if (!r.external_id) r.external_id = StrField(o, "id");
}

std::vector<ParsedRow> ParseNdjson(std::string_view text, Status& error) {
  std::vector<ParsedRow> rows;
  int64_t line_no = 0;
  std::size_t pos = 0;
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    if (static_cast<int64_t>(rows.size()) >= kMaxImportRows) {
      error = InvalidArgument(fmt::format("the file has more than {} rows", kMaxImportRows));
      return {};
    }
    ParsedRow r;
    r.row = line_no;
    boost::system::error_code ec;
    json::parse_options po;
    po.max_depth = 16;
    json::value v = json::parse(line, ec, {}, po);
    if (ec || !v.is_object()) {
      r.errors.push_back({"", ec ? fmt::format("not valid JSON: {}", ec.message())
                                 : std::string("must be a JSON object")});
    } else {
      ParseRecordObject(r, v.as_object());
    }
    rows.push_back(std::move(r));
  }
  return rows;
}

// CSV column → JSON value by the key's driver type; money columns as integers.
json::value CellValue(std::string_view key, const std::string& cell) {
  static const std::set<std::string, std::less<>> kIntKeys = {
      "total_cost_cents",    "labor_cost_cents", "material_cost_cents", "equipment_cost_cents",
      "overhead_cost_cents", "tax_cents",        "shipping_cents",      "quoted_price_cents",
      "contingency_bp",      "markup_bp"};
  if (kIntKeys.contains(key)) {
    if (auto n = ParseInt(cell)) return json::value(static_cast<int64_t>(*n));
    return json::value(cell);
  }
  if (key == "labor_hours") {
    if (auto d = ParseDouble(cell)) return json::value(*d);
    return json::value(cell);
  }
  if (key == "change_order") {
    if (auto b = ParseBool(cell)) return json::value(*b);
    return json::value(cell);
  }
  if (auto t = DriverKeyType(key)) {
    if (*t == DriverType::kNumber) {
      if (auto d = ParseDouble(cell)) return json::value(*d);
    } else if (*t == DriverType::kBool) {
      if (auto b = ParseBool(cell)) return json::value(*b);
    }
  }
  return json::value(cell);
}

Result<std::vector<ParsedRow>> ParseFlatCsv(const std::vector<std::string>& header,
                                            std::vector<std::string>& first, csv::Reader& reader,
                                            std::vector<std::string>& ignored) {
  static const std::set<std::string, std::less<>> kTop = {"id",
                                                          "external_id",
                                                          "project_id",
                                                          "project_name",
                                                          "customer_name",
                                                          "customer",
                                                          "location",
                                                          "status",
                                                          "project_date",
                                                          "cost_date",
                                                          "notes",
                                                          "total_cost_cents",
                                                          "labor_cost_cents",
                                                          "material_cost_cents",
                                                          "equipment_cost_cents",
                                                          "overhead_cost_cents",
                                                          "tax_cents",
                                                          "shipping_cents",
                                                          "labor_hours",
                                                          "quoted_price_cents",
                                                          "contingency_bp",
                                                          "markup_bp",
                                                          "change_order"};
  static const std::set<std::string, std::less<>> kSkip = {"year", "generator_version"};
  std::vector<ParsedRow> rows;
  enum class Dest { kTop, kEstimate, kDriver, kSkip };
  std::vector<std::pair<Dest, std::string>> cols;
  for (const auto& raw : header) {
    const std::string h(Trim(raw));
    if (kTop.contains(h)) {
      cols.emplace_back(Dest::kTop, h);
    } else if (h.starts_with("est_") && kTop.contains(h.substr(4))) {
      cols.emplace_back(Dest::kEstimate, h.substr(4));
    } else if (DriverKeyType(h) && h != "year") {
      cols.emplace_back(Dest::kDriver, h);
    } else {
      if (!kSkip.contains(h)) ignored.push_back(h);
      cols.emplace_back(Dest::kSkip, h);
    }
  }
  std::vector<std::string> rec;
  for (std::size_t i = 1;; ++i) {
    SIGNX_ASSIGN_OR_RETURN(const bool more, NextDataRow(reader, first, i, &rec));
    if (!more) break;
    ParsedRow r;
    r.row = static_cast<int64_t>(i);
    if (rec.size() != header.size()) {
      r.errors.push_back(
          {"", fmt::format("has {} fields, the header has {}", rec.size(), header.size())});
      rows.push_back(std::move(r));
      continue;
    }
    json::object top, estimate, drivers;
    for (std::size_t c = 0; c < rec.size(); ++c) {
      if (rec[c].empty()) continue;
      const auto& [dest, key] = cols[c];
      switch (dest) {
        case Dest::kTop:
          top[key] = CellValue(key, rec[c]);
          break;
        case Dest::kEstimate:
          estimate[key] = CellValue(key, rec[c]);
          break;
        case Dest::kDriver:
          drivers[key] = CellValue(key, rec[c]);
          break;
        case Dest::kSkip:
          break;
      }
    }
    top["drivers"] = std::move(drivers);
    if (!estimate.empty()) top["estimate"] = std::move(estimate);
    ParseRecordObject(r, top);
    rows.push_back(std::move(r));
  }
  return rows;
}

// KeyedIn money: "1234.56", "-12.00", "$1,234.56", "(12.00)" → cents.
std::optional<int64_t> Money(std::string_view s) {
  std::string t;
  bool neg = false;
  for (char c : Trim(s)) {
    if (c == '$' || c == ',') continue;
    if (c == '(' || c == ')') {
      neg = true;
      continue;
    }
    t += c;
  }
  if (t.empty()) return int64_t{0};
  if (t[0] == '-') {
    neg = !neg;
    t.erase(0, 1);
  }
  const std::size_t dot = t.find('.');
  const std::string whole = t.substr(0, dot);
  std::string frac = dot == std::string::npos ? "" : t.substr(dot + 1);
  if (frac.size() > 2) return std::nullopt;
  while (frac.size() < 2) frac += '0';
  auto w = ParseInt(whole.empty() ? "0" : whole);
  auto f = ParseInt(frac);
  if (!w || !f || *w < 0 || *w > (int64_t{1} << 40)) return std::nullopt;
  const int64_t cents = *w * 100 + *f;
  return neg ? -cents : cents;
}

Result<std::vector<ParsedRow>> ParseKeyedIn(const std::vector<std::string>& header,
                                            std::vector<std::string>& first, csv::Reader& reader) {
  std::vector<ParsedRow> rows;
  std::map<std::string, int, std::less<>> col;
  for (std::size_t c = 0; c < header.size(); ++c) col[std::string(Trim(header[c]))] = c;
  for (const char* required : {"Work Order", "Cost Type", "Est Cost", "Job Cost"}) {
    if (!col.contains(required)) {
      return InvalidArgument(
          fmt::format("not a KeyedIn cost summary: the header has no \"{}\" column", required));
    }
  }
  auto cell = [&](const std::vector<std::string>& rec, std::string_view name) -> std::string {
    auto it = col.find(name);
    if (it == col.end() || it->second >= static_cast<int>(rec.size())) return "";
    return std::string(Trim(rec[it->second]));
  };
  // One record per Record Id (else Work Order), in first-seen order.
  std::map<std::string, std::size_t> index;
  std::vector<std::string> rec;
  for (std::size_t i = 1;; ++i) {
    SIGNX_ASSIGN_OR_RETURN(const bool more, NextDataRow(reader, first, i, &rec));
    if (!more) break;
    std::string key = cell(rec, "Record Id");
    if (key.empty()) key = cell(rec, "Work Order");
    auto [it, inserted] = index.emplace(key, rows.size());
    if (inserted) {
      ParsedRow r;
      r.row = static_cast<int64_t>(i);
      r.external_id = key.empty() ? std::nullopt : std::optional<std::string>(key);
      r.project_ref = cell(rec, "Work Order");
      r.project_name = r.project_ref.empty() ? "KeyedIn import" : "Work order " + r.project_ref;
      r.data = CostRecordData{};
      r.data->external_id = r.external_id;
      r.data->actual = CostTotals{0, 0, 0, 0, 0, 0, 0, 0.0};
      r.data->estimate.total_cost_cents = 0;
      r.data->estimate.labor_hours = 0.0;
      if (key.empty()) r.errors.push_back({"Work Order", "is required"});
      rows.push_back(std::move(r));
    }
    ParsedRow& r = rows[it->second];
    const std::string lp = fmt::format("lines[{}].", r.data ? r.data->lines.size() : 0);
    if (rec.size() != header.size()) {
      r.errors.push_back({fmt::format("row {}", i), fmt::format("has {} fields, the header has {}",
                                                                rec.size(), header.size())});
      continue;
    }
    json::object line{
        {"work_order", cell(rec, "Work Order")},   {"cost_type", cell(rec, "Cost Type")},
        {"work_dept", cell(rec, "Work Dept")},     {"work_code", cell(rec, "Work Code")},
        {"item", cell(rec, "Emp/Part/Item")},      {"um", cell(rec, "U/M")},
        {"description", cell(rec, "Description")}, {"category", cell(rec, "Inv Type")}};
    if (auto d = cell(rec, "Date"); !d.empty()) line["date"] = d;
    if (auto s = ParseInt(cell(rec, "Seq"))) line["seq"] = static_cast<int64_t>(*s);
    for (auto [name, key] : {std::pair{"Est Hrs", "est_hrs"}, std::pair{"Act Hrs", "act_hrs"},
                             std::pair{"Est Qty", "est_qty"}, std::pair{"Act Qty", "act_qty"}}) {
      const std::string v = cell(rec, name);
      if (v.empty()) continue;
      if (auto d = ParseDouble(v)) {
        line[key] = *d;
      } else {
        r.errors.push_back({lp + key, fmt::format("\"{}\" is not a number", v)});
      }
    }
    for (auto [name, key] :
         {std::pair{"Est Cost", "est_cost_cents"}, std::pair{"Act Lab", "act_lab_cents"},
          std::pair{"Act Bur", "act_bur_cents"}, std::pair{"Act Mat", "act_mat_cents"},
          std::pair{"Act Out", "act_out_cents"}, std::pair{"Use Tax", "use_tax_cents"},
          std::pair{"Job Cost", "job_cost_cents"}}) {
      const std::string v = cell(rec, name);
      if (auto m = Money(v)) {
        line[key] = *m;
      } else {
        r.errors.push_back({lp + key, fmt::format("\"{}\" is not an amount", v)});
      }
    }
    auto parsed = ParseCostLineJson(line, lp);
    if (!parsed.ok()) {
      for (const auto& e : parsed.status().details()) r.errors.push_back(e);
      continue;
    }
    if (!r.data) continue;
    if (r.data->lines.size() >= 1000) {
      r.errors.push_back({"lines", "more than 1000 lines for one record"});
      continue;
    }
    const CostLine& l = *parsed;
    auto& a = r.data->actual;
    *a.labor_cost_cents += l.act_lab_cents;
    *a.overhead_cost_cents += l.act_bur_cents;
    *a.material_cost_cents += l.act_mat_cents + l.act_out_cents;
    *a.tax_cents += l.use_tax_cents;
    *a.total_cost_cents += l.job_cost_cents;
    if (l.cost_type == "Labor") {
      *a.labor_hours += l.act_hrs;
      *r.data->estimate.labor_hours += l.est_hrs;
    }
    *r.data->estimate.total_cost_cents += l.est_cost_cents;
    if (r.data->cost_date.value_or("") < l.date) r.data->cost_date = l.date;
    r.data->lines.push_back(l);
  }
  for (auto& r : rows) {
    if (!r.data) continue;
    if (*r.data->actual.total_cost_cents < 0) {
      r.errors.push_back({"Job Cost", "the record's job cost sums to a negative amount"});
    }
    if (*r.data->estimate.total_cost_cents < 0) {
      r.errors.push_back({"Est Cost", "the record's estimate sums to a negative amount"});
    }
  }
  return rows;
}

json::array ErrorsJson(const std::vector<FieldError>& errors) {
  json::array out;
  for (const auto& e : errors) out.push_back({{"field", e.field}, {"message", e.message}});
  return out;
}

}  // namespace

std::string_view Name(ImportFormat f) {
  switch (f) {
    case ImportFormat::kCsv:
      return "csv";
    case ImportFormat::kNdjson:
      return "ndjson";
    case ImportFormat::kKeyedInCsv:
      return "keyedin-csv";
  }
  return "csv";
}

std::optional<ImportFormat> ParseImportFormat(std::string_view name) {
  if (name == "csv") return ImportFormat::kCsv;
  if (name == "ndjson" || name == "json" || name == "jsonl") return ImportFormat::kNdjson;
  if (name == "keyedin-csv" || name == "keyedin") return ImportFormat::kKeyedInCsv;
  return std::nullopt;
}

ImportFormat DetectImportFormat(std::string_view bytes) {
  if (bytes.starts_with("\xEF\xBB\xBF")) bytes.remove_prefix(3);
  const std::string_view t = Trim(bytes.substr(0, 256));
  if (t.starts_with("{")) return ImportFormat::kNdjson;
  if (t.starts_with("Work Order,") || t.starts_with("\"Work Order\",")) {
    return ImportFormat::kKeyedInCsv;
  }
  return ImportFormat::kCsv;
}

Status RejectedImportStatus(const ImportRecord& record) {
  std::vector<FieldError> details;
  boost::system::error_code ec;
  auto report = json::parse(record.report_json, ec);
  if (!ec && report.is_object()) {
    if (const auto* rej = report.as_object().if_contains("rejected_rows"); rej && rej->is_array()) {
      for (const auto& r : rej->as_array()) {
        if (details.size() >= 50) break;
        const auto& o = r.as_object();
        const int64_t row = o.at("row").to_number<int64_t>();
        for (const auto& e : o.at("errors").as_array()) {
          const std::string f(e.as_object().at("field").as_string());
          details.push_back({fmt::format("rows[{}]{}{}", row, f.empty() ? "" : ".", f),
                             std::string(e.as_object().at("message").as_string())});
        }
      }
    }
  }
  return ValidationFailed(
      std::move(details),
      fmt::format("import {} rejected: {} of {} rows failed validation and nothing was imported "
                  "(fix them, or retry with partial=true to import the valid rows); the full "
                  "report is at GET /v1/imports/{}",
                  record.id, record.rejected, record.total_rows, record.id));
}

Result<ImportOutcome> RunImport(storage::Store& store, events::Outbox* outbox, const Scope& scope,
                                std::string_view bytes, const ImportOptions& options,
                                const Clock& clock) {
  if (static_cast<int64_t>(bytes.size()) > kMaxImportBytes) {
    return Status(ErrorCode::kPayloadTooLarge,
                  fmt::format("the file is larger than {} bytes", kMaxImportBytes));
  }
  if (Trim(bytes).empty()) return InvalidArgument("the file is empty");
  const ImportFormat format = options.format.value_or(DetectImportFormat(bytes));
  const std::string sha256 = Sha256Hex(bytes);

  std::vector<ParsedRow> rows;
  std::vector<std::string> ignored_columns;
  Status parse_error;
  if (format == ImportFormat::kNdjson) {
    rows = ParseNdjson(bytes, parse_error);
  } else {
    // Streamed: the records become rows as they are read, never a table of the whole file.
    csv::Reader reader(bytes, ImportCsvOptions());
    std::vector<std::string> header, first;
    SIGNX_ASSIGN_OR_RETURN(const bool has_header, reader.Next(&header));
    SIGNX_ASSIGN_OR_RETURN(const bool has_rows,
                           has_header ? reader.Next(&first) : Result<bool>(false));
    if (!has_rows) return InvalidArgument("the CSV file has a header but no rows");
    SIGNX_ASSIGN_OR_RETURN(rows, format == ImportFormat::kCsv
                                     ? ParseFlatCsv(header, first, reader, ignored_columns)
                                     : ParseKeyedIn(header, first, reader));
  }
  SIGNX_RETURN_IF_ERROR(parse_error);
  if (rows.empty()) return InvalidArgument("the file has no rows");

  bool replayed = false;
  auto txn_result = store.WithTxnResult<ImportRecord>([&](storage::Txn& txn)
                                                          -> Result<ImportRecord> {
    replayed = false;
    Repository repo(txn, scope, clock);
    if (options.idempotency_key) {
      SIGNX_ASSIGN_OR_RETURN(auto earlier,
                             repo.FindImportByIdempotencyKey(*options.idempotency_key));
      if (earlier) {
        replayed = true;
        return std::move(*earlier);
      }
    }
    SIGNX_ASSIGN_OR_RETURN(auto same, repo.FindReplayableImport(sha256, options.partial));
    if (same) {
      replayed = true;
      return std::move(*same);
    }
    // Duplicate external ids: in the org already, or twice in this file.
    // (Per attempt: the transaction may be retried, so the parsed rows stay untouched.)
    std::vector<std::vector<FieldError>> errors(rows.size());
    std::set<std::string, std::less<>> seen;
    int64_t valid = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const ParsedRow& r = rows[i];
      errors[i] = r.errors;
      if (errors[i].empty() && r.external_id) {
        if (!seen.insert(*r.external_id).second) {
          errors[i].push_back(
              {"id", fmt::format("{} appears earlier in this file", *r.external_id)});
        } else {
          SIGNX_ASSIGN_OR_RETURN(bool exists, repo.CostRecordExternalIdExists(*r.external_id));
          if (exists) {
            errors[i].push_back({"id", fmt::format("a cost record with id {} was already "
                                                   "imported",
                                                   *r.external_id)});
          }
        }
      }
      if (errors[i].empty()) ++valid;
    }
    const int64_t total = static_cast<int64_t>(rows.size());
    const bool write = options.partial || valid == total;

    ImportRecord rec;
    rec.id = NewId("imp", clock);
    rec.org_id = scope.org_id;
    rec.filename = options.filename.substr(0, 255);
    rec.format = std::string(Name(format));
    rec.sha256 = sha256;
    rec.size_bytes = static_cast<int64_t>(bytes.size());
    rec.partial = options.partial;
    rec.idempotency_key = options.idempotency_key;
    rec.created_by = scope.actor;
    rec.created_at = clock.Now();
    rec.total_rows = total;

    json::array accepted_rows, rejected_rows;
    std::map<std::string, std::string> projects;  // external ref → project id
    int64_t accepted = 0, with_actual = 0;
    for (std::size_t i = 0; i < rows.size(); ++i) {
      const ParsedRow& r = rows[i];
      if (!errors[i].empty()) {
        if (rejected_rows.size() < kMaxReportEntries) {
          rejected_rows.push_back(
              {{"row", r.row},
               {"external_id", r.external_id ? json::value(*r.external_id) : json::value(nullptr)},
               {"errors", ErrorsJson(errors[i])}});
        }
        continue;
      }
      if (!write) continue;
      std::string project_id;
      if (!r.project_ref.empty()) {
        auto it = projects.find(r.project_ref);
        if (it != projects.end()) {
          project_id = it->second;
        } else {
          SIGNX_ASSIGN_OR_RETURN(auto found, repo.FindProjectByExternalRef(r.project_ref));
          if (!found) {
            ProjectFields pf;
            pf.name = r.project_name.empty() ? r.project_ref : r.project_name;
            pf.customer = r.customer;
            pf.location = r.location;
            pf.status = r.status.value_or("closed");
            pf.project_date = r.data->project_date;
            SIGNX_ASSIGN_OR_RETURN(auto created, repo.CreateProject(pf, "import", r.project_ref));
            found = std::move(created);
          }
          project_id = found->id;
          projects.emplace(r.project_ref, project_id);
        }
      } else {
        ProjectFields pf;
        pf.name = r.project_name.empty() ? fmt::format("Imported {} row {}", rec.filename, r.row)
                                         : r.project_name;
        pf.customer = r.customer;
        pf.location = r.location;
        pf.status = r.status.value_or("closed");
        SIGNX_ASSIGN_OR_RETURN(auto created, repo.CreateProject(pf, "import"));
        project_id = created.id;
      }
      SIGNX_ASSIGN_OR_RETURN(auto cr, repo.CreateCostRecord(project_id, *r.data, rec.id));
      ++accepted;
      if (cr.data.actual.total_cost_cents.value_or(0) > 0) ++with_actual;
      if (accepted_rows.size() < kMaxReportEntries) {
        accepted_rows.push_back(
            {{"row", r.row},
             {"id", cr.id},
             {"project_id", project_id},
             {"external_id", r.external_id ? json::value(*r.external_id) : json::value(nullptr)}});
      }
    }
    rec.accepted = accepted;
    rec.rejected = total - valid;
    rec.status = write ? "completed" : "rejected";
    json::object report{{"format", rec.format},
                        {"mode", options.partial ? "partial" : "all_or_nothing"},
                        {"valid_rows", valid},
                        {"accepted_rows", std::move(accepted_rows)},
                        {"rejected_rows", std::move(rejected_rows)},
                        {"truncated", accepted > static_cast<int64_t>(kMaxReportEntries) ||
                                          rec.rejected > static_cast<int64_t>(kMaxReportEntries)}};
    json::array ignored;
    for (const auto& c : ignored_columns) ignored.push_back(json::value(c));
    report["ignored_columns"] = std::move(ignored);
    rec.report_json = http::ToJsonText(report);
    SIGNX_RETURN_IF_ERROR(repo.InsertImport(rec));
    if (options.drift_queue && with_actual > 0) {
      SIGNX_RETURN_IF_ERROR(
          EnqueueDriftEvaluation(*options.drift_queue, txn, scope.org_id, clock).status());
    }
    if (outbox) {
      SIGNX_RETURN_IF_ERROR(outbox
                                ->Append(txn, {.type = std::string(events::kImportCompleted),
                                               .org_id = scope.org_id,
                                               .subject_id = rec.id,
                                               .payload_json = http::ToJsonText(
                                                   json::object{{"import_id", rec.id},
                                                                {"status", rec.status},
                                                                {"format", rec.format},
                                                                {"total_rows", rec.total_rows},
                                                                {"accepted", rec.accepted},
                                                                {"rejected", rec.rejected}})})
                                .status());
    }
    return rec;
  });
  if (!txn_result.ok() && txn_result.status().code() == ErrorCode::kAlreadyExists &&
      options.idempotency_key) {
    // A concurrent upload with the same key won the race: return its import.
    auto earlier = store.WithTxnResult<std::optional<ImportRecord>>(
        [&](storage::Txn& txn) -> Result<std::optional<ImportRecord>> {
          return Repository(txn, scope, clock).FindImportByIdempotencyKey(*options.idempotency_key);
        });
    if (earlier.ok() && *earlier) return ImportOutcome{std::move(**earlier), true};
  }
  if (!txn_result.ok()) return txn_result.status();
  if (outbox && !replayed) outbox->Notify();
  return ImportOutcome{std::move(*txn_result), replayed};
}

}  // namespace signx::estimating
