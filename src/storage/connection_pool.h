// A bounded pool of database connections shared by the SQLite and PostgreSQL backends.
// Connections are created lazily up to `max_size`; Acquire waits (up to a timeout) when all are
// in use. A Lease returns its connection on destruction unless Discard() was called (a broken
// connection). Thread-safe.
#pragma once

#include <chrono>
#include <condition_variable>
#include <functional>
#include <memory>
#include <mutex>
#include <vector>

#include "base/status.h"

namespace signx::storage {

template <typename Conn>
class ConnectionPool {
 public:
  using Factory = std::function<Result<std::unique_ptr<Conn>>()>;

  ConnectionPool(int max_size, Factory factory)
      : max_size_(max_size), factory_(std::move(factory)) {}

  class Lease {
   public:
    Lease(ConnectionPool* pool, std::unique_ptr<Conn> conn) : pool_(pool), conn_(std::move(conn)) {}
    Lease(Lease&& o) noexcept : pool_(o.pool_), conn_(std::move(o.conn_)) { o.pool_ = nullptr; }
    Lease& operator=(Lease&&) = delete;
    ~Lease() {
      if (pool_) pool_->Release(std::move(conn_));
    }
    Conn& operator*() const { return *conn_; }
    Conn* operator->() const { return conn_.get(); }
    // The connection is broken: close it instead of returning it.
    void Discard() { conn_.reset(); }

   private:
    ConnectionPool* pool_;
    std::unique_ptr<Conn> conn_;
  };

  Result<Lease> Acquire(std::chrono::milliseconds timeout) {
    std::unique_lock lock(mu_);
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      if (!idle_.empty()) {
        auto c = std::move(idle_.back());
        idle_.pop_back();
        ++in_use_;
        return Lease(this, std::move(c));
      }
      if (open_ < max_size_) {
        ++open_;
        ++in_use_;
        lock.unlock();
        auto made = factory_();
        if (!made.ok()) {
          lock.lock();
          --open_;
          --in_use_;
          cv_.notify_one();
          return made.status();
        }
        return Lease(this, std::move(made).value());
      }
      if (cv_.wait_until(lock, deadline) == std::cv_status::timeout && idle_.empty() &&
          open_ >= max_size_) {
        return Status(ErrorCode::kUnavailable,
                      "no database connection became free in time (pool exhausted)");
      }
    }
  }

  int in_use() const {
    std::lock_guard lock(mu_);
    return in_use_;
  }
  int max_size() const { return max_size_; }

 private:
  void Release(std::unique_ptr<Conn> conn) {
    std::lock_guard lock(mu_);
    --in_use_;
    if (conn) {
      idle_.push_back(std::move(conn));
    } else {
      --open_;
    }
    cv_.notify_one();
  }

  const int max_size_;
  Factory factory_;
  mutable std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Conn>> idle_;  // guarded by mu_
  int open_ = 0;                             // guarded by mu_
  int in_use_ = 0;                           // guarded by mu_
};

}  // namespace signx::storage
