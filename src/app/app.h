// App: the one composition root. It builds every long-lived object of a `signx serve` process
// from the Config (metrics, database store, blocking pool, router with every module's routes,
// HTTP server) and owns them for the life of the process. Nothing else constructs these.
// Thread-safety: construct and Start() on the main thread; Shutdown() from any thread.
#pragma once

#include <memory>

#include "base/status.h"
#include "config/config.h"
#include "http/ops.h"
#include "http/router.h"

namespace signx::app {

struct AppOptions {
  bool migrate = false;  // apply pending migrations at start instead of refusing to start
};

class App {
 public:
  App(config::Config config, http::BuildInfo build, AppOptions options = {});
  ~App();
  App(const App&) = delete;
  App& operator=(const App&) = delete;

  // Builds the modules and starts serving. Fails if a dependency cannot be reached or the
  // address cannot be bound.
  Status Start();
  uint16_t port() const;
  // Every route this process serves (after Start).
  const http::Router& router() const;
  // Blocks until a signal (SIGINT/SIGTERM) or Shutdown() has drained the server.
  void Wait();
  void Shutdown();

 private:
  Status OpenStore();
  Status AddCapabilities();
  struct Parts;
  config::Config config_;
  http::BuildInfo build_;
  AppOptions options_;
  std::unique_ptr<Parts> parts_;
};

}  // namespace signx::app
