#include "documents/eval.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <map>
#include <numeric>
#include <unordered_map>
#include <unordered_set>

namespace signx::documents {
namespace {

double F1(double overlap, double cand, double ref) {
  if (overlap <= 0 || cand <= 0 || ref <= 0) return 0;
  const double p = overlap / cand, r = overlap / ref;
  return 2 * p * r / (p + r);
}

double NgramF1(const std::vector<std::string>& c, const std::vector<std::string>& r,
               std::size_t n) {
  if (c.size() < n || r.size() < n) return 0;
  std::map<std::string, int> rc;
  for (std::size_t i = 0; i + n <= r.size(); ++i) {
    std::string g = r[i];
    for (std::size_t j = 1; j < n; ++j) g += " " + r[i + j];
    ++rc[g];
  }
  double overlap = 0;
  for (std::size_t i = 0; i + n <= c.size(); ++i) {
    std::string g = c[i];
    for (std::size_t j = 1; j < n; ++j) g += " " + c[i + j];
    if (auto it = rc.find(g); it != rc.end() && it->second > 0) {
      --it->second;
      ++overlap;
    }
  }
  return F1(overlap, static_cast<double>(c.size() - n + 1), static_cast<double>(r.size() - n + 1));
}

std::vector<std::string> ContentWords(std::string_view text) {
  static const std::unordered_set<std::string> kStop = {
      "the",       "a",       "an",         "and",        "or",      "of",       "to",
      "in",        "on",      "for",        "with",       "about",   "what",     "was",
      "were",      "is",      "are",        "did",        "do",      "does",     "how",
      "why",       "when",    "who",        "which",      "whole",   "meeting",  "summarize",
      "summarise", "summary", "discussion", "discussed",  "discuss", "talk",     "talked",
      "said",      "say",     "think",      "thought",    "group",   "team",     "their",
      "they",      "them",    "this",       "that",       "these",   "those",    "it",
      "its",       "be",      "by",         "as",         "at",      "from",     "would",
      "could",     "should",  "will",       "can",        "his",     "her",      "he",
      "she",       "we",      "you",        "i",          "um",      "uh",       "yeah",
      "okay",      "so",      "like",       "just",       "mm",      "hmm",      "oh",
      "well",      "right",   "there",      "here",       "not",     "but",      "if",
      "then",      "all",     "any",        "some",       "opinion", "opinions", "according",
      "towards",   "toward",  "regarding",  "concerning", "also",    "have",     "has",
      "had"};
  std::vector<std::string> out;
  for (auto& w : RougeTokens(text)) {
    if (w.size() < 2 || kStop.contains(w)) continue;
    if (w.size() > 4 && w.back() == 's') w.pop_back();
    out.push_back(std::move(w));
  }
  return out;
}

}  // namespace

std::vector<std::string> RougeTokens(std::string_view text) {
  std::vector<std::string> out;
  std::string w;
  for (char ch : text) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c)) {
      w += static_cast<char>(std::tolower(c));
    } else if (!w.empty()) {
      out.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) out.push_back(std::move(w));
  return out;
}

Rouge RougeF1(std::string_view candidate, std::string_view reference) {
  const auto c = RougeTokens(candidate), r = RougeTokens(reference);
  Rouge out;
  out.r1 = NgramF1(c, r, 1);
  out.r2 = NgramF1(c, r, 2);
  if (!c.empty() && !r.empty()) {
    std::vector<int> prev(r.size() + 1, 0), cur(r.size() + 1, 0);
    for (std::size_t i = 1; i <= c.size(); ++i) {
      for (std::size_t j = 1; j <= r.size(); ++j) {
        cur[j] = c[i - 1] == r[j - 1] ? prev[j - 1] + 1 : std::max(prev[j], cur[j - 1]);
      }
      std::swap(prev, cur);
    }
    out.rl = F1(prev[r.size()], static_cast<double>(c.size()), static_cast<double>(r.size()));
  }
  return out;
}

std::vector<int> RankForQuery(const std::vector<std::string>& passages, std::string_view query,
                              int k) {
  const std::vector<std::string> q = ContentWords(query);
  std::vector<std::vector<std::string>> words;
  std::unordered_map<std::string, int> df;
  for (const auto& p : passages) {
    words.push_back(ContentWords(p));
    std::unordered_set<std::string> seen(words.back().begin(), words.back().end());
    for (const auto& w : seen) ++df[w];
  }
  const double n = static_cast<double>(passages.size());
  std::unordered_map<std::string, double> qv;
  for (const auto& w : q) qv[w] += std::log(1 + n / (1 + df[w]));
  std::vector<std::pair<double, int>> scored;
  for (std::size_t i = 0; i < words.size(); ++i) {
    std::unordered_map<std::string, double> tf;
    for (const auto& w : words[i]) tf[w] += 1;
    double dot = 0, norm = 0;
    for (const auto& [w, c] : tf) {
      const double x = (1 + std::log(c)) * std::log(1 + n / (1 + df[w]));
      norm += x * x;
      if (auto it = qv.find(w); it != qv.end()) dot += x * it->second;
    }
    // Longer turns carry more content: dampen the length normalisation (pivoted, sqrt).
    const double s = norm > 0 ? dot / std::pow(norm, 0.25) : 0;
    scored.push_back({s, static_cast<int>(i)});
  }
  std::stable_sort(scored.begin(), scored.end(),
                   [](const auto& a, const auto& b) { return a.first > b.first; });
  std::vector<int> out;
  for (const auto& [s, i] : scored) {
    if (static_cast<int>(out.size()) >= k) break;
    out.push_back(i);
  }
  return out;
}

}  // namespace signx::documents
