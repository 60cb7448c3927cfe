#include "http/pagination.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "base/id.h"
#include "base/strings.h"
#include "http/json.h"

namespace signx::http {

PageQuery ReadPageQuery(const Request& req, std::vector<FieldError>& bad, PageLimits limits,
                        const std::function<bool(std::string_view)>& valid_cursor) {
  PageQuery q{.limit = limits.default_limit};
  if (auto text = req.Query("limit"); text && !text->empty()) {
    const auto n = ParseInt(*text);
    if (!n || *n < 1 || *n > limits.max_limit) {
      bad.push_back({"limit", fmt::format("must be an integer from 1 to {}", limits.max_limit)});
    } else {
      q.limit = static_cast<int>(*n);
    }
  }
  if (auto text = req.Query("cursor"); text && !text->empty()) {
    if (valid_cursor && !valid_cursor(*text)) {
      bad.push_back({"cursor", "is not a next_cursor returned by this list"});
    } else {
      q.cursor = std::string(*text);
    }
  }
  return q;
}

std::function<bool(std::string_view)> IdCursor(std::string prefix) {
  return [prefix = std::move(prefix)](std::string_view c) { return IsValidId(c, prefix); };
}

Status BadQuery(std::vector<FieldError> bad) {
  return Status(ErrorCode::kValidationFailed, "invalid query parameters", std::move(bad));
}

Response ListResponse(boost::json::array items, std::string_view next_cursor) {
  boost::json::object body;
  body["items"] = std::move(items);
  body["next_cursor"] =
      next_cursor.empty() ? boost::json::value(nullptr) : boost::json::value(next_cursor);
  return JsonResponse(200, body);
}

std::string ListSchema(std::string_view item_schema) {
  return fmt::format(
      R"({{"type": "object", "required": ["items", "next_cursor"], "properties": {{
  "items": {{"type": "array", "items": {{"$ref": "#/components/schemas/{}"}}}},
  "next_cursor": {{"type": ["string", "null"], "description": "pass as ?cursor= for the next page; null on the last page"}}}}}})",
      item_schema);
}

std::vector<ParamDoc> PageParams(PageLimits limits) {
  return {{.name = "limit",
           .type = "integer",
           .description = fmt::format("1..{}, default {}", limits.max_limit,
                                      limits.default_limit)},
          {.name = "cursor", .description = "next_cursor of the previous page"}};
}

}  // namespace signx::http
