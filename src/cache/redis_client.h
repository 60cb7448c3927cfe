// RedisClient: a small synchronous Redis client over hiredis with a bounded connection pool.
//
// Commands are sent as argument vectors (binary safe, no format strings). A connection that fails
// with an I/O error is discarded, never returned to the pool; a command that fails on a connection
// taken from the idle pool (possibly stale after a server restart) is retried once on a fresh
// connection. Connection and I/O failures are kUnavailable; error replies from the server are
// returned as a RedisReply of type kError so callers can react (e.g. NOSCRIPT).
//
// Thread-safety: RedisClient is thread-safe; each command borrows one pooled connection for its
// duration. Ownership: the client owns its connections; share it with std::shared_ptr.
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

struct redisContext;

namespace signx::cache {

// Where and how to connect. Parsed from a redis:// URL by ParseRedisUrl.
struct RedisOptions {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string username;  // ACL user (Redis 6+); empty = the default user
  std::string password;  // empty = no AUTH
  int db = 0;            // SELECT index
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{1000};  // per read/write on the socket
  int pool_size = 8;                                // most connections open at once
  std::chrono::milliseconds pool_wait{1000};        // longest wait for a free connection
};

// Parses "redis://[[user]:password@]host[:port][/db]" (percent-escapes decoded, IPv6 in
// brackets). Port defaults to 6379 and db to 0. Other schemes (rediss, unix) and query strings are
// kInvalidArgument. Timeouts and pool settings keep their defaults.
Result<RedisOptions> ParseRedisUrl(std::string_view url);

// One reply, converted from hiredis into an owned value.
struct RedisReply {
  enum class Type { kNil, kString, kStatus, kInteger, kArray, kError };
  Type type = Type::kNil;
  std::string str;  // kString, kStatus, kError
  long long integer = 0;
  std::vector<RedisReply> elements;  // kArray

  bool is_error() const { return type == Type::kError; }
};

class RedisClient {
 public:
  // Connects one connection (AUTH, SELECT, PING) so a bad address or password fails at start.
  // kUnavailable when the server cannot be reached; kUnauthenticated on an AUTH failure.
  static Result<std::shared_ptr<RedisClient>> Open(const RedisOptions& options);

  RedisClient(const RedisClient&) = delete;
  RedisClient& operator=(const RedisClient&) = delete;
  ~RedisClient();

  // Sends one command and waits for its reply. kUnavailable on connection failure, timeout or
  // when no pooled connection frees up within pool_wait.
  Result<RedisReply> Command(const std::vector<std::string_view>& args);

  const RedisOptions& options() const { return options_; }

 private:
  struct ContextDeleter {
    void operator()(redisContext* c) const;
  };
  using Connection = std::unique_ptr<redisContext, ContextDeleter>;

  explicit RedisClient(RedisOptions options);

  // Takes an idle connection (sets `reused`) or opens a new one within the pool bound.
  Result<Connection> Acquire(bool& reused);
  // Returns a healthy connection to the idle list, or frees the slot of a broken one.
  void Release(Connection conn, bool healthy);
  // Closes every idle connection (after one turned out stale).
  void DropIdle();
  Result<Connection> Connect() const;

  const RedisOptions options_;
  std::mutex mu_;
  std::condition_variable freed_;
  std::vector<Connection> idle_;  // guarded by mu_
  int open_ = 0;                  // guarded by mu_; connections idle or lent out
};

}  // namespace signx::cache
