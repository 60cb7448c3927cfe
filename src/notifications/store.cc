#include "notifications/store.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include "base/id.h"

namespace signx::notifications::store {
namespace {

namespace json = boost::json;
using storage::Json;
using storage::Row;

constexpr const char* kPrefCols =
    "org_id, user_id, email, time_zone, quiet_start_min, quiet_end_min, digest, digest_hour, "
    "webhook_url, webhook_secret, rules, last_digest_at, updated_at";
constexpr const char* kTemplateCols =
    "id, org_id, event_type, channel, subject, body_text, body_html, created_by, created_at, "
    "updated_at";
constexpr const char* kNotificationCols =
    "id, org_id, user_id, event_id, event_type, subject_id, title, body, in_app, read_at, "
    "created_at";
constexpr const char* kDeliveryCols =
    "id, org_id, user_id, notification_id, event_type, channel, kind, state, target, subject, "
    "body_text, body_html, digest_id, job_id, attempts, max_attempts, last_error, deliver_after, "
    "created_at, updated_at, completed_at";

std::string RulesJson(const std::vector<Rule>& rules) {
  json::array a;
  for (const auto& r : rules) {
    json::array channels;
    for (Channel c : r.channels) channels.emplace_back(ChannelName(c));
    a.push_back(json::object{{"event_type", r.event_type}, {"channels", std::move(channels)}});
  }
  return json::serialize(a);
}

std::vector<Rule> RulesFrom(const std::string& text) {
  std::vector<Rule> out;
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& e : v.get_array()) {
    if (!e.is_object()) continue;
    Rule r;
    if (const auto* t = e.as_object().if_contains("event_type"); t && t->is_string()) {
      r.event_type = std::string(t->get_string());
    }
    if (const auto* cs = e.as_object().if_contains("channels"); cs && cs->is_array()) {
      for (const auto& c : cs->get_array()) {
        if (c.is_string()) {
          if (auto ch = ParseChannel(c.get_string())) r.channels.push_back(*ch);
        }
      }
    }
    out.push_back(std::move(r));
  }
  return out;
}

Preferences PrefFrom(const Row& r) {
  Preferences p;
  p.org_id = r.Text(0);
  p.user_id = r.Text(1);
  p.email = r.Text(2);
  p.time_zone = r.Text(3);
  if (auto v = r.OptInt(4)) p.quiet_start_min = static_cast<int>(*v);
  if (auto v = r.OptInt(5)) p.quiet_end_min = static_cast<int>(*v);
  p.digest = r.Bool(6);
  p.digest_hour = static_cast<int>(r.Int(7));
  p.webhook_url = r.Text(8);
  p.webhook_secret = r.Text(9);
  p.rules = RulesFrom(r.Text(10));
  p.last_digest_at = r.OptTime(11);
  p.updated_at = r.Time(12);
  return p;
}

Template TemplateFrom(const Row& r) {
  Template t;
  t.id = r.Text(0);
  t.org_id = r.Text(1);
  t.event_type = r.Text(2);
  t.channel = ParseChannel(r.Text(3)).value_or(Channel::kEmail);
  t.subject = r.Text(4);
  t.body_text = r.Text(5);
  t.body_html = r.Text(6);
  t.created_by = r.OptText(7);
  t.created_at = r.Time(8);
  t.updated_at = r.Time(9);
  return t;
}

Notification NotificationFrom(const Row& r) {
  Notification n;
  n.id = r.Text(0);
  n.org_id = r.Text(1);
  n.user_id = r.Text(2);
  n.event_id = r.Text(3);
  n.event_type = r.Text(4);
  n.subject_id = r.Text(5);
  n.title = r.Text(6);
  n.body = r.Text(7);
  n.in_app = r.Bool(8);
  n.read_at = r.OptTime(9);
  n.created_at = r.Time(10);
  return n;
}

Delivery DeliveryFrom(const Row& r) {
  Delivery d;
  d.id = r.Text(0);
  d.org_id = r.Text(1);
  d.user_id = r.Text(2);
  d.notification_id = r.OptText(3);
  d.event_type = r.Text(4);
  d.channel = ParseChannel(r.Text(5)).value_or(Channel::kEmail);
  d.kind = r.Text(6);
  d.state = r.Text(7);
  d.target = r.Text(8);
  d.subject = r.Text(9);
  d.body_text = r.Text(10);
  d.body_html = r.Text(11);
  d.digest_id = r.OptText(12);
  d.job_id = r.OptText(13);
  d.attempts = static_cast<int>(r.Int(14));
  d.max_attempts = static_cast<int>(r.Int(15));
  d.last_error = r.OptText(16);
  d.deliver_after = r.OptTime(17);
  d.created_at = r.Time(18);
  d.updated_at = r.Time(19);
  d.completed_at = r.OptTime(20);
  return d;
}

template <typename T, typename F>
Result<std::vector<T>> Rows(Txn& txn, const std::string& sql, const storage::Params& params,
                            F&& from) {
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn.Query(sql, params));
  std::vector<T> out;
  out.reserve(rs.rows.size());
  for (const auto& row : rs.rows) out.push_back(from(row));
  return out;
}

}  // namespace

