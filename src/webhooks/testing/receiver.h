// A local webhook receiver for tests: an http::Server on 127.0.0.1 (ephemeral port) with a public
// route, POST /hook, that records every request and answers with scripted statuses (then 200),
// POST /slow, which answers 200 only after 1.5 s (for client timeouts well below that), and
// POST /held, which answers 200 once the test calls ReleaseHeld() (or after 4 s at the latest, so
// a failing test cannot hang); at most one /held request is served at a time.
// Thread-safety: all methods are thread-safe.
#pragma once

#include <condition_variable>
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
  std::string held_url() const;  // http://127.0.0.1:<port>/held
  bool started() const { return started_; }

  // /held requests waiting now.
  int held() const;
  // Waits (up to 10 s) until `n` /held requests are waiting; returns whether they are.
  bool WaitHeld(int n) const;
  // Lets every waiting and future /held request answer.
  void ReleaseHeld();

 private:
  mutable std::mutex mu_;
  std::deque<int> script_;                 // guarded by mu_
  std::vector<ReceivedRequest> received_;  // guarded by mu_
  mutable std::condition_variable cv_;
  int held_ = 0;           // guarded by mu_
  bool released_ = false;  // guarded by mu_
  http::Router router_;
  metrics::Registry metrics_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
  bool started_ = false;
};

}  // namespace signx::webhooks::testing
