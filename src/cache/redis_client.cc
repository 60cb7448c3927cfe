#include "cache/redis_client.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <boost/url/parse.hpp>
#include <boost/url/url_view.hpp>
#include <cerrno>
#include <limits>
#include <optional>
#include <utility>

#include "base/strings.h"

namespace signx::cache {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

RedisReply Convert(const redisReply& r) {
  RedisReply out;
  switch (r.type) {
    case REDIS_REPLY_STRING:
      out.type = RedisReply::Type::kString;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_STATUS:
      out.type = RedisReply::Type::kStatus;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_ERROR:
      out.type = RedisReply::Type::kError;
      out.str.assign(r.str, r.len);
      break;
    case REDIS_REPLY_INTEGER:
      out.type = RedisReply::Type::kInteger;
      out.integer = r.integer;
      break;
    case REDIS_REPLY_ARRAY:
      out.type = RedisReply::Type::kArray;
      out.elements.reserve(r.elements);
      for (size_t i = 0; i < r.elements; ++i) out.elements.push_back(Convert(*r.element[i]));
      break;
    default:
      out.type = RedisReply::Type::kNil;
      break;
  }
  return out;
}

// Runs one command on `c`. An I/O or protocol failure leaves c->err set and returns nullopt.
std::optional<RedisReply> Run(redisContext* c, const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> argvlen;
  argv.reserve(args.size());
  argvlen.reserve(args.size());
  for (std::string_view a : args) {
    argv.push_back(a.data());
    argvlen.push_back(a.size());
  }
  void* raw = redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), argvlen.data());
  if (raw == nullptr) return std::nullopt;
  std::unique_ptr<redisReply, decltype(&freeReplyObject)> reply(static_cast<redisReply*>(raw),
                                                                &freeReplyObject);
  return Convert(*reply);
}

std::string ContextError(const redisContext* c) {
  if (c == nullptr) return "cannot allocate a redis context";
  return c->errstr[0] != '\0' ? std::string(c->errstr) : std::string("connection error");
}

}  // namespace

Result<RedisOptions> ParseRedisUrl(std::string_view url) {
  auto parsed = boost::urls::parse_uri(boost::core::string_view(url.data(), url.size()));
  if (!parsed) return InvalidArgument("redis url is not a valid URL");
  const boost::urls::url_view& u = *parsed;
  if (u.scheme() != "redis") {
    return InvalidArgument("redis url must use the redis:// scheme (rediss and unix unsupported)");
  }
  if (u.has_query() || u.has_fragment()) {
    return InvalidArgument("redis url must not have a query or fragment");
  }
  RedisOptions out;
  out.host = u.host_address();
  if (out.host.empty()) return InvalidArgument("redis url has no host");
  if (u.has_port()) {
    std::optional<long long> port = ParseInt(std::string_view(u.port().data(), u.port().size()));
    if (!port || *port < 1 || *port > 65535) return InvalidArgument("redis url has a bad port");
    out.port = static_cast<int>(*port);
  }
  if (u.has_userinfo()) {
    out.username = u.user();
    if (u.has_password()) out.password = u.password();
  }
  std::string path = u.path();
  if (!path.empty() && path != "/") {
    std::optional<long long> db = ParseInt(std::string_view(path).substr(1));
    if (path[0] != '/' || !db || *db < 0 || *db > std::numeric_limits<int>::max()) {
      return InvalidArgument("redis url path must be /<database number>");
    }
    out.db = static_cast<int>(*db);
  }
  return out;
}

void RedisClient::ContextDeleter::operator()(redisContext* c) const { redisFree(c); }

RedisClient::RedisClient(RedisOptions options) : options_(std::move(options)) {}

RedisClient::~RedisClient() = default;

Result<std::shared_ptr<RedisClient>> RedisClient::Open(const RedisOptions& options) {
  if (options.pool_size < 1) return InvalidArgument("redis pool_size must be at least 1");
  std::shared_ptr<RedisClient> client(new RedisClient(options));
  SIGNX_ASSIGN_OR_RETURN(RedisReply pong, client->Command({"PING"}));
  if (pong.is_error()) return Unavailable("redis PING failed: " + pong.str);
  return client;
}

