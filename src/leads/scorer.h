// Scores leads with a ModelBundle: probability 0–1 (calibrated when the bundle says so),
// bucket 1–5 from the bundle's thresholds, tier A (bucket 5) … E (bucket 1), and reasons — the
// largest exact TreeSHAP contributions (log-odds units; ml::TreeEnsemble, the same values as
// XGBoost's pred_contribs to float precision, checked in the tests) summed per source field and
// rendered as "Lead Source = Reference: +0.84".
//
// Deterministic: the same lead and bundle give the same result, bit for bit.
// Thread-safety: a Scorer is immutable after Create; Score* may run concurrently (XGBoost 1.7
// prediction and ml::TreeEnsemble are thread-safe). Share one as std::shared_ptr<const Scorer> and
// swap atomically.
#pragma once

#include <boost/json.hpp>
#include <memory>
#include <span>
#include <string>
#include <utility>
#include <vector>

#include "base/status.h"
#include "leads/bundle.h"
#include "leads/lead.h"
#include "ml/tree_shap.h"
#include "ml/xgboost.h"

namespace signx::leads {

struct Reason {
  std::string field;        // schema field name
  std::string text;         // "Lead Source = Reference: +0.84"
  double contribution = 0;  // log-odds contribution of the field
};

struct LeadScore {
  std::string lead_id;
  double score = 0;  // probability of conversion, 0–1
  int bucket = 1;    // 1–5
  char tier = 'E';   // A–E (A = bucket 5)
  std::string model_version;
  std::vector<Reason> reasons;  // empty when not explained
  int unknown_categories = 0;   // category values the model has never seen
};

struct ScoreOptions {
  bool explain = true;  // compute reasons (exact TreeSHAP)
  int max_reasons = 5;
};

// bucket = 1 + number of thresholds ≤ score.
int BucketFor(double score, std::span<const double> thresholds);
char TierFor(int bucket);

class Scorer {
 public:
  static Result<Scorer> Create(ModelBundle bundle);

  // Validates a JSON lead (ValidationFailed with field errors) and scores it.
  Result<LeadScore> ScoreJson(const boost::json::object& lead, const ScoreOptions& options) const;
  // Validates every lead of the array first; errors name "leads[i].field".
  Result<std::vector<LeadScore>> ScoreJsonBatch(const boost::json::array& leads,
                                                const ScoreOptions& options) const;
  // Scores already-validated leads in one XGBoost call.
  Result<std::vector<LeadScore>> Score(std::span<const Lead> leads,
                                       const ScoreOptions& options) const;
  // Final scores only (no buckets, no reasons) — used by training and evaluation.
  Result<std::vector<float>> Probabilities(std::span<const Lead> leads) const;

  const ModelBundle& bundle() const { return bundle_; }

 private:
  Scorer(ModelBundle bundle, ml::Booster booster, ml::TreeEnsemble trees)
      : bundle_(std::move(bundle)), booster_(std::move(booster)), trees_(std::move(trees)) {}
  std::vector<float> Encode(std::span<const Lead> leads, std::vector<int>* unknown) const;
  std::string DescribeValue(const Lead& lead, const Encoder::Source& source) const;

  ModelBundle bundle_;
  ml::Booster booster_;
  ml::TreeEnsemble trees_;  // the booster's trees, for exact TreeSHAP reasons
};

// Appends reasons as a JSON array, [{"field", "text", "contribution"}, ...], written straight to
// text: the response's "reasons" and the score log's reasons_json are this text.
void AppendReasonsJson(std::string& out, std::span<const Reason> reasons);

// Appends the score as a JSON object — {lead_id, score, bucket, tier, model_version, reasons[
// {field, text, contribution}], unknown_categories}, plus "reasons_available": false when
// `remote` (a remote model gives no reasons) — written straight to text (http::AppendJson*).
// Returns where the reasons array is in `out`, [first, second): a caller may reuse that text.
std::pair<std::size_t, std::size_t> AppendScoreJson(std::string& out, const LeadScore& score,
                                                    bool remote = false);

}  // namespace signx::leads
