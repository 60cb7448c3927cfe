#include "notifications/routes.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <chrono>
#include <set>

#include "base/strings.h"
#include "events/event_stream.h"
#include "http/handler.h"
#include "http/json.h"
#include "http/pagination.h"
#include "identity/roles.h"
#include "identity/scope.h"

namespace signx::notifications {
namespace json = boost::json;
namespace {

using http::Request;
using http::Response;

constexpr int64_t kSmallBody = 64 * 1024;
constexpr int64_t kTemplateBody = 256 * 1024;

Result<const http::Principal*> PrincipalOf(const Request& r) {
  if (!r.principal) return Status(ErrorCode::kUnauthenticated, "authentication required");
  return &*r.principal;
}

Result<http::PageQuery> ReadPage(const Request& r, std::string_view id_prefix) {
  std::vector<FieldError> bad;
  http::PageQuery q =
      http::ReadPageQuery(r, bad, {.default_limit = kDefaultPage, .max_limit = kMaxPage},
                          http::IdCursor(std::string(id_prefix)));
  if (!bad.empty()) return http::BadQuery(std::move(bad));
  return q;
}

std::vector<http::ParamDoc> PageParams() {
  return http::PageParams({.default_limit = kDefaultPage, .max_limit = kMaxPage});
}

json::value OptTime(const std::optional<Timestamp>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

// Field readers that collect every problem.
struct Reader {
  const json::object& o;
  std::vector<FieldError> errors;

  void Known(std::initializer_list<std::string_view> names) {
    const std::set<std::string_view> known(names);
    for (const auto& kv : o) {
      if (!known.count(kv.key())) errors.push_back({std::string(kv.key()), "is not a known field"});
    }
  }
  std::optional<std::string> Text(std::string_view name) {
    const json::value* v = o.if_contains(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_string()) {
      errors.push_back({std::string(name), "must be a string"});
      return std::nullopt;
    }
    return std::string(v->get_string());
  }
  std::optional<int64_t> Int(std::string_view name) {
    const json::value* v = o.if_contains(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_int64()) {
      errors.push_back({std::string(name), "must be an integer"});
      return std::nullopt;
    }
    return v->get_int64();
  }
  std::optional<bool> Bool(std::string_view name) {
    const json::value* v = o.if_contains(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_bool()) {
      errors.push_back({std::string(name), "must be true or false"});
      return std::nullopt;
    }
    return v->get_bool();
  }
};

Result<Template> ReadTemplate(const json::object& o) {
  Reader rd{o, {}};
  rd.Known({"event_type", "channel", "subject", "body_text", "body_html"});
  Template t;
  t.event_type = rd.Text("event_type").value_or("");
  const std::string channel = rd.Text("channel").value_or("");
  if (auto c = ParseChannel(channel)) {
    t.channel = *c;
  } else {
    rd.errors.push_back({"channel", "must be one of email, webhook, in_app"});
  }
  t.subject = rd.Text("subject").value_or("");
  t.body_text = rd.Text("body_text").value_or("");
  t.body_html = rd.Text("body_html").value_or("");
  if (!rd.errors.empty()) return ValidationFailed(std::move(rd.errors));
  return t;
}

// --- Handlers ----------------------------------------------------------------------------------

Result<Response> ListInbox(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto q, ReadPage(r, "ntf"));
  bool unread = false;
  if (auto v = r.Query("unread")) {
    auto b = ParseBool(*v);
    if (!b) return http::BadQuery({{"unread", "must be true or false"}});
    unread = *b;
  }
  SIGNX_ASSIGN_OR_RETURN(auto page, svc.Inbox(*p, unread, q.limit, q.cursor));
  json::array items;
  for (const auto& n : page.items) items.push_back(NotificationJson(n));
  return http::ListResponse(std::move(items), page.next_cursor);
}

Result<Response> UnreadCount(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(int64_t n, svc.UnreadCount(*p));
  return http::JsonResponse(200, json::object{{"unread", n}});
}

Result<Response> GetOne(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto n, svc.GetNotification(*p, r.PathParam("id")));
  return http::JsonResponse(200, NotificationJson(n));
}

Result<Response> MarkRead(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  bool read = true;
  if (!Trim(r.body).empty()) {
    SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(r));
    Reader rd{body, {}};
    rd.Known({"read"});
    read = rd.Bool("read").value_or(true);
    if (!rd.errors.empty()) return ValidationFailed(std::move(rd.errors));
  }
  SIGNX_ASSIGN_OR_RETURN(auto n, svc.MarkRead(*p, r.PathParam("id"), read));
  return http::JsonResponse(200, NotificationJson(n));
}

