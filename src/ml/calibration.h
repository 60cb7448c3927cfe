// Probability calibration for binary classifiers: Platt scaling (logistic on the logit) and
// isotonic regression (pool-adjacent-violators), serialisable to JSON.
//
// A Calibrator is an immutable value after fitting: Apply is const and thread-safe.
#pragma once

#include <span>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "base/status.h"

namespace signx::ml {

class Calibrator {
 public:
  enum class Kind { kNone, kPlatt, kIsotonic };

  Calibrator() = default;  // identity

  // p' = sigmoid(a * logit(p) + b), (a, b) maximising the likelihood of `labels`.
  static Result<Calibrator> FitPlatt(std::span<const float> probs, std::span<const float> labels);
  // Monotone non-decreasing step fit of labels on probs, linearly interpolated between blocks.
  static Result<Calibrator> FitIsotonic(std::span<const float> probs,
                                        std::span<const float> labels);

  Kind kind() const { return kind_; }
  std::string_view kind_name() const;
  double Apply(double p) const;
  std::vector<float> ApplyAll(std::span<const float> probs) const;

  boost::json::object ToJson() const;
  static Result<Calibrator> FromJson(const boost::json::value& v);

 private:
  Kind kind_ = Kind::kNone;
  double a_ = 1.0, b_ = 0.0;           // Platt
  std::vector<double> xs_, ys_;        // isotonic knots, xs_ strictly increasing
};

}  // namespace signx::ml
