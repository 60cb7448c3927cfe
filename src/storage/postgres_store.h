// PostgreSQL (libpq) backend of Store (internal; use Store::Open).
#pragma once

#include <memory>

#include "storage/store.h"

namespace signx::storage {

Result<std::unique_ptr<Store>> OpenPostgresStore(const config::DatabaseConfig& config);

}  // namespace signx::storage
