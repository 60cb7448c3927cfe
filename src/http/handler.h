// Handlers that return a result: the error mapping is written once.
//
// A JSON route handler is written as a function returning Result<Response> and propagates failures
// with SIGNX_RETURN_IF_ERROR / SIGNX_ASSIGN_OR_RETURN; http::Handle turns it into a router
// Handler that answers a non-OK Status with ErrorResponse (the mapped HTTP status and the one
// documented error body, with the request id). An OK Response passes through untouched, so a
// handler that wants a different answer for some error (another status, extra headers) builds
// that Response itself and returns it as a success.
//
//   router.Add("GET", "/v1/x", meta, http::Handle([&](http::Request& req) -> Result<Response> {
//     SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
//     ...
//   }));
//
// The result is a plain Handler, so it runs wherever RouteMeta::execution puts it (event loop or
// blocking pool). Thread-safety: as the wrapped callable; Handle copies it into the Handler.
#pragma once

#include <concepts>
#include <type_traits>
#include <utility>

#include "base/status.h"
#include "http/json.h"
#include "http/request.h"
#include "http/router.h"

namespace signx::http {

// `result`'s Response, or the error response for its Status tagged with `request_id`.
inline Response ToResponse(Result<Response> result, std::string_view request_id) {
  if (!result.ok()) return ErrorResponse(result.status(), request_id);
  return std::move(result).value();
}

// Adapts `fn`, callable as Result<Response>(Request&), into a router Handler. Written as an
// explicit adapter (not a Router::Add overload) because a callable returning Response also
// converts to one returning Result<Response>, which would make overloads ambiguous.
template <typename F>
requires std::same_as<std::invoke_result_t<F&, Request&>, Result<Response>> Handler Handle(F fn) {
  return [fn = std::move(fn)](Request& request) mutable -> Response {
    return ToResponse(fn(request), request.request_id);
  };
}

}  // namespace signx::http