Result<Response> ReadAll(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(int64_t n, svc.MarkAllRead(*p));
  return http::JsonResponse(200, json::object{{"marked_read", n}});
}

Result<Response> GetPrefs(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto prefs, svc.GetPreferences(*p));
  return http::JsonResponse(200, PreferencesJson(prefs, false));
}

Result<Response> PutPrefs(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(r));
  SIGNX_ASSIGN_OR_RETURN(auto in, ReadPreferences(body));
  SIGNX_ASSIGN_OR_RETURN(auto before, svc.GetPreferences(*p));
  SIGNX_ASSIGN_OR_RETURN(auto after, svc.PutPreferences(*p, std::move(in)));
  // The signing secret is shown when it is new (first URL or rotation), like webhooks' secrets.
  const bool new_secret =
      !after.webhook_secret.empty() && after.webhook_secret != before.webhook_secret;
  Response resp = http::JsonResponse(200, PreferencesJson(after, new_secret));
  resp.headers.Set("Cache-Control", "no-store");
  return resp;
}

Result<Response> CreateTpl(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(r));
  SIGNX_ASSIGN_OR_RETURN(auto in, ReadTemplate(body));
  SIGNX_ASSIGN_OR_RETURN(auto t, svc.CreateTemplate(*p, std::move(in)));
  Response resp = http::JsonResponse(201, TemplateJson(t));
  resp.headers.Set("Location", "/v1/notifications/templates/" + t.id);
  return resp;
}

Result<Response> ListTpl(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto q, ReadPage(r, "ntt"));
  SIGNX_ASSIGN_OR_RETURN(auto page, svc.ListTemplates(*p, q.limit, q.cursor));
  json::array items;
  for (const auto& t : page.items) items.push_back(TemplateJson(t));
  return http::ListResponse(std::move(items), page.next_cursor);
}

Result<Response> GetTpl(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto t, svc.GetTemplate(*p, r.PathParam("id")));
  return http::JsonResponse(200, TemplateJson(t));
}

Result<Response> PutTpl(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(r));
  SIGNX_ASSIGN_OR_RETURN(auto in, ReadTemplate(body));
  SIGNX_ASSIGN_OR_RETURN(auto t, svc.UpdateTemplate(*p, r.PathParam("id"), std::move(in)));
  return http::JsonResponse(200, TemplateJson(t));
}

Result<Response> DeleteTpl(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_RETURN_IF_ERROR(svc.DeleteTemplate(*p, r.PathParam("id")));
  return Response::NoContent();
}

Result<Response> PreviewTpl(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(r));
  Reader rd{body, {}};
  rd.Known({"template_id", "event_type", "channel", "subject", "body_text", "body_html", "data"});
  Template t;
  t.id = rd.Text("template_id").value_or("");
  if (t.id.empty()) {
    t.event_type = "*";
    const std::string channel = rd.Text("channel").value_or("email");
    if (auto c = ParseChannel(channel)) {
      t.channel = *c;
    } else {
      rd.errors.push_back({"channel", "must be one of email, webhook, in_app"});
    }
    t.subject = rd.Text("subject").value_or("");
    t.body_text = rd.Text("body_text").value_or("");
    t.body_html = rd.Text("body_html").value_or("");
  }
  const std::string event_type = rd.Text("event_type").value_or("project.created");
  std::string data = "{}";
  if (const json::value* d = body.if_contains("data"); d != nullptr && !d->is_null()) {
    if (!d->is_object()) {
      rd.errors.push_back({"data", "must be a JSON object (the sample event payload)"});
    } else {
      data = json::serialize(*d);
    }
  }
  if (!rd.errors.empty()) return ValidationFailed(std::move(rd.errors));
  SIGNX_ASSIGN_OR_RETURN(auto out, svc.Preview(*p, t, event_type, data));
  return http::JsonResponse(
      200, json::object{{"subject", out.subject}, {"text", out.text}, {"html", out.html}});
}

