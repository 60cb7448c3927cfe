#include "leads/scorer.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/strings.h"
#include "http/json.h"

namespace signx::leads {
namespace json = boost::json;

int BucketFor(double score, std::span<const double> thresholds) {
  int bucket = 1;
  for (const double t : thresholds) bucket += score >= t ? 1 : 0;
  return std::clamp(bucket, 1, 5);
}

char TierFor(int bucket) { return "EDCBA"[std::clamp(bucket, 1, 5) - 1]; }

Result<Scorer> Scorer::Create(ModelBundle bundle) {
  if (bundle.thresholds.size() != 4) return InvalidArgument("a model bundle needs 4 thresholds");
  SIGNX_ASSIGN_OR_RETURN(ml::Booster booster, ml::Booster::LoadRaw(bundle.booster));
  // One thread per call: scoring requests are small and run concurrently on the caller's pool.
  SIGNX_RETURN_IF_ERROR(booster.SetParam("nthread", "1"));
  SIGNX_ASSIGN_OR_RETURN(const std::size_t n, booster.NumFeatures());
  if (n != bundle.encoder.width()) {
    return InvalidArgument(fmt::format("the booster expects {} features but the encoder makes {}",
                                       n, bundle.encoder.width()));
  }
  SIGNX_ASSIGN_OR_RETURN(ml::TreeEnsemble trees, ml::TreeEnsemble::FromBooster(booster));
  return Scorer(std::move(bundle), std::move(booster), std::move(trees));
}

std::vector<float> Scorer::Encode(std::span<const Lead> leads, std::vector<int>* unknown) const {
  const std::size_t width = bundle_.encoder.width();
  std::vector<float> x(leads.size() * width);
  for (std::size_t i = 0; i < leads.size(); ++i) {
    const int u = bundle_.encoder.Encode(leads[i], std::span<float>(x.data() + i * width, width));
    if (unknown) unknown->push_back(u);
  }
  return x;
}

Result<std::vector<float>> Scorer::Probabilities(std::span<const Lead> leads) const {
  if (leads.empty()) return std::vector<float>{};
  SIGNX_ASSIGN_OR_RETURN(ml::DMatrix m, ml::DMatrix::FromDense(Encode(leads, nullptr), leads.size(),
                                                               bundle_.encoder.width()));
  SIGNX_ASSIGN_OR_RETURN(std::vector<float> p, booster_.Predict(m));
  return bundle_.calibrator.ApplyAll(p);
}

std::string Scorer::DescribeValue(const Lead& lead, const Encoder::Source& source) const {
  const FieldValue& v = lead.values[static_cast<std::size_t>(source.field)];
  if (IsMissing(v)) return "(missing)";
  if (const auto* b = std::get_if<bool>(&v)) return *b ? "Yes" : "No";
  if (const auto* d = std::get_if<double>(&v)) return fmt::format("{:g}", *d);
  return std::get<std::string>(v);
}

Result<std::vector<LeadScore>> Scorer::Score(std::span<const Lead> leads,
                                             const ScoreOptions& options) const {
  std::vector<LeadScore> out;
  if (leads.empty()) return out;
  std::vector<int> unknown;
  const std::size_t width = bundle_.encoder.width();
  const std::vector<float> x = Encode(leads, &unknown);
  std::vector<float> probs;
  // The compact trees give XGBoost's prediction bit for bit without a DMatrix round trip:
  // ~3x faster for one row (bench/ml_bench.cc); XGBoost's blocked batch predictor wins from a
  // few dozen rows on.
  constexpr std::size_t kOwnPredictorMaxRows = 32;
  if (trees_.predict_matches_booster() && leads.size() <= kOwnPredictorMaxRows) {
    probs.resize(leads.size());
    for (std::size_t i = 0; i < leads.size(); ++i) {
      probs[i] = trees_.Predict(std::span<const float>(x.data() + i * width, width));
    }
  } else {
    SIGNX_ASSIGN_OR_RETURN(ml::DMatrix m, ml::DMatrix::FromDense(x, leads.size(), width));
    SIGNX_ASSIGN_OR_RETURN(probs, booster_.Predict(m));
  }
  const bool explain = options.explain && options.max_reasons > 0;
  std::vector<double> contribs(explain ? width + 1 : 0);
  const auto& sources = bundle_.encoder.sources();
  out.reserve(leads.size());
  std::vector<double> per_source(sources.size());
  std::vector<std::size_t> order(sources.size());
  for (std::size_t i = 0; i < leads.size(); ++i) {
    LeadScore s;
    s.lead_id = leads[i].id;
    s.score = bundle_.calibrator.Apply(probs[i]);
    s.bucket = BucketFor(s.score, bundle_.thresholds);
    s.tier = TierFor(s.bucket);
    s.model_version = bundle_.model_version;
    s.unknown_categories = unknown[i];
    if (explain) {
      std::fill(per_source.begin(), per_source.end(), 0.0);
      trees_.Contributions(std::span<const float>(x.data() + i * width, width), contribs);
      for (std::size_t c = 0; c < width; ++c) {
        per_source[bundle_.encoder.SourceOfColumn(c)] += contribs[c];
      }
      for (std::size_t k = 0; k < order.size(); ++k) order[k] = k;
      // The first max_reasons fields by |contribution|, ties in field order: what a stable sort
      // puts first, without sorting the rest (nor stable_sort's buffer allocation per lead).
      const std::size_t top =
          std::min(order.size(), static_cast<std::size_t>(std::max(options.max_reasons, 0)));
      std::partial_sort(order.begin(), order.begin() + static_cast<std::ptrdiff_t>(top),
                        order.end(), [&](std::size_t a, std::size_t b) {
                          const double x = std::abs(per_source[a]), y = std::abs(per_source[b]);
                          return x > y || (x == y && a < b);
                        });
      s.reasons.reserve(top);
      for (std::size_t k = 0;
           k < order.size() && s.reasons.size() < static_cast<std::size_t>(options.max_reasons);
           ++k) {
        const double c = per_source[order[k]];
        if (std::abs(c) < 0.005) break;  // rounds to ±0.00: not a reason
        const auto& src = sources[order[k]];
        const auto& spec = bundle_.schema.fields[static_cast<std::size_t>(src.field)];
        s.reasons.push_back(
            {src.name, fmt::format("{} = {}: {:+.2f}", spec.label, DescribeValue(leads[i], src), c),
             c});
      }
    }
    out.push_back(std::move(s));
  }
  return out;
}

Result<LeadScore> Scorer::ScoreJson(const json::object& lead, const ScoreOptions& options) const {
  SIGNX_ASSIGN_OR_RETURN(Lead parsed, LeadFromJson(bundle_.schema, lead));
  SIGNX_ASSIGN_OR_RETURN(std::vector<LeadScore> scores,
                         Score(std::span<const Lead>(&parsed, 1), options));
  return std::move(scores.front());
}

Result<std::vector<LeadScore>> Scorer::ScoreJsonBatch(const json::array& leads,
                                                      const ScoreOptions& options) const {
  SIGNX_ASSIGN_OR_RETURN(const std::vector<Lead> parsed, LeadsFromJson(bundle_.schema, leads));
  return Score(parsed, options);
}

void AppendReasonsJson(std::string& out, std::span<const Reason> reasons) {
  out += '[';
  for (std::size_t i = 0; i < reasons.size(); ++i) {
    const Reason& r = reasons[i];
    out += i == 0 ? "{\"field\":" : ",{\"field\":";
    AppendJsonString(out, r.field);
    out += ",\"text\":";
    AppendJsonString(out, r.text);
    out += ",\"contribution\":";
    http::AppendJsonNumber(out, r.contribution);
    out += '}';
  }
  out += ']';
}

std::pair<std::size_t, std::size_t> AppendScoreJson(std::string& out, const LeadScore& s,
                                                    bool remote) {
  out += "{\"lead_id\":";
  AppendJsonString(out, s.lead_id);
  out += ",\"score\":";
  http::AppendJsonNumber(out, s.score);
  fmt::format_to(std::back_inserter(out),
                 ",\"bucket\":{},\"tier\":\"{}\",\"model_version\":", s.bucket, s.tier);
  AppendJsonString(out, s.model_version);
  out += ",\"reasons\":";
  const std::size_t reasons_at = out.size();
  AppendReasonsJson(out, s.reasons);
  const std::size_t reasons_end = out.size();
  fmt::format_to(std::back_inserter(out), ",\"unknown_categories\":{}", s.unknown_categories);
  if (remote) out += ",\"reasons_available\":false";
  out += '}';
  return {reasons_at, reasons_end};
}

}  // namespace signx::leads
