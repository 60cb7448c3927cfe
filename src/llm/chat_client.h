// ChatClient: one OpenAI-compatible chat-completions call (POST {url}/chat/completions) over
// http::HttpClient — the project's one outbound HTTP stack, with the SSRF address policy of
// Settings::client (the LLM host is resolved once and refused as a whole when any of its
// addresses is loopback/private/... and not in llm.allow_private_cidrs).
//
// Request:  {"model", "messages": [{"role": "system"|"user", "content"}], "max_tokens",
//            "temperature": 0}, with "Authorization: Bearer <api_key>" when a key is set.
// Answer:   choices[0].message.content, usage.prompt_tokens / usage.completion_tokens, model.
//
// Errors (each a Status whose message says what happened; Outcome names it for accounting):
//   the deadline (Settings::timeout)          → kDeadlineExceeded   outcome "timeout"
//   a refused address (SSRF policy)           → kPermissionDenied   outcome "refused"
//   DNS/connect/TLS failures                  → kUnavailable        outcome "unavailable"
//   HTTP 5xx or 429                           → kUnavailable        outcome "server_error"
//   another non-2xx status                    → kFailedPrecondition outcome "client_error"
//   not JSON, no choices, empty content       → kDataLoss           outcome "invalid_answer"
//
// Thread-safety: Complete may be called from many threads at once.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "base/status.h"
#include "http/client.h"
#include "llm/settings.h"

namespace signx::llm {

struct ChatRequest {
  std::string model;
  std::string system;  // the instructions
  std::string user;    // the (already redacted) document text and the question
  int max_tokens = 600;
};

struct ChatAnswer {
  std::string content;
  std::string model;       // as the server reports it (else the requested one)
  int64_t tokens_in = 0;   // usage.prompt_tokens (estimated when the server omits usage)
  int64_t tokens_out = 0;  // usage.completion_tokens (estimated when omitted)
};

// The accounting name of a failed Complete (see the table above).
std::string_view OutcomeOf(const Status& status);

class ChatClient {
 public:
  explicit ChatClient(const Settings& settings);

  Result<ChatAnswer> Complete(const ChatRequest& request) const;

 private:
  std::string endpoint_;
  std::string api_key_;
  std::chrono::milliseconds timeout_;
  http::HttpClient client_;
};

}  // namespace signx::llm