Result<Response> ListDlv(NotificationService& svc, Request& r, std::optional<std::string> state) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto q, ReadPage(r, "ntd"));
  if (!state) {
    if (auto s = r.Query("state")) state = std::string(*s);
  }
  SIGNX_ASSIGN_OR_RETURN(auto page, svc.ListDeliveries(*p, state, q.limit, q.cursor));
  json::array items;
  for (const auto& d : page.items) items.push_back(DeliveryJson(d));
  return http::ListResponse(std::move(items), page.next_cursor);
}

Result<Response> GetDlv(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto d, svc.GetDelivery(*p, r.PathParam("id")));
  return http::JsonResponse(200, DeliveryJson(d));
}

Result<Response> RetryDlv(NotificationService& svc, Request& r) {
  SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
  SIGNX_ASSIGN_OR_RETURN(auto d, svc.RetryDead(*p, r.PathParam("id")));
  return http::JsonResponse(202, DeliveryJson(d));
}

// The user's notifications.notification_created events as SSE; the list route is the backlog.
class InboxStream final : public http::StreamBody {
 public:
  InboxStream(std::unique_ptr<events::EventStream> stream, std::string user_id, StreamFormat format,
              std::optional<events::SseStreamLimits::Slot> slot)
      : slot_(std::move(slot)),
        stream_(std::move(stream)),
        user_id_(std::move(user_id)),
        format_(format) {}

  std::optional<std::string> Poll() override {
    if (ended_) return std::nullopt;
    std::string out;
    if (first_) {
      out = "retry: 3000\n\n";
      first_ = false;
    }
    events::StreamBatch batch = stream_->Poll();
    for (const auto& e : batch.events) {
      if (e.subject_id != user_id_) continue;
      if (format_ == StreamFormat::kEvent) {
        out += events::FormatSseEvent(e);
        continue;
      }
      std::error_code ec;
      json::value payload = json::parse(e.payload_json, ec);
      const json::value* title =
          !ec && payload.is_object() ? payload.as_object().if_contains("title") : nullptr;
      json::object data{
          {"type", "New notification"},
          {"subject_id", title && title->is_string() ? title->get_string() : json::string(e.type)},
          {"created_at", FormatRfc3339(e.created_at)}};
      out += "id: " + std::to_string(e.position) + "\ndata: " + json::serialize(data) + "\n\n";
    }
    if (batch.overflowed) ended_ = true;  // the client reconnects and reloads the list
    const auto now = std::chrono::steady_clock::now();
    if (out.empty() && now - last_write_ > std::chrono::seconds(15)) out = ": ping\n\n";
    if (!out.empty()) last_write_ = now;
    return out;
  }

 private:
  std::optional<events::SseStreamLimits::Slot> slot_;
  std::unique_ptr<events::EventStream> stream_;
  std::string user_id_;
  StreamFormat format_;
  bool first_ = true;
  bool ended_ = false;
  std::chrono::steady_clock::time_point last_write_ = std::chrono::steady_clock::now();
};

