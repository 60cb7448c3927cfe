#include "studio/report.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "base/id.h"
#include "base/sha256.h"
#include "blobs/blob_registry.h"
#include "http/json.h"
#include "pdf/document.h"
#include "studio/canonical_json.h"
#include "studio/structure_check.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using storage::Json;

constexpr int kReportFormat = 1;

json::object ParseObject(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return {};
  return std::move(v.get_object());
}

std::string ValueText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_bool()) return v.get_bool() ? "yes" : "no";
  if (v.is_null()) return "";
  if (v.is_number()) return EcmaNumber(v.to_number<double>());
  if (v.is_array()) {
    std::string out;
    for (const auto& e : v.get_array()) {
      if (!out.empty()) out += ", ";
      out += ValueText(e);
    }
    return out;
  }
  return *CanonicalJson(v);
}

void FlattenRows(const json::object& o, const std::string& prefix,
                 std::vector<pdf::TableRow>& rows) {
  for (const auto& kv : o) {
    const std::string key = prefix + std::string(kv.key());
    if (kv.value().is_object()) {
      FlattenRows(kv.value().get_object(), key + ".", rows);
    } else {
      rows.push_back({.cells = {key, ValueText(kv.value())}});
    }
  }
}

std::optional<double> Num(const json::object& o, std::string_view path) {
  const json::object* cur = &o;
  std::string_view rest = path;
  while (true) {
    const auto dot = rest.find('.');
    const std::string_view key = rest.substr(0, dot);
    const json::value* v = cur->if_contains(key);
    if (!v) return std::nullopt;
    if (dot == std::string_view::npos) {
      return v->is_number() ? std::optional<double>(v->to_number<double>()) : std::nullopt;
    }
    if (!v->is_object()) return std::nullopt;
    cur = &v->get_object();
    rest = rest.substr(dot + 1);
  }
}

std::string Ft(double v) { return EcmaNumber(std::round(v * 100) / 100) + " ft"; }

void DrawElevation(pdf::Document& doc, const json::object& c) {
  auto b = Num(c, "sign_width_ft"), s = Num(c, "sign_height_ft"), h = Num(c, "top_height_ft"),
       d = Num(c, "embedment_ft"), dia = Num(c, "footing_diameter_ft"),
       pole_in = Num(c, "pole.diameter_in");
  if (!b || !s || !h || !d || !dia) {
    doc.Paragraph("The structure payload lacks the dimensions to draw.");
    return;
  }
  const double w = std::max(*b, *dia);
  pdf::Box box = doc.ReserveBox(380);
  // Model in feet: x across the sign centred on the pole, y up from grade; room for dimensions.
  pdf::Frame f = pdf::Frame::Fit({-w / 2, -*d, w, *h + *d}, box, 48);
  const pdf::Stroke heavy{.width = 1.5};
  // Grade.
  doc.Line(f(-w / 2 - 2, 0), f(w / 2 + 2, 0), {.width = 1.0});
  // Pier below grade.
  doc.Rect(f(-*dia / 2, -*d), f.Length(*dia), f.Length(*d), {.width = 0.75, .dash = {4, 2}},
           pdf::Color{0.85, 0.85, 0.85});
  // Pole from grade to the bottom of the sign.
  const double pole_ft = pole_in.value_or(6) / 12.0;
  doc.Rect(f(-pole_ft / 2, 0), std::max(f.Length(pole_ft), 1.0), f.Length(*h - *s), {.width = 0.75},
           pdf::Color{0.4, 0.4, 0.4});
  // The sign face.
  doc.Rect(f(-*b / 2, *h - *s), f.Length(*b), f.Length(*s), heavy, pdf::Color{0.9, 0.93, 0.97});
  // Dimensions.
  doc.Dimension(f(-*b / 2, *h), f(*b / 2, *h), -14, "B = " + Ft(*b));
  doc.Dimension(f(-*b / 2, *h - *s), f(-*b / 2, *h), 14, "s = " + Ft(*s));
  doc.Dimension(f(w / 2, 0), f(w / 2, *h), -24, "h = " + Ft(*h));
  doc.Dimension(f(w / 2, -*d), f(w / 2, 0), -24, "d = " + Ft(*d));
  doc.Dimension(f(-*dia / 2, -*d), f(*dia / 2, -*d), 14, "dia = " + Ft(*dia));
  doc.Paragraph(fmt::format("Drawn to scale: 1 ft = {} pt. Grade at the solid line; pier dashed.",
                            EcmaNumber(std::round(f.scale() * 100) / 100)),
                {.size = 8});
}

