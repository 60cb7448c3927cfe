// Versioned price lists (sign-domain.md §1: material costs, labor rates, machine rates, markup or
// margin with quantity breaks, default contingency), per org.
//
// A price list is named ("standard"); every create makes a new version of that name (1, 2, ...)
// and a version never changes afterwards (there is no update or delete). One version per org is
// active: it prices the quotes that do not name a price list. A quote stores the id of the
// version it used (quotes.price_list_id) and a snapshot of the list, and cites "name@version".
//
// Create body: the quote.h price-list fields (method, rate_pct, contingency_pct, materials, labor,
// machines, quantity_breaks) plus "name" (required, 1..100 chars of [a-z0-9_-]) and "activate"
// (optional bool). "id" and "version" are assigned by the server.
//
// Thread-safety: free functions over one transaction.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "base/status.h"
#include "estimating/quote.h"
#include "estimating/repository.h"
#include "storage/store.h"

namespace signx::estimating {

struct StoredPriceList {
  std::string id;  // pl_<ulid>
  std::string org_id;
  std::string name;
  int64_t version = 1;
  std::string body_json;  // ParsePriceList shape with id = name, version = "<n>"
  bool active = false;
  std::optional<std::string> created_by;
  Timestamp created_at;
  std::optional<Timestamp> activated_at;
  std::string VersionRef() const { return name + "@" + std::to_string(version); }
};
boost::json::object ToJson(const StoredPriceList& p);

// Validates a create body (422 naming every bad field) and inserts the next version of its
// name; activates it when the body says "activate": true.
Result<StoredPriceList> CreatePriceList(storage::Txn& txn, const Scope& scope,
                                        const boost::json::object& body, const Clock& clock);
// kNotFound for an id of another org or none.
Result<StoredPriceList> GetPriceList(storage::Txn& txn, const Scope& scope, std::string_view id);
// The active version, if any.
Result<std::optional<StoredPriceList>> ActivePriceList(storage::Txn& txn, const Scope& scope);
// Newest first; optional name filter; `cursor` = last id of the previous page.
Result<Page<StoredPriceList>> ListPriceLists(storage::Txn& txn, const Scope& scope,
                                             const std::optional<std::string>& name, int limit,
                                             std::string_view cursor);
// Makes `id` the org's active version (the previous one is deactivated). Returns the list.
Result<StoredPriceList> ActivatePriceList(storage::Txn& txn, const Scope& scope,
                                          std::string_view id, const Clock& clock);
// The parsed list of a stored version.
Result<PriceList> ParseStoredPriceList(const StoredPriceList& p);

}  // namespace signx::estimating
