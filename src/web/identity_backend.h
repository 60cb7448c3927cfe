// The production AuthBackend: forwards to identity::IdentityService. This adapter is the only
// web file that includes identity_service.h.
// Thread-safety: as IdentityService (thread-safe); the service is borrowed and must outlive the
// returned backend.
#pragma once

#include <memory>

#include "web/auth_backend.h"

namespace signx::identity {
class IdentityService;
}

namespace signx::web {

std::shared_ptr<AuthBackend> MakeIdentityBackend(identity::IdentityService& identity);

}  // namespace signx::web
