#include "notifications/service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <map>

#include "base/id.h"
#include "events/event_types.h"
#include "identity/scope.h"
#include "notifications/store.h"
#include "notifications/time_zone.h"
#include "web/templates.h"

namespace signx::notifications {
namespace {

namespace json = boost::json;
using storage::Txn;

constexpr std::string_view kCursorName = "fanout";
constexpr int kMaxDigestItems = 200;

// The caller as a user of an org: the inbox and preferences belong to people.
struct UserScope {
  std::string org_id;
  std::string user_id;
};

Result<UserScope> UserOf(const http::Principal& p) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(p));
  if (p.kind != "user") {
    return Status(ErrorCode::kPermissionDenied,
                  "notifications belong to users: API keys have no inbox or preferences");
  }
  return UserScope{scope.org_id, p.subject_id};
}

bool NeverNotifies(std::string_view type) {
  return type.rfind("notifications.", 0) == 0 || type == events::kWebhookTest;
}

std::string WebhookBody(const Notification& n, const events::Event& e, const Rendered& r) {
  std::error_code ec;
  json::value data = json::parse(e.payload_json.empty() ? "{}" : e.payload_json, ec);
  if (ec) data = json::object{};
  json::object body{{"id", n.id},
                    {"type", "notification"},
                    {"org_id", n.org_id},
                    {"user_id", n.user_id},
                    {"title", r.subject},
                    {"text", r.text},
                    {"created_at", FormatRfc3339(n.created_at)},
                    {"event", json::object{{"id", e.id},
                                           {"type", e.type},
                                           {"subject_id", e.subject_id},
                                           {"created_at", FormatRfc3339(e.created_at)},
                                           {"data", std::move(data)}}}};
  return json::serialize(body);
}

}  // namespace

Result<NotificationSettings> SettingsFrom(const config::Config& config) {
  NotificationSettings s;
  SIGNX_ASSIGN_OR_RETURN(s.smtp, mail::SettingsFrom(config.smtp));
  SIGNX_ASSIGN_OR_RETURN(s.webhook, webhooks::SettingsFrom(config.webhooks));
  return s;
}

NotificationService::NotificationService(storage::Store& store, jobs::Queue& queue,
                                         events::Outbox& outbox, NotificationSettings settings,
                                         const Clock& clock)
    : store_(store),
      queue_(queue),
      outbox_(outbox),
      settings_(std::move(settings)),
      clock_(clock),
      smtp_(settings_.smtp),
      http_(settings_.webhook.client) {}

NotificationService::~NotificationService() = default;

// --- Fan-out -------------------------------------------------------------------------------------

Result<std::string> NotificationService::EnqueueDelivery(Txn& txn, const std::string& org_id,
                                                         const std::string& delivery_id,
                                                         std::optional<Timestamp> run_at,
                                                         std::string_view key) {
  json::object payload{{"delivery_id", delivery_id}};
  SIGNX_ASSIGN_OR_RETURN(auto job, queue_.Enqueue(txn, {.type = std::string(kDeliverJob),
                                                        .payload_json = json::serialize(payload),
                                                        .org_id = org_id,
                                                        .max_attempts = settings_.max_attempts,
                                                        .run_at = run_at,
                                                        .dedupe_key = std::string(key)}));
  SIGNX_RETURN_IF_ERROR(store::SetDeliveryJob(txn, delivery_id, job.id));
  return job.id;
}