std::string SnapshotText(const std::string& snapshot_json) {
  json::object o = ParseObject(snapshot_json);
  const std::string status = o.contains("status") ? ValueText(o.at("status")) : "";
  if (status == "ok") {
    const json::value* pred = o.if_contains("prediction");
    if (pred && pred->is_object()) {
      const json::object& p = pred->get_object();
      std::string cost = "?";
      if (const json::value* r = p.if_contains("result"); r && r->is_object()) {
        if (const json::value* c = r->get_object().if_contains("cost_cents"); c && c->is_number()) {
          cost = fmt::format("${:.2f}", c->to_number<double>() / 100.0);
        }
      }
      return fmt::format("predicted cost {} (model {}, confidence {})", cost,
                         p.contains("model_version") ? ValueText(p.at("model_version")) : "?",
                         p.contains("confidence") ? ValueText(p.at("confidence")) : "?");
    }
  }
  return fmt::format("no price ({}): {}", status,
                     o.contains("reason") ? ValueText(o.at("reason")) : "");
}

constexpr const char* kReportCols =
    "id, project_id, inputs_sha256, inputs, status, job_id, blob_sha256, size_bytes, error, "
    "created_at, updated_at";

StoredReport ReportFromRow(const storage::Row& r) {
  return StoredReport{.id = r.Text(0),
                      .project_id = r.Text(1),
                      .inputs_sha256 = r.Text(2),
                      .inputs_json = r.Text(3),
                      .status = r.Text(4),
                      .job_id = r.OptText(5),
                      .blob_sha256 = r.OptText(6),
                      .size_bytes = r.OptInt(7),
                      .error = r.OptText(8),
                      .created_at = r.Time(9),
                      .updated_at = r.Time(10)};
}

}  // namespace

json::object InputsJson(const ReportInputs& in) {
  json::object versions;
  for (const auto& [m, p] : in.payloads) versions[m] = p.version;
  const ProjectState& p = in.project;
  return {{"project",
           json::object{{"id", p.id},
                        {"name", p.name},
                        {"customer", p.customer ? json::value(*p.customer) : json::value(nullptr)},
                        {"location", p.location ? json::value(*p.location) : json::value(nullptr)},
                        {"status", p.status}}},
          {"payload_versions", std::move(versions)}};
}

std::string InputsSha256(const ReportInputs& in) {
  json::object o = InputsJson(in);
  o["format"] = kReportFormat;
  o["payloads_sha256"] = in.payloads_sha256;
  return *CanonicalSha256(o);
}

Result<ReportInputs> LoadCurrentInputs(StudioRepository& repo, std::string_view project_id) {
  ReportInputs in;
  SIGNX_ASSIGN_OR_RETURN(in.project, repo.GetProject(project_id));
  SIGNX_ASSIGN_OR_RETURN(in.payloads, repo.CurrentPayloads(project_id));
  std::map<std::string, std::string> shas;
  for (const auto& [m, p] : in.payloads) shas[m] = p.sha256;
  if (!shas.empty()) {
    SIGNX_ASSIGN_OR_RETURN(in.payloads_sha256, PayloadsSha256(shas));
  }
  if (auto it = in.payloads.find("structure"); it != in.payloads.end()) {
    SIGNX_ASSIGN_OR_RETURN(in.calculation, repo.FindCalculation(project_id, it->second.sha256));
  }
  return in;
}

