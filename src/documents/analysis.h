// The offline analysis of a document's text: summaries in three lengths, action items with owner
// and deadline, decisions, risks with a severity, entities. No network, no model download: rules
// and statistics over the extracted text, deterministic for the same input.
//
//   summaries   extractive. Candidates are prose sentences of 5-80 words with at least 3
//               distinct topic words (stop words, back-channels and fillers — "okay", "yeah",
//               "that's", "basically" — do not count), so "Okay, so let's start." never is one.
//               Each is scored by centrality — its mean idf-cosine with every other candidate
//               (LexRank's degree centrality on the continuous graph, length-normalised) — plus
//               position (early in the document, first in its section; none for a meeting
//               transcript, which opens with greetings and covers its topics all along). They are
//               picked by maximal marginal relevance (0.7 relevance, 0.3 novelty; a near-duplicate
//               with cosine > 0.5 never) until a word budget or a sentence cap, shown in document
//               order: short = 60 words / 3 sentences, medium = 150 / 7, detailed = 300 / 15
//               (the last sentence may overshoot the budget).
//   transcripts  a document made of speaker turns ("Dana: ...", "Dr. Smith: ..."; a form's
//               "Date:" or "Action:" is no speaker), two or more speakers with two turns each
//               and a quarter of its sentences or more opening a turn, is a transcript: the label
//               is the speaker of the turn's sentences, not their text, and a first-person
//               commitment ("I'll send it") has the speaker as its owner.
//   action items  sentences whose ActionScore reaches the threshold: imperative verb at the
//               start, "please", a second-person modal request, an obligation ("must", "need to"),
//               a named owner ("Dana will", "Dana to", "assigned to Dana", "Owner: Dana"), a
//               deadline ("by Friday", "due 12/15") raise it; thanks, questions without a request
//               and past tense lower it. Owner and due date come from the sentence; relative
//               dates are resolved against the document's date (dates.h).
//   decisions   sentences with "decided", "agreed", "approved", "resolved", "confirmed", "go
//   with"... risks       sentences with risk cues; severity high (safety, penalty, liquidated
//   damages,
//               termination, lawsuit, failure...), medium (delay, overrun, shortage, risk,
//               concern...), low (minor, possible...).
//   entities    people (titles, signature / header labels, action owners), companies (legal
//               suffixes), amounts ($, USD, "dollars"), dates, addresses, e-mails and phones.
//
// Files: analysis_sentences.cc (sentences, speakers), analysis_summaries.cc, analysis_actions.cc
// (ActionScore, BaselineActionRule, ActionOwner), analysis.cc (Analyse: decisions, risks,
// entities; ToJson); word helpers they share in internal/analysis_text.h.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "documents/dates.h"
#include "documents/extract.h"

namespace signx::documents {

struct Sentence {
  std::string text;
  int page = 1;
  std::size_t start = 0, end = 0;  // offsets in the page text
  int block = 0;                   // index of its block
  bool first_in_section = false;
  bool in_table = false;
  std::string speaker;  // a transcript's speaker label ("" = none)
};

// Sentences of `text` ("Mr. Smith" and "e.g." are not ends; a line break in a table row is).
std::vector<std::string_view> SplitSentences(std::string_view text);
std::vector<Sentence> DocumentSentences(const Extracted& e, const PageText& pages);
// The length of the speaker label ("Dana: ", "Speaker 2: ") a line or sentence starts with,
// 0 when it has none.
std::size_t SpeakerLabelLength(std::string_view line);

struct SummarySentence {
  std::string text;
  int page = 1;
  std::string speaker;  // transcripts
};
struct Summaries {
  std::vector<SummarySentence> short_, medium, detailed;
};
struct SummaryOptions {
  int short_n = 3, medium_n = 7, detailed_n = 15;                  // sentence caps
  int short_words = 60, medium_words = 150, detailed_words = 300;  // word budgets (0 = none)
  int min_content_terms = 3;
  double redundancy = 0.5;
  double mmr_lambda = 0.7;
  double position_weight = 0.3;  // documents; transcripts get 0
};
// Picks `n` sentences (indices into `sentences`, in document order).
std::vector<int> ExtractiveSummary(const std::vector<Sentence>& sentences, int n,
                                   const SummaryOptions& options = {});
// Picks sentences best first until their words reach `words` (the last one may overshoot; callers
// that need an exact budget cut the text), indices in document order.
std::vector<int> ExtractiveSummaryWords(const std::vector<Sentence>& sentences, int words,
                                        const SummaryOptions& options = {});
Summaries Summarise(const std::vector<Sentence>& sentences, const SummaryOptions& options = {});

// The action-item score of one sentence (see above); >= kActionThreshold is an action item.
inline constexpr double kActionThreshold = 2.0;
double ActionScore(std::string_view sentence);
// The modal/imperative rule baseline the bench compares with: a modal verb together with
// "you", or a sentence that starts with a base-form verb.
bool BaselineActionRule(std::string_view sentence);

struct ActionItem {
  std::string text;
  std::optional<std::string> owner;
  std::optional<std::string> due;  // YYYY-MM-DD
  std::string due_text;            // as written ("by Friday")
  int page = 1;
  double score = 0;
};
// The owner named in an action sentence, if any.
std::optional<std::string> ActionOwner(std::string_view sentence);

struct Decision {
  std::string text;
  int page = 1;
};
struct Risk {
  std::string text;
  std::string severity;  // high, medium, low
  std::vector<std::string> cues;
  int page = 1;
};
struct Entity {
  std::string kind;   // person, company, amount, date, address, email, phone
  std::string text;   // as first written
  std::string value;  // normalised: amounts in cents, dates YYYY-MM-DD; else the text
  int count = 0;
  int page = 1;  // first page
};

struct Analysis {
  std::string document_date;  // YYYY-MM-DD: found in the text, else the upload day
  bool document_date_from_text = false;
  std::string language;
  Summaries summaries;
  std::vector<ActionItem> action_items;
  std::vector<Decision> decisions;
  std::vector<Risk> risks;
  std::vector<Entity> entities;
  int sentence_count = 0;
};

class ActionModel;
// `fallback_date` is used when the text names no date of its own. With `action_model` (learned,
// action_model.h) a sentence is an action item when the model says so; without it, the rules.
Analysis Analyse(const Extracted& e, const PageText& pages, Day fallback_date,
                 const ActionModel* action_model = nullptr);

boost::json::object ToJson(const Analysis& a);

}  // namespace signx::documents