Result<int> NotificationService::FanOut(const events::Event& event) {
  if (NeverNotifies(event.type) || event.org_id.empty()) return 0;
  std::vector<Preferences> prefs;
  std::vector<Template> templates;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn(
      [&](Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(prefs, store::OrgPreferences(txn, event.org_id));
        SIGNX_ASSIGN_OR_RETURN(auto unset, store::MembersWithoutPreferences(txn, event.org_id));
        for (auto& user_id : unset) {
          Preferences d;
          d.org_id = event.org_id;
          d.user_id = std::move(user_id);
          d.rules = DefaultRules();
          prefs.push_back(std::move(d));
        }
        SIGNX_ASSIGN_OR_RETURN(templates, store::OrgTemplates(txn, event.org_id));
        return Status::Ok();
      },
      {.read_only = true}));
  struct Plan {
    const Preferences* prefs;
    std::vector<Channel> channels;
  };
  std::vector<Plan> plans;
  for (const auto& p : prefs) {
    auto channels = ChannelsFor(p, event.type);
    if (!channels.empty()) plans.push_back({&p, std::move(channels)});
  }
  if (plans.empty()) return 0;

  const Timestamp now = clock_.Now();
  int created = 0;
  bool appended = false;
  Status st = store_.WithTxn([&](Txn& txn) -> Status {
    created = 0;
    appended = false;
    for (const auto& plan : plans) {
      const Preferences& p = *plan.prefs;
      auto has = [&](Channel c) {
        return std::find(plan.channels.begin(), plan.channels.end(), c) != plan.channels.end();
      };
      Notification n;
      n.id = NewId("ntf", clock_);
      n.org_id = event.org_id;
      n.user_id = p.user_id;
      n.event_id = event.id;
      n.event_type = event.type;
      n.subject_id = event.subject_id;
      n.in_app = has(Channel::kInApp);
      n.created_at = now;
      auto in_app =
          Render(PickTemplate(templates, event.type, Channel::kInApp), event, p.user_id, n.id);
      if (!in_app.ok()) in_app = Render(DefaultTemplate(Channel::kInApp), event, p.user_id, n.id);
      SIGNX_RETURN_IF_ERROR(in_app.status());
      n.title = in_app->subject;
      n.body = Truncate(in_app->text, 4000);
      SIGNX_ASSIGN_OR_RETURN(bool inserted, store::InsertNotification(txn, n));
      if (!inserted) continue;  // another replica or the catch-up job got here first
      ++created;
      if (n.in_app) {
        json::object payload{{"notification_id", n.id},
                             {"user_id", n.user_id},
                             {"event_id", event.id},
                             {"event_type", event.type},
                             {"title", n.title}};
        SIGNX_RETURN_IF_ERROR(outbox_
                                  .Append(txn, {.type = std::string(events::kNotificationCreated),
                                                .org_id = n.org_id,
                                                .subject_id = n.user_id,
                                                .payload_json = json::serialize(payload)})
                                  .status());
        appended = true;
      }
      // Quiet hours hold the push channels until the window ends in the user's zone.
      std::optional<Timestamp> hold;
      if (p.quiet_start_min && p.quiet_end_min) {
        if (auto zone = LoadTimeZone(p.time_zone, settings_.zoneinfo_dir); zone.ok()) {
          hold = QuietUntil(**zone, *p.quiet_start_min, *p.quiet_end_min, now);
        }
      }
      for (Channel c : {Channel::kEmail, Channel::kWebhook}) {
        if (!has(c)) continue;
        const std::string target = c == Channel::kEmail ? p.email : p.webhook_url;
        if (target.empty()) continue;
        auto r = Render(PickTemplate(templates, event.type, c), event, p.user_id, n.id);
        if (!r.ok()) r = Render(DefaultTemplate(c), event, p.user_id, n.id);
        SIGNX_RETURN_IF_ERROR(r.status());
        Delivery d;
        d.id = NewId("ntd", clock_);
        d.org_id = n.org_id;
        d.user_id = n.user_id;
        d.notification_id = n.id;
        d.event_type = event.type;
        d.channel = c;
        d.kind = "single";
        d.target = target;
        d.subject = r->subject;
        d.body_text = c == Channel::kWebhook ? WebhookBody(n, event, *r) : r->text;
        d.body_html = r->html;
        d.max_attempts = settings_.max_attempts;
        d.created_at = d.updated_at = now;
        const bool parked = c == Channel::kEmail && p.digest;
        d.state = parked ? "digest" : "pending";
        if (!parked) d.deliver_after = hold;
        SIGNX_RETURN_IF_ERROR(store::InsertDelivery(txn, d));
        if (!parked)
          SIGNX_RETURN_IF_ERROR(EnqueueDelivery(txn, d.org_id, d.id, hold, d.id).status());
      }
    }
    return Status::Ok();
  });
  SIGNX_RETURN_IF_ERROR(st);
  if (appended) outbox_.Notify();
  return created;
}