Result<ReportInputs> LoadInputs(StudioRepository& repo, std::string_view project_id,
                                const json::object& inputs) {
  ReportInputs in;
  SIGNX_ASSIGN_OR_RETURN(in.project, repo.GetProject(project_id));
  // The project's fields as they were when the report was requested.
  if (const json::value* p = inputs.if_contains("project"); p && p->is_object()) {
    const json::object& po = p->get_object();
    auto text = [&](std::string_view k) -> std::optional<std::string> {
      const json::value* v = po.if_contains(k);
      return v && v->is_string() ? std::optional<std::string>(v->get_string()) : std::nullopt;
    };
    in.project.name = text("name").value_or(in.project.name);
    in.project.customer = text("customer");
    in.project.location = text("location");
    in.project.status = text("status").value_or(in.project.status);
  }
  if (const json::value* v = inputs.if_contains("payload_versions"); v && v->is_object()) {
    for (const auto& kv : v->get_object()) {
      if (!kv.value().is_int64()) continue;
      SIGNX_ASSIGN_OR_RETURN(StoredPayload p,
                             repo.PayloadVersion(project_id, kv.key(), kv.value().get_int64()));
      in.payloads.emplace(std::string(kv.key()), std::move(p));
    }
  }
  std::map<std::string, std::string> shas;
  for (const auto& [m, p] : in.payloads) shas[m] = p.sha256;
  if (!shas.empty()) {
    SIGNX_ASSIGN_OR_RETURN(in.payloads_sha256, PayloadsSha256(shas));
  }
  if (auto it = in.payloads.find("structure"); it != in.payloads.end()) {
    SIGNX_ASSIGN_OR_RETURN(in.calculation, repo.FindCalculation(project_id, it->second.sha256));
  }
  return in;
}

