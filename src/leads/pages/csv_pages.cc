#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <string>

#include "base/strings.h"
#include "leads/pages/lead_pages.h"
#include "web/views.h"

namespace signx::leads {

using web::BarChartView;
using web::ChartBar;
using web::Flash;
using web::FormatWhen;
using web::FormPart;
using web::Page;
using web::PageContext;
using web::ServiceErrorPage;
using web::SetJobStateView;
using web::View;
using web::ViewList;

namespace {

constexpr int kRecentJobs = 10;

// Which part content types we accept as CSV (browsers send text/csv, Windows Excel installs make
// it application/vnd.ms-excel, some send nothing or octet-stream).
bool AcceptableCsvType(const FormPart& file) {
  const std::string type = ToLower(Trim(file.content_type.substr(0, file.content_type.find(';'))));
  const std::string name = ToLower(file.filename.value_or(""));
  const bool csv_name = name.ends_with(".csv") || name.ends_with(".txt");
  if (type == "text/csv" || type == "application/csv" || type == "text/plain" ||
      type == "application/vnd.ms-excel") {
    return true;
  }
  return (type.empty() || type == "application/octet-stream") && csv_name;
}

ViewList ProblemsView(const std::vector<leads::CsvProblem>& problems) {
  ViewList out;
  for (const auto& p : problems) {
    View o(View::type::object);
    o.set("where", p.row == 0 ? std::string("File") : fmt::format("Row {}", p.row));
    o.set("field", p.field);
    o.set("has_field", !p.field.empty());
    o.set("message", p.message);
    out.push_back(o);
  }
  return out;
}


View CsvIndexView(PageContext& ctx, LeadsService& leads, CsvJobs& csv_jobs) {
  View v(View::type::object);
  auto scorer = leads.Current(ctx.principal ? ctx.principal->org_id : "");
  v.set("has_model", scorer != nullptr);
  v.set("can_score", ctx.Can("leads:score"));
  v.set("max_mb", std::to_string(kMaxCsvUploadBytes / (1024 * 1024)));
  if (scorer) {
    const auto& schema = scorer->bundle().schema;
    v.set("model_version", scorer->bundle().model_version);
    ViewList required, optional;
    for (const auto& f : schema.fields) {
      if (f.role != FieldRole::kId && f.role != FieldRole::kFeature) continue;
      if (f.role == FieldRole::kFeature && f.leaky) continue;
      (f.required ? required : optional).push_back(View(f.column.empty() ? f.name : f.column));
    }
    v.set("required_columns", required);
    v.set("optional_columns", optional);
  }
  ViewList rows;
  if (ctx.principal) {
    auto recent = csv_jobs.Recent(ctx.principal, kRecentJobs);
    if (recent.ok()) {
      for (const auto& job : *recent) {
        View o(View::type::object);
        o.set("id", job.id);
        o.set("created_at", FormatWhen(job.created_at));
        auto payload = ParseCsvJobPayload(job.payload_json);
        o.set("filename", payload.ok() ? payload->filename : std::string("?"));
        SetJobStateView(o, job);
        if (job.result_json) {
          if (auto r = ParseCsvJobResult(*job.result_json); r.ok()) {
            o.set("rows", std::to_string(r->summary.rows));
          }
        }
        rows.push_back(o);
      }
    } else {
      spdlog::warn("web: listing CSV jobs: {}", recent.status().ToString());
    }
  }
  v.set("jobs", rows);
  v.set("has_jobs", !rows.empty());
  return v;
}

Page UploadCsv(PageContext& ctx, LeadsService& leads, CsvJobs& csv_jobs) {
  auto scorer = leads.Current(ctx.principal ? ctx.principal->org_id : "");
  auto reject = [&](std::vector<CsvProblem> problems, int status) {
    View v = CsvIndexView(ctx, leads, csv_jobs);
    v.set("has_problems", true);
    v.set("problems", ProblemsView(problems));
    return Page::Render("Score a CSV of leads", "leads_csv", std::move(v), status);
  };
  if (!scorer) {
    return reject({{0, "", "no lead model is in production yet, so nothing can be scored"}}, 503);
  }
  if (ctx.body_error) {
    return reject({{0, "file", "the upload could not be read: " + *ctx.body_error}}, 400);
  }
  const web::FormPart* file = ctx.File("file");
  if (file == nullptr || file->filename.value_or("").empty()) {
    return reject({{0, "file", "choose a CSV file to upload"}}, 422);
  }
  if (!AcceptableCsvType(*file)) {
    return reject({{0, "file",
                    fmt::format("“{}” is not a CSV file (type {}); in Excel use File → Save As → "
                                "CSV UTF-8",
                                *file->filename,
                                file->content_type.empty() ? "unknown" : file->content_type)}},
                  415);
  }
  auto submitted =
      csv_jobs.Submit(ctx.principal, ctx.request.request_id, *scorer, *file->filename, file->data);
  if (!submitted.ok()) {
    return ServiceErrorPage(submitted.status(), "Queueing the CSV", ctx.request.request_id);
  }
  const CsvCheck& check = submitted->check;
  if (!check.ok()) {
    const bool too_big = static_cast<int64_t>(file->data.size()) > kMaxCsvUploadBytes;
    return reject(check.problems, too_big ? 413 : 422);
  }
  std::string note = fmt::format("{} rows queued for scoring.", check.rows);
  if (!check.missing_columns.empty()) {
    note += fmt::format(" {} optional column(s) missing, scored as not given.",
                        check.missing_columns.size());
  }
  if (!check.ignored_columns.empty()) {
    note += fmt::format(" {} column(s) the model does not use were kept but ignored.",
                        check.ignored_columns.size());
  }
  return Page::Redirect("/leads/csv/" + submitted->job_id, Flash{"ok", note});
}

Page CsvJobPage(PageContext& ctx, CsvJobs& csv_jobs) {
  auto job = csv_jobs.Get(ctx.principal, ctx.request.PathParam("job"));
  if (!job.ok()) return ServiceErrorPage(job.status(), "Loading the CSV job", ctx.request.request_id);
  View v(View::type::object);
  v.set("id", job->id);
  SetJobStateView(v, *job);
  v.set("created_at", FormatWhen(job->created_at));
  auto payload = ParseCsvJobPayload(job->payload_json);
  if (payload.ok()) {
    v.set("filename", payload->filename);
    v.set("model_version", payload->model_version);
  }
  if (job->state == jobs::JobState::kSucceeded && job->result_json) {
    auto result = ParseCsvJobResult(*job->result_json);
    if (result.ok()) {
      const auto& s = result->summary;
      v.set("has_result", true);
      v.set("rows", std::to_string(s.rows));
      v.set("scored", std::to_string(s.scored));
      v.set("invalid", std::to_string(s.invalid));
      v.set("has_invalid", s.invalid > 0);
      v.set("download_url", "/leads/csv/" + job->id + "/download");
      v.set("download_name", result->filename);
      v.set("chart", TierChartView(s.tiers));
      v.set("has_scored", s.scored > 0);
      v.set("problems", ProblemsView(s.problems));
      v.set("has_problems", !s.problems.empty());
      v.set("more_problems", s.invalid > static_cast<int64_t>(s.problems.size()));
    }
  }
  return Page::Render("Scored CSV", "leads_csv_job", std::move(v));
}

Page CsvDownload(PageContext& ctx, CsvJobs& csv_jobs) {
  auto job = csv_jobs.Get(ctx.principal, ctx.request.PathParam("job"));
  if (!job.ok()) return ServiceErrorPage(job.status(), "Loading the CSV job", ctx.request.request_id);
  if (job->state != jobs::JobState::kSucceeded || !job->result_json) {
    return Page::Error(409, "Not ready yet",
                       "The file is still being scored. Wait for the download link on the "
                       "job's page.");
  }
  auto result = ParseCsvJobResult(*job->result_json);
  if (!result.ok()) return ServiceErrorPage(result.status(), "Reading the job result", ctx.request.request_id);
  auto bytes = csv_jobs.ReadOutput(*result);
  if (!bytes.ok()) {
    if (bytes.status().code() == ErrorCode::kNotFound) {
      return Page::Error(410, "File expired",
                         "Scored files are kept for a day. Upload the CSV again to score it.");
    }
    return ServiceErrorPage(bytes.status(), "Reading the scored file", ctx.request.request_id);
  }
  http::Response r = http::Response::Text(200, std::move(*bytes), "text/csv; charset=utf-8");
  // The job stored a sanitised name (ScoredFileName); check it again before it goes into
  // a header.
  std::string name = result->filename;
  if (name.empty() || name.size() > 120 ||
      name.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") !=
          std::string::npos) {
    name = "leads-scored.csv";
  }
  r.headers.Set("Content-Disposition", "attachment; filename=\"" + name + "\"");
  return Page::Raw(std::move(r));
}

}  // namespace

View TierChartView(const std::array<int64_t, 5>& tiers) {
  int64_t total = 0;
  for (auto t : tiers) total += t;
  std::vector<ChartBar> bars;
  for (std::size_t i = 0; i < 5; ++i) {
    const double share = total > 0 ? 100.0 * static_cast<double>(tiers[i]) / total : 0;
    bars.push_back({fmt::format("Tier {}", static_cast<char>('A' + i)),
                    static_cast<double>(tiers[i]),
                    fmt::format("{} ({:.0f} %)", tiers[i], share)});
  }
  return BarChartView(bars);
}

void AddLeadCsvPages(web::Shell& shell, LeadsService& leads, CsvJobs& csv_jobs) {
  shell.AddPage("GET", "/leads/csv",
                {.summary = "Score a CSV of leads", .permission = "leads:read", .section = "/leads"},
                [&leads, &csv_jobs](PageContext& ctx) {
                  return Page::Render("Score a CSV of leads", "leads_csv",
                                      CsvIndexView(ctx, leads, csv_jobs));
                });
  shell.AddPage("POST", "/leads/csv",
                {.summary = "Upload a CSV of leads to score in the background",
                 .permission = "leads:score",
                 .section = "/leads",
                 .max_body_bytes = kMaxCsvUploadBytes + 64 * 1024},
                [&leads, &csv_jobs](PageContext& ctx) { return UploadCsv(ctx, leads, csv_jobs); });
  shell.AddPage("GET", "/leads/csv/{job}",
                {.summary = "Progress and result of a CSV scoring job",
                 .permission = "leads:read",
                 .section = "/leads"},
                [&csv_jobs](PageContext& ctx) { return CsvJobPage(ctx, csv_jobs); });
  shell.AddPage("GET", "/leads/csv/{job}/download",
                {.summary = "Download a scored CSV", .permission = "leads:read", .section = "/leads"},
                [&csv_jobs](PageContext& ctx) { return CsvDownload(ctx, csv_jobs); });
}

}  // namespace signx::leads