events::Subscription NotificationService::Subscribe(events::Dispatcher& dispatcher) {
  return dispatcher.Subscribe(events::EventFilter{}, [this](const events::Event& event) {
    auto created = FanOut(event);
    if (!created.ok()) {
      spdlog::error("notifications: fan-out of event {} ({}) failed: {}", event.id, event.type,
                    created.status().ToString());
    }
  });
}

Result<int64_t> NotificationService::CatchUp(int max_events) {
  std::optional<int64_t> cursor;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](Txn& txn) -> Status {
    SIGNX_ASSIGN_OR_RETURN(cursor, store::GetCursor(txn, kCursorName));
    return Status::Ok();
  }));
  if (!cursor) {
    SIGNX_ASSIGN_OR_RETURN(int64_t last, events::LastPosition(store_));
    SIGNX_RETURN_IF_ERROR(
        store_.WithTxn([&](Txn& txn) { return store::SetCursor(txn, kCursorName, last); }));
    return last;
  }
  int64_t through = *cursor;
  int handled = 0;
  while (handled < max_events) {
    const int page = std::min(500, max_events - handled);
    SIGNX_ASSIGN_OR_RETURN(auto batch,
                           events::ReadSince(store_, {.after_position = through, .limit = page}));
    for (const auto& event : batch) {
      SIGNX_RETURN_IF_ERROR(FanOut(event).status());
      through = event.position;
    }
    handled += static_cast<int>(batch.size());
    if (static_cast<int>(batch.size()) < page) break;
  }
  if (through != *cursor) {
    SIGNX_RETURN_IF_ERROR(
        store_.WithTxn([&](Txn& txn) { return store::SetCursor(txn, kCursorName, through); }));
  }
  return through;
}

// --- Inbox ---------------------------------------------------------------------------------------

Result<Page<Notification>> NotificationService::Inbox(const http::Principal& p, bool unread_only,
                                                      int limit, std::string_view cursor) {
  SIGNX_ASSIGN_OR_RETURN(auto u, UserOf(p));
  return store_.WithTxnResult<Page<Notification>>(
      [&](Txn& txn) { return store::Inbox(txn, u.org_id, u.user_id, unread_only, limit, cursor); },
      {.read_only = true});
}

Result<Notification> NotificationService::GetNotification(const http::Principal& p,
                                                          std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(auto u, UserOf(p));
  return store_.WithTxnResult<Notification>(
      [&](Txn& txn) -> Result<Notification> {
        SIGNX_ASSIGN_OR_RETURN(auto n, store::GetNotification(txn, u.org_id, u.user_id, id));
        if (!n || !n->in_app) return NotFound(fmt::format("notification {} does not exist", id));
        return *n;
      },
      {.read_only = true});
}

Result<Notification> NotificationService::MarkRead(const http::Principal& p, std::string_view id,
                                                   bool read) {
  SIGNX_ASSIGN_OR_RETURN(auto u, UserOf(p));
  return store_.WithTxnResult<Notification>([&](Txn& txn) -> Result<Notification> {
    SIGNX_ASSIGN_OR_RETURN(auto n, store::GetNotification(txn, u.org_id, u.user_id, id));
    if (!n || !n->in_app) return NotFound(fmt::format("notification {} does not exist", id));
    if (read && !n->read_at) n->read_at = clock_.Now();
    if (!read) n->read_at.reset();
    SIGNX_RETURN_IF_ERROR(store::SetRead(txn, n->id, n->read_at));
    return *n;
  });
}

Result<int64_t> NotificationService::MarkAllRead(const http::Principal& p) {
  SIGNX_ASSIGN_OR_RETURN(auto u, UserOf(p));
  return store_.WithTxnResult<int64_t>(
      [&](Txn& txn) { return store::MarkAllRead(txn, u.org_id, u.user_id, clock_.Now()); });
}

Result<int64_t> NotificationService::UnreadCount(const http::Principal& p) {
  SIGNX_ASSIGN_OR_RETURN(auto u, UserOf(p));
  return store_.WithTxnResult<int64_t>(
      [&](Txn& txn) { return store::UnreadCount(txn, u.org_id, u.user_id); }, {.read_only = true});
}

// --- Preferences ---------------------------------------------------------------------------------

