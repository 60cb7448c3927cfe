// Maps the `auth.*` configuration onto identity::IdentitySettings (parsing the key lists), so
// serve and the admin commands build the identity service the same way.
#pragma once

#include "base/status.h"
#include "config/config.h"
#include "identity/identity_service.h"

namespace signx::app {

// kValidationFailed naming auth.jwt_keys / auth.api_keys entries that do not parse.
Result<identity::IdentitySettings> IdentitySettingsFrom(const config::AuthConfig& auth);

}  // namespace signx::app
