#include "events/internal/redis_subscriber.h"

#include <hiredis/hiredis.h>
#include <poll.h>
#include <spdlog/spdlog.h>
#include <sys/eventfd.h>
#include <unistd.h>

#include <algorithm>
#include <memory>
#include <vector>

namespace signx::events::internal {
namespace {

timeval ToTimeval(std::chrono::milliseconds ms) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(ms.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((ms.count() % 1000) * 1000);
  return tv;
}

std::string ContextError(const redisContext* c) {
  if (c == nullptr) return "cannot allocate a redis context";
  return c->errstr[0] != '\0' ? std::string(c->errstr) : std::string("connection error");
}

using ReplyPtr = std::unique_ptr<redisReply, decltype(&freeReplyObject)>;

ReplyPtr Command(redisContext* c, const std::vector<std::string_view>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  for (std::string_view a : args) {
    argv.push_back(a.data());
    lens.push_back(a.size());
  }
  return ReplyPtr(static_cast<redisReply*>(
                      redisCommandArgv(c, static_cast<int>(args.size()), argv.data(), lens.data())),
                  &freeReplyObject);
}

}  // namespace

RedisSubscriber::RedisSubscriber(cache::RedisOptions options, std::string channel,
                                 MessageFn on_message, SubscribedFn on_subscribed)
    : options_(std::move(options)),
      channel_(std::move(channel)),
      on_message_(std::move(on_message)),
      on_subscribed_(std::move(on_subscribed)) {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  SIGNX_CHECK(wake_fd_ >= 0, "eventfd failed");
}

RedisSubscriber::~RedisSubscriber() {
  Stop();
  close(wake_fd_);
}

Result<redisContext*> RedisSubscriber::Connect() {
  const std::string where = options_.host + ":" + std::to_string(options_.port);
  redisContext* c = redisConnectWithTimeout(options_.host.c_str(), options_.port,
                                            ToTimeval(options_.connect_timeout));
  std::unique_ptr<redisContext, decltype(&redisFree)> guard(c, &redisFree);
  if (c == nullptr || c->err != 0) {
    return Unavailable("cannot connect to redis at " + where + ": " + ContextError(c));
  }
  // The timeout bounds the handshake; the reader only reads after poll() reports data.
  if (redisSetTimeout(c, ToTimeval(options_.command_timeout)) != REDIS_OK) {
    return Unavailable("cannot set redis timeout: " + ContextError(c));
  }
  redisEnableKeepAlive(c);
  if (!options_.password.empty()) {
    ReplyPtr r = options_.username.empty()
                     ? Command(c, {"AUTH", options_.password})
                     : Command(c, {"AUTH", options_.username, options_.password});
    if (!r) return Unavailable("redis AUTH: " + ContextError(c));
    if (r->type == REDIS_REPLY_ERROR) {
      return Status(ErrorCode::kUnauthenticated, "redis AUTH: " + std::string(r->str, r->len));
    }
  }
  ReplyPtr r = Command(c, {"SUBSCRIBE", channel_});
  if (!r) return Unavailable("redis SUBSCRIBE: " + ContextError(c));
  if (r->type != REDIS_REPLY_ARRAY) return Unavailable("redis SUBSCRIBE: unexpected reply");
  return guard.release();
}

Status RedisSubscriber::Start() {
  SIGNX_CHECK(!thread_.joinable(), "RedisSubscriber started twice");
  SIGNX_ASSIGN_OR_RETURN(redisContext * ctx, Connect());
  stop_ = false;
  thread_ = std::thread([this, ctx] { Run(ctx); });
  return Status::Ok();
}

void RedisSubscriber::Stop() {
  if (!thread_.joinable()) return;
  stop_ = true;
  const uint64_t one = 1;
  (void)!write(wake_fd_, &one, sizeof one);
  thread_.join();
  uint64_t drained = 0;
  (void)!read(wake_fd_, &drained, sizeof drained);
}

bool RedisSubscriber::WaitStop(int ms) {
  pollfd p{wake_fd_, POLLIN, 0};
  (void)poll(&p, 1, ms);
  return stop_.load();
}

void RedisSubscriber::Run(redisContext* ctx) {
  int backoff_ms = 100;
  bool announce = true;  // call on_subscribed_ for the connection we hold
  while (!stop_) {
    if (ctx == nullptr) {
      Result<redisContext*> c = Connect();
      if (!c.ok()) {
        spdlog::warn("events: redis subscriber reconnect failed: {}", c.status().message());
        if (WaitStop(backoff_ms)) break;
        backoff_ms = std::min(backoff_ms * 2, 5000);
        continue;
      }
      ctx = *c;
      backoff_ms = 100;
      announce = true;
    }
    if (announce) {
      announce = false;
      if (on_subscribed_) on_subscribed_();
    }
    // Hand over every reply already buffered, then wait for more bytes.
    bool broken = false;
    while (true) {
      void* raw = nullptr;
      if (redisGetReplyFromReader(ctx, &raw) != REDIS_OK) {
        broken = true;
        break;
      }
      if (raw == nullptr) break;
      ReplyPtr reply(static_cast<redisReply*>(raw), &freeReplyObject);
      if (reply->type == REDIS_REPLY_ARRAY && reply->elements == 3 &&
          reply->element[0]->type == REDIS_REPLY_STRING &&
          std::string_view(reply->element[0]->str, reply->element[0]->len) == "message" &&
          reply->element[2]->type == REDIS_REPLY_STRING) {
        on_message_(std::string_view(reply->element[2]->str, reply->element[2]->len));
      }
    }
    if (!broken) {
      pollfd fds[2] = {{ctx->fd, POLLIN, 0}, {wake_fd_, POLLIN, 0}};
      const int n = poll(fds, 2, -1);
      if (stop_) break;
      if (n > 0 && (fds[0].revents & (POLLIN | POLLHUP | POLLERR)) != 0 &&
          redisBufferRead(ctx) != REDIS_OK) {
        broken = true;
      }
    }
    if (broken) {
      spdlog::warn("events: redis subscriber connection lost: {}", ContextError(ctx));
      redisFree(ctx);
      ctx = nullptr;
    }
  }
  if (ctx != nullptr) redisFree(ctx);
}

}  // namespace signx::events::internal
