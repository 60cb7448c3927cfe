// The document-type classifier: multinomial naive Bayes over hashed word unigrams and bigrams
// (plus the words of the document's first 300 characters as separate "title" features), small
// enough to train in milliseconds and stored as JSON in the model registry (model name
// "documents-classifier").
//
// Types: contract, proposal (proposal / quote), rfp, change_order, permit, invoice,
// meeting_notes, email, drawing_spec, other.
//
// Thread-safety: a trained Classifier is immutable; Predict is const and thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "base/status.h"

namespace signx::documents {

inline constexpr std::string_view kDocTypes[] = {
    "contract", "proposal",      "rfp",   "change_order", "permit",
    "invoice",  "meeting_notes", "email", "drawing_spec", "other"};
bool IsDocType(std::string_view t);

struct LabeledText {
  std::string text;
  std::string label;
};

struct TrainOptions {
  int buckets = 1 << 18;
  double alpha = 0.1;  // additive smoothing
  std::size_t max_chars = 20000;
};

class Classifier {
 public:
  struct Prediction {
    std::string label;
    double confidence = 0;                               // posterior of the label
    std::vector<std::pair<std::string, double>> scores;  // every label's posterior, best first
  };

  // kInvalidArgument without examples, with an unknown label or fewer than two labels.
  static Result<Classifier> Train(const std::vector<LabeledText>& examples,
                                  const TrainOptions& options = {});
  Prediction Predict(std::string_view text) const;

  std::string Serialize() const;  // JSON
  static Result<Classifier> Deserialize(std::string_view json);

  const std::vector<std::string>& labels() const { return labels_; }

 private:
  TrainOptions options_;
  std::vector<std::string> labels_;
  std::vector<double> log_prior_;
  std::vector<std::unordered_map<uint32_t, double>> counts_;  // per label: bucket → count
  std::vector<double> totals_;                                // per label: sum of counts
};

// Hashed features of a text (exposed for tests).
std::vector<uint32_t> ClassifierFeatures(std::string_view text, int buckets, std::size_t max_chars);

// k-fold cross-validated accuracy (examples shuffled with `seed`); nullopt below 2k examples.
std::optional<double> CrossValidatedAccuracy(const std::vector<LabeledText>& examples, int folds,
                                             uint64_t seed, const TrainOptions& options = {});

// The seed corpus the platform model starts from: `per_type` synthetic documents of every type,
// generated from hand-written templates and phrase pools (seed_corpus.cc) with a seeded RNG. It
// is NOT real customer data; the model card says so, and feedback corrections replace it over
// time.
std::vector<LabeledText> SeedCorpus(int per_type, uint64_t seed);

}  // namespace signx::documents
