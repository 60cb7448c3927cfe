// RedisSubscriber: one dedicated hiredis connection in SUBSCRIBE mode on a reader thread.
//
// cache::RedisClient is a request/reply pool and cannot hold a connection in subscribe mode, so
// the dispatcher uses this. Start() connects and subscribes synchronously (so a bad address fails
// at start); afterwards the reader thread reconnects with backoff on any I/O error and calls
// `on_subscribed` after every successful (re)subscribe, because messages published while it was
// disconnected are lost and the owner must catch up from the database.
//
// Thread-safety: Start/Stop from the owning thread; the callbacks run on the reader thread and
// must not call Stop. Ownership: owns its connection, thread and wake-up eventfd.
#pragma once

#include <atomic>
#include <functional>
#include <string>
#include <string_view>
#include <thread>

#include "base/status.h"
#include "cache/redis_client.h"

struct redisContext;

namespace signx::events::internal {

class RedisSubscriber {
 public:
  using MessageFn = std::function<void(std::string_view message)>;
  using SubscribedFn = std::function<void()>;

  RedisSubscriber(cache::RedisOptions options, std::string channel, MessageFn on_message,
                  SubscribedFn on_subscribed);
  ~RedisSubscriber();  // Stop()
  RedisSubscriber(const RedisSubscriber&) = delete;
  RedisSubscriber& operator=(const RedisSubscriber&) = delete;

  // Connects, subscribes and starts the reader thread. kUnavailable / kUnauthenticated when the
  // first connection fails.
  Status Start();
  // Wakes and joins the reader thread; closes the connection. Idempotent.
  void Stop();

 private:
  Result<redisContext*> Connect();
  void Run(redisContext* ctx);
  // Waits up to `ms` or until Stop; true when stopping.
  bool WaitStop(int ms);

  const cache::RedisOptions options_;
  const std::string channel_;
  MessageFn on_message_;
  SubscribedFn on_subscribed_;
  int wake_fd_ = -1;
  std::atomic<bool> stop_{false};
  std::thread thread_;
};

}  // namespace signx::events::internal
