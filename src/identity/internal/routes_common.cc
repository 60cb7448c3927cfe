// Shared helpers of the identity routes (internal/routes_common.h).

#include "identity/internal/routes_common.h"

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>

#include "base/strings.h"
#include "http/json.h"

namespace signx::identity::internal {

using http::Request;
using http::Response;


json::value Time(const std::optional<Timestamp>& t) {
  return t ? json::value(FormatRfc3339(*t)) : json::value(nullptr);
}

json::array Strings(const std::vector<std::string>& v) {
  json::array a;
  for (const auto& s : v) a.emplace_back(s);
  return a;
}

json::object ApiKeyJson(const ApiKeyInfo& k, Timestamp now) {
  const char* status = k.revoked_at                             ? "revoked"
                       : (k.expires_at && *k.expires_at <= now) ? "expired"
                                                                : "active";
  return {{"id", k.id},
          {"org_id", k.org_id},
          {"name", k.name},
          {"prefix", k.prefix},
          {"scopes", Strings(k.scopes)},
          {"status", status},
          {"created_by", k.created_by ? json::value(*k.created_by) : json::value(nullptr)},
          {"created_at", FormatRfc3339(k.created_at)},
          {"expires_at", Time(k.expires_at)},
          {"last_used_at", Time(k.last_used_at)},
          {"revoked_at", Time(k.revoked_at)}};
}

json::object AuditJson(const AuditEntry& e) {
  auto opt = [](const std::optional<std::string>& s) {
    return s ? json::value(*s) : json::value(nullptr);
  };
  return {{"id", e.id},
          {"org_id", opt(e.org_id)},
          {"actor",
           json::object{{"kind", e.actor_kind}, {"id", e.actor_id}, {"label", opt(e.actor_label)}}},
          {"action", e.action},
          {"subject", json::object{{"type", e.subject_type}, {"id", e.subject_id}}},
          {"request_id", e.request_id},
          {"at", FormatRfc3339(e.at)},
          {"before_sha256", opt(e.before_sha256)},
          {"after_sha256", opt(e.after_sha256)}};
}

const http::Principal* PrincipalOf(const Request& r) {
  return r.principal ? &*r.principal : nullptr;
}
Status NoPrincipal(const Request&) {
  return Status(ErrorCode::kUnauthenticated, "authentication required");
}

}  // namespace signx::identity::internal