Result<std::string> RenderProjectReport(const ReportInputs& in) {
  std::optional<Timestamp> newest;
  for (const auto& [m, p] : in.payloads) {
    if (!newest || p.created_at > *newest) newest = p.created_at;
  }
  SIGNX_ASSIGN_OR_RETURN(pdf::Document doc,
                         pdf::Document::Create({.title = "Sign project report: " + in.project.name,
                                                .author = "SignX Studio",
                                                .subject = in.project.id,
                                                .creation_time = newest}));
  const std::vector<pdf::Column> two = {{.header = "Field", .width = 200}, {.header = "Value"}};

  // Cover.
  doc.Heading("Sign project report", 1);
  doc.Paragraph(in.project.name, {.font = pdf::Font::kBold, .size = 16});
  std::vector<pdf::TableRow> cover = {
      {.cells = {"Project", in.project.id}},
      {.cells = {"Customer", in.project.customer.value_or("-")}},
      {.cells = {"Site", in.project.location.value_or("-")}},
      {.cells = {"Status", in.project.status}},
      {.cells = {"Payloads hash", in.payloads_sha256.empty() ? "-" : in.payloads_sha256}},
  };
  doc.Table(two, cover);
  doc.Paragraph("Calculations for review by a licensed engineer; not a sealed design.",
                {.size = 8});

  // Inputs.
  doc.Heading("Inputs", 1);
  for (std::string_view m : kModules) {
    auto it = in.payloads.find(std::string(m));
    if (it == in.payloads.end()) continue;
    const StoredPayload& p = it->second;
    doc.Heading(fmt::format("{} (version {})", m, p.version), 2);
    std::vector<pdf::TableRow> rows;
    FlattenRows(ParseObject(p.config_json), "", rows);
    for (const PayloadFile& f : p.files) {
      rows.push_back({.cells = {"file " + f.name,
                                fmt::format("{} bytes, sha256 {}", f.size_bytes, f.sha256)}});
    }
    doc.Table(two, rows);
  }

  // Results.
  doc.Heading("Results", 1);
  if (in.calculation) {
    json::object r = ParseObject(in.calculation->result_json);
    doc.Paragraph(
        fmt::format("Structure check: {} (constants {})",
                    in.calculation->passed ? "PASSES" : "FAILS", in.calculation->constants_version),
        {.font = pdf::Font::kBold, .size = 11});
    if (const json::value* fl = r.if_contains("failures"); fl && fl->is_array()) {
      for (const auto& x : fl->get_array()) doc.Paragraph("Fails: " + ValueText(x));
    }
    std::vector<pdf::TableRow> results;
    if (const json::value* res = r.if_contains("result"); res && res->is_object()) {
      FlattenRows(res->get_object(), "", results);
    }
    doc.Table(std::vector<pdf::Column>{{.header = "Result", .width = 200}, {.header = "Value"}},
              results);
    doc.Heading("Trace", 2);
    std::vector<pdf::TableRow> trace;
    if (const json::value* t = r.if_contains("trace"); t && t->is_array()) {
      for (const auto& row : t->get_array()) {
        if (!row.is_object()) continue;
        const json::object& o = row.get_object();
        auto cell = [&](std::string_view k) {
          const json::value* v = o.if_contains(k);
          return v ? ValueText(*v) : std::string();
        };
        trace.push_back({.cells = {cell("symbol"), cell("value"), cell("unit"), cell("clause")}});
      }
    }
    doc.Table(std::vector<pdf::Column>{{.header = "Symbol", .width = 60},
                                       {.header = "Value", .width = 110},
                                       {.header = "Unit", .width = 50},
                                       {.header = "Clause"}},
              trace, {.font_size = 8});
    if (const json::value* a = r.if_contains("assumptions"); a && a->is_array()) {
      doc.Heading("Assumptions", 2);
      for (const auto& x : a->get_array()) doc.Paragraph("- " + ValueText(x), {.size = 9});
    }
  } else {
    doc.Paragraph("No structure calculation: the project has no structure payload.");
  }

  // Drawing.
  if (auto it = in.payloads.find("structure"); it != in.payloads.end()) {
    doc.Heading("Elevation and foundation", 1);
    DrawElevation(doc, ParseObject(it->second.config_json));
  }

  // Cost.
  doc.Heading("Cost snapshot", 1);
  std::vector<pdf::TableRow> cost;
  for (std::string_view m : kModules) {
    auto it = in.payloads.find(std::string(m));
    if (it == in.payloads.end()) continue;
    cost.push_back({.cells = {fmt::format("{} v{}", m, it->second.version),
                              SnapshotText(it->second.cost_snapshot_json)}});
  }
  doc.Table(
      std::vector<pdf::Column>{{.header = "Saved with", .width = 120}, {.header = "Snapshot"}},
      cost);

  // Revision block.
  doc.Heading("Revision", 1);
  std::vector<pdf::TableRow> rev;
  for (std::string_view m : kModules) {
    auto it = in.payloads.find(std::string(m));
    if (it == in.payloads.end()) continue;
    rev.push_back({.cells = {std::string(m), std::to_string(it->second.version),
                             FormatRfc3339(it->second.created_at), it->second.sha256}});
  }
  doc.Table(std::vector<pdf::Column>{{.header = "Payload", .width = 70},
                                     {.header = "Version", .width = 45},
                                     {.header = "Saved", .width = 120},
                                     {.header = "sha256"}},
            rev, {.font_size = 7});
  doc.Paragraph("Payloads hash: " + in.payloads_sha256, {.size = 8});
  doc.Paragraph("Constants version: " + (in.calculation ? in.calculation->constants_version
                                                        : std::string(kStructureConstantsVersion)),
                {.size = 8});
  doc.Paragraph("Inputs hash: " + InputsSha256(in), {.size = 8});
  return doc.Save();
}

