#include "documents/action_model.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <numeric>
#include <random>

#include "documents/analysis.h"

namespace signx::documents {
namespace {

namespace json = boost::json;

uint32_t Hash(std::string_view s, uint32_t h = 2166136261u) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

struct Features {
  std::vector<uint32_t> idx;
  double score = 0;  // the rule score, scaled
};

Features Extract(std::string_view text, int buckets) {
  Features f;
  std::vector<std::string> words;
  std::string w;
  for (char ch : text.substr(0, 2000)) {
    const unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalnum(c) || c == '\'') {
      w += static_cast<char>(std::tolower(c));
    } else if (!w.empty()) {
      words.push_back(std::move(w));
      w.clear();
    }
  }
  if (!w.empty()) words.push_back(std::move(w));
  const auto b = static_cast<uint32_t>(buckets);
  for (std::size_t i = 0; i < words.size(); ++i) {
    f.idx.push_back(Hash(words[i]) % b);
    if (i + 1 < words.size()) f.idx.push_back(Hash(words[i + 1], Hash(words[i] + " ")) % b);
  }
  if (!words.empty()) f.idx.push_back(Hash(words[0], Hash("first:")) % b);
  if (text.find('?') != std::string_view::npos) f.idx.push_back(Hash("has:?") % b);
  std::sort(f.idx.begin(), f.idx.end());
  f.idx.erase(std::unique(f.idx.begin(), f.idx.end()), f.idx.end());
  f.score = std::clamp(ActionScore(text), -3.0, 8.0) / 4.0;
  return f;
}

double Sigmoid(double z) { return 1.0 / (1.0 + std::exp(-z)); }

}  // namespace

