// Webhook value types and the pure rules shared by the service, the delivery job and the routes:
// event-type patterns, endpoint validation, secrets and the X-Signature header.
//
// Signature (what a receiver verifies; docs/security.md "Webhooks"):
//   X-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, t + "." + raw body)>[,v1=<hex>]
// The HMAC key is the whole secret string as shown at creation ("whsec_..."). During a rotation
// grace period a second v1 signed with the previous secret follows the first.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"
#include "events/event_types.h"
#include "http/address_policy.h"
#include "http/client.h"

namespace signx::webhooks {

inline constexpr std::string_view kDeliverJobType = "webhooks.deliver";
inline constexpr std::string_view kTestEventType = events::kWebhookTest;
inline constexpr std::string_view kSecretPrefix = "whsec_";
inline constexpr std::size_t kMaxUrlBytes = 2048;
inline constexpr std::size_t kMaxEventTypes = 64;
inline constexpr std::size_t kMaxDescriptionBytes = 500;
inline constexpr int kDefaultPage = 50;
inline constexpr int kMaxPage = 200;
inline constexpr std::chrono::seconds kMaxGrace{7 * 24 * 3600};

// Module settings (SettingsFrom maps config onto these; defaults are safe).
struct WebhookSettings {
  // Whole exchange per attempt (connect + send + receive).
  std::chrono::milliseconds timeout{10000};
  // Attempts per delivery before it is dead. With the default queue backoff (2 s base doubling,
  // capped at 1 h, jittered to [d/2, d]) 16 attempts span roughly 2.5 to 5 hours.
  int max_attempts = 16;
  // Default grace period of the previous secret after a rotation.
  std::chrono::seconds rotation_grace{24 * 3600};
  // webhooks.deliver jobs running at once across all workers; 0 = unlimited. Set it so slow or
  // dead endpoints (each attempt may hold a worker thread for `timeout`) cannot starve other jobs.
  int max_concurrency = 0;
  // Deliveries of one org running at once in one worker process (>= 1); see delivery.h
  // ("Fairness between orgs").
  int max_in_flight_per_org = 1;
  // Endpoints one org may register; creating one more is kConflict (409).
  int max_endpoints_per_org = 25;
  // Bytes of the response body kept in the delivery log; 0 (the default) keeps none: the log
  // shows the status code and timing only, so a webhook cannot be used to read an internal
  // service's answer.
  std::size_t response_excerpt_bytes = 0;
  // The outbound client (TLS verification, CA bundle, response cap, User-Agent) and its address
  // policy: only public addresses, plus client.address_policy.allow (the operator's
  // webhooks.allow_private_cidrs). A response larger than max_response_bytes counts as a failed
  // attempt.
  http::ClientOptions client{.max_response_bytes = 256 * 1024,
                             .user_agent = "signx-webhooks",
                             .address_policy = {.enforce = true}};
};

// The settings of config.webhooks (the other fields keep their defaults). kInvalidArgument for a
// bad allow_private_cidrs entry (config::Validate reports those at start already).
Result<WebhookSettings> SettingsFrom(const config::WebhooksConfig& config);

struct Endpoint {
  std::string id;  // whk_...
  std::string org_id;
  std::string url;
  std::vector<std::string> event_types;
  std::string description;
  bool active = true;
  std::optional<std::string> created_by;
  Timestamp created_at{};
  Timestamp updated_at{};
  std::optional<Timestamp> secret_rotated_at;
  std::optional<Timestamp> previous_secret_expires_at;  // set while a rotation grace runs
};

// Returned by create and rotate: the only times the secret is shown.
struct EndpointWithSecret {
  Endpoint endpoint;
  std::string secret;  // whsec_...
};

struct Attempt {
  int attempt = 0;
  Timestamp started_at{};
  int64_t duration_ms = 0;
  std::optional<int> status_code;
  std::optional<std::string> error;
  std::optional<std::string> response_excerpt;
};

struct Delivery {
  std::string id;  // whd_...
  std::string org_id;
  std::string endpoint_id;
  std::string event_id;
  std::string event_type;
  std::string state;  // pending, failed, succeeded, dead
  int attempt_count = 0;
  int max_attempts = 0;
  std::optional<int> last_status_code;
  std::optional<std::string> last_error;
  std::optional<std::string> response_excerpt;
  std::optional<int64_t> duration_ms;
  std::optional<std::string> redelivery_of;
  std::optional<std::string> job_id;
  std::optional<Timestamp> next_attempt_at;  // when the queue runs the next attempt (if any)
  Timestamp created_at{};
  Timestamp updated_at{};
  std::optional<Timestamp> completed_at;
  std::vector<Attempt> attempts;  // oldest first
};

// A new endpoint (POST) or the fields of a PATCH (unset = unchanged).
struct EndpointInput {
  std::optional<std::string> url;
  std::optional<std::vector<std::string>> event_types;
  std::optional<std::string> description;
  std::optional<bool> active;
};

// --- Pure rules -------------------------------------------------------------------------------

// An event-type pattern: "*" (every type), "<prefix>.*" (types starting with "<prefix>."), or an
// exact type of [a-z0-9_.-], 1-128 characters.
bool IsValidEventTypePattern(std::string_view pattern);
// True when `type` matches one of `patterns`.
bool MatchesEventType(const std::vector<std::string>& patterns, std::string_view type);

// Field errors for an endpoint: url (http:// or https:// with a host, at most kMaxUrlBytes, no
// whitespace, userinfo or fragment, and a host that is not a literal address `policy` refuses —
// any spelling getaddrinfo accepts as numeric, such as 2130706433 or 0x7f000001 — nor
// "localhost"/"*.localhost"), event_types (1..kMaxEventTypes valid patterns, no duplicates),
// description (at most kMaxDescriptionBytes). With `creating`, url and event_types are required.
// Host names are not resolved here (the delivery checks what they resolve to on every attempt).
// Appends to `errors`.
void ValidateEndpointInput(const EndpointInput& input, bool creating,
                           const http::AddressPolicy& policy, std::vector<FieldError>& errors);

// `url` with an http/https scheme written in lower case ("HTTPS://x" -> "https://x"); other
// URLs unchanged. The service stores endpoint URLs normalized.
std::string NormalizeUrl(std::string_view url);

// A new secret: "whsec_" + 43 base64url characters (32 random bytes).
std::string NewSecret();

// The X-Signature value for `body` sent at `unix_seconds`, one v1 per secret in order.
std::string SignatureHeader(int64_t unix_seconds, std::string_view body,
                            const std::vector<std::string>& secrets);

// `s` truncated to at most `max_bytes` on a character boundary, with invalid UTF-8 and NUL bytes
// replaced by U+FFFD, so it is safe in a TEXT column and a JSON string.
std::string SafeExcerpt(std::string_view s, std::size_t max_bytes);

}  // namespace signx::webhooks
