#include "estimating/internal/repository_sql.h"

#include <fmt/format.h>

#include <utility>

#include "http/json.h"

namespace signx::estimating::internal {

std::string NextPlaceholder(storage::Params& params, storage::Param p) {
  params.push_back(std::move(p));
  return fmt::format("${}", params.size());
}

std::string JsonText(const boost::json::value& v) { return http::ToJsonText(v); }

}  // namespace signx::estimating::internal