ActionModel ActionModel::Fit(const std::vector<Labeled>& data, const Options& o) {
  ActionModel m;
  m.options_ = o;
  m.w_.assign(static_cast<std::size_t>(o.buckets) + 1, 0.0f);  // last weight: the rule score
  std::vector<Features> feats;
  feats.reserve(data.size());
  for (const auto& x : data) feats.push_back(Extract(x.text, o.buckets));
  std::vector<std::size_t> order(data.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(o.seed);
  const std::size_t score_w = static_cast<std::size_t>(o.buckets);
  for (int e = 0; e < o.epochs; ++e) {
    std::shuffle(order.begin(), order.end(), rng);
    const double lr = o.learning_rate / (1.0 + e);
    for (std::size_t i : order) {
      const Features& f = feats[i];
      double z = m.bias_ + m.w_[score_w] * f.score;
      for (uint32_t k : f.idx) z += m.w_[k];
      const double g = Sigmoid(z) - (data[i].yes ? 1.0 : 0.0);
      m.bias_ -= lr * g;
      m.w_[score_w] -= static_cast<float>(lr * (g * f.score + o.l2 * m.w_[score_w]));
      for (uint32_t k : f.idx) m.w_[k] -= static_cast<float>(lr * (g + o.l2 * m.w_[k]));
    }
  }
  return m;
}

Result<ActionModel> ActionModel::Train(const std::vector<Labeled>& data, const Options& o) {
  const auto yes = std::count_if(data.begin(), data.end(), [](const Labeled& x) { return x.yes; });
  if (yes == 0 || yes == static_cast<long>(data.size())) {
    return InvalidArgument("action-item training needs both Yes and No sentences");
  }
  // Out-of-fold probabilities → the threshold with the best F1.
  std::vector<std::pair<double, bool>> oof;
  if (data.size() >= 50) {
    std::vector<std::size_t> order(data.size());
    std::iota(order.begin(), order.end(), 0);
    std::mt19937_64 rng(o.seed + 1);
    std::shuffle(order.begin(), order.end(), rng);
    constexpr int kFolds = 5;
    for (int f = 0; f < kFolds; ++f) {
      std::vector<Labeled> train;
      std::vector<std::size_t> test;
      for (std::size_t i = 0; i < order.size(); ++i) {
        if (static_cast<int>(i % kFolds) == f) {
          test.push_back(order[i]);
        } else {
          train.push_back(data[order[i]]);
        }
      }
      const ActionModel m = Fit(train, o);
      for (std::size_t i : test) oof.push_back({m.Probability(data[i].text), data[i].yes});
    }
  }
  ActionModel model = Fit(data, o);
  if (!oof.empty()) {
    double best_f = -1, best_t = 0.5;
    for (double t = 0.05; t < 0.951; t += 0.025) {
      double tp = 0, fp = 0, fn = 0;
      for (const auto& [p, y] : oof) {
        tp += p >= t && y;
        fp += p >= t && !y;
        fn += p < t && y;
      }
      const double f1 = tp > 0 ? 2 * tp / (2 * tp + fp + fn) : 0;
      if (f1 > best_f) {
        best_f = f1;
        best_t = t;
      }
    }
    model.threshold_ = best_t;
    model.cv_f1_ = best_f;
  }
  return model;
}

Result<ActionModel> ActionModel::FineTune(const ActionModel& base, const std::vector<Labeled>& data,
                                          int epochs, int weight, double learning_rate) {
  if (data.empty()) return InvalidArgument("fine-tuning needs at least one labelled sentence");
  ActionModel m = base;
  const int buckets = m.options_.buckets;
  const std::size_t score_w = static_cast<std::size_t>(buckets);
  std::vector<Features> feats;
  for (const auto& x : data) feats.push_back(Extract(x.text, buckets));
  for (int e = 0; e < epochs; ++e) {
    for (int r = 0; r < weight; ++r) {
      for (std::size_t i = 0; i < data.size(); ++i) {
        const Features& f = feats[i];
        double z = m.bias_ + m.w_[score_w] * f.score;
        for (uint32_t k : f.idx) z += m.w_[k];
        const double g = Sigmoid(z) - (data[i].yes ? 1.0 : 0.0);
        m.w_[score_w] -= static_cast<float>(learning_rate * g * f.score);
        for (uint32_t k : f.idx) m.w_[k] -= static_cast<float>(learning_rate * g);
      }
    }
  }
  return m;
}

double ActionModel::Probability(std::string_view sentence) const {
  const Features f = Extract(sentence, options_.buckets);
  double z = bias_ + w_[static_cast<std::size_t>(options_.buckets)] * f.score;
  for (uint32_t k : f.idx) z += w_[k];
  return Sigmoid(z);
}

std::string ActionModel::Serialize() const {
  json::array idx, val;
  for (std::size_t i = 0; i < w_.size(); ++i) {
    if (w_[i] != 0.0f) {
      idx.push_back(static_cast<int64_t>(i));
      val.push_back(static_cast<double>(w_[i]));
    }
  }
  return json::serialize(json::object{{"kind", "logistic_regression_hashed_ngrams_rule_score"},
                                      {"version", 1},
                                      {"buckets", options_.buckets},
                                      {"bias", bias_},
                                      {"threshold", threshold_},
                                      {"cv_f1", cv_f1_},
                                      {"index", idx},
                                      {"weight", val}});
}

Result<ActionModel> ActionModel::Deserialize(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return InvalidArgument("action model: not a JSON object");
  try {
    const json::object& o = v.as_object();
    if (o.at("kind").as_string() != "logistic_regression_hashed_ngrams_rule_score") {
      return InvalidArgument("action model: unknown kind");
    }
    ActionModel m;
    m.options_.buckets = static_cast<int>(o.at("buckets").to_number<int64_t>());
    if (m.options_.buckets <= 0 || m.options_.buckets > (1 << 24)) {
      return InvalidArgument("action model: bad bucket count");
    }
    m.bias_ = o.at("bias").to_number<double>();
    m.threshold_ = o.at("threshold").to_number<double>();
    m.cv_f1_ = o.at("cv_f1").to_number<double>();
    m.w_.assign(static_cast<std::size_t>(m.options_.buckets) + 1, 0.0f);
    const auto& idx = o.at("index").as_array();
    const auto& val = o.at("weight").as_array();
    if (idx.size() != val.size()) return InvalidArgument("action model: index/weight mismatch");
    for (std::size_t i = 0; i < idx.size(); ++i) {
      const int64_t k = idx[i].to_number<int64_t>();
      if (k < 0 || k > m.options_.buckets) return InvalidArgument("action model: bad index");
      m.w_[static_cast<std::size_t>(k)] = static_cast<float>(val[i].to_number<double>());
    }
    return m;
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("action model: malformed: ") + e.what());
  }
}

}  // namespace signx::documents
