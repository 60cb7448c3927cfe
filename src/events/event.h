// Domain events: what the outbox stores and what subscribers receive.
//
// An event is appended inside the transaction that made the change (outbox.h) and later given a
// `position` by the dispatcher (dispatcher.h). Positions are gap-free and increase in delivery
// order, so they are what consumers dedupe and resume by (the SSE `id:` / `Last-Event-ID`).
// `seq` is the append order, kept for diagnostics.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace signx::events {

// What domain code appends.
struct EventSpec {
  std::string type;        // "project.created": [a-z0-9_.-], 1-128 characters
  std::string org_id;      // the tenant; every event belongs to one
  std::string subject_id;  // the entity it is about ("prj_..."); events of one subject stay ordered
  std::string payload_json;  // a JSON value (usually an object); at most kMaxPayloadBytes
};

inline constexpr std::size_t kMaxPayloadBytes = 256 * 1024;

// A stored, dispatched event.
struct Event {
  int64_t position = 0;  // delivery order, gap-free from 1; 0 while undispatched
  int64_t seq = 0;       // append order
  std::string id;        // "evt_<ulid>"
  std::string type;
  std::string org_id;
  std::string subject_id;
  std::string payload_json;
  Timestamp created_at{};
};

// Which events a subscriber wants. Empty `type_prefixes` = every type; otherwise an event matches
// when its type starts with one of them ("project." matches "project.created"; "lead.scored"
// matches exactly that type and any type that extends it). `org_id` unset = every org.
struct EventFilter {
  std::vector<std::string> type_prefixes;
  std::optional<std::string> org_id;

  bool Matches(const Event& e) const;
};

// Checks a spec: kValidationFailed listing every bad field.
Status ValidateSpec(const EventSpec& spec);

// The event as one JSON object (the Redis message body and a natural SSE `data:` line):
// {"position":7,"seq":9,"id":"evt_...","type":"...","org_id":"...","subject_id":"...",
//  "payload":{...},"created_at":"2026-01-01T00:00:00.000Z","created_at_us":1767225600000000}
std::string EventToJson(const Event& e);
// Parses EventToJson output back (kInvalidArgument when malformed).
Result<Event> EventFromJson(std::string_view json);

}  // namespace signx::events