json::object ToJson(const StoredReport& r) {
  json::object o{{"id", r.id},
                 {"project_id", r.project_id},
                 {"inputs_sha256", r.inputs_sha256},
                 {"status", r.status},
                 {"job_id", r.job_id ? json::value(*r.job_id) : json::value(nullptr)},
                 {"sha256", r.blob_sha256 ? json::value(*r.blob_sha256) : json::value(nullptr)},
                 {"size_bytes", r.size_bytes ? json::value(*r.size_bytes) : json::value(nullptr)},
                 {"error", r.error ? json::value(*r.error) : json::value(nullptr)},
                 {"created_at", FormatRfc3339(r.created_at)},
                 {"updated_at", FormatRfc3339(r.updated_at)}};
  o["inputs"] = ParseObject(r.inputs_json);
  if (r.status == "ready") {
    o["pdf_url"] = fmt::format("/v1/projects/{}/reports/{}/pdf", r.project_id, r.id);
  }
  return o;
}

Result<std::optional<StoredReport>> FindReport(storage::Txn& txn, const Scope& scope,
                                               std::string_view project_id,
                                               std::string_view report_id,
                                               std::string_view inputs_sha256) {
  std::string sql = fmt::format(
      "SELECT {} FROM project_reports WHERE org_id = $1 AND project_id = $2 AND ", kReportCols);
  sql += report_id.empty() ? "inputs_sha256 = $3" : "id = $3";
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn.QueryOne(sql, {scope.org_id, project_id, report_id.empty() ? inputs_sha256 : report_id}));
  if (!row) return std::optional<StoredReport>();
  return std::optional<StoredReport>(ReportFromRow(*row));
}

Result<StoredReport> RequestReport(storage::Store& store, jobs::Queue& queue, const Scope& scope,
                                   std::string_view project_id, bool* created, const Clock& clock) {
  return store.WithTxnResult<StoredReport>([&](storage::Txn& txn) -> Result<StoredReport> {
    *created = false;
    StudioRepository repo(txn, scope, clock);
    SIGNX_ASSIGN_OR_RETURN(ReportInputs in, LoadCurrentInputs(repo, project_id));
    if (in.payloads.empty()) {
      return Status(ErrorCode::kConflict,
                    fmt::format("project {} has no payloads to report on", project_id));
    }
    const std::string sha = InputsSha256(in);
    SIGNX_ASSIGN_OR_RETURN(auto existing, FindReport(txn, scope, project_id, "", sha));
    if (existing && existing->status != "failed") return *existing;
    StoredReport r{.id = NewId("prp", clock),
                   .project_id = std::string(project_id),
                   .inputs_sha256 = sha,
                   .inputs_json = http::ToJsonText(InputsJson(in)),
                   .status = "pending",
                   .created_at = clock.Now(),
                   .updated_at = clock.Now()};
    if (existing) {  // a failed one: try again under the same row
      r = *existing;
      r.status = "pending";
      r.error.reset();
    }
    SIGNX_ASSIGN_OR_RETURN(
        auto job,
        queue.Enqueue(txn, {.type = std::string(kReportJob),
                            .payload_json = http::ToJsonText(
                                json::object{{"project_id", r.project_id}, {"report_id", r.id}}),
                            .org_id = scope.org_id,
                            .max_attempts = 5,
                            .dedupe_key = r.id + ":" + std::to_string(UnixMicros(clock.Now()))}));
    r.job_id = job.id;
    if (existing) {
      SIGNX_RETURN_IF_ERROR(
          txn.Exec("UPDATE project_reports SET status = 'pending', error = NULL, job_id = $1, "
                   "updated_at = $2 WHERE org_id = $3 AND id = $4",
                   {r.job_id, clock.Now(), scope.org_id, r.id})
              .status());
    } else {
      SIGNX_RETURN_IF_ERROR(
          txn.Exec("INSERT INTO project_reports (id, org_id, project_id, inputs_sha256, inputs, "
                   "status, job_id, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, "
                   "'pending', $6, $7, $7)",
                   {r.id, scope.org_id, r.project_id, r.inputs_sha256, Json{r.inputs_json},
                    r.job_id, r.created_at})
              .status());
    }
    *created = true;
    return r;
  });
}

