// Quality measures for `signx bench documents`: ROUGE-1/2/L F1 (lower-cased word tokens, no
// stemming, clipped n-gram counts, LCS for L) and query-focused passage ranking.
//
// Thread-safety: pure functions.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace signx::documents {

struct Rouge {
  double r1 = 0, r2 = 0, rl = 0;  // F1
};
Rouge RougeF1(std::string_view candidate, std::string_view reference);
std::vector<std::string> RougeTokens(std::string_view text);

// Indices of the `k` passages most similar to `query` (TF-IDF cosine over content words; the
// query's generic words — summarize, discuss, what, meeting... — ignored), best first. Ties and
// passages without any shared word keep document order after the matches.
std::vector<int> RankForQuery(const std::vector<std::string>& passages, std::string_view query,
                              int k);

}  // namespace signx::documents