Result<Preferences> NotificationService::GetPreferences(const http::Principal& p) {
  SIGNX_ASSIGN_OR_RETURN(auto u, UserOf(p));
  return store_.WithTxnResult<Preferences>(
      [&](Txn& txn) -> Result<Preferences> {
        SIGNX_ASSIGN_OR_RETURN(auto stored, store::GetPreferences(txn, u.org_id, u.user_id));
        if (stored) return *stored;
        Preferences defaults;
        defaults.org_id = u.org_id;
        defaults.user_id = u.user_id;
        defaults.rules = DefaultRules();
        return defaults;
      },
      {.read_only = true});
}

Result<Preferences> NotificationService::PutPreferences(const http::Principal& p,
                                                        PreferencesInput in) {
  SIGNX_ASSIGN_OR_RETURN(auto u, UserOf(p));
  Preferences next = std::move(in.prefs);
  next.org_id = u.org_id;
  next.user_id = u.user_id;
  if (auto errors = ValidatePreferences(next, settings_.webhook.client.address_policy);
      !errors.empty()) {
    return ValidationFailed(std::move(errors), "invalid notification preferences");
  }
  if (!next.webhook_url.empty()) next.webhook_url = webhooks::NormalizeUrl(next.webhook_url);
  return store_.WithTxnResult<Preferences>([&](Txn& txn) -> Result<Preferences> {
    SIGNX_ASSIGN_OR_RETURN(auto stored, store::GetPreferences(txn, u.org_id, u.user_id));
    next.webhook_secret = stored ? stored->webhook_secret : "";
    next.last_digest_at = stored ? stored->last_digest_at : std::nullopt;
    if (next.webhook_url.empty()) {
      next.webhook_secret.clear();
    } else if (next.webhook_secret.empty() || in.rotate_webhook_secret) {
      next.webhook_secret = webhooks::NewSecret();
    }
    next.updated_at = clock_.Now();
    SIGNX_RETURN_IF_ERROR(store::UpsertPreferences(txn, next));
    return next;
  });
}

// --- Templates -----------------------------------------------------------------------------------

Result<Template> NotificationService::CreateTemplate(const http::Principal& p, Template in) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(p));
  if (auto errors = ValidateTemplate(in); !errors.empty()) {
    return ValidationFailed(std::move(errors), "invalid notification template");
  }
  in.id = NewId("ntt", clock_);
  in.org_id = scope.org_id;
  in.created_by = p.subject_id;
  in.created_at = in.updated_at = clock_.Now();
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](Txn& txn) -> Status {
    Status st = store::InsertTemplate(txn, in);
    if (st.code() == ErrorCode::kAlreadyExists) {
      return AlreadyExists(fmt::format("the org already has a {} template for '{}'",
                                       ChannelName(in.channel), in.event_type));
    }
    return st;
  }));
  return in;
}

Result<Page<Template>> NotificationService::ListTemplates(const http::Principal& p, int limit,
                                                          std::string_view cursor) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(p));
  return store_.WithTxnResult<Page<Template>>(
      [&](Txn& txn) { return store::ListTemplates(txn, scope.org_id, limit, cursor); },
      {.read_only = true});
}

Result<Template> NotificationService::GetTemplate(const http::Principal& p, std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(p));
  return store_.WithTxnResult<Template>(
      [&](Txn& txn) -> Result<Template> {
        SIGNX_ASSIGN_OR_RETURN(auto t, store::GetTemplate(txn, scope.org_id, id));
        if (!t) return NotFound(fmt::format("notification template {} does not exist", id));
        return *t;
      },
      {.read_only = true});
}

Result<Template> NotificationService::UpdateTemplate(const http::Principal& p, std::string_view id,
                                                     Template in) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(p));
  if (auto errors = ValidateTemplate(in); !errors.empty()) {
    return ValidationFailed(std::move(errors), "invalid notification template");
  }
  return store_.WithTxnResult<Template>([&](Txn& txn) -> Result<Template> {
    SIGNX_ASSIGN_OR_RETURN(auto t, store::GetTemplate(txn, scope.org_id, id));
    if (!t) return NotFound(fmt::format("notification template {} does not exist", id));
    in.id = t->id;
    in.org_id = t->org_id;
    in.created_by = t->created_by;
    in.created_at = t->created_at;
    in.updated_at = clock_.Now();
    Status st = store::UpdateTemplate(txn, in);
    if (st.code() == ErrorCode::kAlreadyExists) {
      return AlreadyExists(fmt::format("the org already has a {} template for '{}'",
                                       ChannelName(in.channel), in.event_type));
    }
    SIGNX_RETURN_IF_ERROR(st);
    return in;
  });
}

