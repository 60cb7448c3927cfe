// The event-type registry: every event type SignX emits, with the module that emits it, when, and
// its payload's JSON schema (event_types.def is the one table). Code names a type with one of the
// constants below, never a string literal; the OpenAPI document publishes the table in its
// `webhooks` section (http/openapi.h), so subscribers know every name and payload.
//
// Thread-safety: immutable static data.
#pragma once

#include <span>
#include <string_view>

namespace signx::events {

struct EventType {
  std::string_view name;            // "project.created"
  std::string_view module;          // emitting module(s)
  std::string_view summary;         // when it is emitted
  std::string_view payload_schema;  // JSON schema of the payload
};

#define SIGNX_EVENT_TYPE(constant, name, module, summary, schema) \
  inline constexpr std::string_view constant = name;
#include "events/event_types.def"
#undef SIGNX_EVENT_TYPE

// Every registered type, in the order of event_types.def.
std::span<const EventType> EventTypes();
// The registered type named `name`, or nullptr.
const EventType* FindEventType(std::string_view name);

}  // namespace signx::events
