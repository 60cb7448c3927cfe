#include "webhooks/views.h"

#include <boost/json/array.hpp>

namespace signx::webhooks {
namespace json = boost::json;
namespace {

json::value Time(const std::optional<Timestamp>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}
json::value Text(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}
template <typename T>
json::value Number(const std::optional<T>& n) {
  return n ? json::value(static_cast<int64_t>(*n)) : json::value(nullptr);
}

}  // namespace

json::object EndpointJson(const Endpoint& e) {
  json::array types;
  for (const auto& t : e.event_types) types.emplace_back(t);
  return {{"id", e.id},
          {"url", e.url},
          {"event_types", std::move(types)},
          {"description", e.description},
          {"active", e.active},
          {"created_by", Text(e.created_by)},
          {"created_at", FormatRfc3339(e.created_at)},
          {"updated_at", FormatRfc3339(e.updated_at)},
          {"secret_rotated_at", Time(e.secret_rotated_at)},
          {"previous_secret_expires_at", Time(e.previous_secret_expires_at)}};
}

json::object DeliveryJson(const Delivery& d) {
  json::array attempts;
  for (const auto& a : d.attempts) {
    attempts.push_back(json::object{{"attempt", a.attempt},
                                    {"started_at", FormatRfc3339(a.started_at)},
                                    {"status_code", Number(a.status_code)},
                                    {"error", Text(a.error)},
                                    {"duration_ms", a.duration_ms},
                                    {"response_excerpt", Text(a.response_excerpt)}});
  }
  return {{"id", d.id},
          {"webhook_id", d.endpoint_id},
          {"event_id", d.event_id},
          {"event_type", d.event_type},
          {"state", d.state},
          {"attempt_count", d.attempt_count},
          {"max_attempts", d.max_attempts},
          {"last_status_code", Number(d.last_status_code)},
          {"last_error", Text(d.last_error)},
          {"response_excerpt", Text(d.response_excerpt)},
          {"duration_ms", Number(d.duration_ms)},
          {"next_attempt_at", Time(d.next_attempt_at)},
          {"redelivery_of", Text(d.redelivery_of)},
          {"created_at", FormatRfc3339(d.created_at)},
          {"updated_at", FormatRfc3339(d.updated_at)},
          {"completed_at", Time(d.completed_at)},
          {"attempts", std::move(attempts)}};
}

}  // namespace signx::webhooks
