// NotificationService: turns dispatched events into notifications for the users whose
// preferences ask for them, and delivers them over email (src/mail), the user's signed webhook
// (webhooks' signature and SSRF address policy) and the in-app inbox (+ SSE).
//
// Fan-out (FanOut; called for every dispatched event by the live subscription and by the
// `notifications.fanout` catch-up job): for each user of the event's org whose preferences route
// the type to at least one channel, in ONE transaction per event: the notification row (unique per
// (user, event): replicas and the catch-up job may call FanOut for the same event, one row
// results), a `notification.created` outbox event when in-app is chosen (the inbox SSE stream
// follows those), and one delivery per push channel with its `notifications.deliver` job —
// held until quiet hours end (job run_at) or, for email with the digest on, parked for the digest.
// Events of type notification.* and webhook.test never notify (no loops).
//
// Delivery (Deliver, the `notifications.deliver` job): one attempt; success → succeeded; failure →
// the error goes back to the job queue, which retries with its exponential backoff; the attempt
// that uses the job's last attempt, or a permanent error (an SMTP 5xx, an invalid address, a URL
// the address policy refuses) → dead: a dead letter, listed by ListDeliveries(state=dead) and sent
// again by RetryDead with a fresh attempt budget.
//
// Digest (RunDigests, the hourly `notifications.digest` job): for each user with the digest on
// whose local digest hour has come since the last digest, one email listing the parked
// notifications (its own delivery, retried like any other).
//
// Tenant scope: every call on behalf of a caller takes the http::Principal: the inbox and
// preferences are the caller's own (users only: API keys have no inbox: kPermissionDenied);
// templates, deliveries and dead letters are the caller's org's. Another org's rows are kNotFound.
//
// Blocking: every method touches the database; Deliver does network I/O.
// Thread-safety: thread-safe; Store, Queue, Outbox and Clock are borrowed and must outlive it.
#pragma once

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/page.h"
#include "base/status.h"
#include "config/config.h"
#include "events/dispatcher.h"
#include "events/event.h"
#include "events/outbox.h"
#include "http/client.h"
#include "http/request.h"
#include "jobs/queue.h"
#include "mail/smtp_client.h"
#include "notifications/notification.h"
#include "notifications/time_zone.h"
#include "storage/store.h"
#include "webhooks/webhook.h"

namespace signx::notifications {

inline constexpr std::string_view kDeliverJob = "notifications.deliver";
inline constexpr std::string_view kFanOutJob = "notifications.fanout";
inline constexpr std::string_view kDigestJob = "notifications.digest";

struct NotificationSettings {
  // Attempts per delivery (one job) before it is dead; the queue's backoff spaces them.
  int max_attempts = 8;
  mail::SmtpSettings smtp;  // email channel (off while smtp.url is empty)
  // Webhook channel: the client, timeout and address policy of webhooks (webhooks.* config).
  webhooks::WebhookSettings webhook;
  std::string zoneinfo_dir = std::string(kZoneInfoDir);
};

// smtp.* and webhooks.* of `config`. kInvalidArgument for bad CIDRs or URLs.
Result<NotificationSettings> SettingsFrom(const config::Config& config);

struct Notification {
  std::string id;  // ntf_...
  std::string org_id;
  std::string user_id;
  std::string event_id;
  std::string event_type;
  std::string subject_id;
  std::string title;
  std::string body;
  bool in_app = true;
  std::optional<Timestamp> read_at;
  Timestamp created_at{};
};

// One attempt of a delivery (the delivery log).
struct Attempt {
  int attempt = 0;  // 1-based, counted across retries of a dead letter
  std::optional<std::string> job_id;
  Timestamp started_at{};
  int64_t duration_ms = 0;
  std::optional<std::string> error;  // unset when it succeeded
};

struct Delivery {
  std::string id;  // ntd_...
  std::string org_id;
  std::string user_id;
  std::optional<std::string> notification_id;  // unset for a digest
  std::string event_type;
  Channel channel = Channel::kEmail;
  std::string kind;   // single, digest
  std::string state;  // pending, digest, digested, succeeded, dead
  std::string target;
  std::string subject;
  std::string body_text;
  std::string body_html;
  std::optional<std::string> digest_id;
  std::optional<std::string> job_id;
  int attempts = 0;
  int max_attempts = 0;
  std::optional<std::string> last_error;
  std::optional<Timestamp> deliver_after;
  Timestamp created_at{};
  Timestamp updated_at{};
  std::optional<Timestamp> completed_at;
  std::vector<Attempt> attempt_log;  // oldest first; filled by GetDelivery and RetryDead
};

// What PUT /v1/notifications/preferences takes (everything but the secret and bookkeeping).
struct PreferencesInput {
  Preferences prefs;
  bool rotate_webhook_secret = false;
};

class NotificationService {
 public:
  // `outbox` appends notification.created events (in the fan-out transaction).
  NotificationService(storage::Store& store, jobs::Queue& queue, events::Outbox& outbox,
                      NotificationSettings settings, const Clock& clock = SystemClock::Get());
  ~NotificationService();

