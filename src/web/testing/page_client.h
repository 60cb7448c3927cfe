// A browser for page tests without a socket: it calls a Router's handlers as the server would,
// keeps the cookies the pages set (a Max-Age=0 cookie is dropped) and the CSRF token of the last
// HTML page, so a test can log in and submit forms. Linked only into tests (signx_web_testing).
#pragma once

#include <map>
#include <string>

#include "http/router.h"
#include "http/request.h"

namespace signx::web::testing {

class PageClient {
 public:
  explicit PageClient(http::Router& router) : router_(router) {}

  // One request from 198.51.100.7 with the kept cookies; a POST body is a urlencoded form. A
  // target no route matches is a test failure and answers 404.
  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "");

  // Forgets the cookies, then GET /login and POST the form for `email`: expects 303, and 200 from
  // GET / afterwards.
  void LogIn(const std::string& email, const std::string& password);

  // The csrf_token hidden field of the last HTML page that had one.
  const std::string& csrf() const { return csrf_; }
  // The cookies by name (a test may swap one, e.g. to replay an old session).
  std::map<std::string, std::string>& cookies() { return cookies_; }

 private:
  http::Router& router_;
  std::map<std::string, std::string> cookies_;
  std::string csrf_;
};

}  // namespace signx::web::testing
