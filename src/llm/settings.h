// LLM settings: the typed, validated form of config::LlmConfig (config.h "llm.*") that the chat
// client and the router use, the tasks the router knows and the two tiers.
//
//   task               default tier   what it asks for
//   summary_short      small          3 sentences
//   summary_medium     small          one paragraph (about 7 sentences)
//   summary_detailed   large          a detailed summary (about 15 sentences)
//   action_items       small          a JSON array of {text, owner, due}
//
// A task whose document (estimated at 4 characters a token) is larger than its tier's
// max_input_tokens moves up to the large tier; larger than the large tier's, it stays offline.
//
// Thread-safety: plain values.
#pragma once

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "config/config.h"
#include "http/client.h"

namespace signx::llm {

enum class Task { kSummaryShort, kSummaryMedium, kSummaryDetailed, kActionItems };
std::string_view TaskName(Task task);
std::optional<Task> ParseTask(std::string_view name);

enum class TierName { kSmall, kLarge };
std::string_view TierNameText(TierName tier);

struct Tier {
  TierName name = TierName::kSmall;
  std::string model;  // empty = the tier does not exist
  int64_t max_input_tokens = 0;
  double price_in_per_1k = 0;   // USD
  double price_out_per_1k = 0;  // USD
};

struct Settings {
  std::string url;  // base URL; requests go to {url}/chat/completions. Empty = off.
  std::string api_key;
  std::chrono::milliseconds timeout{30000};
  Tier small{.name = TierName::kSmall};
  Tier large{.name = TierName::kLarge};
  int max_output_tokens = 600;
  std::vector<Task> tasks;                   // tasks the LLM is used for
  int64_t monthly_token_budget_per_org = 0;  // 0 = none
  // Outbound HTTP: the SSRF address policy is always enforced (public addresses plus the
  // operator's allow_private_cidrs).
  http::ClientOptions client;

  bool enabled() const { return !url.empty(); }
  bool UsesTask(Task task) const;
};

// From the validated config; kInvalidArgument for an allow-list entry or task the config
// validation would also refuse.
Result<Settings> SettingsFrom(const config::LlmConfig& config);

// The cost of `tokens_in` prompt and `tokens_out` completion tokens on `tier`, in millionths of a
// US dollar (rounded to the nearest).
int64_t CostMicroUsd(const Tier& tier, int64_t tokens_in, int64_t tokens_out);

// Estimated tokens of `text`: ceil(bytes / 4), the usual rule of thumb for English BPE tokenisers.
int64_t EstimateTokens(std::string_view text);

}  // namespace signx::llm