void AddSchemas(http::SchemaRegistry& s) {
  s.Add("Notification", R"j({"type": "object", "properties": {
    "id": {"type": "string"}, "user_id": {"type": "string"}, "event_id": {"type": "string"},
    "event_type": {"type": "string"}, "subject_id": {"type": "string"},
    "title": {"type": "string"}, "body": {"type": "string"}, "read": {"type": "boolean"},
    "read_at": {"type": ["string", "null"]}, "created_at": {"type": "string"}}})j");
  s.Add("NotificationList", http::ListSchema("Notification"));
  s.Add("NotificationUnreadCount",
        R"j({"type": "object", "properties": {"unread": {"type": "integer"}}})j");
  s.Add("NotificationReadRequest", R"j({"type": "object", "additionalProperties": false,
    "properties": {"read": {"type": "boolean", "default": true}}})j");
  s.Add("NotificationReadAll",
        R"j({"type": "object", "properties": {"marked_read": {"type": "integer"}}})j");
  s.Add("NotificationRule", R"j({"type": "object", "required": ["event_type", "channels"],
    "properties": {"event_type": {"type": "string", "description": "*, <prefix>.* or a type"},
    "channels": {"type": "array", "items": {"enum": ["email", "webhook", "in_app"]}}}})j");
  s.Add("NotificationPreferencesRequest", R"j({"type": "object", "additionalProperties": false,
    "properties": {"email": {"type": "string"}, "time_zone": {"type": "string"},
    "quiet_start_min": {"type": ["integer", "null"], "minimum": 0, "maximum": 1439},
    "quiet_end_min": {"type": ["integer", "null"], "minimum": 0, "maximum": 1439},
    "digest": {"type": "boolean"}, "digest_hour": {"type": "integer", "minimum": 0, "maximum": 23},
    "webhook_url": {"type": "string"}, "rotate_webhook_secret": {"type": "boolean"},
    "rules": {"type": "array", "items": {"$ref": "#/components/schemas/NotificationRule"}}}})j");
  s.Add("NotificationPreferences", R"j({"type": "object", "properties": {
    "user_id": {"type": "string"}, "email": {"type": "string"}, "time_zone": {"type": "string"},
    "quiet_start_min": {"type": ["integer", "null"]}, "quiet_end_min": {"type": ["integer", "null"]},
    "digest": {"type": "boolean"}, "digest_hour": {"type": "integer"},
    "webhook_url": {"type": "string"}, "webhook_secret_set": {"type": "boolean"},
    "webhook_secret": {"type": "string", "description": "only when new: first URL or rotation"},
    "rules": {"type": "array", "items": {"$ref": "#/components/schemas/NotificationRule"}},
    "last_digest_at": {"type": ["string", "null"]}, "updated_at": {"type": ["string", "null"]}}})j");
  s.Add("NotificationTemplateRequest", R"j({"type": "object", "additionalProperties": false,
    "required": ["event_type", "channel", "subject", "body_text"], "properties": {
    "event_type": {"type": "string"}, "channel": {"enum": ["email", "webhook", "in_app"]},
    "subject": {"type": "string"}, "body_text": {"type": "string"},
    "body_html": {"type": "string"}}})j");
  s.Add("NotificationTemplate", R"j({"type": "object", "properties": {
    "id": {"type": "string"}, "event_type": {"type": "string"}, "channel": {"type": "string"},
    "subject": {"type": "string"}, "body_text": {"type": "string"},
    "body_html": {"type": "string"}, "created_by": {"type": ["string", "null"]},
    "created_at": {"type": "string"}, "updated_at": {"type": "string"}}})j");
  s.Add("NotificationTemplateList", http::ListSchema("NotificationTemplate"));
  s.Add("NotificationPreviewRequest", R"j({"type": "object", "additionalProperties": false,
    "properties": {"template_id": {"type": "string"}, "event_type": {"type": "string"},
    "channel": {"enum": ["email", "webhook", "in_app"]}, "subject": {"type": "string"},
    "body_text": {"type": "string"}, "body_html": {"type": "string"},
    "data": {"type": "object", "description": "the sample event payload"}}})j");
  s.Add("NotificationPreview", R"j({"type": "object", "properties": {
    "subject": {"type": "string"}, "text": {"type": "string"}, "html": {"type": "string"}}})j");
  s.Add("NotificationDelivery", R"j({"type": "object", "properties": {
    "id": {"type": "string"}, "user_id": {"type": "string"},
    "notification_id": {"type": ["string", "null"]}, "event_type": {"type": "string"},
    "channel": {"enum": ["email", "webhook"]}, "kind": {"enum": ["single", "digest"]},
    "state": {"enum": ["pending", "digest", "digested", "succeeded", "dead"]},
    "target": {"type": "string"}, "subject": {"type": "string"},
    "attempts": {"type": "integer"}, "max_attempts": {"type": "integer"},
    "last_error": {"type": ["string", "null"]}, "job_id": {"type": ["string", "null"]},
    "digest_id": {"type": ["string", "null"]}, "deliver_after": {"type": ["string", "null"]},
    "created_at": {"type": "string"}, "updated_at": {"type": "string"},
    "completed_at": {"type": ["string", "null"]},
    "attempt_log": {"type": "array", "description": "every attempt, oldest first (GET one)",
      "items": {"type": "object", "properties": {"attempt": {"type": "integer"},
        "job_id": {"type": ["string", "null"]}, "started_at": {"type": "string"},
        "duration_ms": {"type": "integer"}, "error": {"type": ["string", "null"]}}}}}})j");
  s.Add("NotificationDeliveryList", http::ListSchema("NotificationDelivery"));
}

}  // namespace

