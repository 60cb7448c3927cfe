#include "app/identity_settings.h"

#include <fmt/format.h>

#include "base/strings.h"

namespace signx::app {

Result<identity::IdentitySettings> IdentitySettingsFrom(const config::AuthConfig& auth) {
  identity::IdentitySettings s;
  std::vector<FieldError> errors;
  int i = 0;
  for (auto entry : Split(auth.jwt_keys, ',')) {
    entry = Trim(entry);
    ++i;
    if (entry.empty()) continue;
    const auto eq = entry.find('=');
    if (eq == std::string_view::npos || eq == 0) {
      errors.push_back({"auth.jwt_keys", fmt::format("entry {} must look like kid=secret", i)});
      continue;
    }
    s.jwt_keys.push_back({std::string(entry.substr(0, eq)), std::string(entry.substr(eq + 1))});
  }
  if (!s.jwt_keys.empty()) {
    s.jwt_active_kid = auth.jwt_active_kid.empty() ? s.jwt_keys.front().kid : auth.jwt_active_kid;
  }
  s.access_token_ttl = std::chrono::seconds(auth.access_token_ttl_s);
  s.api_key_cache_ttl = std::chrono::milliseconds(auth.api_key_cache_ms);
  if (auto proxies = identity::ParseNetworks(auth.trusted_proxies); proxies.ok()) {
    s.trusted_proxies = *std::move(proxies);
  } else {
    errors.push_back({"auth.trusted_proxies", std::string(proxies.status().message())});
  }
  i = 0;
  for (auto entry : Split(auth.api_keys, ',')) {
    entry = Trim(entry);
    ++i;
    if (entry.empty()) continue;
    // name, key and org id end at the first three colons; the rest is the scopes, which have
    // colons of their own (leads:score|estimates:predict).
    std::vector<std::string_view> parts;
    std::string_view rest = entry;
    for (int k = 0; k < 3; ++k) {
      const auto colon = rest.find(':');
      if (colon == std::string_view::npos) break;
      parts.push_back(rest.substr(0, colon));
      rest.remove_prefix(colon + 1);
    }
    parts.push_back(rest);
    if (parts.size() != 4 || parts[0].empty() || parts[1].empty() || parts[2].empty()) {
      errors.push_back(
          {"auth.api_keys", fmt::format("entry {} must look like name:key:org_id:scope|scope", i)});
      continue;
    }
    identity::StaticApiKey key{.name = std::string(parts[0]),
                               .key = std::string(parts[1]),
                               .org_id = std::string(parts[2])};
    for (auto scope : Split(parts[3], '|')) {
      if (!Trim(scope).empty()) key.scopes.emplace_back(Trim(scope));
    }
    s.static_api_keys.push_back(std::move(key));
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid auth configuration");
  SIGNX_RETURN_IF_ERROR(identity::IdentityService::ValidateSettings(s));
  return s;
}

}  // namespace signx::app
