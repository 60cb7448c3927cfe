// Server: the HTTP/1.1 front door (Boost.Beast + Asio C++20 coroutines, kept inside server.cc).
//
// One io_context run by `server.io_threads` threads; each connection is a coroutine on its own
// strand, reading requests in order (keep-alive and pipelining: responses go out in request
// order). Routes marked Execution::kBlocking run on the BlockingPool; the connection coroutine
// waits for them without blocking its thread, up to the per-request deadline (504 after it).
//
// Built in for every request: request id (X-Request-Id accepted when well-formed, else generated,
// always echoed), W3C traceparent (trace id propagated into the access log), CORS from config,
// Prometheus metrics (http_requests_total, http_request_duration_seconds, in-flight and
// connection gauges), and one JSON access-log line. Limits: header bytes (431), body bytes per
// route (413), read timeout (408), idle keep-alive timeout, write timeout, request deadline (504),
// max connections and a full blocking queue (503). Every error answer uses the documented shape.
//
// Shutdown(): stop accepting, close idle keep-alive connections, let in-flight requests finish
// (their responses carry Connection: close) up to `server.drain_timeout_ms`, then stop.
// Thread-safety: Use() before Start(); Shutdown() and port() from any thread.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>

#include "base/status.h"
#include "config/config.h"
#include "http/request.h"
#include "http/router.h"

namespace signx::metrics {
class Registry;
}
namespace signx::runtime {
class BlockingPool;
}

namespace signx::http {

// A step around every routed handler, run where the handler runs (event loop or blocking pool).
class Middleware {
 public:
  virtual ~Middleware() = default;
  // Runs before the handler. A returned Response short-circuits the handler (e.g. 401/429).
  virtual std::optional<Response> Before(Request& request, const Route& route) = 0;
  // Runs after the handler (or the short-circuit) with the response about to be sent.
  virtual void After(const Request& /*request*/, Response& /*response*/) {}
};

class Server {
 public:
  Server(const config::ServerConfig& config, const Router& router, metrics::Registry& metrics,
         runtime::BlockingPool& pool, bool access_log);
  ~Server();
  Server(const Server&) = delete;
  Server& operator=(const Server&) = delete;

  // Adds a middleware; middlewares run in the order added (After in reverse order).
  void Use(std::shared_ptr<Middleware> middleware);

  // Binds and starts the io threads. Fails with kUnavailable if the address cannot be bound.
  Status Start();
  // The bound port (useful with server.port = 0).
  uint16_t port() const;
  // Makes SIGINT and SIGTERM start a graceful shutdown.
  void ShutdownOnSignals();
  // Starts a graceful shutdown; returns at once. Idempotent.
  void Shutdown();
  // Blocks until the server has fully stopped (after Shutdown or a signal), including handlers
  // still running on the blocking pool past their deadline.
  void Wait();

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace signx::http