Status NotificationService::DeleteTemplate(const http::Principal& p, std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(p));
  return store_.WithTxn([&](Txn& txn) -> Status {
    SIGNX_ASSIGN_OR_RETURN(int64_t n, store::DeleteTemplate(txn, scope.org_id, id));
    if (n == 0) return NotFound(fmt::format("notification template {} does not exist", id));
    return Status::Ok();
  });
}

Result<Rendered> NotificationService::Preview(const http::Principal& p, const Template& t,
                                              std::string_view event_type,
                                              std::string_view payload_json) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(p));
  Template use = t;
  if (!t.id.empty()) {
    SIGNX_ASSIGN_OR_RETURN(use, GetTemplate(p, t.id));
  }
  std::error_code ec;
  json::value payload = json::parse(payload_json.empty() ? "{}" : payload_json, ec);
  if (ec || !payload.is_object()) {
    return ValidationFailed({{"data", "must be a JSON object (the sample event payload)"}});
  }
  events::Event sample;
  sample.id = "evt_preview";
  sample.type = event_type.empty() ? "project.created" : std::string(event_type);
  sample.org_id = scope.org_id;
  sample.subject_id = "prj_preview";
  sample.payload_json = json::serialize(payload);
  sample.created_at = clock_.Now();
  return Render(use, sample, p.subject_id, "ntf_preview");
}

// --- Deliveries ----------------------------------------------------------------------------------

Result<Page<Delivery>> NotificationService::ListDeliveries(const http::Principal& p,
                                                           std::optional<std::string> state,
                                                           int limit, std::string_view cursor) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(p));
  static const std::vector<std::string> kStates = {"pending", "digest", "digested", "succeeded",
                                                   "dead"};
  if (state && std::find(kStates.begin(), kStates.end(), *state) == kStates.end()) {
    return ValidationFailed(
        {{"state", "must be one of pending, digest, digested, succeeded, dead"}});
  }
  return store_.WithTxnResult<Page<Delivery>>(
      [&](Txn& txn) { return store::ListDeliveries(txn, scope.org_id, state, limit, cursor); },
      {.read_only = true});
}

Result<Delivery> NotificationService::GetDelivery(const http::Principal& p, std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(p));
  return store_.WithTxnResult<Delivery>(
      [&](Txn& txn) -> Result<Delivery> {
        SIGNX_ASSIGN_OR_RETURN(auto d, store::GetOrgDelivery(txn, scope.org_id, id));
        if (!d) return NotFound(fmt::format("notification delivery {} does not exist", id));
        SIGNX_ASSIGN_OR_RETURN(d->attempt_log, store::Attempts(txn, d->id));
        return *d;
      },
      {.read_only = true});
}

Result<Delivery> NotificationService::RetryDead(const http::Principal& p, std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(p));
  return store_.WithTxnResult<Delivery>([&](Txn& txn) -> Result<Delivery> {
    SIGNX_ASSIGN_OR_RETURN(auto d, store::GetOrgDelivery(txn, scope.org_id, id));
    if (!d) return NotFound(fmt::format("notification delivery {} does not exist", id));
    if (d->state != "dead") {
      return FailedPrecondition(
          fmt::format("delivery {} is {}, not dead: only dead letters are retried", id, d->state));
    }
    const Timestamp now = clock_.Now();
    SIGNX_RETURN_IF_ERROR(store::Reopen(txn, d->id, d->attempts + settings_.max_attempts, now));
    SIGNX_RETURN_IF_ERROR(EnqueueDelivery(txn, d->org_id, d->id, std::nullopt,
                                          fmt::format("{}:retry:{}", d->id, d->attempts))
                              .status());
    SIGNX_ASSIGN_OR_RETURN(auto after, store::GetDelivery(txn, d->id));
    SIGNX_ASSIGN_OR_RETURN(after->attempt_log, store::Attempts(txn, d->id));
    return *after;
  });
}

