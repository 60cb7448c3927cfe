// Action items (analysis.h): the rule score of a sentence, the modal/imperative baseline the
// bench compares with, and the owner an action sentence names.
#include <regex>
#include <unordered_set>

#include "base/strings.h"
#include "documents/analysis.h"
#include "documents/internal/analysis_text.h"
#include "documents/internal/windows.h"

namespace signx::documents {
namespace {

using internal::FunctionWords;
using internal::HasPhrase;
using internal::Words;

const std::unordered_set<std::string>& ImperativeVerbs() {
  static const std::unordered_set<std::string> k = {
      "send",     "submit",   "provide",    "review",   "confirm",    "schedule",  "call",
      "email",    "prepare",  "update",     "complete", "finalize",   "finalise",  "check",
      "ensure",   "install",  "order",      "approve",  "sign",       "return",    "deliver",
      "contact",  "arrange",  "coordinate", "follow",   "fix",        "verify",    "let",
      "make",     "get",      "set",        "book",     "forward",    "share",     "upload",
      "attach",   "print",    "fill",       "reply",    "respond",    "call",      "ask",
      "tell",     "remind",   "note",       "give",     "bring",      "pick",      "take",
      "find",     "look",     "read",       "write",    "draft",      "create",    "add",
      "remove",   "change",   "revise",     "resubmit", "obtain",     "request",   "notify",
      "inform",   "meet",     "join",       "come",     "stop",       "start",     "keep",
      "move",     "clean",    "pay",        "invoice",  "estimate",   "measure",   "survey",
      "inspect",  "test",     "ship",       "deliver",  "mail",       "fax",       "advise",
      "discuss",  "plan",     "organize",   "organise", "determine",  "identify",  "investigate",
      "research", "compile",  "collect",    "gather",   "distribute", "circulate", "route",
      "file",     "register", "renew",      "cancel",   "reschedule", "confirm",   "accept",
      "decline",  "sort",     "handle",     "process",  "assign",     "talk",      "visit",
      "see",      "try",      "run",        "put",      "include",    "do",        "don't",
      "be",       "think",    "consider",   "use",      "give",       "leave",     "hold",
      "pull",     "push",     "explain",    "clarify",  "specify",    "indicate",  "list",
      "document", "record",   "track",      "submit",   "resolve",    "escalate",  "mark",
      "call",     "phone",    "ring",       "text",     "remember"};
  return k;
}

std::string Capitalise(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

struct OwnerRx {
  std::regex owner_lead, owner_tag, owner_vocative, owner_role, owner_initials;
};

const OwnerRx& Rx() {
  static const OwnerRx rx = [] {
    const auto f = std::regex::ECMAScript | std::regex::optimize;
    const auto fi = f | std::regex::icase;
    OwnerRx r;
    r.owner_lead = std::regex(
        R"(^[\s\-*\d.)]*(?:[Aa]ction\s*(?:[Ii]tem)?\s*[:\-]\s*)?([A-Z][a-z]+(?:\s[A-Z][a-z]+)?(?:\s(?:and|&)\s[A-Z][a-z]+)?)\s+(?:will|to|shall|must|should|needs to|need to|is to|are to|has to|have to|is responsible|are responsible|agreed to|owns|takes|can|please)\b)",
        f);
    r.owner_tag = std::regex(
        R"((?:[Aa]ssigned to|[Oo]wner\s*:|[Rr]esponsible(?: party)?\s*:|@)\s*([A-Z][a-z]+(?:\s[A-Z][a-z]+)?))",
        f);
    r.owner_vocative = std::regex(
        R"(^[\s\-*]*([A-Z][a-z]+),\s+(?:please|can you|could you|would you|will you|pls)\b)", f);
    r.owner_role = std::regex(
        R"(^[\s\-*\d.)]*(?:the\s+)?(contractor|subcontractor|owner|client|customer|vendor|supplier|architect|engineer|installer|tenant|landlord|fabricator|estimator|project manager|city|county)\s+(?:shall|will|must|to|is to|should|needs to|is responsible)\b)",
        fi);
    r.owner_initials = std::regex(R"(\(([A-Z]{2,3}|[A-Z][a-z]+)\)\s*\.?\s*$)", f);
    return r;
  }();
  return rx;
}

}  // namespace

double ActionScore(std::string_view sentence) {
  const std::vector<std::string> w = Words(sentence);
  if (w.empty()) return 0;
  const std::string lower = ToLower(sentence);
  double score = 0;
  // The first word after bullets and fillers.
  std::size_t first = 0;
  static const std::unordered_set<std::string> kFillers = {
      "and",  "also", "then", "so",     "ok",  "okay",   "now", "just",    "action", "todo",
      "item", "next", "step", "please", "pls", "kindly", "but", "however", "again",  "still"};
  while (first < w.size() && kFillers.contains(w[first])) ++first;
  if (first < w.size() && ImperativeVerbs().contains(w[first])) score += 2.0;
  // "Dana, please ..." / "Dana, send ..."
  if (first + 1 < w.size() && sentence.find(',') != std::string_view::npos &&
      sentence.find(',') < 20 && ImperativeVerbs().contains(w[first + 1])) {
    score += 1.5;
  }
  if (HasPhrase(lower, "please") || HasPhrase(lower, "pls") || HasPhrase(lower, "kindly"))
    score += 2.0;
  // A modal just before "you": "can you", "could you please", "if you could", "would you mind".
  static const std::unordered_set<std::string> kModals = {"can",   "could", "would", "will",
                                                          "might", "may",   "shall", "should"};
  bool modal_you = false;
  for (std::size_t i = 0; i < w.size(); ++i) {
    if (w[i] != "you") continue;
    if ((i >= 1 && kModals.contains(w[i - 1])) ||
        (i + 1 < w.size() && kModals.contains(w[i + 1])) ||
        (i >= 2 && kModals.contains(w[i - 2]))) {
      modal_you = true;
    }
  }
  if (modal_you) score += 2.0;
  for (std::string_view p :
       {"i need you",    "we need you",      "need you to",    "let me know",    "let us know",
        "make sure",     "don't forget",     "do not forget",  "remember to",    "be sure to",
        "i'd like you",  "i would like you", "i want you",     "you need to",    "you have to",
        "you will need", "you want to",      "feel free",      "would be great", "would appreciate",
        "grateful if",   "your feedback",    "your input",     "your thoughts",  "your help",
        "your approval", "your comments",    "get back to me", "give me a call", "call me",
        "email me",      "e-mail me",        "send me"}) {
    if (HasPhrase(lower, p)) {
      score += 2.0;
      break;
    }
  }
  // A question asks the reader for something; more so when it addresses them.
  if (lower.find('?') != std::string::npos) {
    score += 1.0;
    if (HasPhrase(lower, "you") || HasPhrase(lower, "your")) score += 1.0;
  }
  for (std::string_view p :
       {"need to", "needs to", "must", "have to", "has to", "required to", "is to", "are to",
        "shall", "should", "is responsible for", "are responsible for"}) {
    if (HasPhrase(lower, p)) {
      score += 1.0;
      break;
    }
  }
  for (std::string_view p :
       {"action item", "action:", "todo", "to do:", "to-do", "follow up", "follow-up", "next step",
        "deadline", "asap", "as soon as possible", "no later than", "due by", "due on"}) {
    if (lower.find(p) != std::string::npos) {
      score += 1.0;
      break;
    }
  }
  for (std::string_view p :
       {"by monday", "by tuesday", "by wednesday", "by thursday", "by friday", "by tomorrow",
        "by the end", "by end", "by eod", "by cob", "by next", "today", "tomorrow"}) {
    if (lower.find(p) != std::string::npos) {
      score += 0.75;
      break;
    }
  }
  for (std::string_view p : {"i will", "we will", "i'll", "we'll"}) {
    if (HasPhrase(lower, p)) {
      score += 0.5;
      break;
    }
  }
  if (ActionOwner(sentence)) score += 2.0;  // "Dana to ...", "assigned to Dana"
  // Against: thanks, reports of the past, very short text.
  if (HasPhrase(lower, "thank") || HasPhrase(lower, "thanks")) score -= 1.5;
  for (std::string_view p : {"was", "were", "had"}) {
    if (HasPhrase(lower, p)) {
      score -= 0.5;
      break;
    }
  }
  if (w.size() < 3) score -= 1.0;
  return score;
}

bool BaselineActionRule(std::string_view sentence) {
  const std::vector<std::string> w = Words(sentence);
  if (w.empty()) return false;
  static const std::unordered_set<std::string> kModals = {"can",    "could", "would", "will",
                                                          "should", "must",  "shall", "may"};
  bool modal = false, you = false;
  for (const auto& x : w) {
    modal |= kModals.contains(x);
    you |= x == "you" || x == "your";
  }
  if (modal && you) return true;
  static const std::unordered_set<std::string> kImperative = {
      "send", "call", "please",  "let",     "review",   "check",   "make",
      "get",  "give", "provide", "confirm", "schedule", "forward", "contact",
      "take", "tell", "ask",     "see",     "do"};
  return kImperative.contains(w[0]);
}

std::optional<std::string> ActionOwner(std::string_view sentence) {
  // Bounded for the regex engine (internal/windows.h); owners are named near the start or end.
  if (sentence.size() > internal::kRegexWindow) {
    sentence = sentence.substr(0, internal::kRegexWindow);
  }
  const std::string s(sentence);
  const OwnerRx& rx = Rx();
  std::smatch m;
  auto ok = [](const std::string& name) {
    const std::string first = name.substr(0, name.find(' '));
    return !FunctionWords().contains(first) && !ImperativeVerbs().contains(ToLower(first));
  };
  if (std::regex_search(s, m, rx.owner_tag) && ok(m[1].str())) return m[1].str();
  if (std::regex_search(s, m, rx.owner_vocative) && ok(m[1].str())) return m[1].str();
  if (std::regex_search(s, m, rx.owner_role)) return Capitalise(ToLower(m[1].str()));
  if (std::regex_search(s, m, rx.owner_lead) && ok(m[1].str())) return m[1].str();
  if (std::regex_search(s, m, rx.owner_initials) && ok(m[1].str())) return m[1].str();
  return std::nullopt;
}

}  // namespace signx::documents
