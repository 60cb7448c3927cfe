#include "llm/router.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>

#include "base/check.h"
#include "http/json.h"
#include "llm/usage_store.h"

namespace signx::llm {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxSummaryBytes = 8000;
constexpr std::size_t kMaxActionItems = 50;

TierName DefaultTier(Task task) {
  return task == Task::kSummaryDetailed ? TierName::kLarge : TierName::kSmall;
}

std::string_view Trim(std::string_view s) {
  const auto b = s.find_first_not_of(" \t\r\n");
  if (b == std::string_view::npos) return {};
  const auto e = s.find_last_not_of(" \t\r\n");
  return s.substr(b, e - b + 1);
}

bool IsIsoDate(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (i == 4 || i == 7) continue;
    if (s[i] < '0' || s[i] > '9') return false;
  }
  return true;
}

}  // namespace

std::optional<Tier> ChooseTier(const Settings& s, Task task, int64_t tokens, std::string* why) {
  const bool small_ok = !s.small.model.empty() && tokens <= s.small.max_input_tokens;
  const bool large_ok = !s.large.model.empty() && tokens <= s.large.max_input_tokens;
  if (DefaultTier(task) == TierName::kSmall && small_ok) return s.small;
  if (large_ok) return s.large;
  // summary_detailed without a usable large tier: the small one when the document fits.
  if (small_ok) return s.small;
  if (why != nullptr) {
    const int64_t limit = s.large.model.empty()
                              ? s.small.max_input_tokens
                              : std::max(s.small.max_input_tokens, s.large.max_input_tokens);
    *why = fmt::format("the document (~{} tokens) is larger than the largest tier allows ({})",
                       tokens, limit);
  }
  return std::nullopt;
}

std::string_view SystemPrompt(Task task) {
  switch (task) {
    case Task::kSummaryShort:
      return "You summarise project documents for a sign manufacturer's project managers. "
             "Write a summary of the document in at most 3 sentences of plain text. Use only "
             "facts stated in the document. Placeholders such as [EMAIL] or [PHONE] stand for "
             "removed personal data: do not guess them.";
    case Task::kSummaryMedium:
      return "You summarise project documents for a sign manufacturer's project managers. "
             "Write one paragraph (about 7 sentences) of plain text covering what the document "
             "is, who is involved, amounts, dates and obligations. Use only facts stated in the "
             "document. Placeholders such as [EMAIL] stand for removed personal data.";
    case Task::kSummaryDetailed:
      return "You summarise project documents for a sign manufacturer's project managers. "
             "Write a detailed summary (about 15 sentences) of plain text: scope, parties, "
             "amounts, dates and deadlines, obligations, decisions and risks, in the document's "
             "order. Use only facts stated in the document. Placeholders such as [EMAIL] stand "
             "for removed personal data.";
    case Task::kActionItems:
      return "Extract the action items (tasks someone must do) from the document. Answer with "
             "only a JSON array, no prose: [{\"text\": \"the task as written\", \"owner\": "
             "\"who must do it or null\", \"due\": \"YYYY-MM-DD or null\"}]. An empty array "
             "when there are none.";
  }
  return "";
}