// --- Jobs ----------------------------------------------------------------------------------------

Status NotificationService::SendEmail(const Delivery& d) const {
  mail::Message m;
  m.to = {d.target};
  m.subject = d.subject;
  m.text = d.body_text;
  m.html = d.body_html;
  m.headers = {{"X-SignX-Notification", d.notification_id.value_or(d.id)},
               {"X-SignX-Delivery", d.id}};
  return smtp_.Send(m).status();
}

Status NotificationService::SendWebhook(const Delivery& d) {
  std::string secret;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn(
      [&](Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(auto prefs, store::GetPreferences(txn, d.org_id, d.user_id));
        if (prefs) secret = prefs->webhook_secret;
        return Status::Ok();
      },
      {.read_only = true}));
  if (secret.empty()) {
    return FailedPrecondition("the user removed their webhook: nothing to sign with");
  }
  const int64_t unix_now =
      std::chrono::duration_cast<std::chrono::seconds>(clock_.Now().time_since_epoch()).count();
  http::ClientRequest req;
  req.method = "POST";
  req.url = d.target;
  req.body = d.body_text;
  req.timeout = settings_.webhook.timeout;
  req.headers = {{"Content-Type", "application/json"},
                 {"X-Signature", webhooks::SignatureHeader(unix_now, req.body, {secret})},
                 {"X-SignX-Event", "notification"},
                 {"X-SignX-Delivery", d.id}};
  SIGNX_ASSIGN_OR_RETURN(auto resp, http_.Send(req));
  if (resp.status >= 200 && resp.status < 300) return Status::Ok();
  return Unavailable(fmt::format("the webhook answered HTTP {}", resp.status));
}

Status NotificationService::Deliver(std::string_view id, int attempt, int max_attempts,
                                    std::string_view job_id) {
  std::optional<Delivery> d;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn(
      [&](Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(d, store::GetDelivery(txn, id));
        return Status::Ok();
      },
      {.read_only = true}));
  // Gone, finished, parked, or a stale job after a retry: nothing to do.
  if (!d || d->state != "pending" || (d->job_id && *d->job_id != job_id)) return Status::Ok();
  const Timestamp started = clock_.Now();
  const auto t0 = std::chrono::steady_clock::now();
  Status sent = d->channel == Channel::kEmail ? SendEmail(*d) : SendWebhook(*d);
  const Timestamp now = clock_.Now();
  Attempt log{.attempt = d->attempts + 1,
              .job_id = std::string(job_id),
              .started_at = started,
              .duration_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                 std::chrono::steady_clock::now() - t0)
                                 .count()};
  if (sent.ok()) {
    return store_.WithTxn([&](Txn& txn) -> Status {
      SIGNX_RETURN_IF_ERROR(store::InsertAttempt(txn, *d, log));
      return store::RecordAttempt(txn, d->id, "succeeded", std::nullopt, now, true);
    });
  }
  if (sent.code() == ErrorCode::kFailedPrecondition) {
    // Nothing to send with (e-mail off, webhook removed): a permanent failure for this delivery.
    sent = Status(ErrorCode::kInvalidArgument, std::string(sent.message()));
  }
  const bool dead = jobs::Queue::IsPermanent(sent) || attempt >= max_attempts;
  log.error = Truncate(sent.ToString(), 1000);
  SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](Txn& txn) -> Status {
    SIGNX_RETURN_IF_ERROR(store::InsertAttempt(txn, *d, log));
    return store::RecordAttempt(txn, d->id, dead ? "dead" : "pending", log.error, now, dead);
  }));
  spdlog::warn("notifications: delivery {} ({} to {}) attempt {}/{} failed{}: {}", d->id,
               ChannelName(d->channel), d->target, attempt, max_attempts,
               dead ? " (dead letter)" : "", sent.ToString());
  return sent;
}