Result<StoredReport> GenerateReport(storage::Store& store, const blobs::BlobStore& blobs,
                                    const Scope& scope, std::string_view report_id,
                                    const Clock& clock) {
  // Read the row and its inputs.
  std::optional<StoredReport> report;
  ReportInputs in;
  SIGNX_RETURN_IF_ERROR(store.WithTxn(
      [&](storage::Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(
            auto row, txn.QueryOne(fmt::format("SELECT {} FROM project_reports WHERE org_id = $1 "
                                               "AND id = $2",
                                               kReportCols),
                                   {scope.org_id, report_id}));
        if (!row) return NotFound(fmt::format("report {} does not exist", report_id));
        report = ReportFromRow(*row);
        if (report->status == "ready") return Status::Ok();
        StudioRepository repo(txn, scope, clock);
        SIGNX_ASSIGN_OR_RETURN(
            in, LoadInputs(repo, report->project_id, ParseObject(report->inputs_json)));
        return Status::Ok();
      },
      {.read_only = true}));
  if (report->status == "ready") return *report;
  auto pdf = RenderProjectReport(in);
  if (!pdf.ok()) {
    const std::string error(pdf.status().message());
    SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) {
      return txn
          .Exec(
              "UPDATE project_reports SET status = 'failed', error = $1, updated_at = $2 "
              "WHERE org_id = $3 AND id = $4 AND status <> 'ready'",
              {error, clock.Now(), scope.org_id, report_id})
          .status();
    }));
    return pdf.status();
  }
  SIGNX_ASSIGN_OR_RETURN(blobs::PutResult put, blobs.Put(*pdf));
  blobs::BlobRegistry registry(blobs, clock);
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    SIGNX_RETURN_IF_ERROR(registry.Register(txn, put.info, "application/pdf"));
    SIGNX_ASSIGN_OR_RETURN(
        int64_t n,
        txn.Exec("UPDATE project_reports SET status = 'ready', blob_sha256 = $1, "
                 "size_bytes = $2, error = NULL, updated_at = $3 WHERE org_id = $4 AND "
                 "id = $5 AND status <> 'ready'",
                 {put.info.sha256, put.info.size_bytes, clock.Now(), scope.org_id, report_id}));
    if (n == 1) SIGNX_RETURN_IF_ERROR(registry.AddRef(txn, put.info.sha256));
    return Status::Ok();
  }));
  report->status = "ready";
  report->blob_sha256 = put.info.sha256;
  report->size_bytes = put.info.size_bytes;
  return *report;
}

Status RegisterStudioJobs(jobs::Queue& queue, storage::Store& store,
                          std::shared_ptr<const blobs::BlobStore> blobs) {
  queue.RegisterHandler(std::string(kReportJob), [&store, blobs](jobs::JobContext& ctx) -> Status {
    boost::system::error_code ec;
    json::value payload = json::parse(ctx.payload(), ec);
    if (ec || !payload.is_object() || !payload.as_object().contains("report_id") ||
        !payload.as_object().at("report_id").is_string()) {
      return InvalidArgument("projects.report.generate payload needs {\"report_id\": \"prp_...\"}");
    }
    if (!ctx.org_id()) return InvalidArgument("projects.report.generate needs the job's org_id");
    const Scope scope{*ctx.org_id(), "job:" + ctx.id()};
    const std::string id(payload.as_object().at("report_id").as_string());
    SIGNX_ASSIGN_OR_RETURN(StoredReport r, GenerateReport(store, *blobs, scope, id));
    ctx.SetResult(http::ToJsonText(
        json::object{{"report_id", r.id}, {"sha256", r.blob_sha256.value_or("")}}));
    return Status::Ok();
  });
  return Status::Ok();
}

}  // namespace signx::studio
