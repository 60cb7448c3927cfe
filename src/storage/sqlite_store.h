// SQLite backend of Store (internal; use Store::Open).
#pragma once

#include <memory>
#include <string>

#include "storage/store.h"

namespace signx::storage {

Result<std::unique_ptr<Store>> OpenSqliteStore(const config::DatabaseConfig& config);

// Rewrites $1, $2 ... placeholders to SQLite's ?1, ?2 outside string literals and identifiers.
std::string RewritePlaceholdersForSqlite(std::string_view sql);

}  // namespace signx::storage
