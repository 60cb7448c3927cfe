#include "llm/testing/chat_server.h"

#include <boost/json.hpp>
#include <chrono>

#include "http/json.h"

namespace signx::llm::testing {
namespace {

namespace json = boost::json;

int64_t Tokens(std::size_t bytes) { return static_cast<int64_t>((bytes + 3) / 4); }

}  // namespace

ChatServer::ChatServer() {
  router_.Add(
      "POST", "/v1/chat/completions",
      {.summary = "test chat completions", .permission = std::string(http::kPublic)},
      [this](http::Request& r) {
        ReceivedChat got;
        got.authorization = std::string(r.headers.Get("Authorization").value_or(""));
        got.body = r.body;
        boost::system::error_code ec;
        json::value doc = json::parse(r.body, ec);
        if (ec || !doc.is_object()) {
          return http::Response::Json(400, R"({"error":{"message":"body is not JSON"}})");
        }
        const json::object& o = doc.get_object();
        if (const auto* m = o.if_contains("model"); m && m->is_string())
          got.model = std::string(m->get_string());
        std::size_t prompt_bytes = 0;
        if (const auto* ms = o.if_contains("messages"); ms && ms->is_array()) {
          for (const auto& m : ms->get_array()) {
            if (!m.is_object()) continue;
            const auto* role = m.get_object().if_contains("role");
            const auto* content = m.get_object().if_contains("content");
            if (!role || !content || !role->is_string() || !content->is_string()) continue;
            prompt_bytes += content->get_string().size();
            (role->get_string() == "system" ? got.system : got.user) =
                std::string(content->get_string());
          }
        }
        if (got.model.empty() || got.user.empty()) {
          return http::Response::Json(400, R"({"error":{"message":"model and messages needed"}})");
        }
        Behaviour b;
        {
          std::unique_lock lock(mu_);
          received_.push_back(got);
          if (!script_.empty()) {
            b = script_.front();
            script_.pop_front();
          }
          if (b.kind == Behaviour::kSlow) {
            cv_.wait_for(lock, std::chrono::milliseconds(b.slow_ms), [this] { return stopping_; });
          }
        }
        if (b.kind == Behaviour::kStatus) {
          return http::Response::Json(b.status,
                                      R"({"error":{"message":"scripted","type":"server_error"}})");
        }
        if (b.kind == Behaviour::kInvalid) {
          return http::Response::Json(200, R"({"id":"x","object":"chat.completion","choices":[]})");
        }
        std::string content;
        if (!b.content.empty()) {
          content = b.content;
        } else if (got.system.find("JSON array") != std::string::npos) {
          content =
              R"([{"text":"Send the revised shop drawings","owner":"Dana","due":"2026-12-11"}])";
        } else {
          const std::string doc_text = got.user.substr(0, 60);
          content = "Summary by " + got.model + ": " + doc_text;
        }
        const int64_t in = Tokens(prompt_bytes), out = Tokens(content.size());
        json::object answer{
            {"id", "chatcmpl-test"},
            {"object", "chat.completion"},
            {"created", 1765000000},
            {"model", got.model},
            {"choices", json::array{json::object{
                            {"index", 0},
                            {"message", json::object{{"role", "assistant"}, {"content", content}}},
                            {"finish_reason", "stop"}}}},
            {"usage",
             json::object{
                 {"prompt_tokens", in}, {"completion_tokens", out}, {"total_tokens", in + out}}}};
        return http::Response::Json(200, http::ToJsonText(answer));
      });
  config::ServerConfig cfg;
  cfg.port = 0;
  cfg.io_threads = 1;
  pool_ = std::make_unique<runtime::BlockingPool>(4, 64);
  server_ = std::make_unique<http::Server>(cfg, router_, metrics_, *pool_, false);
  started_ = server_->Start().ok();
}

ChatServer::~ChatServer() {
  {
    std::lock_guard lock(mu_);
    stopping_ = true;
    cv_.notify_all();
  }
  if (server_) {
    server_->Shutdown();
    server_->Wait();
  }
}

std::string ChatServer::base_url() const {
  return "http://127.0.0.1:" + std::to_string(server_->port()) + "/v1";
}

void ChatServer::Script(std::vector<Behaviour> next) {
  std::lock_guard lock(mu_);
  script_.assign(next.begin(), next.end());
}

std::vector<ReceivedChat> ChatServer::requests() const {
  std::lock_guard lock(mu_);
  return received_;
}

int ChatServer::calls() const {
  std::lock_guard lock(mu_);
  return static_cast<int>(received_.size());
}

}  // namespace signx::llm::testing
