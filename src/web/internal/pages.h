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

// "org_admin" → "Admin", ...
std::string RoleLabel(std::string_view role);
// "2026-01-01 10:15 UTC".
std::string FormatWhen(Timestamp t);

// The page for a failed service call: 404 (with `not_found` as the text), 403, or a logged 500
// that tells the user the request id to report. `what` is the action ("Loading the quote").
Page ServiceErrorPage(const Status& status, std::string_view what, std::string_view request_id,
                      std::string_view not_found =
                          "That item does not exist (or is not in your organisation).");

}  // namespace signx::web::internal
