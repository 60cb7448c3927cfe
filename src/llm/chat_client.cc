#include "llm/chat_client.h"

#include <fmt/format.h>

#include <boost/json.hpp>

#include "http/json.h"

namespace signx::llm {
namespace {

namespace json = boost::json;

constexpr std::string_view kInvalidPrefix = "invalid answer: ";
constexpr std::string_view kServerPrefix = "LLM server answered ";

}  // namespace

std::string_view OutcomeOf(const Status& status) {
  switch (status.code()) {
    case ErrorCode::kDeadlineExceeded:
      return "timeout";
    case ErrorCode::kPermissionDenied:
      return "refused";
    case ErrorCode::kDataLoss:
      return "invalid_answer";
    case ErrorCode::kFailedPrecondition:
      return "client_error";
    case ErrorCode::kUnavailable:
      return status.message().starts_with(kServerPrefix) ? "server_error" : "unavailable";
    default:
      return "error";
  }
}

ChatClient::ChatClient(const Settings& settings)
    : endpoint_(settings.url + "/chat/completions"),
      api_key_(settings.api_key),
      timeout_(settings.timeout),
      client_(settings.client) {}

Result<ChatAnswer> ChatClient::Complete(const ChatRequest& request) const {
  json::array messages;
  if (!request.system.empty()) {
    messages.push_back(json::object{{"role", "system"}, {"content", request.system}});
  }
  messages.push_back(json::object{{"role", "user"}, {"content", request.user}});
  http::ClientRequest req;
  req.method = "POST";
  req.url = endpoint_;
  req.timeout = timeout_;
  req.headers.emplace_back("Content-Type", "application/json");
  req.headers.emplace_back("Accept", "application/json");
  if (!api_key_.empty()) req.headers.emplace_back("Authorization", "Bearer " + api_key_);
  req.body = http::ToJsonText(json::object{{"model", request.model},
                                           {"messages", std::move(messages)},
                                           {"max_tokens", request.max_tokens},
                                           {"temperature", 0}});
  auto resp = client_.Send(req);
  if (!resp.ok()) {
    const Status& st = resp.status();
    if (st.code() == ErrorCode::kPayloadTooLarge) {
      return Status(ErrorCode::kDataLoss, std::string(kInvalidPrefix) + std::string(st.message()));
    }
    return st;
  }
  if (resp->status >= 500 || resp->status == 429) {
    return Unavailable(fmt::format("{}{}", kServerPrefix, resp->status));
  }
  if (resp->status < 200 || resp->status > 299) {
    return FailedPrecondition(fmt::format("{}{}", kServerPrefix, resp->status));
  }
  auto invalid = [](std::string_view why) {
    return Status(ErrorCode::kDataLoss, std::string(kInvalidPrefix) + std::string(why));
  };
  boost::system::error_code ec;
  json::value doc = json::parse(resp->body, ec);
  if (ec || !doc.is_object()) return invalid("the body is not a JSON object");
  const json::object& o = doc.get_object();
  const json::value* choices = o.if_contains("choices");
  if (choices == nullptr || !choices->is_array() || choices->get_array().empty() ||
      !choices->get_array()[0].is_object()) {
    return invalid("no choices");
  }
  const json::value* message = choices->get_array()[0].get_object().if_contains("message");
  if (message == nullptr || !message->is_object()) return invalid("choices[0] has no message");
  const json::value* content = message->get_object().if_contains("content");
  if (content == nullptr || !content->is_string()) return invalid("the message has no content");
  ChatAnswer a;
  a.content = std::string(content->get_string());
  if (a.content.find_first_not_of(" \t\r\n") == std::string::npos) {
    return invalid("the content is empty");
  }
  a.model = request.model;
  if (const json::value* m = o.if_contains("model");
      m && m->is_string() && !m->get_string().empty())
    a.model = std::string(m->get_string());
  a.tokens_in = static_cast<int64_t>((request.system.size() + request.user.size() + 3) / 4);
  a.tokens_out = static_cast<int64_t>((a.content.size() + 3) / 4);
  if (const json::value* u = o.if_contains("usage"); u && u->is_object()) {
    const json::object& usage = u->get_object();
    auto count = [&usage](std::string_view k) -> std::optional<int64_t> {
      const json::value* v = usage.if_contains(k);
      if (v == nullptr) return std::nullopt;
      if (v->is_int64() && v->get_int64() >= 0) return v->get_int64();
      if (v->is_uint64()) return static_cast<int64_t>(v->get_uint64());
      return std::nullopt;
    };
    if (auto n = count("prompt_tokens")) a.tokens_in = *n;
    if (auto n = count("completion_tokens")) a.tokens_out = *n;
  }
  return a;
}

}  // namespace signx::llm
