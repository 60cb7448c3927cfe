// A local webhook receiver for tests: an http::Server on 127.0.0.1 (ephemeral port) with a public
// route, POST /hook, that records every request and answers with scripted statuses (then 200),
// and POST /slow, which answers 200 only after 1.5 s (for client timeouts well below that).
// Thread-safety: all methods are thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/router.h"
#include "http/server.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"

namespace signx::webhooks::testing {

struct ReceivedRequest {
  std::map<std::string, std::string> headers;  // lower-case names
  std::string body;
};

class Receiver {
 public:
  Receiver();
  ~Receiver();

  // Answers the next requests with these statuses, in order; afterwards 200.
  void Script(std::vector<int> statuses);
  std::vector<ReceivedRequest> requests() const;
  std::string url() const;       // http://127.0.0.1:<port>/hook
  std::string slow_url() const;  // http://127.0.0.1:<port>/slow
  bool started() const { return started_; }

 private:
  mutable std::mutex mu_;
  std::deque<int> script_;                 // guarded by mu_
  std::vector<ReceivedRequest> received_;  // guarded by mu_
  http::Router router_;
  metrics::Registry metrics_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
  bool started_ = false;
};

}  // namespace signx::webhooks::testing
