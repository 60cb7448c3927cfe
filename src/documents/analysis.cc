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

std::size_t SpeakerLabelLength(std::string_view line) {
  // "Dana: ...", "Dr. Smith: ...", "Speaker 2: ...", "Barry Hughes AM: ...": one to four words,
  // each starting with a capital or a digit, at most 40 bytes, then ": " and the utterance.
  const std::size_t colon = line.find(':');
  if (colon == std::string_view::npos || colon == 0 || colon > 40) return 0;
  if (colon + 1 >= line.size() || line[colon + 1] != ' ') return 0;
  if (Trim(line.substr(colon + 1)).empty()) return 0;
  int words = 0;
  bool start = true;
  for (std::size_t i = 0; i < colon; ++i) {
    const char c = line[i];
    if (c == ' ') {
      if (start) return 0;  // two spaces, or a leading one
      start = true;
      continue;
    }
    if (start) {
      if (!IsUpper(c) && !std::isdigit(static_cast<unsigned char>(c))) return 0;
      ++words;
      start = false;
    } else if (!IsAlpha(c) && !std::isdigit(static_cast<unsigned char>(c)) && c != '.' &&
               c != '\'' && c != '-') {
      return 0;
    }
  }
  if (start || words > 4) return 0;
  std::size_t n = colon + 1;
  while (n < line.size() && line[n] == ' ') ++n;
  return n;
}

namespace {

// Labels of forms and minutes ("Date: ...", "Action: ..."), never a speaker.
bool IsFormLabel(std::string_view label) {
  static const std::unordered_set<std::string> k = {
      "date",        "time",         "action",    "action item", "action items", "decision",
      "decisions",   "note",         "notes",     "nb",          "owner",        "due",
      "subject",     "re",           "to",        "from",        "cc",           "bcc",
      "attendees",   "present",      "absent",    "apologies",   "location",     "venue",
      "agenda",      "status",       "risk",      "risks",       "issue",        "issues",
      "item",        "total",        "subtotal",  "project",     "client",       "customer",
      "address",     "phone",        "tel",       "fax",         "email",        "e-mail",
      "summary",     "next steps",   "next step", "minutes",     "chair",        "update",
      "task",        "deadline",     "priority",  "comment",     "comments",     "reference",
      "ref",         "page",         "step",      "phase",       "scope",        "price",
      "cost",        "budget",       "amount",    "qty",         "description",  "title",
      "name",        "company",      "contact",   "signed",      "approved",     "approved by",
      "prepared by", "submitted by", "attn",      "attention",   "warning",      "important",
      "example",     "question",     "answer",    "tip",         "caution",      "result",
      "results",     "goal",         "goals",     "objective",   "purpose",      "background",
      "outcome"};
  return k.contains(ToLower(label));
}

// The speaker label at the start of a sentence and its length (label without the colon).
std::size_t SpeakerPrefix(std::string_view sentence, std::string_view* label) {
  const std::size_t n = SpeakerLabelLength(sentence);
  if (n == 0) return 0;
  const std::string_view l = sentence.substr(0, sentence.find(':'));
  if (IsFormLabel(l)) return 0;
  *label = l;
  return n;
}

}  // namespace

