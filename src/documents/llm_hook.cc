#include "documents/llm_hook.h"

#include <boost/json.hpp>

#include "documents/analysis.h"
#include "documents/pii.h"

namespace signx::documents {
namespace {

namespace json = boost::json;

std::string WholeText(const PageText& pages) {
  std::string out;
  for (const auto& p : pages.pages) {
    if (!out.empty()) out += "\n\n";
    out += p;
  }
  return out;
}

}  // namespace

std::unique_ptr<llm::LlmRouter> OpenLlmRouter(storage::Store& store, llm::Settings settings) {
  return std::make_unique<llm::LlmRouter>(store, std::move(settings),
                                          [](std::string_view text) { return Redact(text).text; });
}

void ApplyLlm(llm::LlmRouter* router, const std::string& org_id, const std::string& sha256,
              const PageText& pages, json::object& analysis) {
  json::value* summaries = analysis.if_contains("summaries");
  if (summaries == nullptr || !summaries->is_object()) return;
  const bool on = router != nullptr && router->enabled();
  std::string text;
  for (auto [name, task] : {std::pair{"short", llm::Task::kSummaryShort},
                            std::pair{"medium", llm::Task::kSummaryMedium},
                            std::pair{"detailed", llm::Task::kSummaryDetailed}}) {
    json::value* one = summaries->get_object().if_contains(name);
    if (one == nullptr || !one->is_object()) continue;
    json::object& summary = one->get_object();
    summary["source"] = "offline";
    if (!on || !router->settings().UsesTask(task)) continue;
    // Nothing to improve on: a document too short for an extractive summary is not sent.
    if (summary["sentences"].is_array() && summary["sentences"].get_array().empty()) continue;
    if (text.empty()) text = WholeText(pages);
    const llm::TaskResult r = router->Run(org_id, {task, sha256, text});
    if (!r.from_llm()) {
      summary["llm_outcome"] = r.outcome;
      summary["reason"] = r.reason;
      continue;
    }
    json::array sentences;
    for (std::string_view s : SplitSentences(r.answer)) {
      sentences.push_back(json::object{{"text", s}, {"page", nullptr}});
    }
    json::object offline{{"text", summary["text"]}, {"sentences", summary["sentences"]}};
    summary = json::object{{"source", "llm"},   {"text", r.answer}, {"sentences", sentences},
                           {"model", r.model},  {"tier", r.tier},   {"cached", r.cached},
                           {"offline", offline}};
  }
}

}  // namespace signx::documents
