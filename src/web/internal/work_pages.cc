#include "web/internal/work_pages.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>

#include "base/strings.h"
#include "blobs/blob_registry.h"
#include "estimating/importer.h"
#include "estimating/repository.h"
#include "events/outbox.h"
#include "events/sse.h"
#include "identity/audit.h"
#include "leads/csv_scoring.h"
#include "web/internal/pages.h"

namespace signx::web::internal {

namespace json = boost::json;

namespace {

constexpr int64_t kMaxCsvUploadBytes = 10 * 1024 * 1024;
constexpr int kRecentJobs = 10;
constexpr int kRecentEvents = 15;

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string Humanize(std::string_view token) {
  std::string out(token);
  std::replace(out.begin(), out.end(), '_', ' ');
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

// A job of `type` that belongs to the principal's org, or kNotFound (another org's job looks
// exactly like a missing one).
Result<jobs::Job> OwnJob(jobs::Queue& queue, const PageContext& ctx, std::string_view id,
                         std::string_view type) {
  SIGNX_ASSIGN_OR_RETURN(jobs::Job job, queue.Get(id));
  if (job.type != type || !ctx.principal || !job.org_id ||
      (*job.org_id != ctx.principal->org_id && ctx.principal->role != "super_admin")) {
    return NotFound("no such job");
  }
  return job;
}

// {state, state_label, progress, running, done, failed, error}
void SetJobState(View& v, const jobs::Job& job) {
  const bool done = job.state == jobs::JobState::kSucceeded;
  const bool failed = job.state == jobs::JobState::kFailed || job.state == jobs::JobState::kDead ||
                      job.state == jobs::JobState::kCancelled;
  v.set("state", std::string(jobs::JobStateName(job.state)));
  v.set("state_label", Humanize(jobs::JobStateName(job.state)));
  v.set("progress", std::to_string(std::clamp(job.progress, 0, 100)));
  v.set("done", done);
  v.set("failed", failed);
  v.set("working", !jobs::IsTerminal(job.state));
  v.set("retrying", job.state == jobs::JobState::kQueued && job.attempts > 0);
  v.set("error", job.last_error.value_or(""));
  v.set("has_error", failed && job.last_error.has_value());
}

// Which part content types we accept as CSV (browsers send text/csv, Windows Excel installs make
// it application/vnd.ms-excel, some send nothing or octet-stream).
bool AcceptableCsvType(const FormPart& file) {
  const std::string type = Lower(Trim(file.content_type.substr(0, file.content_type.find(';'))));
  const std::string name = Lower(file.filename.value_or(""));
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

View CsvIndexView(PageContext& ctx, leads::LeadsService& leads,
                  estimating::EstimatingService& estimating) {
  View v(View::type::object);
  auto scorer = leads.Current();
  v.set("has_model", scorer != nullptr);
  v.set("can_score", ctx.Can("leads:score"));
  v.set("max_mb", std::to_string(kMaxCsvUploadBytes / (1024 * 1024)));
  if (scorer) {
    const auto& schema = scorer->bundle().schema;
    v.set("model_version", scorer->bundle().model_version);
    ViewList required, optional;
    for (const auto& f : schema.fields) {
      if (f.role != leads::FieldRole::kId && f.role != leads::FieldRole::kFeature) continue;
      if (f.role == leads::FieldRole::kFeature && f.leaky) continue;
      (f.required ? required : optional).push_back(View(f.column.empty() ? f.name : f.column));
    }
    v.set("required_columns", required);
    v.set("optional_columns", optional);
  }
  ViewList rows;
  if (ctx.principal) {
    jobs::ListOptions options;
    options.type = std::string(leads::kScoreCsvJob);
    options.org_id = ctx.principal->org_id;
    options.limit = kRecentJobs;
    auto page = estimating.queue().List(options);
    if (page.ok()) {
      for (const auto& job : page->jobs) {
        View o(View::type::object);
        o.set("id", job.id);
        o.set("created_at", FormatWhen(job.created_at));
        auto payload = leads::ParseCsvJobPayload(job.payload_json);
        o.set("filename", payload.ok() ? payload->filename : std::string("?"));
        SetJobState(o, job);
        if (job.result_json) {
          if (auto r = leads::ParseCsvJobResult(*job.result_json); r.ok()) {
            o.set("rows", std::to_string(r->summary.rows));
          }
        }
        rows.push_back(o);
      }
    } else {
      spdlog::warn("web: listing CSV jobs: {}", page.status().ToString());
    }
  }
  v.set("jobs", rows);
  v.set("has_jobs", !rows.empty());
  return v;
}

Page UploadCsv(PageContext& ctx, leads::LeadsService& leads,
               estimating::EstimatingService& estimating) {
  auto scorer = leads.Current();
  auto reject = [&](std::vector<leads::CsvProblem> problems, int status) {
    View v = CsvIndexView(ctx, leads, estimating);
    v.set("has_problems", true);
    v.set("problems", ProblemsView(problems));
    return Page::Render("Score a CSV of leads", "leads_csv", std::move(v), status);
  };
  if (!scorer) {
    return reject({{0, "", "no lead model is in production yet, so nothing can be scored"}}, 503);
  }
  if (ctx.body_error) return reject({{0, "file", "the upload could not be read: " + *ctx.body_error}}, 400);
  const FormPart* file = ctx.File("file");
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
  const auto& schema = scorer->bundle().schema;
  leads::CsvCheck check =
      leads::CheckLeadCsv(schema, file->data, {.max_bytes = kMaxCsvUploadBytes});
  if (!check.ok()) {
    const bool too_big = static_cast<int64_t>(file->data.size()) > kMaxCsvUploadBytes;
    return reject(check.problems, too_big ? 413 : 422);
  }
  const auto& blobs = estimating.blobs();
  auto put = blobs.Put(file->data);
  if (!put.ok()) return ServiceErrorPage(put.status(), "Storing the upload", ctx.request.request_id);
  const leads::CsvJobPayload payload{put->info.sha256, *file->filename,
                                     scorer->bundle().model_version, ctx.who().subject_id};
  blobs::BlobRegistry registry(blobs, SystemClock::Get());
  auto job_id = estimating.store().WithTxnResult<std::string>(
      [&](storage::Txn& txn) -> Result<std::string> {
        SIGNX_RETURN_IF_ERROR(registry.Register(txn, put->info, "text/csv"));
        SIGNX_ASSIGN_OR_RETURN(auto queued,
                               estimating.queue().Enqueue(
                                   txn, {.type = std::string(leads::kScoreCsvJob),
                                         .payload_json = leads::CsvJobPayloadJson(payload),
                                         .org_id = ctx.who().org_id,
                                         .max_attempts = 3}));
        SIGNX_RETURN_IF_ERROR(
            identity::AppendAudit(
                txn,
                {.org_id = ctx.who().org_id,
                 .actor = identity::Actor::Of(ctx.who(), ctx.request.request_id),
                 .action = "lead_csv.upload",
                 .subject_type = "job",
                 .subject_id = queued.id,
                 .after_json = leads::CsvJobPayloadJson(payload)},
                SystemClock::Get())
                .status());
        return queued.id;
      });
  if (!job_id.ok()) return ServiceErrorPage(job_id.status(), "Queueing the CSV", ctx.request.request_id);
  std::string note = fmt::format("{} rows queued for scoring.", check.rows);
  if (!check.missing_columns.empty()) {
    note += fmt::format(" {} optional column(s) missing, scored as not given.",
                        check.missing_columns.size());
  }
  if (!check.ignored_columns.empty()) {
    note += fmt::format(" {} column(s) the model does not use were kept but ignored.",
                        check.ignored_columns.size());
  }
  return Page::Redirect("/leads/csv/" + *job_id, Flash{"ok", note});
}

Page CsvJobPage(PageContext& ctx, estimating::EstimatingService& estimating) {
  auto job = OwnJob(estimating.queue(), ctx, ctx.request.PathParam("job"), leads::kScoreCsvJob);
  if (!job.ok()) return ServiceErrorPage(job.status(), "Loading the CSV job", ctx.request.request_id);
  View v(View::type::object);
  v.set("id", job->id);
  SetJobState(v, *job);
  v.set("created_at", FormatWhen(job->created_at));
  auto payload = leads::ParseCsvJobPayload(job->payload_json);
  if (payload.ok()) {
    v.set("filename", payload->filename);
    v.set("model_version", payload->model_version);
  }
  if (job->state == jobs::JobState::kSucceeded && job->result_json) {
    auto result = leads::ParseCsvJobResult(*job->result_json);
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

Page CsvDownload(PageContext& ctx, estimating::EstimatingService& estimating) {
  auto job = OwnJob(estimating.queue(), ctx, ctx.request.PathParam("job"), leads::kScoreCsvJob);
  if (!job.ok()) return ServiceErrorPage(job.status(), "Loading the CSV job", ctx.request.request_id);
  if (job->state != jobs::JobState::kSucceeded || !job->result_json) {
    return Page::Error(409, "Not ready yet",
                       "The file is still being scored. Wait for the download link on the "
                       "job's page.");
  }
  auto result = leads::ParseCsvJobResult(*job->result_json);
  if (!result.ok()) return ServiceErrorPage(result.status(), "Reading the job result", ctx.request.request_id);
  auto bytes = estimating.blobs().Read(result->output_sha256);
  if (!bytes.ok()) {
    if (bytes.status().code() == ErrorCode::kNotFound) {
      return Page::Error(410, "File expired",
                         "Scored files are kept for a day. Upload the CSV again to score it.");
    }
    return ServiceErrorPage(bytes.status(), "Reading the scored file", ctx.request.request_id);
  }
  http::Response r = http::Response::Text(200, std::move(*bytes), "text/csv; charset=utf-8");
  // The job stored a sanitised name (leads::ScoredFileName); check it again before it goes into
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

// ---- quotes --------------------------------------------------------------------------------

// A percentage with at most two decimals in [0, max], or nullopt.
std::optional<double> ParsePercent(std::string_view text, double max) {
  text = Trim(text);
  double d = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(d) || d < 0 ||
      d > max) {
    return std::nullopt;
  }
  if (std::abs(d * 100 - std::round(d * 100)) > 1e-9) return std::nullopt;
  return d;
}

std::optional<int64_t> ParsePositiveInt(std::string_view text, int64_t max) {
  text = Trim(text);
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr != text.data() + text.size() || n < 1 || n > max) return std::nullopt;
  return n;
}

Page QuoteFormError(std::vector<FieldError> errors) {
  std::string message = "The quote was not created: ";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) message += "; ";
    message += errors[i].field + " " + errors[i].message;
  }
  return Page::Redirect("/estimating", Flash{"error", message});
}

Page CreateQuote(PageContext& ctx, estimating::EstimatingService& estimating) {
  std::vector<FieldError> errors;
  auto cost = ParsePositiveInt(ctx.Field("cost_cents"), int64_t{1} << 40);
  if (!cost) errors.push_back({"cost_cents", "must be a positive whole number of cents"});
  auto quantity = ParsePositiveInt(ctx.Field("quantity"), 100000);
  if (!quantity) errors.push_back({"quantity", "must be a whole number from 1 to 100000"});
  const std::string method = ctx.Field("method") == "margin" ? "margin" : "markup";
  auto rate = ParsePercent(ctx.Field("rate_pct"), method == "margin" ? 99.99 : 1000);
  if (!rate) {
    errors.push_back({"rate_pct", method == "margin" ? "must be 0 to 99.99 (two decimals at most)"
                                                     : "must be 0 to 1000 (two decimals at most)"});
  }
  auto contingency = ParsePercent(ctx.Field("contingency_pct"), 100);
  if (!contingency) errors.push_back({"contingency_pct", "must be 0 to 100 (two decimals at most)"});
  if (!errors.empty()) return QuoteFormError(std::move(errors));
  auto scope = estimating::ScopeFromPrincipal(ctx.principal);
  if (!scope.ok()) return ServiceErrorPage(scope.status(), "Creating the quote", ctx.request.request_id);
  std::string description(Trim(ctx.Field("description")));
  if (description.size() > 200) description.resize(200);
  json::object from{{"cost_cents", *cost}};
  if (!description.empty()) from["description"] = description;
  if (auto mv = Trim(ctx.Field("model_version")); !mv.empty() && mv.size() <= 128) {
    from["model_version"] = std::string(mv);
  }
  // The quick price list of the web form: no parts, only the basis, the rate and contingency.
  json::object body{{"price_list",
                     json::object{{"id", "web-quick"},
                                  {"version", "1"},
                                  {"method", method},
                                  {"rate_pct", *rate},
                                  {"contingency_pct", *contingency},
                                  {"materials", json::object{}},
                                  {"labor", json::object{}},
                                  {"machines", json::object{}}}},
                    {"from_prediction", std::move(from)},
                    {"quantity", *quantity},
                    {"contingency_pct", *contingency}};
  bool replayed = false;
  // The form carries a random key made when the prediction was shown, so submitting the same
  // form twice returns the first quote.
  std::optional<std::string> idem;
  const std::string key = ctx.Field("form_key");
  if (key.size() >= 16 && key.size() <= 64 &&
      key.find_first_not_of("0123456789abcdef") == std::string::npos) {
    idem = "web:" + key;
  }
  auto quote = estimating.CreateQuote(*scope, body, idem, &replayed);
  if (!quote.ok()) {
    if (quote.status().code() == ErrorCode::kValidationFailed) {
      return QuoteFormError(quote.status().details());
    }
    return ServiceErrorPage(quote.status(), "Creating the quote", ctx.request.request_id);
  }
  return Page::Redirect("/estimating/quotes/" + quote->id,
                        Flash{"ok", replayed ? "This quote was already created."
                                             : "Quote created; its PDF is being rendered."});
}

Result<estimating::StoredQuote> LoadQuote(PageContext& ctx,
                                          estimating::EstimatingService& estimating) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, estimating::ScopeFromPrincipal(ctx.principal));
  const std::string id(ctx.request.PathParam("id"));
  return estimating.store().WithTxnResult<estimating::StoredQuote>(
      [&](storage::Txn& txn) -> Result<estimating::StoredQuote> {
        estimating::Repository repo(txn, scope, estimating.clock());
        return repo.GetQuote(id);
      },
      {.read_only = true});
}

int64_t IntOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  if (!v) return 0;
  if (v->is_int64()) return v->get_int64();
  if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
  if (v->is_double()) return static_cast<int64_t>(v->get_double());
  return 0;
}

