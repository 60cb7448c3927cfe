// LlmRouter: runs one analysis task of one document through the optional LLM, or says why the
// offline result stands. Used by the documents capability's analysis step (documents/llm_hook.h).
//
// Run(org, {task, document_sha256, text}) in order:
//   1. off          llm.url empty or the task not in llm.tasks → source "offline", outcome
//                   "disabled" (nothing recorded: the LLM was not involved).
//   2. redaction    the text is passed through the Redactor given at construction (the documents
//                   module's PII gate: e-mail, phone, SSN, card, address) BEFORE anything else;
//                   only redacted text is ever sent.
//   3. tier         by task and size (settings.h): estimated tokens of the redacted text above
//                   the task's tier → the large tier; above the large tier (or no large tier) →
//                   offline, outcome "too_large".
//   4. cache        (org, document SHA-256, task, tier, model, prompt version) in llm_cache: a
//                   hit is the stored answer, source "llm", cached, no call and no tokens billed.
//                   Orgs never share entries.
//   5. budget       tokens billed to the org this UTC month + the prompt's estimate above
//                   llm.monthly_token_budget_per_org → offline, outcome "budget_exceeded".
//   6. call         ChatClient::Complete with the tier's model; the answer is validated per task
//                   (summaries: non-empty text of at most 8000 bytes; action_items: a JSON array
//                   of {text, owner?, due? (YYYY-MM-DD)}). A timeout, refused address, transport
//                   error, 5xx/429, other status or invalid answer → offline with that outcome
//                   and the reason. A valid answer is cached and returned with source "llm".
//   Every result from step 3 on is one llm_usage row (tokens, cost in micro-USD from the tier's
//   prices, cached flag, latency, outcome, error). A database error while accounting is logged
//   and turns the result into an offline one ("error"): the offline path never depends on the
//   LLM's tables.
//
// Thread-safety: Run may be called from many threads at once. Blocking (HTTP and SQL).
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "base/clock.h"
#include "llm/chat_client.h"
#include "llm/settings.h"
#include "storage/store.h"

namespace signx::llm {

// Prompt versions: part of the cache key, so changing a prompt invalidates its cached answers.
inline constexpr std::string_view kPromptVersion = "2026-12-07.1";

// Text in → the text that may leave SignX.
using Redactor = std::function<std::string(std::string_view)>;

struct TaskInput {
  Task task = Task::kSummaryShort;
  std::string document_sha256;
  std::string text;  // the document's text, NOT redacted yet (the router redacts)
};

struct TaskResult {
  std::string source = "offline";  // "llm" or "offline"
  std::string outcome;  // ok, cache_hit, disabled, too_large, budget_exceeded, timeout, ...
  std::string reason;   // why offline (empty for "llm")
  std::string answer;   // source "llm": summaries the text; action_items a JSON array
  std::string tier;     // "small" / "large" once chosen
  std::string model;
  bool cached = false;
  int64_t tokens_in = 0;
  int64_t tokens_out = 0;
  int64_t cost_micro_usd = 0;
  int64_t latency_ms = 0;

  bool from_llm() const { return source == "llm"; }
};

// The tier for `task` on a document of `tokens` estimated tokens, or nullopt with `why` set.
std::optional<Tier> ChooseTier(const Settings& settings, Task task, int64_t tokens,
                               std::string* why);

// The system prompt of a task (the user message is the redacted document).
std::string_view SystemPrompt(Task task);

class LlmRouter {
 public:
  // `redactor` must be set (a null one is a programming error): no text leaves unredacted.
  LlmRouter(storage::Store& store, Settings settings, Redactor redactor,
            const Clock& clock = SystemClock::Get());

  bool enabled() const { return settings_.enabled(); }
  const Settings& settings() const { return settings_; }

  TaskResult Run(const std::string& org_id, const TaskInput& input);

 private:
  TaskResult Finish(const std::string& org_id, const TaskInput& input, TaskResult result,
                    std::chrono::steady_clock::time_point started);

  storage::Store& store_;
  const Settings settings_;
  const Redactor redactor_;
  const Clock& clock_;
  std::unique_ptr<ChatClient> client_;  // null while off
};

// Validates and normalises a raw answer for `task`: summaries trimmed; action_items re-serialised
// as [{"text", "owner", "due"}]. kDataLoss naming the problem for an invalid answer.
Result<std::string> NormaliseAnswer(Task task, std::string_view raw);

}  // namespace signx::llm
