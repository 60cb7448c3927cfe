// E-mailing a project report (issue 16 item 6): job `projects.email.send` sends a ready report's
// PDF as an attachment through src/mail (mail::SmtpClient) and records each send on the project's
// timeline (a project_events row, data.kind = "report_emailed").
//
//   request   RequestReportEmail validates the recipients (422 naming to[i]), refuses when e-mail
//             is off (smtp.url empty: 409 failed_precondition) or the report is not ready (409),
//             and enqueues the job in one transaction.
//   durable   the job is in the jobs table; a retryable mail error (kUnavailable,
//             kDeadlineExceeded: DNS/connect/TLS, 4xx replies, timeouts) is returned as is and the
//             queue retries it with backoff up to kEmailMaxAttempts; a permanent one (5xx, the
//             address policy, a too-large message, e-mail off) fails the job at once.
//   once      the timeline row carries the job id; a job that runs again after its row was
//             written does not send again.
//
// Thread-safety: thread-safe; the job needs only the store, blob store and SMTP settings, so
// `signx worker` runs it too.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "blobs/blob_store.h"
#include "jobs/queue.h"
#include "mail/smtp_client.h"
#include "storage/store.h"
#include "studio/store.h"

namespace signx::studio {

inline constexpr std::string_view kEmailJob = "projects.email.send";
inline constexpr int kEmailMaxAttempts = 8;
inline constexpr std::size_t kMaxEmailMessageBytes = 10000;

struct EmailRequest {
  std::vector<std::string> to;
  std::string message;  // optional text put above the standard body
};

struct QueuedEmail {
  std::string job_id;
  std::string report_id;
  std::vector<std::string> to;
};

// Validates and enqueues. `smtp_enabled` = smtp.url is set.
Result<QueuedEmail> RequestReportEmail(storage::Store& store, jobs::Queue& queue, bool smtp_enabled,
                                       const Scope& scope, std::string_view project_id,
                                       std::string_view report_id, const EmailRequest& request,
                                       const Clock& clock = SystemClock::Get());

// Sends the e-mail of one job (what the handler runs); records the send on the timeline.
Status SendReportEmail(storage::Store& store, const blobs::BlobStore& blobs,
                       const mail::SmtpClient& client, const Scope& scope, std::string_view job_id,
                       std::string_view project_id, std::string_view report_id,
                       const EmailRequest& request, const Clock& clock = SystemClock::Get());

Status RegisterEmailJobs(jobs::Queue& queue, storage::Store& store,
                         std::shared_ptr<const blobs::BlobStore> blobs,
                         mail::SmtpSettings settings);

}  // namespace signx::studio
