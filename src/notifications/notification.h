// Notification value types and their pure rules: channels, per-user preferences (which channels
// an event type goes to, quiet hours, daily digest), templates (mustache) and their rendering.
//
// Preferences decide everything per user: `rules` are checked in order and the first rule whose
// event_type pattern matches ("*", "<prefix>.*" or an exact type, as for webhooks) gives the
// channels; no matching rule (or an empty channel list) means the user is not notified. Quiet
// hours hold email and webhook deliveries until the window ends in the user's time zone (in-app
// notifications appear at once: an inbox makes no noise); with `digest` on, email is not sent per
// event but collected into one message at digest_hour local time.
//
// Templates: one per (org, event type pattern, channel); the most specific one wins (exact type,
// then the longest "<prefix>.*", then "*"), and a built-in default when the org has none. The
// mustache view of an event (RenderView) is
//   {event: {id, type, subject_id, created_at}, data: <the event payload>, org_id,
//    user: {id}, notification: {id}}
// Mustache HTML-escapes {{x}} (use {{{x}}} for raw text). The subject and text bodies are rendered
// without escaping, the HTML body with it.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "events/event.h"
#include "http/address_policy.h"

namespace signx::notifications {

enum class Channel { kEmail, kWebhook, kInApp };
std::string_view ChannelName(Channel c);  // "email", "webhook", "in_app"
std::optional<Channel> ParseChannel(std::string_view name);

inline constexpr std::size_t kMaxRules = 100;
inline constexpr std::size_t kMaxTemplateBytes = 64 * 1024;
inline constexpr int kDefaultPage = 50;
inline constexpr int kMaxPage = 200;

struct Rule {
  std::string event_type;  // "*", "<prefix>.*" or an exact type
  std::vector<Channel> channels;
};

struct Preferences {
  std::string org_id;
  std::string user_id;
  std::string email;                   // where email goes; "" = no email
  std::string time_zone = "UTC";       // IANA name
  std::optional<int> quiet_start_min;  // minutes after local midnight; both set or neither
  std::optional<int> quiet_end_min;
  bool digest = false;         // email collected into one daily message
  int digest_hour = 8;         // local hour of the digest (0..23)
  std::string webhook_url;     // "" = no webhook channel
  std::string webhook_secret;  // "whsec_..."; made when a URL is first set; shown to its owner
  std::vector<Rule> rules;
  std::optional<Timestamp> last_digest_at;
  Timestamp updated_at{};
};

// The rules of a member who has never saved preferences: in-app only, for what needs a person —
// stock-out and other forecast alerts, project status changes, model drift. Saving preferences
// (even with no rules) replaces them.
std::vector<Rule> DefaultRules();

// The channels `event_type` goes to under `prefs` (the first matching rule; see the header).
std::vector<Channel> ChannelsFor(const Preferences& prefs, std::string_view event_type);

// Field errors: email (an address when set; required when a rule uses email), time_zone (a known
// zone), quiet_start_min/quiet_end_min (0..1439, both or neither), digest_hour (0..23),
// webhook_url (http/https, not a literal address `policy` refuses; required when a rule uses
// webhook), rules (at most kMaxRules; valid patterns; channels without duplicates).
std::vector<FieldError> ValidatePreferences(const Preferences& prefs,
                                            const http::AddressPolicy& policy);

struct Template {
  std::string id;  // ntt_...; "" for a built-in default
  std::string org_id;
  std::string event_type;  // "*", "<prefix>.*" or an exact type
  Channel channel = Channel::kEmail;
  std::string subject;    // email subject / in-app title / webhook "title"
  std::string body_text;  // text body / in-app body / webhook "text"
  std::string body_html;  // email only (optional)
  std::optional<std::string> created_by;
  Timestamp created_at{};
  Timestamp updated_at{};
};

struct Rendered {
  std::string subject;
  std::string text;
  std::string html;
};

// The built-in template of a channel (used when an org has none for the event).
Template DefaultTemplate(Channel channel);

// Of `candidates` (one org's templates), the most specific one for (event_type, channel), or the
// built-in default.
Template PickTemplate(const std::vector<Template>& candidates, std::string_view event_type,
                      Channel channel);

// Field errors: event_type (a pattern), subject (1..500 bytes, one line), body_text (1..
// kMaxTemplateBytes), body_html (at most kMaxTemplateBytes; only for email), and each of the three
// must compile as mustache (the error names the problem).
std::vector<FieldError> ValidateTemplate(const Template& t);

// Renders `t` for `event` to `user_id` (see the header for the view). kValidationFailed when the
// template does not compile (field named) — stored templates were validated, so this is for
// previews of unsaved ones.
Result<Rendered> Render(const Template& t, const events::Event& event, std::string_view user_id,
                        std::string_view notification_id);

// Truncates to at most `max_bytes` on a UTF-8 boundary.
std::string Truncate(std::string_view s, std::size_t max_bytes);

}  // namespace signx::notifications