Result<std::optional<Preferences>> GetPreferences(Txn& txn, std::string_view org_id,
                                                  std::string_view user_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn.QueryOne(fmt::format("SELECT {} FROM notification_preferences WHERE org_id = $1 AND "
                               "user_id = $2",
                               kPrefCols),
                   {org_id, user_id}));
  if (!row) return std::optional<Preferences>();
  return std::optional<Preferences>(PrefFrom(*row));
}

Result<std::vector<Preferences>> OrgPreferences(Txn& txn, std::string_view org_id) {
  return Rows<Preferences>(
      txn,
      fmt::format("SELECT {} FROM notification_preferences WHERE org_id = $1 ORDER BY user_id",
                  kPrefCols),
      {org_id}, PrefFrom);
}

Result<std::vector<std::string>> MembersWithoutPreferences(Txn& txn, std::string_view org_id) {
  return Rows<std::string>(txn,
                           "SELECT m.user_id FROM memberships m LEFT JOIN notification_preferences "
                           "p ON p.org_id = m.org_id AND p.user_id = m.user_id "
                           "WHERE m.org_id = $1 AND p.user_id IS NULL ORDER BY m.user_id",
                           {org_id}, [](const auto& r) { return r.Text(0); });
}

Result<std::vector<Preferences>> DigestPreferences(Txn& txn) {
  return Rows<Preferences>(
      txn,
      fmt::format("SELECT {} FROM notification_preferences WHERE digest = $1 ORDER BY org_id, "
                  "user_id",
                  kPrefCols),
      {true}, PrefFrom);
}

Status UpsertPreferences(Txn& txn, const Preferences& p) {
  return txn
      .Exec(fmt::format(
                "INSERT INTO notification_preferences ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                "$8, $9, $10, $11, $12, $13) ON CONFLICT (org_id, user_id) DO UPDATE SET "
                "email = excluded.email, time_zone = excluded.time_zone, quiet_start_min = "
                "excluded.quiet_start_min, quiet_end_min = excluded.quiet_end_min, digest = "
                "excluded.digest, digest_hour = excluded.digest_hour, webhook_url = "
                "excluded.webhook_url, webhook_secret = excluded.webhook_secret, rules = "
                "excluded.rules, updated_at = excluded.updated_at",
                kPrefCols),
            {p.org_id, p.user_id, p.email, p.time_zone, p.quiet_start_min, p.quiet_end_min,
             p.digest, p.digest_hour, p.webhook_url, p.webhook_secret, RulesJson(p.rules),
             p.last_digest_at, p.updated_at})
      .status();
}

Status SetLastDigest(Txn& txn, std::string_view org_id, std::string_view user_id, Timestamp at) {
  return txn
      .Exec(
          "UPDATE notification_preferences SET last_digest_at = $1 WHERE org_id = $2 AND "
          "user_id = $3",
          {at, org_id, user_id})
      .status();
}

Status InsertTemplate(Txn& txn, const Template& t) {
  return txn
      .Exec(fmt::format("INSERT INTO notification_templates ({}) VALUES ($1, $2, $3, $4, $5, $6, "
                        "$7, $8, $9, $10)",
                        kTemplateCols),
            {t.id, t.org_id, t.event_type, ChannelName(t.channel), t.subject, t.body_text,
             t.body_html, t.created_by, t.created_at, t.updated_at})
      .status();
}

Result<Page<Template>> ListTemplates(Txn& txn, std::string_view org_id, int limit,
                                     std::string_view cursor) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rows,
      Rows<Template>(txn,
                     fmt::format("SELECT {} FROM notification_templates WHERE org_id = $1 AND "
                                 "($2 = '' OR id < $2) ORDER BY id DESC LIMIT $3",
                                 kTemplateCols),
                     {org_id, cursor, limit + 1}, TemplateFrom));
  return TrimPage(std::move(rows), limit, [](const Template& t) { return t.id; });
}

Result<std::vector<Template>> OrgTemplates(Txn& txn, std::string_view org_id) {
  return Rows<Template>(
      txn,
      fmt::format("SELECT {} FROM notification_templates WHERE org_id = $1 ORDER BY id LIMIT 1000",
                  kTemplateCols),
      {org_id}, TemplateFrom);
}

