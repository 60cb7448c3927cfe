#include "studio/email.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/sha256.h"
#include "http/json.h"
#include "mail/message.h"
#include "studio/report.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using storage::Json;

// The timeline row of one job's send: its id is derived from the job id, so a repeat run finds it.
std::string EventId(std::string_view job_id) { return "pev_mail_" + std::string(job_id); }

std::string JoinAddresses(const std::vector<std::string>& to) {
  std::string out;
  for (const std::string& a : to) {
    if (!out.empty()) out += ", ";
    out += a;
  }
  return out;
}

// The mail errors retrying can fix stay retryable for the queue; the others fail the job at once.
Status ForQueue(const Status& st) {
  if (st.code() == ErrorCode::kUnavailable || st.code() == ErrorCode::kDeadlineExceeded) {
    return st;
  }
  return Status(ErrorCode::kInvalidArgument, "permanent e-mail failure: " + st.ToString());
}

}  // namespace

Result<QueuedEmail> RequestReportEmail(storage::Store& store, jobs::Queue& queue, bool smtp_enabled,
                                       const Scope& scope, std::string_view project_id,
                                       std::string_view report_id, const EmailRequest& request,
                                       const Clock& clock) {
  std::vector<FieldError> errors;
  if (request.to.empty()) errors.push_back({"to", "at least one recipient is required"});
  if (request.to.size() > mail::kMaxRecipients) {
    errors.push_back({"to", fmt::format("at most {} recipients", mail::kMaxRecipients)});
  }
  std::vector<std::string> addresses;
  for (std::size_t i = 0; i < request.to.size(); ++i) {
    auto a = mail::MailboxAddress(request.to[i]);
    if (!a.ok()) {
      errors.push_back({fmt::format("to[{}]", i),
                        fmt::format("\"{}\" is not an e-mail address", request.to[i])});
    } else {
      addresses.push_back(*a);
    }
  }
  if (request.message.size() > kMaxEmailMessageBytes) {
    errors.push_back({"message", fmt::format("at most {} bytes", kMaxEmailMessageBytes)});
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid e-mail request");
  return store.WithTxnResult<QueuedEmail>([&](storage::Txn& txn) -> Result<QueuedEmail> {
    // Another org's project or report is a 404 before e-mail being off is said.
    StudioRepository repo(txn, scope, clock);
    SIGNX_RETURN_IF_ERROR(repo.GetProject(project_id).status());
    SIGNX_ASSIGN_OR_RETURN(auto report, FindReport(txn, scope, project_id, report_id));
    if (!report) return NotFound(fmt::format("report {} does not exist", report_id));
    if (!smtp_enabled) {
      return FailedPrecondition(
          "e-mail is off: set smtp.url (and smtp.from) in the configuration to send reports");
    }
    if (report->status != "ready") {
      return Status(
          ErrorCode::kConflict,
          fmt::format("report {} is {}; e-mail it once it is ready", report->id, report->status),
          {{"status", report->status}});
    }
    json::array to;
    for (const std::string& a : request.to) to.emplace_back(a);
    SIGNX_ASSIGN_OR_RETURN(
        auto job,
        queue.Enqueue(
            txn, {.type = std::string(kEmailJob),
                  .payload_json = http::ToJsonText(json::object{{"project_id", project_id},
                                                                {"report_id", report->id},
                                                                {"to", std::move(to)},
                                                                {"message", request.message},
                                                                {"requested_by", scope.actor}}),
                  .org_id = scope.org_id,
                  .max_attempts = kEmailMaxAttempts}));
    return QueuedEmail{.job_id = job.id, .report_id = report->id, .to = request.to};
  });
}

Status SendReportEmail(storage::Store& store, const blobs::BlobStore& blobs,
                       const mail::SmtpClient& client, const Scope& scope, std::string_view job_id,
                       std::string_view project_id, std::string_view report_id,
                       const EmailRequest& request, const Clock& clock) {
  std::optional<StoredReport> report;
  ProjectState project;
  bool already_sent = false;
  SIGNX_RETURN_IF_ERROR(store.WithTxn(
      [&](storage::Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(auto sent,
                               txn.QueryOne("SELECT id FROM project_events WHERE org_id = $1 AND "
                                            "id = $2",
                                            {scope.org_id, EventId(job_id)}));
        already_sent = sent.has_value();
        StudioRepository repo(txn, scope, clock);
        SIGNX_ASSIGN_OR_RETURN(project, repo.GetProject(project_id));
        SIGNX_ASSIGN_OR_RETURN(report, FindReport(txn, scope, project_id, report_id));
        return Status::Ok();
      },
      {.read_only = true}));
  if (already_sent) return Status::Ok();
  if (!report) return NotFound(fmt::format("report {} does not exist", report_id));
  if (report->status != "ready" || !report->blob_sha256) {
    return InvalidArgument(fmt::format("report {} is {}, not ready", report->id, report->status));
  }
  SIGNX_ASSIGN_OR_RETURN(std::string pdf, blobs.Read(*report->blob_sha256));
  if (Sha256Hex(pdf) != *report->blob_sha256) {
    return Status(ErrorCode::kDataLoss,
                  fmt::format("report {} is corrupt on disk (SHA-256 mismatch)", report->id));
  }
  std::string text;
  if (!request.message.empty()) text = request.message + "\n\n";
  text += fmt::format(
      "Attached is the project report for {}{}.\n\nProject: {}\nReport: {}\nSHA-256: {}\n",
      project.name, project.customer ? " (" + *project.customer + ")" : std::string(), project.id,
      report->id, *report->blob_sha256);
  mail::Message m{.to = request.to,
                  .subject = "Project report: " + project.name,
                  .text = std::move(text),
                  .attachments = {{.filename = report->id + ".pdf",
                                   .content_type = "application/pdf",
                                   .data = std::move(pdf)}},
                  .headers = {{"X-SignX-Report", report->id}}};
  auto receipt = client.Send(m);
  if (!receipt.ok()) return ForQueue(receipt.status());
  const std::string to_text = JoinAddresses(request.to);
  json::array recipients;
  for (const std::string& a : receipt->recipients) recipients.emplace_back(a);
  const json::object data{{"kind", "report_emailed"},
                          {"note", "report e-mailed to " + to_text},
                          {"report_id", report->id},
                          {"sha256", *report->blob_sha256},
                          {"to", std::move(recipients)},
                          {"message_id", receipt->message_id},
                          {"job_id", job_id}};
  return store.WithTxn([&](storage::Txn& txn) -> Status {
    SIGNX_ASSIGN_OR_RETURN(auto sent, txn.QueryOne("SELECT id FROM project_events WHERE org_id = "
                                                   "$1 AND id = $2",
                                                   {scope.org_id, EventId(job_id)}));
    if (sent) return Status::Ok();
    return txn
        .Exec(
            "INSERT INTO project_events (id, org_id, project_id, actor, from_status, to_status, "
            "data, at) VALUES ($1, $2, $3, $4, $5, $5, $6, $7)",
            {EventId(job_id), scope.org_id, std::string(project_id), scope.actor, project.status,
             Json{http::ToJsonText(data)}, clock.Now()})
        .status();
  });
}

Status RegisterEmailJobs(jobs::Queue& queue, storage::Store& store,
                         std::shared_ptr<const blobs::BlobStore> blobs,
                         mail::SmtpSettings settings) {
  auto client = std::make_shared<const mail::SmtpClient>(std::move(settings));
  queue.RegisterHandler(
      std::string(kEmailJob), [&store, blobs, client](jobs::JobContext& ctx) -> Status {
        boost::system::error_code ec;
        json::value payload = json::parse(ctx.payload(), ec);
        const json::object* o = payload.if_object();
        auto text = [&](std::string_view k) -> std::optional<std::string> {
          const json::value* v = o ? o->if_contains(k) : nullptr;
          return v && v->is_string() ? std::optional<std::string>(v->get_string()) : std::nullopt;
        };
        const json::value* to = o ? o->if_contains("to") : nullptr;
        if (ec || !o || !text("project_id") || !text("report_id") || !to || !to->is_array()) {
          return InvalidArgument(
              "projects.email.send payload needs {\"project_id\", \"report_id\", \"to\": [...]}");
        }
        if (!ctx.org_id()) return InvalidArgument("projects.email.send needs the job's org_id");
        EmailRequest request{.message = text("message").value_or("")};
        for (const auto& a : to->get_array()) {
          if (a.is_string()) request.to.emplace_back(a.get_string());
        }
        // The timeline names who asked for the e-mail.
        const Scope scope{*ctx.org_id(), text("requested_by").value_or("job:" + ctx.id())};
        SIGNX_RETURN_IF_ERROR(SendReportEmail(store, *blobs, *client, scope, ctx.id(),
                                              *text("project_id"), *text("report_id"), request));
        ctx.SetResult(http::ToJsonText(
            json::object{{"report_id", *text("report_id")}, {"to", to->get_array()}}));
        return Status::Ok();
      });
  return Status::Ok();
}

}  // namespace signx::studio
