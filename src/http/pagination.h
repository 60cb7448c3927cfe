// Keyset pagination for every list route, written once: the ?limit=&cursor= query, the one list
// envelope `{"items": [...], "next_cursor": "…" | null}`, its OpenAPI schema and parameter docs,
// and the 422 for a bad query. A store returns `Page<T>` (items plus the cursor of the next page,
// "" on the last); it fetches limit + 1 rows and calls TrimPage, so it knows whether a next page
// exists without a count (base/page.h).
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/array.hpp>
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "base/page.h"
#include "base/status.h"
#include "http/request.h"
#include "http/router.h"

namespace signx::http {

using signx::Page;

struct PageLimits {
  int default_limit = 50;
  int max_limit = 200;
};

struct PageQuery {
  int limit = 50;
  std::string cursor;  // "" = the first page
};

// Reads ?limit= (1..max_limit, default_limit when absent) and ?cursor=. A bad value adds a field
// error to `bad` naming the parameter; `valid_cursor` (optional) decides whether a cursor could
// have come from this list.
PageQuery ReadPageQuery(const Request& req, std::vector<FieldError>& bad, PageLimits limits = {},
                        const std::function<bool(std::string_view)>& valid_cursor = nullptr);

// A cursor validator for lists keyed by prefixed ids ("prj_…"): the cursor is the last id.
std::function<bool(std::string_view)> IdCursor(std::string prefix);

// kValidationFailed (422) "invalid query parameters" with `bad` as details.
Status BadQuery(std::vector<FieldError> bad);

// 200 with {"items": items, "next_cursor": next_cursor or null}.
Response ListResponse(boost::json::array items, std::string_view next_cursor);

// The JSON schema of a list of `item_schema` (a components/schemas name): {items, next_cursor}.
std::string ListSchema(std::string_view item_schema);

// The OpenAPI documentation of ?limit= and ?cursor=.
std::vector<ParamDoc> PageParams(PageLimits limits = {});

}  // namespace signx::http