Result<std::string> NormaliseAnswer(Task task, std::string_view raw) {
  auto invalid = [](std::string why) {
    return Status(ErrorCode::kDataLoss, "invalid answer: " + why);
  };
  std::string_view text = Trim(raw);
  if (task != Task::kActionItems) {
    if (text.empty()) return invalid("the summary is empty");
    if (text.size() > kMaxSummaryBytes) {
      return invalid(fmt::format("the summary is longer than {} bytes", kMaxSummaryBytes));
    }
    return std::string(text);
  }
  // Models often fence JSON in ```json ... ```.
  if (text.starts_with("```")) {
    const auto nl = text.find('\n');
    const auto end = text.rfind("```");
    if (nl != std::string_view::npos && end != std::string_view::npos && end > nl) {
      text = Trim(text.substr(nl + 1, end - nl - 1));
    }
  }
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return invalid("action items are not JSON");
  if (v.is_object() && v.get_object().contains("action_items"))
    v = v.get_object().at("action_items");
  if (!v.is_array()) return invalid("action items are not a JSON array");
  if (v.get_array().size() > kMaxActionItems) {
    return invalid(fmt::format("more than {} action items", kMaxActionItems));
  }
  json::array out;
  for (const auto& item : v.get_array()) {
    if (!item.is_object()) return invalid("an action item is not an object");
    const json::object& o = item.get_object();
    const json::value* t = o.if_contains("text");
    if (t == nullptr || !t->is_string() || Trim(t->get_string()).empty()) {
      return invalid("an action item has no text");
    }
    json::value owner = nullptr, due = nullptr;
    if (const json::value* w = o.if_contains("owner");
        w && w->is_string() && !Trim(w->get_string()).empty()) {
      owner = json::string(Trim(w->get_string()));
    }
    if (const json::value* d = o.if_contains("due");
        d && d->is_string() && !d->get_string().empty()) {
      if (!IsIsoDate(d->get_string())) return invalid("an action item's due is not YYYY-MM-DD");
      due = d->get_string();
    }
    out.push_back(json::object{
        {"text", json::string(Trim(t->get_string()))}, {"owner", owner}, {"due", due}});
  }
  return http::ToJsonText(out);
}

LlmRouter::LlmRouter(storage::Store& store, Settings settings, Redactor redactor,
                     const Clock& clock)
    : store_(store), settings_(std::move(settings)), redactor_(std::move(redactor)), clock_(clock) {
  SIGNX_CHECK(redactor_ != nullptr, "LlmRouter needs a redactor: no text may leave unredacted");
  if (settings_.enabled()) client_ = std::make_unique<ChatClient>(settings_);
}

TaskResult LlmRouter::Run(const std::string& org_id, const TaskInput& input) {
  TaskResult r;
  if (!settings_.enabled()) {
    r.outcome = "disabled";
    r.reason = "no LLM is configured (llm.url)";
    return r;
  }
  if (!settings_.UsesTask(input.task)) {
    r.outcome = "disabled";
    r.reason = fmt::format("the LLM is not used for {} (llm.tasks)", TaskName(input.task));
    return r;
  }
  const auto started = clock_.Monotonic();
  // Redaction first: nothing below sees the original text.
  const std::string redacted = redactor_(input.text);
  const std::string_view system = SystemPrompt(input.task);
  const int64_t estimate = EstimateTokens(redacted) + EstimateTokens(system);

  std::string why;
  const std::optional<Tier> tier =
      ChooseTier(settings_, input.task, EstimateTokens(redacted), &why);
  if (!tier) {
    r.outcome = "too_large";
    r.reason = why;
    return Finish(org_id, input, std::move(r), started);
  }
  r.tier = std::string(TierNameText(tier->name));
  r.model = tier->model;
  const CacheKey key{.org_id = org_id,
                     .document_sha256 = input.document_sha256,
                     .task = std::string(TaskName(input.task)),
                     .tier = r.tier,
                     .model = tier->model,
                     .prompt_version = std::string(kPromptVersion)};

  std::optional<CachedAnswer> hit;
  int64_t used = 0;
  Status st = store_.WithTxn(
      [&](storage::Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(hit, LookupCache(txn, key));
        if (!hit && settings_.monthly_token_budget_per_org > 0) {
          SIGNX_ASSIGN_OR_RETURN(used, TokensSince(txn, org_id, MonthStart(clock_.Now())));
        }
        return Status::Ok();
      },
      {.read_only = true});
  if (!st.ok()) {
    spdlog::warn("llm: cache/budget lookup failed for org {}: {}", org_id, st.ToString());
    r.outcome = "error";
    r.reason = "the LLM cache could not be read: " + std::string(st.message());
    return r;
  }
  if (hit) {
    r.source = "llm";
    r.outcome = "cache_hit";
    r.cached = true;
    r.answer = hit->answer;
    return Finish(org_id, input, std::move(r), started);
  }
  const int64_t budget = settings_.monthly_token_budget_per_org;
  if (budget > 0 && used + estimate > budget) {
    r.outcome = "budget_exceeded";
    r.reason = fmt::format(
        "the org's monthly LLM token budget is spent ({} of {} tokens used; this call needs "
        "~{})",
        used, budget, estimate);
    return Finish(org_id, input, std::move(r), started);
  }

  auto answer = client_->Complete({.model = tier->model,
                                   .system = std::string(system),
                                   .user = "Document:\n\n" + redacted,
                                   .max_tokens = settings_.max_output_tokens});
  if (!answer.ok()) {
    r.outcome = std::string(OutcomeOf(answer.status()));
    r.reason = std::string(answer.status().message());
    return Finish(org_id, input, std::move(r), started);
  }
  // The call happened: its tokens are billed whether or not the answer is usable.
  r.tokens_in = answer->tokens_in;
  r.tokens_out = answer->tokens_out;
  r.cost_micro_usd = CostMicroUsd(*tier, r.tokens_in, r.tokens_out);
  auto normalised = NormaliseAnswer(input.task, answer->content);
  if (!normalised.ok()) {
    r.outcome = "invalid_answer";
    r.reason = std::string(normalised.status().message());
    return Finish(org_id, input, std::move(r), started);
  }
  r.source = "llm";
  r.outcome = "ok";
  r.answer = std::move(*normalised);
  r.model = answer->model;
  return Finish(org_id, input, std::move(r), started);
}

