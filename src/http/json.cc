#include "http/json.h"

#include <fmt/format.h>

#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>

#include "base/strings.h"

namespace signx::http {

namespace json = boost::json;

std::string ErrorBody(const Status& status, std::string_view request_id) {
  json::array details;
  for (const auto& d : status.details()) {
    details.push_back(json::object{{"field", d.field}, {"message", d.message}});
  }
  json::object err{{"code", static_cast<int>(status.code())},
                   {"name", Name(status.code())},
                   {"message", status.message()},
                   {"details", std::move(details)},
                   {"request_id", request_id}};
  return json::serialize(json::object{{"error", std::move(err)}});
}

Response ErrorResponse(const Status& status, std::string_view request_id) {
  return Response::Json(HttpStatus(status.code()), ErrorBody(status, request_id));
}

Result<json::value> ParseJsonBody(const Request& request) {
  if (auto ct = request.Header("Content-Type")) {
    const std::string lower = ToLower(*ct);
    if (lower.find("json") == std::string::npos) {
      return Status(ErrorCode::kUnsupportedMediaType,
                    fmt::format("Content-Type must be application/json, got '{}'", *ct));
    }
  }
  if (Trim(request.body).empty()) {
    return Status(ErrorCode::kMalformedJson, "the request body is empty; a JSON document is required");
  }
  json::parse_options opt;
  opt.max_depth = 64;
  json::parser parser({}, opt);
  boost::system::error_code ec;
  const std::size_t n = parser.write(request.body.data(), request.body.size(), ec);
  if (ec) {
    return Status(ErrorCode::kMalformedJson,
                  fmt::format("request body is not valid JSON at byte {}: {}", n, ec.message()));
  }
  return parser.release();
}

Result<json::object> ParseJsonObject(const Request& request) {
  SIGNX_ASSIGN_OR_RETURN(json::value v, ParseJsonBody(request));
  if (!v.is_object()) {
    return Status(ErrorCode::kMalformedJson, "the request body must be a JSON object");
  }
  return std::move(v.get_object());
}

Response JsonResponse(int status, const json::value& value) {
  return Response::Json(status, json::serialize(value));
}

}  // namespace signx::http
