// Analyse (analysis.h): the document's date and language, its sentences (analysis_sentences.cc)
// and summaries (analysis_summaries.cc), then sentence by sentence the action items
// (analysis_actions.cc), decisions and risks, block by block the entities; and ToJson.
#include "documents/analysis.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <map>
#include <regex>
#include <set>

#include "base/strings.h"
#include "documents/action_model.h"
#include "documents/chunk.h"
#include "documents/internal/analysis_text.h"
#include "documents/internal/windows.h"
#include "documents/pii.h"

namespace signx::documents {
namespace {

namespace json = boost::json;

using internal::FunctionWords;
using internal::HasPhrase;
using internal::IsUpper;

// Amount in cents from "$1,234.56", "USD 500", "2.5 million dollars"; nullopt when not a number.
std::optional<int64_t> AmountCents(std::string_view text) {
  std::string digits;
  bool dot = false;
  int decimals = 0;
  for (char c : text) {
    if (std::isdigit(static_cast<unsigned char>(c))) {
      digits += c;
      if (dot) ++decimals;
    } else if (c == '.' && !dot && !digits.empty()) {
      dot = true;
    } else if (c == ',' || c == ' ' || c == '$') {
      continue;
    } else if (!digits.empty()) {
      break;
    }
  }
  if (digits.empty() || digits.size() > 15) return std::nullopt;
  double v = std::stod(digits) / std::pow(10.0, decimals);
  const std::string lower = ToLower(text);
  if (HasPhrase(lower, "million") || lower.ends_with("m")) v *= 1e6;
  if (HasPhrase(lower, "thousand") || lower.ends_with("k")) v *= 1e3;
  if (HasPhrase(lower, "billion")) v *= 1e9;
  return static_cast<int64_t>(std::llround(v * 100));
}

struct EntityRx {
  std::regex amount, company, person_title, person_label;
};

const EntityRx& Rx() {
  static const EntityRx rx = [] {
    const auto f = std::regex::ECMAScript | std::regex::optimize;
    EntityRx r;
    r.amount = std::regex(
        R"((?:\$\s?\d[\d,]*(?:\.\d{1,2})?(?:\s?(?:million|thousand|billion|[mMkK]\b))?)|(?:\b(?:USD|US\$|EUR|GBP|CAD)\s?\d[\d,]*(?:\.\d{1,2})?)|(?:\b\d[\d,]*(?:\.\d{1,2})?\s(?:million\s|thousand\s)?dollars\b))",
        f);
    r.company = std::regex(
        R"(\b((?:[A-Z][A-Za-z&'\-]+\s){0,3}[A-Z][A-Za-z&'\-]+),?\s(Inc|LLC|L\.L\.C|Ltd|Limited|Corp|Corporation|Co|Company|GmbH|Group|Partners|Associates|Holdings|Industries|Signs|Sign Co|Construction|Builders|Contractors|Electric|Engineering|Architects)\b\.?)",
        f);
    r.person_title =
        std::regex(R"(\b(?:Mr|Mrs|Ms|Dr|Prof)\.?\s([A-Z][a-z]+(?:\s[A-Z][a-z]+)?))", f);
    r.person_label = std::regex(
        R"((?:^|\n)(?:From|To|Attn|Attention|Contact|Prepared by|Submitted by|Signed|Approved by|Reviewed by|Cc|Project Manager|PM|Estimator|Owner|Assigned to|Chair|Minutes by)\s*:?\s+([A-Z][a-z]+(?:\s[A-Z]\.)?\s[A-Z][a-z]+(?:-[A-Z][a-z]+)?))",
        f);
    return r;
  }();
  return rx;
}

const std::vector<std::pair<std::string_view, std::string_view>>& RiskCues() {
  static const std::vector<std::pair<std::string_view, std::string_view>> k = {
      {"safety", "high"},       {"injury", "high"},         {"injuries", "high"},
      {"fatal", "high"},        {"collapse", "high"},       {"liquidated damages", "high"},
      {"penalty", "high"},      {"penalties", "high"},      {"termination", "high"},
      {"terminate", "high"},    {"lawsuit", "high"},        {"litigation", "high"},
      {"breach", "high"},       {"critical", "high"},       {"severe", "high"},
      {"failure", "high"},      {"fail", "high"},           {"hazard", "high"},
      {"hazardous", "high"},    {"non-compliance", "high"}, {"violation", "high"},
      {"stop work", "high"},    {"uninsured", "high"},      {"indemnify", "medium"},
      {"delay", "medium"},      {"delays", "medium"},       {"delayed", "medium"},
      {"late", "medium"},       {"overrun", "medium"},      {"over budget", "medium"},
      {"shortage", "medium"},   {"risk", "medium"},         {"risks", "medium"},
      {"concern", "medium"},    {"concerns", "medium"},     {"issue", "medium"},
      {"issues", "medium"},     {"problem", "medium"},      {"not approved", "medium"},
      {"rejected", "medium"},   {"denied", "medium"},       {"exceed", "medium"},
      {"exceeds", "medium"},    {"uncertain", "medium"},    {"backorder", "medium"},
      {"back-order", "medium"}, {"blocked", "medium"},      {"dispute", "medium"},
      {"warranty", "low"},      {"may not", "low"},         {"might", "low"},
      {"possible", "low"},      {"potential", "low"},       {"minor", "low"},
      {"weather", "low"},       {"pending", "low"},         {"contingency", "low"}};
  return k;
}

int SeverityRank(std::string_view s) { return s == "high" ? 3 : s == "medium" ? 2 : 1; }

void AddEntity(std::map<std::pair<std::string, std::string>, Entity>& m, std::string kind,
               std::string text, std::string value, int page) {
  text = std::string(Trim(text));
  if (text.empty()) return;
  if (value.empty()) value = text;
  auto key = std::make_pair(kind, kind == "person" || kind == "company" ? ToLower(value) : value);
  auto it = m.find(key);
  if (it == m.end()) {
    m.emplace(key, Entity{std::move(kind), std::move(text), std::move(value), 1, page});
  } else {
    ++it->second.count;
  }
}

}  // namespace

Analysis Analyse(const Extracted& e, const PageText& pages, Day fallback_date,
                 const ActionModel* action_model) {
  Analysis a;
  std::string head;
  for (const auto& p : pages.pages) {
    head += p;
    head += '\n';
    if (head.size() > 3000) break;
  }
  const std::optional<Day> found = DocumentDate(head);
  const Day anchor = found.value_or(fallback_date);
  a.document_date = FormatDay(anchor);
  a.document_date_from_text = found.has_value();
  std::string sample;
  for (const auto& p : pages.pages) {
    sample += p;
    sample += '\n';
    if (sample.size() > 20000) break;
  }
  a.language = DetectLanguage(sample);

  const std::vector<Sentence> sentences = DocumentSentences(e, pages);
  a.sentence_count = static_cast<int>(sentences.size());
  a.summaries = Summarise(sentences);

  for (const Sentence& s : sentences) {
    const std::string lower = ToLower(s.text);
    if (!s.in_table) {
      // In a transcript, "I'll send it" is the speaker's own commitment: as "Dana will send it"
      // it names its owner (the rules' +2 for a named owner; the learned model decides alone).
      std::optional<std::string> speaker_owner;
      if (!s.speaker.empty()) {
        for (std::string_view p : {"i will", "i'll", "i can", "i shall", "let me", "i'm going to",
                                   "i am going to", "i need to", "i have to"}) {
          if (HasPhrase(lower, p)) {
            speaker_owner = s.speaker;
            break;
          }
        }
      }
      double score = action_model ? action_model->Probability(s.text) : ActionScore(s.text);
      std::optional<std::optional<std::string>> named;  // ActionOwner, once computed
      if (speaker_owner && !action_model) {
        named = ActionOwner(s.text);
        if (!*named) score += 2.0;  // ActionScore counted a named owner already
      }
      const bool is_action =
          action_model ? score >= action_model->threshold() : score >= kActionThreshold;
      if (is_action && a.action_items.size() < 500) {
        std::optional<std::string> owner = named ? *named : ActionOwner(s.text);
        if (!owner) owner = speaker_owner;
        ActionItem item{.text = s.text, .owner = owner, .page = s.page, .score = score};
        for (const DateMention& d : FindDates(s.text, anchor)) {
          item.due = FormatDay(d.date);
          item.due_text = d.text;
          break;
        }
        a.action_items.push_back(std::move(item));
      }
      for (std::string_view cue : {"decided", "agreed", "approved", "resolved that", "decision",
                                   "confirmed that", "we will go with", "go with", "chose",
                                   "selected", "signed off", "final approval", "it was agreed"}) {
        if (HasPhrase(lower, cue) && a.decisions.size() < 500) {
          a.decisions.push_back({s.text, s.page});
          break;
        }
      }
    }
    Risk risk;
    for (const auto& [cue, severity] : RiskCues()) {
      if (HasPhrase(lower, cue)) {
        risk.cues.emplace_back(cue);
        if (risk.severity.empty() || SeverityRank(severity) > SeverityRank(risk.severity)) {
          risk.severity = std::string(severity);
        }
      }
    }
    // A single low cue is too weak to report ("possible", "might" are everywhere).
    if (!risk.severity.empty() && !(risk.severity == "low" && risk.cues.size() < 2) &&
        a.risks.size() < 500) {
      risk.text = s.text;
      risk.page = s.page;
      a.risks.push_back(std::move(risk));
    }
  }

  // Entities, block by block (fewer, longer regex runs than per sentence).
  std::map<std::pair<std::string, std::string>, Entity> entities;
  const EntityRx& rx = Rx();
  for (const Block& b : e.blocks) {
    for (const DateMention& d : FindDates(b.text, anchor)) {
      AddEntity(entities, "date", d.text, FormatDay(d.date), b.page);
    }
    for (const PiiSpan& p : FindPii(b.text)) {
      if (p.kind == "email" || p.kind == "phone" || p.kind == "address") {
        AddEntity(entities, p.kind, b.text.substr(p.start, p.end - p.start), "", b.page);
      }
    }
    internal::ForEachWindow(b.text, [&](std::string_view window, std::size_t) {
      const std::string t(window);
      const bool digits =
          std::any_of(t.begin(), t.end(), [](char c) { return c >= '0' && c <= '9'; });
      if (digits) {
        for (auto it = std::sregex_iterator(t.begin(), t.end(), rx.amount);
             it != std::sregex_iterator(); ++it) {
          auto cents = AmountCents(it->str());
          if (cents) AddEntity(entities, "amount", it->str(), std::to_string(*cents), b.page);
        }
      }
      for (auto it = std::sregex_iterator(t.begin(), t.end(), rx.company);
           it != std::sregex_iterator(); ++it) {
        std::string name = it->str();
        while (!name.empty() && name.back() == '.') name.pop_back();
        AddEntity(entities, "company", it->str(), name, b.page);
      }
      for (const std::regex* re : {&rx.person_title, &rx.person_label}) {
        for (auto it = std::sregex_iterator(t.begin(), t.end(), *re); it != std::sregex_iterator();
             ++it) {
          const std::string name = (*it)[1].str();
          if (!FunctionWords().contains(name.substr(0, name.find(' ')))) {
            AddEntity(entities, "person", name, name, b.page);
          }
        }
      }
    });
  }
  for (const ActionItem& item : a.action_items) {
    if (item.owner && IsUpper((*item.owner)[0])) {  // roles ("Contractor") are not people
      static const std::set<std::string> kRoles = {
          "Contractor", "Subcontractor", "Owner",           "Client",    "Customer", "Vendor",
          "Supplier",   "Architect",     "Engineer",        "Installer", "Tenant",   "Landlord",
          "Fabricator", "Estimator",     "Project manager", "City",      "County"};
      if (!kRoles.contains(*item.owner) && item.owner->size() > 3) {
        AddEntity(entities, "person", *item.owner, *item.owner, item.page);
      }
    }
  }
  std::map<std::string, int> per_kind;
  for (auto& [key, entity] : entities) {
    if (++per_kind[entity.kind] > 200) continue;
    a.entities.push_back(std::move(entity));
  }
  std::stable_sort(a.entities.begin(), a.entities.end(), [](const Entity& x, const Entity& y) {
    return x.kind != y.kind ? x.kind < y.kind : x.count > y.count;
  });
  return a;
}

json::object ToJson(const Analysis& a) {
  auto sentences = [](const std::vector<SummarySentence>& v) {
    json::array out;
    for (const auto& s : v) {
      json::object o{{"text", s.text}, {"page", s.page}};
      if (!s.speaker.empty()) o["speaker"] = s.speaker;
      out.push_back(std::move(o));
    }
    return out;
  };
  auto text_of = [](const std::vector<SummarySentence>& v) {
    std::string t;
    for (const auto& s : v) {
      if (!t.empty()) t += ' ';
      t += s.text;
    }
    return t;
  };
  json::object summaries;
  for (auto [name, v] :
       {std::pair{"short", &a.summaries.short_}, std::pair{"medium", &a.summaries.medium},
        std::pair{"detailed", &a.summaries.detailed}}) {
    summaries[name] = json::object{{"text", text_of(*v)}, {"sentences", sentences(*v)}};
  }
  json::array actions;
  for (const auto& i : a.action_items) {
    actions.push_back(json::object{
        {"text", i.text},
        {"owner", i.owner ? json::value(*i.owner) : json::value(nullptr)},
        {"due", i.due ? json::value(*i.due) : json::value(nullptr)},
        {"due_text", i.due_text.empty() ? json::value(nullptr) : json::value(i.due_text)},
        {"page", i.page},
        {"score", std::round(i.score * 100) / 100}});
  }
  json::array decisions;
  for (const auto& d : a.decisions)
    decisions.push_back(json::object{{"text", d.text}, {"page", d.page}});
  json::array risks;
  for (const auto& r : a.risks) {
    json::array cues;
    for (const auto& c : r.cues) cues.push_back(json::value(c));
    risks.push_back(
        json::object{{"text", r.text}, {"severity", r.severity}, {"cues", cues}, {"page", r.page}});
  }
  json::array entities;
  for (const auto& en : a.entities) {
    entities.push_back(json::object{{"kind", en.kind},
                                    {"text", en.text},
                                    {"value", en.value},
                                    {"count", en.count},
                                    {"page", en.page}});
  }
  return json::object{{"document_date", a.document_date},
                      {"document_date_source", a.document_date_from_text ? "text" : "upload"},
                      {"language", a.language},
                      {"sentence_count", a.sentence_count},
                      {"summaries", summaries},
                      {"action_items", actions},
                      {"decisions", decisions},
                      {"risks", risks},
                      {"entities", entities}};
}

}  // namespace signx::documents