Result<std::shared_ptr<http::StreamBody>> OpenInboxStream(events::Dispatcher& dispatcher,
                                                          events::SseStreamLimits* streams,
                                                          const std::string& org_id,
                                                          const std::string& user_id,
                                                          StreamFormat format) {
  std::optional<events::SseStreamLimits::Slot> slot;
  if (streams != nullptr) {
    SIGNX_ASSIGN_OR_RETURN(auto s, streams->Acquire("user:" + user_id));
    slot.emplace(std::move(s));
  }
  events::EventFilter filter{.type_prefixes = {std::string(events::kNotificationCreated)},
                             .org_id = org_id};
  auto stream = dispatcher.OpenStream({.filter = std::move(filter)});
  return std::shared_ptr<http::StreamBody>(
      std::make_shared<InboxStream>(std::move(stream), user_id, format, std::move(slot)));
}

json::object NotificationJson(const Notification& n) {
  return json::object{{"id", n.id},
                      {"user_id", n.user_id},
                      {"event_id", n.event_id},
                      {"event_type", n.event_type},
                      {"subject_id", n.subject_id},
                      {"title", n.title},
                      {"body", n.body},
                      {"read", n.read_at.has_value()},
                      {"read_at", OptTime(n.read_at)},
                      {"created_at", FormatRfc3339(n.created_at)}};
}

json::object PreferencesJson(const Preferences& p, bool with_secret) {
  json::array rules;
  for (const auto& r : p.rules) {
    json::array channels;
    for (Channel c : r.channels) channels.emplace_back(ChannelName(c));
    rules.push_back(json::object{{"event_type", r.event_type}, {"channels", std::move(channels)}});
  }
  json::object o{
      {"user_id", p.user_id},
      {"email", p.email},
      {"time_zone", p.time_zone},
      {"quiet_start_min",
       p.quiet_start_min ? json::value(*p.quiet_start_min) : json::value(nullptr)},
      {"quiet_end_min", p.quiet_end_min ? json::value(*p.quiet_end_min) : json::value(nullptr)},
      {"digest", p.digest},
      {"digest_hour", p.digest_hour},
      {"webhook_url", p.webhook_url},
      {"webhook_secret_set", !p.webhook_secret.empty()},
      {"rules", std::move(rules)},
      {"last_digest_at", OptTime(p.last_digest_at)},
      {"updated_at", p.updated_at == Timestamp{} ? json::value(nullptr)
                                                 : json::value(FormatRfc3339(p.updated_at))}};
  if (with_secret) o["webhook_secret"] = p.webhook_secret;
  return o;
}

json::object TemplateJson(const Template& t) {
  return json::object{{"id", t.id},
                      {"event_type", t.event_type},
                      {"channel", ChannelName(t.channel)},
                      {"subject", t.subject},
                      {"body_text", t.body_text},
                      {"body_html", t.body_html},
                      {"created_by", t.created_by ? json::value(*t.created_by) : nullptr},
                      {"created_at", FormatRfc3339(t.created_at)},
                      {"updated_at", FormatRfc3339(t.updated_at)}};
}

