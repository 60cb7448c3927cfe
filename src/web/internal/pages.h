// The shell's built-in pages beyond login/logout: the dashboard and the admin pages (API keys,
// audit log). Internal to the web module; AddWebRoutes calls these.
#pragma once

#include <memory>

#include "web/auth_backend.h"
#include "web/shell.h"

namespace signx::web::internal {

// GET / : who you are, your org, and a card per section you may open.
void AddDashboardPage(Shell& shell);
// GET/POST /admin/api-keys, POST /admin/api-keys/{id}/revoke, GET /admin/audit.
void AddAdminPages(Shell& shell, std::shared_ptr<AuthBackend> auth);

}  // namespace signx::web::internal
