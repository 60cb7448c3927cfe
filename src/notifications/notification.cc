#include "notifications/notification.h"

#include <fmt/format.h>

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>
#include <kainjow/mustache.hpp>
#include <set>

#include "mail/message.h"
#include "notifications/time_zone.h"
#include "webhooks/webhook.h"

namespace signx::notifications {
namespace {

namespace json = boost::json;
namespace mustache = kainjow::mustache;

mustache::data FromJson(const json::value& v) {
  switch (v.kind()) {
    case json::kind::object: {
      mustache::data d{mustache::data::type::object};
      for (const auto& kv : v.get_object()) d.set(std::string(kv.key()), FromJson(kv.value()));
      return d;
    }
    case json::kind::array: {
      mustache::data list{mustache::data::type::list};
      for (const auto& e : v.get_array()) list.push_back(FromJson(e));
      return list;
    }
    case json::kind::string:
      return mustache::data(std::string(v.get_string()));
    case json::kind::bool_:
      return v.get_bool() ? mustache::data(mustache::data::type::bool_true)
                          : mustache::data(mustache::data::type::bool_false);
    case json::kind::null:
      return mustache::data(mustache::data::type::bool_false);
    default:
      return mustache::data(json::serialize(v));
  }
}

// Specificity of a pattern for `type`: -1 no match, 0 "*", 1 + prefix length for "<p>.*",
// 100000 for the exact type.
int Specificity(std::string_view pattern, std::string_view type) {
  if (pattern == type) return 100000;
  if (pattern == "*") return 0;
  if (pattern.size() >= 2 && pattern.substr(pattern.size() - 2) == ".*") {
    const std::string_view prefix = pattern.substr(0, pattern.size() - 1);  // keeps the dot
    if (type.rfind(prefix, 0) == 0) return 1 + static_cast<int>(prefix.size());
  }
  return -1;
}

std::optional<std::string> CompileError(const std::string& text) {
  mustache::mustache m{text};
  if (m.is_valid()) return std::nullopt;
  return m.error_message();
}

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

}  // namespace

std::string_view ChannelName(Channel c) {
  switch (c) {
    case Channel::kEmail:
      return "email";
    case Channel::kWebhook:
      return "webhook";
    case Channel::kInApp:
      return "in_app";
  }
  return "email";
}

std::optional<Channel> ParseChannel(std::string_view name) {
  if (name == "email") return Channel::kEmail;
  if (name == "webhook") return Channel::kWebhook;
  if (name == "in_app") return Channel::kInApp;
  return std::nullopt;
}

std::vector<Rule> DefaultRules() {
  return {{"operations.alert_opened", {Channel::kInApp}},
          {"project.status_changed", {Channel::kInApp}},
          {"model.drift_detected", {Channel::kInApp}}};
}

std::vector<Channel> ChannelsFor(const Preferences& prefs, std::string_view event_type) {
  for (const auto& r : prefs.rules) {
    if (webhooks::MatchesEventType({r.event_type}, event_type)) return r.channels;
  }
  return {};
}

std::vector<FieldError> ValidatePreferences(const Preferences& p,
                                            const http::AddressPolicy& policy) {
  std::vector<FieldError> e;
  bool uses_email = false, uses_webhook = false;
  if (p.rules.size() > kMaxRules) {
    e.push_back({"rules", fmt::format("at most {} rules", kMaxRules)});
  }
  for (std::size_t i = 0; i < p.rules.size(); ++i) {
    const auto& r = p.rules[i];
    if (!webhooks::IsValidEventTypePattern(r.event_type)) {
      e.push_back({fmt::format("rules[{}].event_type", i),
                   "must be \"*\", \"<prefix>.*\" or an event type of [a-z0-9_.-]"});
    }
    std::set<Channel> seen;
    for (Channel c : r.channels) {
      if (!seen.insert(c).second) {
        e.push_back({fmt::format("rules[{}].channels", i), "lists a channel twice"});
      }
      uses_email |= c == Channel::kEmail;
      uses_webhook |= c == Channel::kWebhook;
    }
  }
  if (!p.email.empty()) {
    if (auto a = mail::MailboxAddress(p.email); !a.ok() || *a != p.email) {
      e.push_back({"email", "must be an e-mail address (local@domain)"});
    }
  } else if (uses_email) {
    e.push_back({"email", "is required when a rule sends email"});
  }
  if (!LoadTimeZone(p.time_zone).ok()) {
    e.push_back({"time_zone", fmt::format("unknown time zone '{}' (use an IANA name such as "
                                          "America/Chicago)",
                                          Truncate(p.time_zone, 64))});
  }
  if (p.quiet_start_min.has_value() != p.quiet_end_min.has_value()) {
    e.push_back({"quiet_end_min", "quiet_start_min and quiet_end_min are set together"});
  }
  for (const auto& [name, v] : {std::pair{"quiet_start_min", p.quiet_start_min},
                                std::pair{"quiet_end_min", p.quiet_end_min}}) {
    if (v && (*v < 0 || *v > 1439)) e.push_back({name, "must be between 0 and 1439"});
  }
  if (p.digest_hour < 0 || p.digest_hour > 23) {
    e.push_back({"digest_hour", "must be between 0 and 23"});
  }
  if (!p.webhook_url.empty()) {
    std::vector<FieldError> url_errors;
    webhooks::EndpointInput in{.url = p.webhook_url, .event_types = std::vector<std::string>{"*"}};
    webhooks::ValidateEndpointInput(in, true, policy, url_errors);
    for (auto& u : url_errors) {
      if (u.field == "url") e.push_back({"webhook_url", u.message});
    }
  } else if (uses_webhook) {
    e.push_back({"webhook_url", "is required when a rule sends to a webhook"});
  }
  return e;
}

// The built-in template: the event type and what it is about (an item's SKU when the event has
// one, else its subject id), then the fields most events carry: a message (alerts), a name, a
// status, a severity.
Template DefaultTemplate(Channel channel) {
  Template t;
  t.event_type = "*";
  t.channel = channel;
  t.subject =
      "[SignX] {{event.type}} {{#data.sku}}{{data.sku}}{{/data.sku}}"
      "{{^data.sku}}{{event.subject_id}}{{/data.sku}}";
  t.body_text =
      "{{#data.message}}{{data.message}}\n{{/data.message}}"
      "Event {{event.type}} for {{event.subject_id}} at {{event.created_at}}.\n"
      "{{#data.name}}Name: {{data.name}}\n{{/data.name}}"
      "{{#data.status}}Status: {{data.status}}\n{{/data.status}}"
      "{{#data.severity}}Severity: {{data.severity}}\n{{/data.severity}}";
  if (channel == Channel::kEmail) {
    t.body_html =
        "{{#data.message}}<p>{{data.message}}</p>{{/data.message}}"
        "<p>Event <b>{{event.type}}</b> for {{event.subject_id}} at {{event.created_at}}.</p>"
        "{{#data.name}}<p>Name: {{data.name}}</p>{{/data.name}}"
        "{{#data.status}}<p>Status: {{data.status}}</p>{{/data.status}}"
        "{{#data.severity}}<p>Severity: {{data.severity}}</p>{{/data.severity}}";
  }
  return t;
}

Template PickTemplate(const std::vector<Template>& candidates, std::string_view event_type,
                      Channel channel) {
  const Template* best = nullptr;
  int best_score = -1;
  for (const auto& t : candidates) {
    if (t.channel != channel) continue;
    const int s = Specificity(t.event_type, event_type);
    if (s > best_score) {
      best = &t;
      best_score = s;
    }
  }
  return best ? *best : DefaultTemplate(channel);
}

std::vector<FieldError> ValidateTemplate(const Template& t) {
  std::vector<FieldError> e;
  if (!webhooks::IsValidEventTypePattern(t.event_type)) {
    e.push_back({"event_type", "must be \"*\", \"<prefix>.*\" or an event type of [a-z0-9_.-]"});
  }
  if (t.subject.empty() || t.subject.size() > 500 || HasCrLf(t.subject)) {
    e.push_back({"subject", "1..500 bytes on one line"});
  } else if (auto err = CompileError(t.subject)) {
    e.push_back({"subject", "is not a valid mustache template: " + *err});
  }
  if (t.body_text.empty() || t.body_text.size() > kMaxTemplateBytes) {
    e.push_back({"body_text", fmt::format("1..{} bytes", kMaxTemplateBytes)});
  } else if (auto err = CompileError(t.body_text)) {
    e.push_back({"body_text", "is not a valid mustache template: " + *err});
  }
  if (t.body_html.size() > kMaxTemplateBytes) {
    e.push_back({"body_html", fmt::format("at most {} bytes", kMaxTemplateBytes)});
  } else if (!t.body_html.empty() && t.channel != Channel::kEmail) {
    e.push_back({"body_html", "only email templates have an HTML body"});
  } else if (auto err = CompileError(t.body_html); err && !t.body_html.empty()) {
    e.push_back({"body_html", "is not a valid mustache template: " + *err});
  }
  return e;
}

Result<Rendered> Render(const Template& t, const events::Event& event, std::string_view user_id,
                        std::string_view notification_id) {
  if (auto errors = ValidateTemplate(t); !errors.empty()) {
    return ValidationFailed(std::move(errors), "the template does not render");
  }
  mustache::data view{mustache::data::type::object};
  mustache::data ev{mustache::data::type::object};
  ev.set("id", event.id);
  ev.set("type", event.type);
  ev.set("subject_id", event.subject_id);
  ev.set("created_at", FormatRfc3339(event.created_at));
  view.set("event", ev);
  std::error_code ec;
  json::value payload = json::parse(event.payload_json.empty() ? "{}" : event.payload_json, ec);
  view.set("data", ec ? mustache::data(mustache::data::type::object) : FromJson(payload));
  view.set("org_id", event.org_id);
  mustache::data user{mustache::data::type::object};
  user.set("id", std::string(user_id));
  view.set("user", user);
  mustache::data ntf{mustache::data::type::object};
  ntf.set("id", std::string(notification_id));
  view.set("notification", ntf);

  auto render = [&](const std::string& text, bool escape) {
    mustache::mustache m{text};
    if (!escape) m.set_custom_escape([](const std::string& s) { return s; });
    return m.render(view);
  };
  Rendered r;
  r.subject = render(t.subject, false);
  for (char& c : r.subject) {
    if (c == '\r' || c == '\n') c = ' ';  // payload text cannot break the header line
  }
  r.subject = Truncate(r.subject, 500);
  r.text = render(t.body_text, false);
  if (!t.body_html.empty()) r.html = render(t.body_html, true);
  return r;
}

std::string Truncate(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return std::string(s);
  std::size_t n = max_bytes;
  while (n > 0 && (static_cast<unsigned char>(s[n]) & 0xc0) == 0x80) --n;
  return std::string(s.substr(0, n));
}

}  // namespace signx::notifications
