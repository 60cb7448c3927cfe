#include "events/event_types.h"

#include <algorithm>

namespace signx::events {
namespace {

constexpr EventType kTypes[] = {
#define SIGNX_EVENT_TYPE(constant, name, module, summary, schema) {name, module, summary, schema},
#include "events/event_types.def"
#undef SIGNX_EVENT_TYPE
};

}  // namespace

std::span<const EventType> EventTypes() { return kTypes; }

const EventType* FindEventType(std::string_view name) {
  auto it = std::find_if(std::begin(kTypes), std::end(kTypes),
                         [&](const EventType& t) { return t.name == name; });
  return it == std::end(kTypes) ? nullptr : &*it;
}

}  // namespace signx::events