json::object DeliveryJson(const Delivery& d) {
  json::array attempts;
  for (const auto& a : d.attempt_log) {
    attempts.push_back(json::object{{"attempt", a.attempt},
                                    {"job_id", a.job_id ? json::value(*a.job_id) : nullptr},
                                    {"started_at", FormatRfc3339(a.started_at)},
                                    {"duration_ms", a.duration_ms},
                                    {"error", a.error ? json::value(*a.error) : nullptr}});
  }
  json::object o{{"id", d.id},
                 {"user_id", d.user_id},
                 {"notification_id", d.notification_id ? json::value(*d.notification_id) : nullptr},
                 {"event_type", d.event_type},
                 {"channel", ChannelName(d.channel)},
                 {"kind", d.kind},
                 {"state", d.state},
                 {"target", d.target},
                 {"subject", d.subject},
                 {"attempts", d.attempts},
                 {"max_attempts", d.max_attempts},
                 {"last_error", d.last_error ? json::value(*d.last_error) : nullptr},
                 {"job_id", d.job_id ? json::value(*d.job_id) : nullptr},
                 {"digest_id", d.digest_id ? json::value(*d.digest_id) : nullptr},
                 {"deliver_after", OptTime(d.deliver_after)},
                 {"created_at", FormatRfc3339(d.created_at)},
                 {"updated_at", FormatRfc3339(d.updated_at)},
                 {"completed_at", OptTime(d.completed_at)}};
  o["attempt_log"] = std::move(attempts);
  return o;
}

Result<PreferencesInput> ReadPreferences(const json::object& o) {
  Reader rd{o, {}};
  rd.Known({"email", "time_zone", "quiet_start_min", "quiet_end_min", "digest", "digest_hour",
            "webhook_url", "rotate_webhook_secret", "rules"});
  PreferencesInput in;
  Preferences& p = in.prefs;
  p.email = rd.Text("email").value_or("");
  p.time_zone = rd.Text("time_zone").value_or("UTC");
  auto small = [&](std::string_view name) -> std::optional<int> {
    auto v = rd.Int(name);
    if (!v) return std::nullopt;
    if (*v < -1'000'000 || *v > 1'000'000) {
      rd.errors.push_back({std::string(name), "is out of range"});
      return std::nullopt;
    }
    return static_cast<int>(*v);
  };
  p.quiet_start_min = small("quiet_start_min");
  p.quiet_end_min = small("quiet_end_min");
  p.digest = rd.Bool("digest").value_or(false);
  p.digest_hour = small("digest_hour").value_or(8);
  p.webhook_url = rd.Text("webhook_url").value_or("");
  in.rotate_webhook_secret = rd.Bool("rotate_webhook_secret").value_or(false);
  if (const json::value* v = o.if_contains("rules"); v != nullptr && !v->is_null()) {
    if (!v->is_array()) {
      rd.errors.push_back({"rules", "must be an array of {event_type, channels}"});
    } else {
      const auto& a = v->get_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        const std::string field = "rules[" + std::to_string(i) + "]";
        if (!a[i].is_object()) {
          rd.errors.push_back({field, "must be an object {event_type, channels}"});
          continue;
        }
        Rule rule;
        const auto& ro = a[i].get_object();
        if (const auto* t = ro.if_contains("event_type"); t && t->is_string()) {
          rule.event_type = std::string(t->get_string());
        } else {
          rd.errors.push_back({field + ".event_type", "must be a string"});
        }
        const auto* cs = ro.if_contains("channels");
        if (cs == nullptr || !cs->is_array()) {
          rd.errors.push_back({field + ".channels", "must be an array of email, webhook, in_app"});
        } else {
          for (const auto& c : cs->get_array()) {
            auto ch = c.is_string() ? ParseChannel(c.get_string()) : std::nullopt;
            if (!ch) {
              rd.errors.push_back({field + ".channels", "must hold email, webhook or in_app"});
              break;
            }
            rule.channels.push_back(*ch);
          }
        }
        for (const auto& kv : ro) {
          if (kv.key() != "event_type" && kv.key() != "channels") {
            rd.errors.push_back({field + "." + std::string(kv.key()), "is not a known field"});
          }
        }
        p.rules.push_back(std::move(rule));
      }
    }
  }
  if (!rd.errors.empty()) return ValidationFailed(std::move(rd.errors));
  return in;
}

