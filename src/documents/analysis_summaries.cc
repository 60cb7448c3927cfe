// Extractive summaries (analysis.h): candidates, TF-IDF centrality plus position, maximal
// marginal relevance under a sentence cap and a word budget, the three lengths at once.
#include <algorithm>
#include <cmath>
#include <unordered_map>
#include <unordered_set>

#include "documents/analysis.h"
#include "documents/internal/analysis_text.h"

namespace signx::documents {
namespace {

using internal::IsAlpha;
using internal::Words;

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

}  // namespace signx::documents
