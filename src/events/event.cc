#include "events/event.h"

#include <boost/json.hpp>

namespace signx::events {
namespace json = boost::json;

bool EventFilter::Matches(const Event& e) const {
  if (org_id && e.org_id != *org_id) return false;
  if (type_prefixes.empty()) return true;
  for (const std::string& p : type_prefixes) {
    if (std::string_view(e.type).starts_with(p)) return true;
  }
  return false;
}

Status ValidateSpec(const EventSpec& spec) {
  std::vector<FieldError> errors;
  if (spec.type.empty() || spec.type.size() > 128) {
    errors.push_back({"type", "must be 1-128 characters"});
  } else {
    for (char c : spec.type) {
      const bool ok =
          (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
      if (!ok) {
        errors.push_back({"type", "may contain only a-z, 0-9, '_', '.', '-'"});
        break;
      }
    }
  }
  if (spec.org_id.empty()) errors.push_back({"org_id", "is required"});
  if (spec.subject_id.empty()) errors.push_back({"subject_id", "is required"});
  if (spec.payload_json.size() > kMaxPayloadBytes) {
    errors.push_back({"payload_json", "is larger than 256 KiB"});
  } else {
    boost::system::error_code ec;
    (void)json::parse(spec.payload_json, ec);
    if (ec) errors.push_back({"payload_json", "is not valid JSON: " + ec.message()});
  }
  if (errors.empty()) return Status::Ok();
  return ValidationFailed(std::move(errors), "invalid event");
}

std::string EventToJson(const Event& e) {
  json::object o;
  o["position"] = e.position;
  o["seq"] = e.seq;
  o["id"] = e.id;
  o["type"] = e.type;
  o["org_id"] = e.org_id;
  o["subject_id"] = e.subject_id;
  boost::system::error_code ec;
  json::value payload = json::parse(e.payload_json, ec);
  if (ec) payload = json::string(e.payload_json);  // stored before validation existed: keep text
  o["payload"] = std::move(payload);
  o["created_at"] = FormatRfc3339(e.created_at);
  o["created_at_us"] = UnixMicros(e.created_at);
  return json::serialize(o);
}

Result<Event> EventFromJson(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return InvalidArgument("event: not a JSON object");
  const json::object& o = v.as_object();
  auto str = [&](const char* k) -> const json::string* {
    const json::value* f = o.if_contains(k);
    return f && f->is_string() ? &f->as_string() : nullptr;
  };
  auto num = [&](const char* k) -> std::optional<int64_t> {
    const json::value* f = o.if_contains(k);
    if (f && f->is_int64()) return f->as_int64();
    if (f && f->is_uint64()) return static_cast<int64_t>(f->as_uint64());
    return std::nullopt;
  };
  const json::value* payload = o.if_contains("payload");
  auto position = num("position"), seq = num("seq"), created = num("created_at_us");
  if (!str("id") || !str("type") || !str("org_id") || !str("subject_id") || !payload || !position ||
      !seq || !created) {
    return InvalidArgument("event: missing or mistyped field");
  }
  Event e;
  e.position = *position;
  e.seq = *seq;
  e.id = std::string(*str("id"));
  e.type = std::string(*str("type"));
  e.org_id = std::string(*str("org_id"));
  e.subject_id = std::string(*str("subject_id"));
  e.payload_json = json::serialize(*payload);
  e.created_at = FromUnixMicros(*created);
  return e;
}

}  // namespace signx::events
