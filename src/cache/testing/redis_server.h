// RedisServer: a throwaway redis-server child process for tests that need Redis to go away and
// come back (the shared server of scripts/with-test-services.sh must stay up for other tests).
//
// Start() launches `redis-server` on 127.0.0.1 at a free port (kept across Stop/Start, so clients
// reconnect to the same URL) and waits until it answers PING; Stop() ends it by PID (SIGTERM, then
// waits for it). Available() is false when SIGNX_TEST_REDIS_URL is unset (no test services) or
// redis-server is not on PATH: tests then skip.
//
// Thread-safety: not thread-safe; one test drives it. Ownership: the destructor stops the child.
#pragma once

#include <sys/types.h>

#include <string>

#include "base/status.h"

namespace signx::cache::testing {

class RedisServer {
 public:
  RedisServer();
  ~RedisServer();
  RedisServer(const RedisServer&) = delete;
  RedisServer& operator=(const RedisServer&) = delete;

  static bool Available();

  Status Start();
  void Stop();

  // redis://127.0.0.1:<port>/0
  std::string url() const;
  int port() const { return port_; }

 private:
  int port_ = 0;
  pid_t pid_ = -1;
};

}  // namespace signx::cache::testing