  // --- Fan-out ---------------------------------------------------------------------------------
  // Returns how many notifications this call created.
  Result<int> FanOut(const events::Event& event);
  // FanOut for every event of `dispatcher` (errors are logged; the catch-up job repairs them).
  events::Subscription Subscribe(events::Dispatcher& dispatcher);
  // FanOut for dispatched events after the stored cursor (at most `max_events`); advances the
  // cursor; returns the position handled through. The first run starts at the current last
  // position.
  Result<int64_t> CatchUp(int max_events);

  // --- Inbox (the caller's own) -----------------------------------------------------------------
  Result<Page<Notification>> Inbox(const http::Principal& p, bool unread_only, int limit,
                                   std::string_view cursor);
  Result<Notification> GetNotification(const http::Principal& p, std::string_view id);
  Result<Notification> MarkRead(const http::Principal& p, std::string_view id, bool read);
  // Marks every unread notification read; returns how many.
  Result<int64_t> MarkAllRead(const http::Principal& p);
  Result<int64_t> UnreadCount(const http::Principal& p);

  // --- Preferences (the caller's own) -----------------------------------------------------------
  // The stored preferences, or the defaults (no rules: nothing is sent) when none are stored.
  Result<Preferences> GetPreferences(const http::Principal& p);
  // Replaces them. A webhook secret is made when a URL is first set (or on rotate) and returned.
  // kValidationFailed with field details.
  Result<Preferences> PutPreferences(const http::Principal& p, PreferencesInput in);

  // --- Templates (the caller's org) -------------------------------------------------------------
  // kValidationFailed; kAlreadyExists when (event_type, channel) has one.
  Result<Template> CreateTemplate(const http::Principal& p, Template in);
  Result<Page<Template>> ListTemplates(const http::Principal& p, int limit,
                                       std::string_view cursor);
  Result<Template> GetTemplate(const http::Principal& p, std::string_view id);
  Result<Template> UpdateTemplate(const http::Principal& p, std::string_view id, Template in);
  Status DeleteTemplate(const http::Principal& p, std::string_view id);
  // Renders `t` (a stored one when t.id is set, else the given text) for a sample event of
  // `event_type` with `payload_json`. kValidationFailed for a template that does not compile or
  // a payload that is not a JSON object.
  Result<Rendered> Preview(const http::Principal& p, const Template& t, std::string_view event_type,
                           std::string_view payload_json);

  // --- Deliveries and dead letters (the caller's org) -------------------------------------------
  // Newest first; `state` filters (dead = the dead letters).
  Result<Page<Delivery>> ListDeliveries(const http::Principal& p, std::optional<std::string> state,
                                        int limit, std::string_view cursor);
  Result<Delivery> GetDelivery(const http::Principal& p, std::string_view id);
  // Sends a dead delivery again with a fresh attempt budget. kFailedPrecondition unless dead.
  Result<Delivery> RetryDead(const http::Principal& p, std::string_view id);

  // --- Jobs --------------------------------------------------------------------------------------
  // One attempt of delivery `id` by job `job_id` (attempt `attempt` of `max_attempts`).
  Status Deliver(std::string_view id, int attempt, int max_attempts, std::string_view job_id);
  // Sends every due digest; returns how many digests were queued.
  Result<int> RunDigests();

  const NotificationSettings& settings() const { return settings_; }
  const Clock& clock() const { return clock_; }

 private:
  Result<std::string> EnqueueDelivery(storage::Txn& txn, const std::string& org_id,
                                      const std::string& delivery_id,
                                      std::optional<Timestamp> run_at, std::string_view key);
  Status SendEmail(const Delivery& d) const;
  Status SendWebhook(const Delivery& d);

  storage::Store& store_;
  jobs::Queue& queue_;
  events::Outbox& outbox_;
  const NotificationSettings settings_;
  const Clock& clock_;
  mail::SmtpClient smtp_;
  http::HttpClient http_;
};

// Registers `notifications.deliver`, `notifications.fanout` (every minute) and
// `notifications.digest` (hourly) on `queue`. `service` must outlive the queue's workers.
Status RegisterNotificationJobs(jobs::Queue& queue, NotificationService& service);

}  // namespace signx::notifications
