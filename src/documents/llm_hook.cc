#include "documents/llm_hook.h"

#include <boost/json.hpp>
#include <cctype>
#include <unordered_set>

#include "documents/analysis.h"
#include "documents/dates.h"
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

std::unordered_set<std::string> TokenSet(std::string_view text) {
  std::unordered_set<std::string> out;
  std::string w;
  auto take = [&] {
    if (w.size() >= 2) out.insert(w);
    w.clear();
  };
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      w += static_cast<char>(std::tolower(c));
    } else {
      take();
    }
  }
  take();
  return out;
}

// The same task: most words of the shorter text are in the longer one.
bool SameTask(const std::unordered_set<std::string>& a, const std::unordered_set<std::string>& b) {
  if (a.empty() || b.empty()) return false;
  const auto& small = a.size() < b.size() ? a : b;
  const auto& big = a.size() < b.size() ? b : a;
  std::size_t shared = 0;
  for (const auto& w : small) shared += big.contains(w);
  return static_cast<double>(shared) >= 0.7 * static_cast<double>(small.size());
}

// The 1-based page whose text contains `text` (whitespace as written), 0 when none does.
int PageOf(const PageText& pages, std::string_view text) {
  if (text.size() < 12) return 0;
  const std::string_view probe = text.substr(0, std::min<std::size_t>(text.size(), 60));
  for (std::size_t p = 0; p < pages.pages.size(); ++p) {
    if (pages.pages[p].find(probe) != std::string::npos) return static_cast<int>(p + 1);
  }
  return 0;
}

std::string Str(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_string() ? std::string(v->get_string()) : std::string();
}

// The action items of the analysis with the LLM's (see llm_hook.h).
void ApplyLlmActionItems(llm::LlmRouter* router, const std::string& org_id,
                         const std::string& sha256, const PageText& pages, std::string& text,
                         json::object& analysis) {
  json::value* items_value = analysis.if_contains("action_items");
  if (items_value == nullptr || !items_value->is_array()) return;
  json::array& offline = items_value->get_array();
  for (json::value& item : offline) {
    if (item.is_object()) item.get_object()["source"] = "offline";
  }
  if (router == nullptr || !router->enabled() ||
      !router->settings().UsesTask(llm::Task::kActionItems)) {
    return;
  }
  if (text.empty()) text = WholeText(pages);
  const llm::TaskResult r = router->Run(org_id, {llm::Task::kActionItems, sha256, text});
  json::object meta{{"outcome", r.outcome}};
  if (!r.from_llm()) {
    meta["reason"] = r.reason;
    analysis["action_items_llm"] = std::move(meta);
    return;
  }
  boost::system::error_code ec;
  const json::value answer = json::parse(r.answer, ec);
  if (ec || !answer.is_array()) {  // the router validated it; never trust that blindly
    meta["outcome"] = "invalid_answer";
    meta["reason"] = "the action items are not a JSON array";
    analysis["action_items_llm"] = std::move(meta);
    return;
  }
  const std::optional<Day> anchor = ParseDay(Str(analysis, "document_date"));
  std::vector<std::unordered_set<std::string>> offline_words;
  for (const json::value& item : offline) {
    offline_words.push_back(item.is_object() ? TokenSet(Str(item.get_object(), "text"))
                                             : std::unordered_set<std::string>());
  }
  std::vector<bool> matched(offline.size(), false);
  json::array merged;
  for (const json::value& v : answer.get_array()) {
    if (!v.is_object()) continue;
    const json::object& in = v.get_object();
    const std::string item_text = Str(in, "text");
    if (item_text.empty()) continue;
    // The offline item for the same task, if any: its page, owner and due fill the gaps.
    const json::object* same = nullptr;
    const auto words = TokenSet(item_text);
    for (std::size_t i = 0; i < offline.size(); ++i) {
      if (!matched[i] && offline[i].is_object() && SameTask(words, offline_words[i])) {
        matched[i] = true;
        same = &offline[i].get_object();
        break;
      }
    }
    // Owner: the LLM's, else the one the text names (as offline), else the offline item's.
    json::value owner = nullptr;
    if (std::string o = Str(in, "owner"); !o.empty()) {
      owner = json::string(o);
    } else if (auto named = ActionOwner(item_text)) {
      owner = json::string(*named);
    } else if (same && same->contains("owner")) {
      owner = same->at("owner");
    }
    // Due: a date the text names, resolved against the document's date as offline items are;
    // else the LLM's YYYY-MM-DD; else the offline item's.
    json::value due = nullptr, due_text = nullptr;
    if (anchor) {
      for (const DateMention& d : FindDates(item_text, *anchor)) {
        due = json::string(FormatDay(d.date));
        due_text = json::string(d.text);
        break;
      }
    }
    if (due.is_null()) {
      if (std::string d = Str(in, "due"); !d.empty() && ParseDay(d)) {
        due = json::string(d);
      } else if (same && same->contains("due") && !same->at("due").is_null()) {
        due = same->at("due");
        due_text = same->contains("due_text") ? same->at("due_text") : json::value(nullptr);
      }
    }
    json::value page = nullptr;
    if (same && same->contains("page")) {
      page = same->at("page");
    } else if (const int p = PageOf(pages, item_text); p > 0) {
      page = p;
    }
    merged.push_back(json::object{{"text", item_text},
                                  {"owner", owner},
                                  {"due", due},
                                  {"due_text", due_text},
                                  {"page", page},
                                  {"source", "llm"}});
  }
  int kept = 0;
  for (std::size_t i = 0; i < offline.size(); ++i) {
    if (matched[i]) continue;
    merged.push_back(offline[i]);
    ++kept;
  }
  meta["model"] = r.model;
  meta["tier"] = r.tier;
  meta["cached"] = r.cached;
  meta["llm_items"] = static_cast<int64_t>(merged.size()) - kept;
  meta["offline_items_kept"] = kept;
  analysis["action_items"] = std::move(merged);
  analysis["action_items_llm"] = std::move(meta);
}

}  // namespace

std::unique_ptr<llm::LlmRouter> OpenLlmRouter(storage::Store& store, llm::Settings settings) {
  return std::make_unique<llm::LlmRouter>(store, std::move(settings),
                                          [](std::string_view text) { return Redact(text).text; });
}

void ApplyLlm(llm::LlmRouter* router, const std::string& org_id, const std::string& sha256,
              const PageText& pages, json::object& analysis) {
  std::string text;
  ApplyLlmActionItems(router, org_id, sha256, pages, text, analysis);
  json::value* summaries = analysis.if_contains("summaries");
  if (summaries == nullptr || !summaries->is_object()) return;
  const bool on = router != nullptr && router->enabled();
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
