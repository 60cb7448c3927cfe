// Helpers shared by the identity routes' files, and the handlers that routes.cc registers
// (AddIdentityRoutes): JSON shapes of keys and audit rows, request field reads, and
// the principal of a request. See routes.h for the routes themselves.
//
// Internal to the identity module. Thread-safety: free functions without shared state.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "http/router.h"
#include "identity/identity_service.h"

namespace signx::identity::internal {
namespace json = boost::json;

// Reads string fields from a JSON object, collecting every problem.
class Fields {
 public:
  explicit Fields(const json::object& o) : o_(o) {}

  std::string Required(std::string_view name) {
    auto v = Optional(name);
    if (!v && !Has(name)) errors_.push_back({std::string(name), "is required"});
    return v.value_or("");
  }
  std::optional<std::string> Optional(std::string_view name) {
    const json::value* v = o_.if_contains(name);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_string()) {
      errors_.push_back({std::string(name), "must be a string"});
      return std::nullopt;
    }
    return std::string(v->get_string());
  }
  std::vector<std::string> StringList(std::string_view name) {
    std::vector<std::string> out;
    const json::value* v = o_.if_contains(name);
    if (v == nullptr) {
      errors_.push_back({std::string(name), "is required"});
      return out;
    }
    if (!v->is_array()) {
      errors_.push_back({std::string(name), "must be an array of strings"});
      return out;
    }
    for (const auto& e : v->get_array()) {
      if (!e.is_string()) {
        errors_.push_back({std::string(name), "must be an array of strings"});
        return {};
      }
      out.emplace_back(e.get_string());
    }
    return out;
  }
  void Add(FieldError e) { errors_.push_back(std::move(e)); }
  Status status() const { return errors_.empty() ? Status::Ok() : ValidationFailed(errors_); }

 private:
  bool Has(std::string_view name) const {
    const json::value* v = o_.if_contains(name);
    return v != nullptr && !v->is_null();
  }
  const json::object& o_;
  std::vector<FieldError> errors_;
};

// RFC 3339 text, or null.
json::value Time(const std::optional<Timestamp>& t);
json::array Strings(const std::vector<std::string>& v);
json::object ApiKeyJson(const ApiKeyInfo& k, Timestamp now);
json::object AuditJson(const AuditEntry& e);

// The middleware guarantees a principal on non-public routes; answer 401 if it is not installed.
const http::Principal* PrincipalOf(const http::Request& r);
// kUnauthenticated: a non-public route reached without a principal.
Status NoPrincipal(const http::Request& r);

// routes_auth.cc: POST /v1/auth/login, /v1/auth/refresh, /v1/auth/logout
Result<http::Response> Login(IdentityService& svc, http::Request& r);
Result<http::Response> Refresh(IdentityService& svc, http::Request& r);
Result<http::Response> Logout(IdentityService& svc, http::Request& r);

// routes_me.cc: GET /v1/me, GET /v1/me/export, DELETE /v1/me
Result<http::Response> Me(IdentityService& svc, http::Request& r);
Result<http::Response> Export(IdentityService& svc, http::Request& r);
Result<http::Response> DeleteMe(IdentityService& svc, http::Request& r);

// routes_api_keys.cc: POST /v1/api-keys, GET /v1/api-keys, DELETE /v1/api-keys/{id}
Result<http::Response> CreateKey(IdentityService& svc, http::Request& r);
Result<http::Response> ListKeys(IdentityService& svc, http::Request& r);
Result<http::Response> RevokeKey(IdentityService& svc, http::Request& r);

// routes_audit.cc: GET /v1/audit
Result<http::Response> Audit(IdentityService& svc, http::Request& r);

// routes_members.cc: POST|GET /v1/orgs/{id}/users, PATCH|DELETE /v1/orgs/{id}/users/{user_id}, POST
// /v1/invitations/accept, POST /v1/auth/register
Result<http::Response> InviteUser(IdentityService& svc, http::Request& r);
Result<http::Response> AcceptInvitation(IdentityService& svc, http::Request& r);
Result<http::Response> RegisterWithInvitation(IdentityService& svc, http::Request& r);
Result<http::Response> ListMembers(IdentityService& svc, http::Request& r);
Result<http::Response> ChangeRole(IdentityService& svc, http::Request& r);
Result<http::Response> RemoveMember(IdentityService& svc, http::Request& r);

}  // namespace signx::identity::internal