std::string StrOf(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

std::string Bp(int64_t bp) { return fmt::format("{:.2f} %", static_cast<double>(bp) / 100.0); }

Page QuotePage(PageContext& ctx, estimating::EstimatingService& estimating) {
  auto quote = LoadQuote(ctx, estimating);
  if (!quote.ok()) return ServiceErrorPage(quote.status(), "Loading the quote", ctx.request.request_id);
  View v(View::type::object);
  v.set("id", quote->id);
  v.set("created_at", FormatWhen(quote->created_at));
  v.set("price_list_version", quote->price_list_version);
  v.set("quantity", std::to_string(quote->quantity));
  v.set("total_cost", FormatDollars(quote->total_cost_cents));
  v.set("price", FormatDollars(quote->price_cents));
  boost::system::error_code ec;
  json::value q = json::parse(quote->quote_json, ec);
  ViewList lines;
  if (!ec && q.is_object()) {
    const auto& o = q.get_object();
    if (const auto* ls = o.if_contains("lines"); ls && ls->is_array()) {
      for (const auto& l : ls->get_array()) {
        if (!l.is_object()) continue;
        View line(View::type::object);
        line.set("kind", Humanize(StrOf(l.get_object(), "kind")));
        line.set("description", StrOf(l.get_object(), "description"));
        line.set("cost", FormatDollars(IntOf(l.get_object(), "cost_cents")));
        lines.push_back(line);
      }
    }
    v.set("subtotal", FormatDollars(IntOf(o, "cost_subtotal_cents")));
    v.set("contingency_rate", Bp(IntOf(o, "contingency_bp")));
    v.set("contingency", FormatDollars(IntOf(o, "contingency_cents")));
    v.set("method", Humanize(StrOf(o, "method")));
    v.set("rate", Bp(IntOf(o, "rate_bp")));
    v.set("unit_price", FormatDollars(IntOf(o, "unit_price_cents")));
  }
  v.set("lines", lines);
  v.set("pdf_ready", quote->pdf_blob_sha256.has_value());
  v.set("pdf_url", "/estimating/quotes/" + quote->id + "/pdf");
  bool working = false;
  if (!quote->pdf_blob_sha256 && quote->pdf_job_id) {
    auto job = estimating.queue().Get(*quote->pdf_job_id);
    if (job.ok()) {
      View j(View::type::object);
      SetJobState(j, *job);
      working = !jobs::IsTerminal(job->state);
      v.set("job", j);
      v.set("has_job", true);
    }
  }
  v.set("pdf_working", working || (!quote->pdf_blob_sha256 && !quote->pdf_job_id));
  v.set("self_url", "/estimating/quotes/" + quote->id);
  return Page::Render("Quote", "estimating_quote", std::move(v));
}

Page QuotePdf(PageContext& ctx, estimating::EstimatingService& estimating) {
  auto quote = LoadQuote(ctx, estimating);
  if (!quote.ok()) return ServiceErrorPage(quote.status(), "Loading the quote", ctx.request.request_id);
  if (!quote->pdf_blob_sha256) {
    return Page::Error(409, "Not ready yet",
                       "The PDF is still being rendered. The link appears on the quote page "
                       "when it is ready.");
  }
  auto bytes = estimating.blobs().Read(*quote->pdf_blob_sha256);
  if (!bytes.ok()) return ServiceErrorPage(bytes.status(), "Reading the PDF", ctx.request.request_id);
  http::Response r = http::Response::Text(200, std::move(*bytes), "application/pdf");
  r.headers.Set("Content-Disposition", "inline; filename=\"" + quote->id + ".pdf\"");
  return Page::Raw(std::move(r));
}


// ---- cost-record imports -------------------------------------------------------------------

constexpr int kImportPageSize = 20;

View ImportsIndexView(PageContext& ctx, estimating::EstimatingService& estimating,
                      std::vector<std::string>* bad) {
  View v(View::type::object);
  v.set("can_import", ctx.Can("projects:write"));
  v.set("max_mb", std::to_string(estimating::kMaxImportBytes / (1024 * 1024)));
  std::string cursor(ctx.request.Query("cursor").value_or(""));
  if (!cursor.empty() && (!cursor.starts_with("imp_") || cursor.size() > 64 ||
                          cursor.find_first_not_of("imp_0123456789ABCDEFGHJKMNPQRSTVWXYZ") !=
                              std::string::npos)) {
    bad->push_back("cursor");
    return v;
  }
  // Newest first; ids are ULIDs, so id order is creation order and the id is the cursor.
  // TODO(estimating): a Repository::ListImports would keep this query in the module.
  auto rows = estimating.store().WithTxnResult<storage::ResultSet>(
      [&](storage::Txn& txn) {
        return txn.Query(
            "SELECT id, filename, format, status, total_rows, accepted, rejected, partial, "
            "created_at FROM imports WHERE org_id = $1 AND ($2 = '' OR id < $2) "
            "ORDER BY id DESC LIMIT $3",
            {ctx.who().org_id, cursor, int64_t{kImportPageSize + 1}});
      },
      {.read_only = true});
  ViewList list;
  std::string next;
  if (rows.ok()) {
    for (std::size_t i = 0; i < rows->rows.size(); ++i) {
      const auto& r = rows->rows[i];
      if (static_cast<int>(i) == kImportPageSize) {
        next = rows->rows[i - 1].Text(0);
        break;
      }
      View o(View::type::object);
      o.set("id", r.Text(0));
      o.set("filename", r.Text(1));
      o.set("format", r.Text(2));
      o.set("status", Humanize(r.Text(3)));
      o.set("rejected_file", r.Text(3) == "rejected");
      o.set("total_rows", std::to_string(r.Int(4)));
      o.set("accepted", std::to_string(r.Int(5)));
      o.set("rejected", std::to_string(r.Int(6)));
      o.set("mode", r.Int(7) != 0 ? "Valid rows only" : "All or nothing");
      o.set("created_at", FormatWhen(r.Time(8)));
      list.push_back(o);
    }
  } else {
    spdlog::warn("web: listing imports: {}", rows.status().ToString());
  }
  v.set("imports", list);
  v.set("has_imports", !list.empty());
  v.set("has_next", !next.empty());
  v.set("next_url", "/estimating/imports?cursor=" + next);
  v.set("is_later_page", !cursor.empty());
  v.set("has_pager", !next.empty() || !cursor.empty());
  return v;
}

Page ImportsPage(PageContext& ctx, estimating::EstimatingService& estimating) {
  std::vector<std::string> bad;
  View v = ImportsIndexView(ctx, estimating, &bad);
  if (!bad.empty()) {
    return Page::Error(400, "Bad link",
                       "That page link is not valid. Open the import history from the navigation.");
  }
  return Page::Render("Cost-history imports", "estimating_imports", std::move(v));
}

Page UploadImport(PageContext& ctx, estimating::EstimatingService& estimating) {
  auto reject = [&](std::string message, int status) {
    std::vector<std::string> bad;
    View v = ImportsIndexView(ctx, estimating, &bad);
    v.set("has_problem", true);
    v.set("problem", std::move(message));
    return Page::Render("Cost-history imports", "estimating_imports", std::move(v), status);
  };
  if (ctx.body_error) return reject("The upload could not be read: " + *ctx.body_error, 400);
  const FormPart* file = ctx.File("file");
  if (file == nullptr || file->filename.value_or("").empty()) {
    return reject("Choose a cost-history file (CSV, NDJSON or a KeyedIn cost summary CSV).", 422);
  }
  const std::string type = Lower(Trim(file->content_type.substr(0, file->content_type.find(';'))));
  const std::string name = Lower(*file->filename);
  const bool known_type = type.empty() || type == "text/csv" || type == "application/csv" ||
                          type == "text/plain" || type == "application/vnd.ms-excel" ||
                          type == "application/x-ndjson" || type == "application/json" ||
                          type == "application/octet-stream";
  const bool known_name =
      name.ends_with(".csv") || name.ends_with(".ndjson") || name.ends_with(".jsonl") ||
      name.ends_with(".txt") || name.ends_with(".json");
  if (!known_type || ((type.empty() || type == "application/octet-stream") && !known_name)) {
    return reject(fmt::format("“{}” is not a CSV or NDJSON file (type {}).", *file->filename,
                              file->content_type.empty() ? "unknown" : file->content_type),
                  415);
  }
  if (static_cast<int64_t>(file->data.size()) > estimating::kMaxImportBytes) {
    return reject(fmt::format("The file is larger than {} MB.",
                              estimating::kMaxImportBytes / (1024 * 1024)),
                  413);
  }
  if (!leads::IsValidUtf8(file->data)) {
    return reject("The file is not UTF-8 text; save it as “CSV UTF-8” and upload it again.", 422);
  }
  auto scope = estimating::ScopeFromPrincipal(ctx.principal);
  if (!scope.ok()) return ServiceErrorPage(scope.status(), "Importing", ctx.request.request_id);
  estimating::ImportOptions options;
  options.filename = file->filename->substr(0, 200);
  options.partial = ctx.Field("partial") == "yes";
  options.drift_queue = &estimating.queue();  // as POST /v1/imports: actuals feed the learning loop
  auto outcome = estimating::RunImport(estimating.store(), &estimating.outbox(), *scope,
                                       file->data, options, estimating.clock());
  if (!outcome.ok()) {
    if (outcome.status().code() == ErrorCode::kInvalidArgument ||
        outcome.status().code() == ErrorCode::kValidationFailed ||
        outcome.status().code() == ErrorCode::kPayloadTooLarge) {
      return reject(std::string(outcome.status().message()), 422);
    }
    return ServiceErrorPage(outcome.status(), "Importing", ctx.request.request_id);
  }
  const auto& rec = outcome->record;
  std::string note;
  if (outcome->replayed) {
    note = "This file was imported before; showing that import.";
  } else if (rec.status == "completed") {
    note = fmt::format("Imported {} of {} rows.", rec.accepted, rec.total_rows);
  } else {
    note = fmt::format("Nothing was imported: {} of {} rows were rejected.", rec.rejected,
                       rec.total_rows);
  }
  return Page::Redirect("/estimating/imports/" + rec.id,
                        Flash{rec.status == "completed" ? "ok" : "error", note});
}

Page ImportPage(PageContext& ctx, estimating::EstimatingService& estimating) {
  auto scope = estimating::ScopeFromPrincipal(ctx.principal);
  if (!scope.ok()) return ServiceErrorPage(scope.status(), "Loading the import", ctx.request.request_id);
  const std::string id(ctx.request.PathParam("id"));
  auto rec = estimating.store().WithTxnResult<estimating::ImportRecord>(
      [&](storage::Txn& txn) -> Result<estimating::ImportRecord> {
        estimating::Repository repo(txn, *scope, estimating.clock());
        return repo.GetImport(id);
      },
      {.read_only = true});
  if (!rec.ok()) return ServiceErrorPage(rec.status(), "Loading the import", ctx.request.request_id);
  View v(View::type::object);
  v.set("id", rec->id);
  v.set("filename", rec->filename);
  v.set("format", rec->format);
  v.set("status", Humanize(rec->status));
  v.set("completed", rec->status == "completed");
  v.set("mode", rec->partial ? "Valid rows only" : "All or nothing");
  v.set("total_rows", std::to_string(rec->total_rows));
  v.set("accepted", std::to_string(rec->accepted));
  v.set("rejected", std::to_string(rec->rejected));
  v.set("created_at", FormatWhen(rec->created_at));
  boost::system::error_code ec;
  json::value report = json::parse(rec->report_json, ec);
  ViewList rejected, ignored;
  bool truncated = false;
  if (!ec && report.is_object()) {
    const auto& o = report.get_object();
    if (const auto* rows = o.if_contains("rejected_rows"); rows && rows->is_array()) {
      for (const auto& r : rows->get_array()) {
        if (!r.is_object()) continue;
        const auto& ro = r.get_object();
        std::string errors;
        if (const auto* es = ro.if_contains("errors"); es && es->is_array()) {
          for (const auto& e : es->get_array()) {
            if (!e.is_object()) continue;
            if (!errors.empty()) errors += "; ";
            const std::string field = StrOf(e.get_object(), "field");
            errors += (field.empty() ? "" : field + ": ") + StrOf(e.get_object(), "message");
          }
        }
        View row(View::type::object);
        row.set("row", std::to_string(IntOf(ro, "row")));
        row.set("external_id", StrOf(ro, "external_id"));
        row.set("errors", errors);
        rejected.push_back(row);
        if (rejected.size() >= 200) break;
      }
    }
    if (const auto* cols = o.if_contains("ignored_columns"); cols && cols->is_array()) {
      for (const auto& c : cols->get_array()) {
        if (c.is_string()) ignored.push_back(View(std::string(c.get_string())));
      }
    }
    if (const auto* t = o.if_contains("truncated"); t && t->is_bool()) truncated = t->get_bool();
  }
  v.set("rejected_rows", rejected);
  v.set("has_rejected_rows", !rejected.empty());
  v.set("ignored_columns", ignored);
  v.set("has_ignored_columns", !ignored.empty());
  v.set("truncated", truncated || rec->rejected > static_cast<int64_t>(rejected.size()));
  return Page::Render("Import report", "estimating_import", std::move(v));
}

// ---- activity ------------------------------------------------------------------------------

class FeedBody final : public http::StreamBody {
 public:
  explicit FeedBody(std::unique_ptr<events::SseFeed> feed) : feed_(std::move(feed)) {}
  // The feed names each message after its event type (`event: quote.created`); a browser's
  // EventSource only delivers unnamed messages to onmessage, so the names are dropped here (the
  // type is in the JSON data too).
  std::optional<std::string> Poll() override {
    auto bytes = feed_->Poll();
    if (!bytes || bytes->find("event: ") == std::string::npos) return bytes;
    std::string out;
    out.reserve(bytes->size());
    std::size_t pos = 0;
    while (pos < bytes->size()) {
      std::size_t eol = bytes->find('\n', pos);
      const std::size_t end = eol == std::string::npos ? bytes->size() : eol + 1;
      if (bytes->compare(pos, 7, "event: ") != 0) out.append(*bytes, pos, end - pos);
      pos = end;
    }
    return out;
  }

 private:
  std::unique_ptr<events::SseFeed> feed_;
};

// "quote.created" → "Quote created".
std::string EventTitle(std::string_view type) {
  std::string out(type);
  std::replace(out.begin(), out.end(), '.', ' ');
  return Humanize(out);
}

Page ActivityPage(PageContext& ctx, storage::Store& store, bool live) {
  View v(View::type::object);
  events::EventFilter filter;
  if (ctx.who().role != "super_admin") filter.org_id = ctx.who().org_id;
  auto last = events::LastPosition(store);
  if (!last.ok()) return ServiceErrorPage(last.status(), "Reading recent activity", ctx.request.request_id);
  // The newest events of this org among the last 1000 positions.
  std::vector<events::Event> recent;
  int64_t after = std::max<int64_t>(0, *last - 1000);
  while (true) {
    auto batch = events::ReadSince(store, {.after_position = after, .filter = filter, .limit = 1000});
    if (!batch.ok()) return ServiceErrorPage(batch.status(), "Reading recent activity", ctx.request.request_id);
    for (auto& e : *batch) recent.push_back(std::move(e));
    if (recent.size() > static_cast<std::size_t>(kRecentEvents)) {
      recent.erase(recent.begin(), recent.end() - kRecentEvents);
    }
    if (batch->size() < 1000) break;
    after = batch->back().position;
  }
  ViewList items;
  for (auto it = recent.rbegin(); it != recent.rend(); ++it) {
    View o(View::type::object);
    o.set("type", it->type);
    o.set("title", EventTitle(it->type));
    o.set("subject", it->subject_id);
    o.set("when", FormatWhen(it->created_at));
    items.push_back(o);
  }
  v.set("events", items);
  v.set("has_events", !items.empty());
  v.set("live", live);
  v.set("stream_url", fmt::format("/activity/stream?last_event_id={}", *last));
  return Page::Render("Activity", "activity", std::move(v));
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

void AddLeadCsvPages(Shell& shell, leads::LeadsService& leads,
                     estimating::EstimatingService& estimating) {
  shell.AddPage("GET", "/leads/csv",
                {.summary = "Score a CSV of leads", .permission = "leads:read", .section = "/leads"},
                [&leads, &estimating](PageContext& ctx) {
                  return Page::Render("Score a CSV of leads", "leads_csv",
                                      CsvIndexView(ctx, leads, estimating));
                });
  shell.AddPage("POST", "/leads/csv",
                {.summary = "Upload a CSV of leads to score in the background",
                 .permission = "leads:score",
                 .section = "/leads",
                 .max_body_bytes = kMaxCsvUploadBytes + 64 * 1024},
                [&leads, &estimating](PageContext& ctx) { return UploadCsv(ctx, leads, estimating); });
  shell.AddPage("GET", "/leads/csv/{job}",
                {.summary = "Progress and result of a CSV scoring job",
                 .permission = "leads:read",
                 .section = "/leads"},
                [&estimating](PageContext& ctx) { return CsvJobPage(ctx, estimating); });
  shell.AddPage("GET", "/leads/csv/{job}/download",
                {.summary = "Download a scored CSV", .permission = "leads:read", .section = "/leads"},
                [&estimating](PageContext& ctx) { return CsvDownload(ctx, estimating); });
}

void AddQuotePages(Shell& shell, estimating::EstimatingService& estimating) {
  shell.AddPage("POST", "/estimating/quotes",
                {.summary = "Create a quote from a cost prediction",
                 .permission = "quotes:write",
                 .section = "/estimating",
                 .max_body_bytes = 16 * 1024},
                [&estimating](PageContext& ctx) { return CreateQuote(ctx, estimating); });
  shell.AddPage("GET", "/estimating/quotes/{id}",
                {.summary = "A quote with its lines and PDF",
                 .permission = "projects:read",
                 .section = "/estimating"},
                [&estimating](PageContext& ctx) { return QuotePage(ctx, estimating); });
  shell.AddPage("GET", "/estimating/quotes/{id}/pdf",
                {.summary = "A quote's PDF", .permission = "projects:read", .section = "/estimating"},
                [&estimating](PageContext& ctx) { return QuotePdf(ctx, estimating); });
}

void AddImportPages(Shell& shell, estimating::EstimatingService& estimating) {
  shell.AddPage("GET", "/estimating/imports",
                {.summary = "Cost-history imports", .permission = "projects:read",
                 .section = "/estimating/projects"},
                [&estimating](PageContext& ctx) { return ImportsPage(ctx, estimating); });
  shell.AddPage("POST", "/estimating/imports",
                {.summary = "Import a cost-history file",
                 .permission = "projects:write",
                 .section = "/estimating/projects",
                 .max_body_bytes = estimating::kMaxImportBytes + 64 * 1024},
                [&estimating](PageContext& ctx) { return UploadImport(ctx, estimating); });
  shell.AddPage("GET", "/estimating/imports/{id}",
                {.summary = "An import's accept/reject report", .permission = "projects:read",
                 .section = "/estimating/projects"},
                [&estimating](PageContext& ctx) { return ImportPage(ctx, estimating); });
}

void AddActivityPages(Shell& shell, storage::Store& store, events::Dispatcher* dispatcher) {
  shell.AddSection({.label = "Activity",
                    .href = "/activity",
                    .permission = "events:read",
                    .description = "What happened in your organisation, live"});
  shell.AddPage("GET", "/activity",
                {.summary = "Recent activity", .permission = "events:read", .section = "/activity"},
                [&store, dispatcher](PageContext& ctx) {
                  return ActivityPage(ctx, store, dispatcher != nullptr);
                });
  if (dispatcher == nullptr) return;
  shell.AddPage(
      "GET", "/activity/stream",
      {.summary = "The organisation's events as server-sent events (session cookie)",
       .permission = "events:read",
       .section = "/activity"},
      [&store, dispatcher](PageContext& ctx) {
        events::EventFilter filter;
        if (ctx.who().role != "super_admin") filter.org_id = ctx.who().org_id;
        auto header = ctx.request.Header("Last-Event-ID");
        auto last = events::ParseLastEventId(header ? header : ctx.request.Query("last_event_id"));
        auto feed = events::SseFeed::Open(store, *dispatcher, std::move(filter), last);
        if (!feed.ok()) return ServiceErrorPage(feed.status(), "Opening the live feed", ctx.request.request_id);
        http::Response r;
        r.status = 200;
        r.content_type = "text/event-stream";
        r.headers.Set("Cache-Control", "no-store");
        r.stream = std::make_shared<FeedBody>(std::move(feed).value());
        return Page::Raw(std::move(r));
      });
}

}  // namespace signx::web::internal