std::vector<Sentence> DocumentSentences(const Extracted& e, const PageText& pages) {
  // A transcript: its prose is turns that start with a speaker label ("Dana: ...", not a form's
  // "Date: ..."), at least two speakers with two turns each, a quarter of all sentences or more
  // opening a turn. Then the label is the speaker of the turn's sentences, not part of the text.
  // (Extraction may join a transcript's lines, so a turn is found at the sentence level.)
  std::size_t total = 0, labelled = 0;
  std::map<std::string, int, std::less<>> speakers;
  for (const Block& block : e.blocks) {
    if (block.kind != Block::Kind::kParagraph) continue;
    for (std::string_view s : SplitSentences(block.text)) {
      ++total;
      std::string_view label;
      if (SpeakerPrefix(s, &label) > 0) {
        ++labelled;
        ++speakers[std::string(label)];
      }
    }
  }
  int recurring = 0;
  for (const auto& [name, count] : speakers) recurring += count >= 2;
  const bool transcript = labelled >= 4 && labelled * 4 >= total && recurring >= 2;

  std::vector<Sentence> out;
  bool after_heading = true;
  std::string speaker;
  for (std::size_t b = 0; b < e.blocks.size(); ++b) {
    const Block& block = e.blocks[b];
    if (block.kind == Block::Kind::kHeading) {
      after_heading = true;
      speaker.clear();
      continue;
    }
    const std::size_t base = pages.block_offsets[b];
    bool first = after_heading;
    for (std::string_view s : SplitSentences(block.text)) {
      if (transcript && block.kind == Block::Kind::kParagraph) {
        std::string_view label;
        if (const std::size_t n = SpeakerPrefix(s, &label); n > 0) {
          speaker = std::string(label);
          s.remove_prefix(n);
        }
      }
      Sentence sentence;
      sentence.text = std::string(s);
      sentence.speaker = transcript ? speaker : std::string();
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

// Words of talk that carry no topic: back-channels, hedges, fillers and contractions (Terms drops
// the apostrophe: "that's" → "thats"). A sentence made of them is not a summary candidate.
const std::unordered_set<std::string>& FillerWords() {
  static const std::unordered_set<std::string> k = {
      "yes",    "yep",    "yup",   "nope",     "alright",   "hmm",      "mmm",
      "huh",    "ooh",    "wow",   "actually", "basically", "probably", "maybe",
      "guess",  "kind",   "sort",  "stuff",    "something", "anything", "everything",
      "sure",   "pretty", "quite", "whatever", "wanna",     "thats",    "dont",
      "lets",   "theres", "youre", "theyre",   "didnt",     "doesnt",   "isnt",
      "cant",   "wont",   "ive",   "youve",    "weve",      "whats",    "hes",
      "shes",   "wasnt",  "arent", "couldnt",  "wouldnt",   "shouldnt", "havent",
      "theyll", "youll",  "itll",  "thatll",   "im",        "ill",      "youd",
      "wed",    "theyd",  "said",  "says",     "saying",    "talk",     "talking",
      "mean",   "meant",  "okay",  "ok",       "oh",        "ah",       "hey"};
  return k;
}

// True when most sentences carry a speaker and at least two speakers talk: a meeting transcript.
bool IsTranscript(const std::vector<Sentence>& sentences) {
  std::size_t with = 0;
  std::unordered_set<std::string_view> speakers;
  for (const Sentence& s : sentences) {
    if (s.speaker.empty()) continue;
    ++with;
    if (speakers.size() < 2) speakers.insert(s.speaker);
  }
  return speakers.size() >= 2 && with * 2 >= sentences.size();
}

// The candidates of a document with their unit vectors and relevance, computed once for all
// three summary lengths.
struct Scored {
  std::vector<int> cand;
  std::vector<SparseVec> vec;     // by sentence index (empty for non-candidates)
  std::vector<double> relevance;  // by sentence index
  std::vector<int> words;         // by sentence index
};

Scored Score(const std::vector<Sentence>& sentences, const SummaryOptions& options) {
  Scored out;
  const int total = static_cast<int>(sentences.size());
  if (total == 0) return out;
  // Candidates: prose sentences of 5 to 80 words with at least `min_content_terms` distinct
  // topic words (back-channels such as "Okay, so let's start." are not summaries of anything).
  std::vector<int>& cand = out.cand;
  out.words.assign(static_cast<std::size_t>(total), 0);
  std::vector<std::vector<std::string>> terms(static_cast<std::size_t>(total));
  std::unordered_map<std::string, int> df;
  for (int i = 0; i < total; ++i) {
    const Sentence& s = sentences[static_cast<std::size_t>(i)];
    std::vector<std::string>& t = terms[static_cast<std::size_t>(i)];
    t = Terms(s.text);
    std::erase_if(t, [](const std::string& w) { return FillerWords().contains(w); });
    const std::unordered_set<std::string> seen(t.begin(), t.end());
    for (const auto& w : seen) ++df[w];
    const std::size_t words = Words(s.text).size();
    out.words[static_cast<std::size_t>(i)] = static_cast<int>(words);
    if (!s.in_table && words >= 5 && words <= 80 &&
        static_cast<int>(seen.size()) >= options.min_content_terms) {
      cand.push_back(i);
    }
  }
  if (cand.empty()) {
    for (int i = 0; i < total; ++i) {
      if (!terms[static_cast<std::size_t>(i)].empty()) cand.push_back(i);
    }
  }
  if (cand.empty()) return out;
  // Unit TF-IDF vectors (sublinear tf, idf over the document's sentences).
  std::vector<SparseVec>& vec = out.vec;
  vec.resize(static_cast<std::size_t>(total));
  SparseVec sum;
  for (int i : cand) {
    SparseVec& v = vec[static_cast<std::size_t>(i)];
    for (const auto& t : terms[static_cast<std::size_t>(i)]) v[t] += 1;
    for (auto& [t, x] : v) {
      x = (1 + std::log(x)) * std::log(1.0 + static_cast<double>(total) / df[t]);
    }
    Normalise(v);
    for (const auto& [t, x] : v) sum[t] += x;
  }
  // Centrality: LexRank's degree centrality on the continuous graph, i.e. a sentence's mean
  // idf-cosine with every other candidate, v_i · (Σ v_j − v_i) / (n − 1), in O(n) instead of
  // the O(n²) similarity matrix. Cosines are length-normalised: a long sentence is not central
  // for being long. Scaled to [0, 1].
  const double others = std::max<double>(1, static_cast<double>(cand.size()) - 1);
  std::vector<double> central(static_cast<std::size_t>(total), 0.0);
  double max_central = 0;
  for (int i : cand) {
    const SparseVec& v = vec[static_cast<std::size_t>(i)];
    const double self = v.empty() ? 0 : 1;
    const double c = std::max(0.0, Dot(v, sum) - self) / others;
    central[static_cast<std::size_t>(i)] = c;
    max_central = std::max(max_central, c);
  }
  // Position: documents front-load (a lead and first-in-section prior); a meeting transcript
  // opens with greetings and logistics and covers its topics all along, so it gets none.
  const double position_weight = IsTranscript(sentences) ? 0.0 : options.position_weight;
  std::vector<double>& relevance = out.relevance;
  relevance.assign(static_cast<std::size_t>(total), 0.0);
  for (std::size_t k = 0; k < cand.size(); ++k) {
    const int i = cand[k];
    const Sentence& s = sentences[static_cast<std::size_t>(i)];
    const double centrality =
        max_central > 0 ? central[static_cast<std::size_t>(i)] / max_central : 0;
    const double pos = 1.0 - static_cast<double>(k) / static_cast<double>(cand.size());
    const double position = 0.6 * pos * pos + (s.first_in_section ? 0.4 : 0.0);
    relevance[static_cast<std::size_t>(i)] =
        (1 - position_weight) * centrality + position_weight * position;
  }
  return out;
}

// Best first until `n` sentences are picked or, with `max_words` > 0, until their words reach
// it. Maximal marginal relevance (Carbonell & Goldstein): each pick maximises
// λ·relevance − (1 − λ)·(its highest cosine with a sentence already picked); a near-duplicate
// (cosine above `redundancy`) is never picked.
std::vector<int> Pick(const Scored& scored, int n, int max_words, const SummaryOptions& options) {
  const std::vector<int>& cand = scored.cand;
  const std::vector<SparseVec>& vec = scored.vec;
  const std::vector<double>& relevance = scored.relevance;
  const std::size_t total = scored.words.size();
  if (cand.empty() || n <= 0) return {};
  std::vector<int> picked;
  std::vector<double> max_sim(static_cast<std::size_t>(total), 0.0);
  std::vector<bool> used(static_cast<std::size_t>(total), false);
  int words = 0;
  while (static_cast<int>(picked.size()) < n && (max_words <= 0 || words < max_words)) {
    int best = -1;
    double best_score = 0;
    for (int i : cand) {
      const auto u = static_cast<std::size_t>(i);
      if (used[u] || max_sim[u] > options.redundancy) continue;
      const double score =
          options.mmr_lambda * relevance[u] - (1 - options.mmr_lambda) * max_sim[u];
      if (best < 0 || score > best_score) {
        best = i;
        best_score = score;
      }
    }
    if (best < 0) break;
    const auto b = static_cast<std::size_t>(best);
    used[b] = true;
    picked.push_back(best);
    words += scored.words[b];
    for (int i : cand) {
      const auto u = static_cast<std::size_t>(i);
      if (!used[u]) max_sim[u] = std::max(max_sim[u], Dot(vec[u], vec[b]));
    }
  }
  std::sort(picked.begin(), picked.end());
  return picked;
}

std::vector<int> Select(const std::vector<Sentence>& sentences, int n, int max_words,
                        const SummaryOptions& options) {
  if (sentences.empty() || n <= 0) return {};
  return Pick(Score(sentences, options), n, max_words, options);
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
  if (sentences.empty()) return s;
  const Scored scored = Score(sentences, options);  // once for the three lengths
  auto fill = [&](int n, int words, std::vector<SummarySentence>& out) {
    for (int i : Pick(scored, n, words, options)) {
      const Sentence& x = sentences[static_cast<std::size_t>(i)];
      out.push_back({x.text, x.page, x.speaker});
    }
  };
  fill(options.short_n, options.short_words, s.short_);
  fill(options.medium_n, options.medium_words, s.medium);
  fill(options.detailed_n, options.detailed_words, s.detailed);
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
