// The learned action-item detector: logistic regression over hashed word unigrams and bigrams,
// the first word, a question mark and the rule score (analysis.h ActionScore), trained by SGD.
// Its decision threshold is chosen by 5-fold cross-validation on the training data (best F1), so
// nothing is tuned on a test set. Stored in the model registry as "documents-action-items";
// analysis uses it when a production version exists and the rules otherwise.
//
// Training data: the public email-intent train split (`signx train documents --email-intent DIR`;
// Apache-2.0, ../shared/data/email-intent/README.md), never its test split.
//
// Thread-safety: a trained model is immutable; Probability is const and thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace signx::documents {

inline constexpr std::string_view kActionModelName = "documents-action-items";

struct ActionModelOptions {
  int buckets = 1 << 18;
  int epochs = 10;
  double learning_rate = 0.2;
  double l2 = 1e-6;
  uint64_t seed = 1;
};

class ActionModel {
 public:
  using Options = ActionModelOptions;
  struct Labeled {
    std::string text;
    bool yes = false;
  };

  // kInvalidArgument without both classes. Also picks the threshold by 5-fold CV.
  static Result<ActionModel> Train(const std::vector<Labeled>& data, const Options& options = {});
  double Probability(std::string_view sentence) const;
  bool IsAction(std::string_view sentence) const { return Probability(sentence) >= threshold_; }
  double threshold() const { return threshold_; }
  double cv_f1() const { return cv_f1_; }

  // `base` adjusted toward `data` (user feedback): a few SGD epochs from its weights, each example
  // seen `weight` times; the threshold stays the base's. kInvalidArgument without data.
  static Result<ActionModel> FineTune(const ActionModel& base, const std::vector<Labeled>& data,
                                      int epochs = 5, int weight = 5, double learning_rate = 0.1);

  std::string Serialize() const;
  static Result<ActionModel> Deserialize(std::string_view json);

 private:
  static ActionModel Fit(const std::vector<Labeled>& data, const Options& options);
  Options options_;
  std::vector<float> w_;
  double bias_ = 0;
  double threshold_ = 0.5;
  double cv_f1_ = 0;
};

}  // namespace signx::documents
