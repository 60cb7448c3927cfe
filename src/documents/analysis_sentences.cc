// Sentences of a document (analysis.h): SplitSentences, speaker labels and the transcript test,
// DocumentSentences with page, offsets, section start and speaker.
#include <map>
#include <unordered_set>

#include "base/strings.h"
#include "documents/analysis.h"
#include "documents/internal/analysis_text.h"

namespace signx::documents {
namespace {

using internal::IsAlpha;
using internal::IsUpper;

const std::unordered_set<std::string>& Abbreviations() {
  static const std::unordered_set<std::string> k = {
      "mr",   "mrs", "ms",   "dr",  "prof", "inc",    "ltd", "co",   "corp", "st",  "no",  "vs",
      "etc",  "e.g", "i.e",  "jr",  "sr",   "approx", "jan", "feb",  "mar",  "apr", "jun", "jul",
      "aug",  "sep", "sept", "oct", "nov",  "dec",    "ave", "blvd", "rd",   "fig", "ref", "est",
      "dept", "min", "max",  "qty", "sq",   "ft",     "in",  "a.m",  "p.m",  "u.s", "llc"};
  return k;
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

}  // namespace signx::documents
