#include "llm/settings.h"

#include <algorithm>
#include <cmath>

#include "http/address_policy.h"

namespace signx::llm {

std::string_view TaskName(Task task) {
  switch (task) {
    case Task::kSummaryShort:
      return "summary_short";
    case Task::kSummaryMedium:
      return "summary_medium";
    case Task::kSummaryDetailed:
      return "summary_detailed";
    case Task::kActionItems:
      return "action_items";
  }
  return "summary_short";
}

std::optional<Task> ParseTask(std::string_view name) {
  for (Task t :
       {Task::kSummaryShort, Task::kSummaryMedium, Task::kSummaryDetailed, Task::kActionItems}) {
    if (TaskName(t) == name) return t;
  }
  return std::nullopt;
}

std::string_view TierNameText(TierName tier) {
  return tier == TierName::kSmall ? "small" : "large";
}

bool Settings::UsesTask(Task task) const {
  return std::find(tasks.begin(), tasks.end(), task) != tasks.end();
}

Result<Settings> SettingsFrom(const config::LlmConfig& c) {
  Settings s;
  s.url = c.url;
  while (!s.url.empty() && s.url.back() == '/') s.url.pop_back();
  s.api_key = c.api_key;
  s.timeout = std::chrono::milliseconds(c.timeout_ms);
  s.small = {.name = TierName::kSmall,
             .model = c.small_model,
             .max_input_tokens = c.small_max_input_tokens,
             .price_in_per_1k = c.small_price_in_per_1k,
             .price_out_per_1k = c.small_price_out_per_1k};
  s.large = {.name = TierName::kLarge,
             .model = c.large_model,
             .max_input_tokens = c.large_max_input_tokens,
             .price_in_per_1k = c.large_price_in_per_1k,
             .price_out_per_1k = c.large_price_out_per_1k};
  s.max_output_tokens = c.max_output_tokens;
  for (const auto& name : c.tasks) {
    auto t = ParseTask(name);
    if (!t) return InvalidArgument("llm.tasks: unknown task '" + name + "'");
    s.tasks.push_back(*t);
  }
  s.monthly_token_budget_per_org = c.monthly_token_budget_per_org;
  s.client.address_policy.enforce = true;
  SIGNX_ASSIGN_OR_RETURN(s.client.address_policy.allow, http::ParseCidrList(c.allow_private_cidrs));
  s.client.user_agent = "signx-llm";
  s.client.max_response_bytes = 4u << 20;
  return s;
}

int64_t CostMicroUsd(const Tier& tier, int64_t tokens_in, int64_t tokens_out) {
  // price per 1000 tokens in USD = price * 1000 micro-USD per token.
  const double micro = static_cast<double>(tokens_in) * tier.price_in_per_1k * 1000.0 +
                       static_cast<double>(tokens_out) * tier.price_out_per_1k * 1000.0;
  return static_cast<int64_t>(std::llround(micro));
}

int64_t EstimateTokens(std::string_view text) {
  return static_cast<int64_t>((text.size() + 3) / 4);
}

}  // namespace signx::llm
