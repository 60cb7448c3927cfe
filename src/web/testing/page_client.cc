#include "web/testing/page_client.h"

#include <gtest/gtest.h>

#include <regex>

#include "base/strings.h"

namespace signx::web::testing {

http::Response PageClient::Call(const std::string& method, const std::string& target,
                                const std::string& body) {
  http::Request req;
  req.method = method;
  req.target = target;
  const auto q = target.find('?');
  req.path = target.substr(0, q);
  if (q != std::string::npos) req.query = http::ParseQuery(target.substr(q + 1));
  req.body = body;
  req.request_id = "req_web";
  req.remote_addr = "198.51.100.7";
  std::string cookie_header;
  for (const auto& [k, v] : cookies_) cookie_header += k + "=" + v + "; ";
  req.headers.Set("Cookie", cookie_header);
  if (method == "POST") req.headers.Set("Content-Type", "application/x-www-form-urlencoded");
  auto match = router_.Find(method, req.path);
  EXPECT_NE(match.route, nullptr) << target;
  if (match.route == nullptr) return http::Response::Text(404, "");
  req.path_params = match.params;
  http::Response res = match.route->handler(req);
  for (const auto& [k, v] : res.headers.all()) {
    if (!EqualsIgnoreCase(k, "Set-Cookie")) continue;
    const auto eq = v.find('=');
    const std::string name = v.substr(0, eq);
    if (v.find("Max-Age=0") != std::string::npos) {
      cookies_.erase(name);
    } else {
      cookies_[name] = v.substr(eq + 1, v.find(';') - eq - 1);
    }
  }
  if (res.content_type.starts_with("text/html")) {
    static const std::regex re("name=\"csrf_token\" value=\"([0-9a-f]+)\"");
    std::smatch m;
    if (std::regex_search(res.body, m, re)) csrf_ = m[1].str();
  }
  return res;
}

void PageClient::LogIn(const std::string& email, const std::string& password) {
  cookies_.clear();
  ASSERT_EQ(Call("GET", "/login").status, 200);
  auto login = Call("POST", "/login",
                    "csrf_token=" + csrf_ + "&email=" + email + "&password=" + password +
                        "&next=%2F");
  ASSERT_EQ(login.status, 303) << login.body;
  ASSERT_EQ(Call("GET", "/").status, 200);
}

}  // namespace signx::web::testing
