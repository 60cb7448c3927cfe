#include "webhooks/testing/receiver.h"

#include <chrono>
#include <thread>

#include "base/strings.h"

namespace signx::webhooks::testing {

Receiver::Receiver() {
  router_.Add("POST", "/hook",
              {.summary = "test receiver",
               .permission = std::string(http::kPublic),
               .execution = http::Execution::kInline},
              [this](http::Request& r) {
                ReceivedRequest got;
                for (const auto& [name, value] : r.headers.all())
                  got.headers[ToLower(name)] = value;
                got.body = r.body;
                int status = 200;
                {
                  std::lock_guard lock(mu_);
                  received_.push_back(std::move(got));
                  if (!script_.empty()) {
                    status = script_.front();
                    script_.pop_front();
                  }
                }
                return http::Response::Json(
                    status, R"({"received":true,"status":)" + std::to_string(status) + "}");
              });
  router_.Add("POST", "/slow",
              {.summary = "slow test receiver", .permission = std::string(http::kPublic)},
              [](http::Request&) {
                std::this_thread::sleep_for(std::chrono::milliseconds(1500));
                return http::Response::Json(200, "{}");
              });
  router_.Add("POST", "/held",
              {.summary = "held test receiver", .permission = std::string(http::kPublic)},
              [this](http::Request&) {
                std::unique_lock lock(mu_);
                ++held_;
                cv_.notify_all();
                cv_.wait_for(lock, std::chrono::seconds(4), [this] { return released_; });
                --held_;
                return http::Response::Json(200, R"({"held":true})");
              });
  config::ServerConfig cfg;
  cfg.port = 0;
  cfg.io_threads = 1;
  pool_ = std::make_unique<runtime::BlockingPool>(1, 16);
  server_ = std::make_unique<http::Server>(cfg, router_, metrics_, *pool_, false);
  started_ = server_->Start().ok();
}

Receiver::~Receiver() {
  ReleaseHeld();
  if (server_) {
    server_->Shutdown();
    server_->Wait();
  }
}

void Receiver::Script(std::vector<int> statuses) {
  std::lock_guard lock(mu_);
  script_.assign(statuses.begin(), statuses.end());
}

std::vector<ReceivedRequest> Receiver::requests() const {
  std::lock_guard lock(mu_);
  return received_;
}

int Receiver::held() const {
  std::lock_guard lock(mu_);
  return held_;
}

bool Receiver::WaitHeld(int n) const {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, std::chrono::seconds(10), [&] { return held_ >= n; });
}

void Receiver::ReleaseHeld() {
  std::lock_guard lock(mu_);
  released_ = true;
  cv_.notify_all();
}

std::string Receiver::held_url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + "/held";
}

std::string Receiver::slow_url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + "/slow";
}

std::string Receiver::url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + "/hook";
}

}  // namespace signx::webhooks::testing
