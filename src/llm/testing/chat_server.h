// A local OpenAI-compatible chat-completions server for tests: an http::Server on 127.0.0.1
// (ephemeral port) serving POST /v1/chat/completions like the real API — it parses the request
// ({"model", "messages", "max_tokens"}), records it, and answers
//   {"id", "object": "chat.completion", "model": <requested>, "choices": [{"index": 0,
//    "message": {"role": "assistant", "content": ...}, "finish_reason": "stop"}],
//    "usage": {"prompt_tokens", "completion_tokens", "total_tokens"}}
// with prompt_tokens = ceil(bytes of all message contents / 4) and completion_tokens =
// ceil(bytes of the content / 4). The content is "Summary by <model>: <first 60 bytes of the
// document>" for summaries, and a JSON array of one action item when the system prompt asks for
// JSON. Scripted behaviours (Script) replace the next answers: a status (500, 429, 401...), a
// slow answer (after `slow_ms`, longer than the client's timeout), or an invalid body.
// Thread-safety: all methods are thread-safe.
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "http/router.h"
#include "http/server.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"

namespace signx::llm::testing {

struct Behaviour {
  enum Kind { kAnswer, kStatus, kSlow, kInvalid } kind = kAnswer;
  int status = 500;     // kStatus
  int slow_ms = 2000;   // kSlow: answers normally after this long (unless the server stops)
  std::string content;  // kAnswer: the assistant's content instead of the default one
};

struct ReceivedChat {
  std::string authorization;  // the Authorization header
  std::string body;           // the raw request body
  std::string model;
  std::string system;
  std::string user;
};

class ChatServer {
 public:
  ChatServer();
  ~ChatServer();

  bool started() const { return started_; }
  // The base URL to configure as llm.url: http://127.0.0.1:<port>/v1
  std::string base_url() const;
  // Behaviours for the next requests, in order; afterwards kAnswer.
  void Script(std::vector<Behaviour> next);
  std::vector<ReceivedChat> requests() const;
  int calls() const;

 private:
  mutable std::mutex mu_;
  mutable std::condition_variable cv_;
  bool stopping_ = false;               // guarded by mu_
  std::deque<Behaviour> script_;        // guarded by mu_
  std::vector<ReceivedChat> received_;  // guarded by mu_
  http::Router router_;
  metrics::Registry metrics_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
  bool started_ = false;
};

}  // namespace signx::llm::testing
