// signx_web_test_server: the web UI shell on a real HTTP server with an in-memory identity
// (web/testing/fake_auth_backend.h), for running the browser tests without a database.
// tests/browser/run.sh --server fake starts it; the same tests also run against `signx serve`.
//
// Usage: signx_web_test_server --port N
// Seeds two orgs ("Acme Signs", "Second Shop") and the users
//   admin@acme.test  / admin-pass-123   org_admin in Acme Signs, org_member in Second Shop
//   viewer@acme.test / viewer-pass-123  org_viewer in Acme Signs
// and serves until SIGINT/SIGTERM.
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <string>

#include "config/config.h"
#include "http/ops.h"
#include "http/router.h"
#include "http/server.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"
#include "web/shell.h"
#include "web/testing/fake_auth_backend.h"

int main(int argc, char** argv) {
  int port = 0;
  for (int i = 1; i + 1 < argc; ++i) {
    if (std::string(argv[i]) == "--port") port = std::atoi(argv[i + 1]);
  }
  auto auth = std::make_shared<signx::web::testing::FakeAuthBackend>();
  const std::string acme = auth->AddOrg("Acme Signs");
  const std::string second = auth->AddOrg("Second Shop");
  auth->AddUser("admin@acme.test", "admin-pass-123", acme, "org_admin");
  auth->AddUser("admin@acme.test", "admin-pass-123", second, "org_member");
  auth->AddUser("viewer@acme.test", "viewer-pass-123", acme, "org_viewer");

  signx::http::Router router;
  signx::http::HealthChecks checks;
  signx::http::SchemaRegistry schemas;
  signx::metrics::Registry metrics;
  signx::http::AddOpsRoutes(router, checks, metrics, schemas, {.version = "web-test"});
  signx::web::AddWebRoutes(router, auth, {.secret = "web-test-server-secret-0123456789abcdef"});

  signx::config::ServerConfig cfg;
  cfg.host = "127.0.0.1";
  cfg.port = port;
  signx::runtime::BlockingPool pool(4, 256);
  signx::http::Server server(cfg, router, metrics, pool, /*access_log=*/false);
  if (auto st = server.Start(); !st.ok()) {
    std::fprintf(stderr, "web test server: %s\n", st.ToString().c_str());
    return 1;
  }
  server.ShutdownOnSignals();
  std::printf("web test server listening on http://127.0.0.1:%u\n", server.port());
  std::fflush(stdout);
  server.Wait();
  pool.Shutdown();
  return 0;
}