Result<std::optional<Template>> GetTemplate(Txn& txn, std::string_view org_id,
                                            std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne(fmt::format("SELECT {} FROM notification_templates WHERE org_id = $1 "
                                         "AND id = $2",
                                         kTemplateCols),
                             {org_id, id}));
  if (!row) return std::optional<Template>();
  return std::optional<Template>(TemplateFrom(*row));
}

Status UpdateTemplate(Txn& txn, const Template& t) {
  return txn
      .Exec(
          "UPDATE notification_templates SET event_type = $1, channel = $2, subject = $3, "
          "body_text = $4, body_html = $5, updated_at = $6 WHERE org_id = $7 AND id = $8",
          {t.event_type, ChannelName(t.channel), t.subject, t.body_text, t.body_html, t.updated_at,
           t.org_id, t.id})
      .status();
}

Result<int64_t> DeleteTemplate(Txn& txn, std::string_view org_id, std::string_view id) {
  return txn.Exec("DELETE FROM notification_templates WHERE org_id = $1 AND id = $2", {org_id, id});
}

Result<bool> InsertNotification(Txn& txn, const Notification& n) {
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n_rows,
      txn.Exec(fmt::format("INSERT INTO notifications ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, "
                           "$8, $9, $10, $11) ON CONFLICT (org_id, user_id, event_id) DO NOTHING",
                           kNotificationCols),
               {n.id, n.org_id, n.user_id, n.event_id, n.event_type, n.subject_id, n.title, n.body,
                n.in_app, n.read_at, n.created_at}));
  return n_rows > 0;
}

Result<Page<Notification>> Inbox(Txn& txn, std::string_view org_id, std::string_view user_id,
                                 bool unread_only, int limit, std::string_view cursor) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rows,
      Rows<Notification>(
          txn,
          fmt::format("SELECT {} FROM notifications WHERE org_id = $1 AND user_id = $2 AND "
                      "in_app = $3 AND ($4 = '' OR id < $4){} ORDER BY id DESC LIMIT $5",
                      kNotificationCols, unread_only ? " AND read_at IS NULL" : ""),
          {org_id, user_id, true, cursor, limit + 1}, NotificationFrom));
  return TrimPage(std::move(rows), limit, [](const Notification& n) { return n.id; });
}

Result<std::optional<Notification>> GetNotification(Txn& txn, std::string_view org_id,
                                                    std::string_view user_id, std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne(fmt::format("SELECT {} FROM notifications WHERE org_id = $1 AND "
                                         "user_id = $2 AND id = $3",
                                         kNotificationCols),
                             {org_id, user_id, id}));
  if (!row) return std::optional<Notification>();
  return std::optional<Notification>(NotificationFrom(*row));
}

Status SetRead(Txn& txn, std::string_view id, std::optional<Timestamp> read_at) {
  return txn.Exec("UPDATE notifications SET read_at = $1 WHERE id = $2", {read_at, id}).status();
}

Result<int64_t> MarkAllRead(Txn& txn, std::string_view org_id, std::string_view user_id,
                            Timestamp at) {
  return txn.Exec(
      "UPDATE notifications SET read_at = $1 WHERE org_id = $2 AND user_id = $3 AND in_app = $4 "
      "AND read_at IS NULL",
      {at, org_id, user_id, true});
}

Result<int64_t> UnreadCount(Txn& txn, std::string_view org_id, std::string_view user_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne("SELECT COUNT(*) FROM notifications WHERE org_id = $1 AND user_id = "
                             "$2 AND in_app = $3 AND read_at IS NULL",
                             {org_id, user_id, true}));
  return row ? row->Int(0) : 0;
}

Status InsertDelivery(Txn& txn, const Delivery& d) {
  return txn
      .Exec(fmt::format("INSERT INTO notification_deliveries ({}) VALUES ($1, $2, $3, $4, $5, $6, "
                        "$7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, $18, $19, $20, $21)",
                        kDeliveryCols),
            {d.id,          d.org_id,
             d.user_id,     d.notification_id,
             d.event_type,  ChannelName(d.channel),
             d.kind,        d.state,
             d.target,      d.subject,
             d.body_text,   d.body_html,
             d.digest_id,   d.job_id,
             d.attempts,    d.max_attempts,
             d.last_error,  d.deliver_after,
             d.created_at,  d.updated_at,
             d.completed_at})
      .status();
}

Status SetDeliveryJob(Txn& txn, std::string_view id, std::string_view job_id) {
  return txn.Exec("UPDATE notification_deliveries SET job_id = $1 WHERE id = $2", {job_id, id})
      .status();
}