Result<RedisClient::Connection> RedisClient::Connect() const {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  Connection conn(redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                          ToTimeval(options_.connect_timeout)));
  if (conn == nullptr || conn->err != 0) {
    return Unavailable("cannot connect to redis at " + where + ": " + ContextError(conn.get()));
  }
  if (redisSetTimeout(conn.get(), ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return Unavailable("cannot set redis timeout: " + ContextError(conn.get()));
  }
  redisEnableKeepAlive(conn.get());
  auto run = [&](const std::vector<std::string_view>& args, std::string_view what) -> Status {
    std::optional<RedisReply> reply = Run(conn.get(), args);
    if (!reply) return Unavailable("redis " + std::string(what) + ": " + ContextError(conn.get()));
    if (reply->is_error()) {
      if (what == "AUTH") return Status(ErrorCode::kUnauthenticated, "redis AUTH: " + reply->str);
      return Unavailable("redis " + std::string(what) + ": " + reply->str);
    }
    return Status::Ok();
  };
  if (!options_.password.empty()) {
    if (options_.username.empty()) {
      SIGNX_RETURN_IF_ERROR(run({"AUTH", options_.password}, "AUTH"));
    } else {
      SIGNX_RETURN_IF_ERROR(run({"AUTH", options_.username, options_.password}, "AUTH"));
    }
  }
  if (options_.db != 0) {
    const std::string db = std::to_string(options_.db);
    SIGNX_RETURN_IF_ERROR(run({"SELECT", db}, "SELECT"));
  }
  return conn;
}

Result<RedisClient::Connection> RedisClient::Acquire(bool& reused) {
  {
    std::unique_lock lock(mu_);
    const bool got = freed_.wait_for(lock, options_.pool_wait,
                                     [&] { return !idle_.empty() || open_ < options_.pool_size; });
    if (!got) return Unavailable("no free redis connection (pool exhausted)");
    if (!idle_.empty()) {
      Connection conn = std::move(idle_.back());
      idle_.pop_back();
      reused = true;
      return conn;
    }
    ++open_;  // reserve the slot, connect outside the lock
  }
  reused = false;
  Result<Connection> conn = Connect();
  if (!conn.ok()) {
    std::lock_guard lock(mu_);
    --open_;
    freed_.notify_one();
  }
  return conn;
}

void RedisClient::Release(Connection conn, bool healthy) {
  std::lock_guard lock(mu_);
  if (healthy) {
    idle_.push_back(std::move(conn));
  } else {
    --open_;
    conn.reset();
  }
  freed_.notify_one();
}

Result<RedisReply> RedisClient::Command(const std::vector<std::string_view>& args) {
  SIGNX_CHECK(!args.empty(), "redis command without arguments");
  for (int attempt = 0; attempt < 2; ++attempt) {
    bool reused = false;
    SIGNX_ASSIGN_OR_RETURN(Connection conn, Acquire(reused));
    std::optional<RedisReply> reply = Run(conn.get(), args);
    const int saved_errno = errno;
    if (reply) {
      Release(std::move(conn), true);
      return std::move(*reply);
    }
    // A pooled connection the server closed (restart, idle timeout) fails with EOF or a reset;
    // then every idle connection is suspect: drop them all and retry once on a fresh one. A
    // timeout is not retried: the command may have run, and waiting twice helps nobody.
    const bool closed_by_peer =
        conn->err == REDIS_ERR_EOF ||
        (conn->err == REDIS_ERR_IO &&
         (saved_errno == ECONNRESET || saved_errno == EPIPE || saved_errno == ECONNABORTED));
    std::string error = ContextError(conn.get());
    Release(std::move(conn), false);
    if (!reused || !closed_by_peer || attempt == 1) {
      return Unavailable("redis " + std::string(args[0]) + " failed: " + error);
    }
    DropIdle();
  }
  return Unavailable("redis command failed");
}

void RedisClient::DropIdle() {
  std::vector<Connection> stale;
  {
    std::lock_guard lock(mu_);
    stale.swap(idle_);
    open_ -= static_cast<int>(stale.size());
    freed_.notify_all();
  }
}

}  // namespace signx::cache