void AddNotificationRoutes(http::Router& router, http::SchemaRegistry& schemas,
                           NotificationService& service, events::Dispatcher* dispatcher,
                           events::SseStreamLimits* streams) {
  AddSchemas(schemas);
  NotificationService* svc = &service;
  auto bind = [svc](Result<Response> (*fn)(NotificationService&, Request&)) {
    return http::Handle([svc, fn](Request& r) { return fn(*svc, r); });
  };
  const std::string kUser(identity::kAnyAuthenticated);
  const std::string kAdmin = "webhooks:admin";
  const std::string kRead = "events:read";
  const std::vector<std::string> tags = {"notifications"};

  std::vector<http::ParamDoc> inbox_params = PageParams();
  inbox_params.push_back(
      {.name = "unread", .type = "boolean", .description = "only unread notifications"});
  router.Add("GET", "/v1/notifications",
             {.summary = "The caller's in-app notifications (inbox), newest first",
              .description = "Users only (API keys have no inbox: 403).",
              .tags = tags,
              .permission = kUser,
              .response_schema = "NotificationList",
              .query_params = std::move(inbox_params)},
             bind(ListInbox));
  router.Add("GET", "/v1/notifications/unread-count",
             {.summary = "How many of the caller's notifications are unread",
              .tags = tags,
              .permission = kUser,
              .response_schema = "NotificationUnreadCount"},
             bind(UnreadCount));
  router.Add("POST", "/v1/notifications/read-all",
             {.summary = "Mark every notification of the caller read",
              .tags = tags,
              .permission = kUser,
              .max_body_bytes = kSmallBody,
              .response_schema = "NotificationReadAll"},
             bind(ReadAll));
  if (dispatcher != nullptr) {
    router.Add(
        "GET", "/v1/notifications/stream",
        {.summary = "The caller's new in-app notifications as server-sent events",
         .description = "One `notifications.notification_created` message per new notification "
                        "of the caller (data: the event as JSON with payload.notification_id). "
                        "Live only: load GET /v1/notifications for what came before.",
         .tags = tags,
         .permission = kUser,
         .response_content_type = "text/event-stream"},
        http::Handle([dispatcher, streams](Request& r) -> Result<Response> {
          SIGNX_ASSIGN_OR_RETURN(const http::Principal* p, PrincipalOf(r));
          SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(*p));
          if (p->kind != "user") {
            return Status(ErrorCode::kPermissionDenied, "API keys have no inbox");
          }
          http::Response resp;
          resp.content_type = "text/event-stream";
          resp.headers.Set("Cache-Control", "no-store");
          SIGNX_ASSIGN_OR_RETURN(resp.stream, OpenInboxStream(*dispatcher, streams, scope.org_id,
                                                              p->subject_id, StreamFormat::kEvent));
          return resp;
        }));
  }
  router.Add("GET", "/v1/notifications/preferences",
             {.summary = "The caller's notification preferences (defaults when none are stored)",
              .tags = tags,
              .permission = kUser,
              .response_schema = "NotificationPreferences"},
             bind(GetPrefs));
  router.Add("PUT", "/v1/notifications/preferences",
             {.summary = "Replace the caller's notification preferences",
              .description = "Rules: first match wins. A webhook URL gets a signing secret "
                             "(shown once in this answer); rotate with rotate_webhook_secret.",
              .tags = tags,
              .permission = kUser,
              .max_body_bytes = kSmallBody,
              .request_schema = "NotificationPreferencesRequest",
              .response_schema = "NotificationPreferences"},
             bind(PutPrefs));
  router.Add("POST", "/v1/notifications/templates",
             {.summary = "Create a notification template (mustache) for an event type and channel",
              .tags = tags,
              .permission = kAdmin,
              .max_body_bytes = kTemplateBody,
              .request_schema = "NotificationTemplateRequest",
              .response_schema = "NotificationTemplate",
              .success_status = 201},
             bind(CreateTpl));
  router.Add("GET", "/v1/notifications/templates",
             {.summary = "The org's notification templates, newest first",
              .tags = tags,
              .permission = kAdmin,
              .response_schema = "NotificationTemplateList",
              .query_params = PageParams()},
             bind(ListTpl));
  router.Add("POST", "/v1/notifications/templates/preview",
             {.summary = "Render a template (stored or given) for a sample event",
              .tags = tags,
              .permission = kAdmin,
              .max_body_bytes = kTemplateBody,
              .request_schema = "NotificationPreviewRequest",
              .response_schema = "NotificationPreview"},
             bind(PreviewTpl));
  router.Add("GET", "/v1/notifications/templates/{id}",
             {.summary = "One notification template",
              .tags = tags,
              .permission = kAdmin,
              .response_schema = "NotificationTemplate"},
             bind(GetTpl));
  router.Add("PUT", "/v1/notifications/templates/{id}",
             {.summary = "Replace a notification template",
              .tags = tags,
              .permission = kAdmin,
              .max_body_bytes = kTemplateBody,
              .request_schema = "NotificationTemplateRequest",
              .response_schema = "NotificationTemplate"},
             bind(PutTpl));
  router.Add("DELETE", "/v1/notifications/templates/{id}",
             {.summary = "Delete a notification template (the built-in default applies again)",
              .tags = tags,
              .permission = kAdmin,
              .success_status = 204},
             bind(DeleteTpl));
  std::vector<http::ParamDoc> dlv_params = PageParams();
  dlv_params.push_back(
      {.name = "state", .description = "pending, digest, digested, succeeded or dead"});
  router.Add("GET", "/v1/notifications/deliveries",
             {.summary = "The org's email and webhook deliveries, newest first",
              .tags = tags,
              .permission = kRead,
              .response_schema = "NotificationDeliveryList",
              .query_params = std::move(dlv_params)},
             bind(+[](NotificationService& s, Request& r) { return ListDlv(s, r, std::nullopt); }));
  router.Add("GET", "/v1/notifications/deliveries/{id}",
             {.summary = "One notification delivery",
              .tags = tags,
              .permission = kRead,
              .response_schema = "NotificationDelivery"},
             bind(GetDlv));
  router.Add(
      "GET", "/v1/notifications/dead-letters",
      {.summary = "Deliveries that ran out of attempts or failed permanently",
       .tags = tags,
       .permission = kRead,
       .response_schema = "NotificationDeliveryList",
       .query_params = PageParams()},
      bind(+[](NotificationService& s, Request& r) { return ListDlv(s, r, std::string("dead")); }));
  router.Add("POST", "/v1/notifications/dead-letters/{id}/retry",
             {.summary = "Send a dead letter again with a fresh attempt budget",
              .tags = tags,
              .permission = kAdmin,
              .max_body_bytes = kSmallBody,
              .response_schema = "NotificationDelivery",
              .success_status = 202},
             bind(RetryDlv));
  router.Add("GET", "/v1/notifications/{id}",
             {.summary = "One of the caller's notifications",
              .tags = tags,
              .permission = kUser,
              .response_schema = "Notification"},
             bind(GetOne));
  router.Add("POST", "/v1/notifications/{id}/read",
             {.summary = "Mark one notification read (or unread with {\"read\": false})",
              .tags = tags,
              .permission = kUser,
              .max_body_bytes = kSmallBody,
              .request_schema = "NotificationReadRequest",
              .response_schema = "Notification"},
             bind(MarkRead));
}

}  // namespace signx::notifications
