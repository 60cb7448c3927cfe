// TestAuth: a middleware for route tests on a real http::Server that stands in for the real
// authentication (identity::AuthMiddleware, from a JWT or an API key; the authorization matrix in
// src/app covers that path). A request carrying the test header (X-Test-Org by default) gets the
// Principal the test's maker builds from the header's value; a request without it stays anonymous.
// Thread-safe if the maker is (it is called concurrently from the server's threads).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"
#include "http/router.h"
#include "http/server.h"

namespace signx::http::testing {

// A user of `org` with the org_member role and `permissions` (all by default): subject usr_<org>.
Principal OrgMember(std::string org, std::vector<std::string> permissions = {"*"});

// Builds the Principal from the test header's value (e.g. an org id); `request` gives access to
// further test headers (e.g. X-Test-Role).
using PrincipalMaker = std::function<Principal(std::string_view value, const Request& request)>;

struct TestAuthOptions {
  // The request header whose presence makes a principal.
  std::string header = "X-Test-Org";
  // Answer 403 (the documented error shape) when the principal lacks the route's permission,
  // for route tables whose tests need the permission check without identity's middleware.
  bool enforce_permissions = false;
};

class TestAuth final : public Middleware {
 public:
  explicit TestAuth(PrincipalMaker maker, TestAuthOptions options = {});

  std::optional<Response> Before(Request& request, const Route& route) override;

 private:
  PrincipalMaker maker_;
  TestAuthOptions options_;
};

}  // namespace signx::http::testing
