#include "documents/analysis.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <map>
#include <regex>
#include <set>
#include <unordered_map>
#include <unordered_set>

#include "base/strings.h"
#include "documents/action_model.h"
#include "documents/chunk.h"
#include "documents/internal/windows.h"
#include "documents/pii.h"

namespace signx::documents {
namespace {

namespace json = boost::json;

bool IsUpper(char c) { return std::isupper(static_cast<unsigned char>(c)) != 0; }
bool IsAlpha(char c) { return std::isalpha(static_cast<unsigned char>(c)) != 0; }

const std::unordered_set<std::string>& Abbreviations() {
  static const std::unordered_set<std::string> k = {
      "mr",   "mrs", "ms",   "dr",  "prof", "inc",    "ltd", "co",   "corp", "st",  "no",  "vs",
      "etc",  "e.g", "i.e",  "jr",  "sr",   "approx", "jan", "feb",  "mar",  "apr", "jun", "jul",
      "aug",  "sep", "sept", "oct", "nov",  "dec",    "ave", "blvd", "rd",   "fig", "ref", "est",
      "dept", "min", "max",  "qty", "sq",   "ft",     "in",  "a.m",  "p.m",  "u.s", "llc"};
  return k;
}

const std::unordered_set<std::string>& StopWords() {
  static const std::unordered_set<std::string> k = {
      "the",   "and",    "for",   "are",   "but",     "not",   "you",   "all",   "any",   "can",
      "had",   "her",    "was",   "one",   "our",     "out",   "has",   "him",   "his",   "how",
      "its",   "may",    "new",   "now",   "own",     "say",   "she",   "too",   "use",   "this",
      "that",  "with",   "have",  "from",  "they",    "will",  "would", "there", "their", "what",
      "about", "which",  "when",  "make",  "like",    "than",  "then",  "them",  "these", "some",
      "could", "into",   "other", "were",  "been",    "also",  "more",  "very",  "just",  "should",
      "shall", "must",   "each",  "such",  "only",    "over",  "your",  "yours", "we",    "i",
      "okay",  "yeah",   "um",    "uh",    "so",      "well",  "think", "know",  "mean",  "going",
      "gonna", "really", "right", "thing", "things",  "get",   "got",   "here",  "where", "who",
      "why",   "does",   "did",   "doing", "because", "being", "those", "while", "upon",  "shall",
      "per"};
  return k;
}

std::string Stem(std::string w) {
  if (w.size() > 5 && w.ends_with("ing")) {
    w.resize(w.size() - 3);
  } else if (w.size() > 4 && w.ends_with("ed")) {
    w.resize(w.size() - 2);
  } else if (w.size() > 3 && w.ends_with("s") && !w.ends_with("ss")) {
    w.pop_back();
  }
  return w;
}

std::vector<std::string> Terms(std::string_view s) {
  std::vector<std::string> out;
  std::string w;
  auto take = [&] {
    if (w.size() >= 3 && !StopWords().contains(w)) out.push_back(Stem(w));
    w.clear();
  };
  for (char c : s) {
    if (IsAlpha(c)) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (c != '\'') {
      take();
    }
  }
  take();
  return out;
}

std::vector<std::string> Words(std::string_view s) {
  std::vector<std::string> out;
  std::string w;
  for (char c : s) {
    if (IsAlpha(c) || c == '\'' || (std::isdigit(static_cast<unsigned char>(c)) && !w.empty())) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else if (!w.empty()) {
      out.push_back(w);
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(w);
  return out;
}

bool HasPhrase(const std::string& lower, std::string_view phrase) {
  std::size_t pos = 0;
  while ((pos = lower.find(phrase, pos)) != std::string::npos) {
    const bool left = pos == 0 || !IsAlpha(lower[pos - 1]);
    const std::size_t e = pos + phrase.size();
    const bool right = e >= lower.size() || !IsAlpha(lower[e]);
    if (left && right) return true;
    ++pos;
  }
  return false;
}

using SparseVec = std::unordered_map<std::string, double>;

double Dot(const SparseVec& a, const SparseVec& b) {
  const SparseVec& small = a.size() < b.size() ? a : b;
  const SparseVec& big = a.size() < b.size() ? b : a;
  double d = 0;
  for (const auto& [k, v] : small) {
    if (auto it = big.find(k); it != big.end()) d += v * it->second;
  }
  return d;
}

void Normalise(SparseVec& v) {
  double n = 0;
  for (const auto& [k, x] : v) n += x * x;
  n = std::sqrt(n);
  if (n == 0) return;
  for (auto& [k, x] : v) x /= n;
}

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

const std::unordered_set<std::string>& FunctionWords() {
  static const std::unordered_set<std::string> k = {
      "The",      "We",     "I",     "You",    "This",   "That",  "It",     "They",    "He",
      "She",      "Please", "All",   "Each",   "Our",    "Your",  "These",  "Those",   "There",
      "Here",     "If",     "When",  "Then",   "And",    "But",   "Also",   "Someone", "Somebody",
      "Everyone", "Nobody", "Who",   "What",   "Thanks", "Thank", "Hi",     "Hello",   "Dear",
      "Note",     "Action", "Owner", "Next",   "To",     "In",    "On",     "At",      "For",
      "By",       "Let",    "Can",   "Could",  "Would",  "Will",  "Should", "Do",      "Does",
      "Did",      "Send",   "Make",  "Review", "Call",   "Any",   "One",    "Both",    "Everybody"};
  return k;
}

std::string Capitalise(std::string s) {
  if (!s.empty()) s[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(s[0])));
  return s;
}

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
  std::regex amount, company, person_title, person_label, owner_lead, owner_tag, owner_vocative,
      owner_role, owner_initials;
};

const EntityRx& Rx() {
  static const EntityRx rx = [] {
    const auto f = std::regex::ECMAScript | std::regex::optimize;
    const auto fi = f | std::regex::icase;
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

std::vector<std::string_view> SplitSentences(std::string_view text) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  auto emit = [&](std::size_t end) {
    std::string_view s = Trim(text.substr(start, end - start));
    if (!s.empty()) out.push_back(s);
    start = end;
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    const char c = text[i];
    if (c == '\n') {
      emit(i);
      start = i + 1;
      continue;
    }
    if (c != '.' && c != '!' && c != '?') continue;
    // Closing quotes and brackets belong to the sentence.
    std::size_t end = i + 1;
    while (end < text.size() && (text[end] == '"' || text[end] == '\'' || text[end] == ')')) ++end;
    if (end < text.size() && text[end] != ' ' && text[end] != '\n' && text[end] != '\t') continue;
    std::size_t next = end;
    while (next < text.size() && (text[next] == ' ' || text[next] == '\t')) ++next;
    if (next < text.size()) {
      const char n = text[next];
      if (!(IsUpper(n) || std::isdigit(static_cast<unsigned char>(n)) || n == '"' || n == '(' ||
            n == '-' || n == '\n' || static_cast<unsigned char>(n) >= 0x80)) {
        continue;
      }
    }
    if (c == '.') {
      // The word before the period.
      std::size_t w = i;
      while (w > start && (IsAlpha(text[w - 1]) || text[w - 1] == '.')) --w;
      const std::string word = ToLower(text.substr(w, i - w));
      if (Abbreviations().contains(word)) continue;
      if (i - w == 1 && IsUpper(text[w])) continue;  // an initial: "J. Smith"
      if (i > 0 && std::isdigit(static_cast<unsigned char>(text[i - 1])) && next < text.size() &&
          std::isdigit(static_cast<unsigned char>(text[next])) && end == next) {
        continue;
      }
    }
    emit(end);
  }
  emit(text.size());
  return out;
}

std::vector<Sentence> DocumentSentences(const Extracted& e, const PageText& pages) {
  std::vector<Sentence> out;
  bool after_heading = true;
  for (std::size_t b = 0; b < e.blocks.size(); ++b) {
    const Block& block = e.blocks[b];
    if (block.kind == Block::Kind::kHeading) {
      after_heading = true;
      continue;
    }
    const std::size_t base = pages.block_offsets[b];
    bool first = after_heading;
    for (std::string_view s : SplitSentences(block.text)) {
      Sentence sentence;
      sentence.text = std::string(s);
      sentence.page = block.page;
      sentence.start = base + static_cast<std::size_t>(s.data() - block.text.data());
      sentence.end = sentence.start + s.size();
      sentence.block = static_cast<int>(b);
      sentence.first_in_section = first;
      sentence.in_table = block.kind == Block::Kind::kTable;
      first = false;
      out.push_back(std::move(sentence));
    }
    after_heading = false;
  }
  return out;
}

namespace {

// Best first until `n` sentences are picked or, with `max_words` > 0, until their words reach it.
std::vector<int> Select(const std::vector<Sentence>& sentences, int n, int max_words,
                        const SummaryOptions& options) {
  const int total = static_cast<int>(sentences.size());
  if (total == 0 || n <= 0) return {};
  // Candidates: prose sentences of 5 to 80 words.
  std::vector<int> cand;
  std::vector<std::vector<std::string>> terms(static_cast<std::size_t>(total));
  std::unordered_map<std::string, int> df;
  for (int i = 0; i < total; ++i) {
    const Sentence& s = sentences[static_cast<std::size_t>(i)];
    terms[static_cast<std::size_t>(i)] = Terms(s.text);
    std::unordered_set<std::string> seen(terms[static_cast<std::size_t>(i)].begin(),
                                         terms[static_cast<std::size_t>(i)].end());
    for (const auto& t : seen) ++df[t];
    const std::size_t words = Words(s.text).size();
    if (!s.in_table && words >= 5 && words <= 80) cand.push_back(i);
  }
  if (cand.empty()) {
    for (int i = 0; i < total; ++i) cand.push_back(i);
  }
  // MEAD's centroid score: the sum of the centroid weights of a sentence's distinct terms (the
  // centroid is the mean TF-IDF vector of the candidates), scaled to [0, 1]. Unlike a cosine it
  // does not favour short sentences that repeat one frequent word.
  std::vector<SparseVec> vec(static_cast<std::size_t>(total));
  SparseVec centroid;
  for (int i : cand) {
    SparseVec& v = vec[static_cast<std::size_t>(i)];
    for (const auto& t : terms[static_cast<std::size_t>(i)]) v[t] += 1;
    for (auto& [t, x] : v) {
      x = (1 + std::log(x)) * std::log(1.0 + static_cast<double>(total) / df[t]);
      centroid[t] += x / static_cast<double>(cand.size());
    }
  }
  std::vector<double> central(static_cast<std::size_t>(total), 0.0);
  double max_central = 0;
  for (int i : cand) {
    double c = 0;
    for (const auto& [t, x] : vec[static_cast<std::size_t>(i)]) c += centroid[t];
    central[static_cast<std::size_t>(i)] = c;
    max_central = std::max(max_central, c);
    Normalise(vec[static_cast<std::size_t>(i)]);  // cosines for the redundancy check
  }
  std::vector<std::pair<double, int>> scored;
  for (std::size_t k = 0; k < cand.size(); ++k) {
    const int i = cand[k];
    const Sentence& s = sentences[static_cast<std::size_t>(i)];
    const double centrality =
        max_central > 0 ? central[static_cast<std::size_t>(i)] / max_central : 0;
    const double pos = 1.0 - static_cast<double>(k) / static_cast<double>(cand.size());
    const double position = 0.6 * pos * pos + (s.first_in_section ? 0.4 : 0.0);
    scored.push_back(
        {(1 - options.position_weight) * centrality + options.position_weight * position, i});
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<int> picked;
  int words = 0;
  for (const auto& [score, i] : scored) {
    if (static_cast<int>(picked.size()) >= n) break;
    if (max_words > 0 && words >= max_words) break;
    bool redundant = false;
    for (int j : picked) {
      if (Dot(vec[static_cast<std::size_t>(i)], vec[static_cast<std::size_t>(j)]) >
          options.redundancy) {
        redundant = true;
        break;
      }
    }
    if (!redundant) {
      picked.push_back(i);
      words += static_cast<int>(Words(sentences[static_cast<std::size_t>(i)].text).size());
    }
  }
  std::sort(picked.begin(), picked.end());
  return picked;
}

}  // namespace

std::vector<int> ExtractiveSummary(const std::vector<Sentence>& sentences, int n,
                                   const SummaryOptions& options) {
  return Select(sentences, n, 0, options);
}

std::vector<int> ExtractiveSummaryWords(const std::vector<Sentence>& sentences, int words,
                                        const SummaryOptions& options) {
  if (words <= 0) return {};
  return Select(sentences, static_cast<int>(sentences.size()), words, options);
}

Summaries Summarise(const std::vector<Sentence>& sentences, const SummaryOptions& options) {
  Summaries s;
  auto fill = [&](int n, std::vector<SummarySentence>& out) {
    for (int i : ExtractiveSummary(sentences, n, options)) {
      const Sentence& x = sentences[static_cast<std::size_t>(i)];
      out.push_back({x.text, x.page});
    }
  };
  fill(options.short_n, s.short_);
  fill(options.medium_n, s.medium);
  fill(options.detailed_n, s.detailed);
  return s;
}

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
  const EntityRx& rx = Rx();
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

namespace {

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
      const double score = action_model ? action_model->Probability(s.text) : ActionScore(s.text);
      const bool is_action =
          action_model ? score >= action_model->threshold() : score >= kActionThreshold;
      if (is_action && a.action_items.size() < 500) {
        ActionItem item{
            .text = s.text, .owner = ActionOwner(s.text), .page = s.page, .score = score};
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
    for (const auto& s : v) out.push_back(json::object{{"text", s.text}, {"page", s.page}});
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
