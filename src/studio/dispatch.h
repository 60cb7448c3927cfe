// Dispatch to the PM system (issue 16 item 6): job `projects.submit.dispatch` POSTs an approved
// project — its fields, current payloads and a link to its report — to `studio.pm_url`.
//
//   signed     X-Signature: t=<unix>,v1=<HMAC-SHA256(studio.pm_secret, t + "." + body)> (the
//              webhooks' scheme, webhooks/webhook.h SignatureHeader), X-SignX-Event:
//              project.submitted, X-SignX-Delivery: <dispatch id>
//   idempotent one dispatch per (org, idempotency key); the key defaults to "<project>@v<version>"
//              and is sent as Idempotency-Key on every attempt, so a receiver dedupes retries
//   retried    a 5xx, 408, 429 or network error fails the attempt and the job queue retries with
//              its exponential backoff until studio.pm_max_attempts; another 4xx fails the
//              dispatch at once
//   logged     project_dispatch_attempts: status code, error, duration of every attempt
//   SSRF       the URL is checked against the webhooks' address policy (public addresses plus
//              webhooks.allow_private_cidrs) when it is resolved, on every attempt
//
// The report the link points to is the project's report of its current payloads; the job renders
// it first when it is not ready yet.
//
// Thread-safety: thread-safe; the job needs only the store, blob store and config (runs in
// `signx worker` too).
#pragma once

#include <boost/json/object.hpp>
#include <memory>
#include <optional>
#include <string>

#include "blobs/blob_store.h"
#include "config/config.h"
#include "http/client.h"
#include "jobs/queue.h"
#include "storage/store.h"
#include "studio/store.h"

namespace signx::studio {

inline constexpr std::string_view kDispatchJob = "projects.submit.dispatch";

struct DispatchSettings {
  std::string url;  // empty = off
  std::string secret;
  std::chrono::milliseconds timeout{10000};
  int max_attempts = 8;
  http::ClientOptions client;  // with the webhooks' address policy
};
Result<DispatchSettings> DispatchSettingsFrom(const config::Config& config);

struct StoredDispatch {
  std::string id;
  std::string project_id;
  std::string idempotency_key;
  std::string url;
  std::string status;  // pending, delivered, failed
  std::optional<std::string> job_id;
  int64_t attempts = 0;
  std::optional<int64_t> last_status_code;
  std::optional<std::string> last_error;
  Timestamp created_at;
  Timestamp updated_at;
};
boost::json::object ToJson(const StoredDispatch& d);

struct DispatchAttempt {
  int64_t attempt = 0;
  std::optional<int64_t> status_code;
  std::optional<std::string> error;
  int64_t duration_ms = 0;
  Timestamp at;
};
boost::json::object ToJson(const DispatchAttempt& a);

// Requests the dispatch of an approved project (409 naming "approved" otherwise; 409 when
// dispatch is off): the existing dispatch for the same key, or a new pending one with its job.
Result<StoredDispatch> RequestDispatch(storage::Store& store, jobs::Queue& queue,
                                       const DispatchSettings& settings, const Scope& scope,
                                       std::string_view project_id,
                                       std::optional<std::string> idempotency_key, bool* created,
                                       const Clock& clock = SystemClock::Get());

Result<StoredDispatch> GetDispatch(storage::Store& store, const Scope& scope,
                                   std::string_view project_id, std::string_view dispatch_id,
                                   std::vector<DispatchAttempt>* attempts);

Status RegisterDispatchJobs(jobs::Queue& queue, storage::Store& store,
                            std::shared_ptr<const blobs::BlobStore> blobs,
                            DispatchSettings settings);

}  // namespace signx::studio
