// The notifications capability (docs/notifications.md): OpenNotificationsModule builds it for
// app/capabilities.cc. Both processes register `notifications.deliver`, `notifications.fanout`
// and `notifications.digest`; `signx serve` also subscribes the fan-out to the event dispatcher
// and adds the /v1/notifications routes and the inbox and settings pages.
#pragma once

#include <memory>

#include "capability/capability.h"

namespace signx::notifications {

std::unique_ptr<capability::Capability> OpenNotificationsModule(const capability::Deps& deps);

}  // namespace signx::notifications