Result<int> NotificationService::RunDigests() {
  std::vector<Preferences> users;
  SIGNX_RETURN_IF_ERROR(store_.WithTxn(
      [&](Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(users, store::DigestPreferences(txn));
        return Status::Ok();
      },
      {.read_only = true}));
  const Timestamp now = clock_.Now();
  int queued = 0;
  for (const auto& p : users) {
    auto zone = LoadTimeZone(p.time_zone, settings_.zoneinfo_dir);
    if (!zone.ok() || p.email.empty()) continue;
    const Timestamp base = p.last_digest_at.value_or(p.updated_at);
    if (NextLocalHour(**zone, p.digest_hour, base) > now) continue;
    SIGNX_RETURN_IF_ERROR(store_.WithTxn([&](Txn& txn) -> Status {
      SIGNX_ASSIGN_OR_RETURN(auto items,
                             store::ParkedForDigest(txn, p.org_id, p.user_id, kMaxDigestItems));
      SIGNX_RETURN_IF_ERROR(store::SetLastDigest(txn, p.org_id, p.user_id, now));
      if (items.empty()) return Status::Ok();
      Delivery d;
      d.id = NewId("ntd", clock_);
      d.org_id = p.org_id;
      d.user_id = p.user_id;
      d.event_type = "digest";
      d.channel = Channel::kEmail;
      d.kind = "digest";
      d.state = "pending";
      d.target = p.email;
      d.subject = fmt::format("[SignX] Your daily digest: {} notification{}", items.size(),
                              items.size() == 1 ? "" : "s");
      std::string text = fmt::format("Your notifications since the last digest ({}):\n\n",
                                     FormatLocal(**zone, base));
      std::string html = "<h1>Your SignX digest</h1><ul>";
      for (const auto& it : items) {
        text += "* " + it.subject + "\n" + it.body_text + "\n\n";
        html += "<li><b>" + web::EscapeHtml(it.subject) + "</b><br>" +
                web::EscapeHtml(it.body_text) + "</li>";
      }
      html += "</ul>";
      d.body_text = text;
      d.body_html = html;
      d.max_attempts = settings_.max_attempts;
      d.created_at = d.updated_at = now;
      SIGNX_RETURN_IF_ERROR(store::InsertDelivery(txn, d));
      for (const auto& it : items)
        SIGNX_RETURN_IF_ERROR(store::MarkDigested(txn, it.id, d.id, now));
      SIGNX_RETURN_IF_ERROR(EnqueueDelivery(txn, d.org_id, d.id, std::nullopt, d.id).status());
      ++queued;
      return Status::Ok();
    }));
  }
  return queued;
}

Status RegisterNotificationJobs(jobs::Queue& queue, NotificationService& service) {
  NotificationService* svc = &service;
  queue.RegisterHandler(std::string(kDeliverJob), [svc](jobs::JobContext& ctx) -> Status {
    std::error_code ec;
    json::value v = json::parse(ctx.payload(), ec);
    const json::value* field =
        (!ec && v.is_object()) ? v.as_object().if_contains("delivery_id") : nullptr;
    const json::string* id = field ? field->if_string() : nullptr;
    if (id == nullptr) return InvalidArgument("payload needs delivery_id");
    return svc->Deliver(std::string(*id), ctx.attempt(), ctx.job().max_attempts, ctx.id());
  });
  queue.RegisterHandler(std::string(kFanOutJob), [svc](jobs::JobContext& ctx) -> Status {
    SIGNX_ASSIGN_OR_RETURN(int64_t through, svc->CatchUp(5000));
    ctx.SetResult(fmt::format(R"({{"through_position":{}}})", through));
    return Status::Ok();
  });
  queue.RegisterHandler(std::string(kDigestJob), [svc](jobs::JobContext& ctx) -> Status {
    SIGNX_ASSIGN_OR_RETURN(int queued, svc->RunDigests());
    ctx.SetResult(fmt::format(R"({{"digests":{}}})", queued));
    return Status::Ok();
  });
  SIGNX_RETURN_IF_ERROR(queue.ScheduleRecurring({.name = std::string(kFanOutJob),
                                                 .type = std::string(kFanOutJob),
                                                 .schedule = "@every 1m",
                                                 .max_attempts = 1}));
  return queue.ScheduleRecurring({.name = std::string(kDigestJob),
                                  .type = std::string(kDigestJob),
                                  .schedule = "@every 15m",
                                  .max_attempts = 1});
}

}  // namespace signx::notifications