Result<std::optional<Delivery>> GetDelivery(Txn& txn, std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne(fmt::format("SELECT {} FROM notification_deliveries WHERE id = $1",
                                         kDeliveryCols),
                             {id}));
  if (!row) return std::optional<Delivery>();
  return std::optional<Delivery>(DeliveryFrom(*row));
}

Result<std::optional<Delivery>> GetOrgDelivery(Txn& txn, std::string_view org_id,
                                               std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne(fmt::format("SELECT {} FROM notification_deliveries WHERE org_id = "
                                         "$1 AND id = $2",
                                         kDeliveryCols),
                             {org_id, id}));
  if (!row) return std::optional<Delivery>();
  return std::optional<Delivery>(DeliveryFrom(*row));
}

Result<Page<Delivery>> ListDeliveries(Txn& txn, std::string_view org_id,
                                      const std::optional<std::string>& state, int limit,
                                      std::string_view cursor) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rows,
      Rows<Delivery>(txn,
                     fmt::format("SELECT {} FROM notification_deliveries WHERE org_id = $1 AND "
                                 "($2 = '' OR state = $2) AND ($3 = '' OR id < $3) ORDER BY id "
                                 "DESC LIMIT $4",
                                 kDeliveryCols),
                     {org_id, state.value_or(""), cursor, limit + 1}, DeliveryFrom));
  return TrimPage(std::move(rows), limit, [](const Delivery& d) { return d.id; });
}

Status RecordAttempt(Txn& txn, std::string_view id, std::string_view state,
                     std::optional<std::string> error, Timestamp now, bool completed) {
  return txn
      .Exec(
          "UPDATE notification_deliveries SET state = $1, attempts = attempts + 1, last_error "
          "= $2, updated_at = $3, completed_at = $4 WHERE id = $5",
          {state, error, now, completed ? std::optional<Timestamp>(now) : std::nullopt, id})
      .status();
}

Status InsertAttempt(Txn& txn, const Delivery& d, const Attempt& a) {
  return txn
      .Exec(
          "INSERT INTO notification_attempts (id, org_id, delivery_id, attempt, job_id, "
          "started_at, duration_ms, error) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
          {NewId("nta"), d.org_id, d.id, a.attempt, a.job_id, a.started_at, a.duration_ms, a.error})
      .status();
}

Result<std::vector<Attempt>> Attempts(Txn& txn, std::string_view delivery_id) {
  return Rows<Attempt>(
      txn,
      "SELECT attempt, job_id, started_at, duration_ms, error FROM "
      "notification_attempts WHERE delivery_id = $1 ORDER BY attempt, id LIMIT 500",
      {delivery_id}, [](const Row& r) {
        Attempt a;
        a.attempt = static_cast<int>(r.Int(0));
        a.job_id = r.OptText(1);
        a.started_at = r.Time(2);
        a.duration_ms = r.Int(3);
        a.error = r.OptText(4);
        return a;
      });
}

Status Reopen(Txn& txn, std::string_view id, int max_attempts, Timestamp now) {
  return txn
      .Exec(
          "UPDATE notification_deliveries SET state = 'pending', max_attempts = $1, "
          "completed_at = NULL, deliver_after = NULL, updated_at = $2 WHERE id = $3",
          {max_attempts, now, id})
      .status();
}

Result<std::vector<Delivery>> ParkedForDigest(Txn& txn, std::string_view org_id,
                                              std::string_view user_id, int limit) {
  return Rows<Delivery>(
      txn,
      fmt::format("SELECT {} FROM notification_deliveries WHERE org_id = $1 AND user_id = $2 AND "
                  "state = 'digest' ORDER BY id LIMIT $3",
                  kDeliveryCols),
      {org_id, user_id, limit}, DeliveryFrom);
}

Status MarkDigested(Txn& txn, std::string_view id, std::string_view digest_id, Timestamp now) {
  return txn
      .Exec(
          "UPDATE notification_deliveries SET state = 'digested', digest_id = $1, updated_at = "
          "$2, completed_at = $2 WHERE id = $3",
          {digest_id, now, id})
      .status();
}

Result<std::optional<int64_t>> GetCursor(Txn& txn, std::string_view name) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne("SELECT position FROM notification_cursor WHERE name = $1", {name}));
  if (!row) return std::optional<int64_t>();
  return std::optional<int64_t>(row->Int(0));
}

Status SetCursor(Txn& txn, std::string_view name, int64_t position) {
  return txn
      .Exec(
          "INSERT INTO notification_cursor (name, position) VALUES ($1, $2) ON CONFLICT (name) "
          "DO UPDATE SET position = excluded.position",
          {name, position})
      .status();
}

}  // namespace signx::notifications::store