TaskResult LlmRouter::Finish(const std::string& org_id, const TaskInput& input, TaskResult r,
                             std::chrono::steady_clock::time_point started) {
  r.latency_ms =
      std::chrono::duration_cast<std::chrono::milliseconds>(clock_.Monotonic() - started).count();
  const CacheKey key{.org_id = org_id,
                     .document_sha256 = input.document_sha256,
                     .task = std::string(TaskName(input.task)),
                     .tier = r.tier,
                     .model = r.tier == "small" ? settings_.small.model : settings_.large.model,
                     .prompt_version = std::string(kPromptVersion)};
  UsageRow row{.org_id = org_id,
               .task = std::string(TaskName(input.task)),
               .tier = r.tier.empty() ? std::nullopt : std::optional<std::string>(r.tier),
               .model = r.model.empty() ? std::nullopt : std::optional<std::string>(r.model),
               .document_sha256 = input.document_sha256,
               .source = r.source,
               .outcome = r.outcome,
               .cached = r.cached,
               .tokens_in = r.tokens_in,
               .tokens_out = r.tokens_out,
               .cost_micro_usd = r.cost_micro_usd,
               .latency_ms = r.latency_ms,
               .error = r.reason.empty() ? std::nullopt : std::optional<std::string>(r.reason),
               .created_at = clock_.Now()};
  Status st = store_.WithTxn([&](storage::Txn& txn) -> Status {
    if (r.outcome == "ok") {
      SIGNX_RETURN_IF_ERROR(
          StoreCache(txn, key, {r.answer, r.tokens_in, r.tokens_out}, clock_.Now()));
    }
    return InsertUsage(txn, row, clock_);
  });
  if (!st.ok()) {
    spdlog::warn("llm: recording usage failed for org {}: {}", org_id, st.ToString());
    if (r.from_llm()) {
      // An answer that cannot be accounted for is not used.
      r.source = "offline";
      r.outcome = "error";
      r.reason = "the LLM usage could not be recorded: " + std::string(st.message());
      r.answer.clear();
    }
  }
  return r;
}

}  // namespace signx::llm
