#include "documents/classifier.h"

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <cmath>
#include <numeric>
#include <random>

namespace signx::documents {
namespace {

namespace json = boost::json;

uint32_t Fnv1a(std::string_view s, uint32_t h = 2166136261u) {
  for (char c : s) {
    h ^= static_cast<unsigned char>(c);
    h *= 16777619u;
  }
  return h;
}

}  // namespace

bool IsDocType(std::string_view t) {
  return std::find(std::begin(kDocTypes), std::end(kDocTypes), t) != std::end(kDocTypes);
}

std::vector<uint32_t> ClassifierFeatures(std::string_view text, int buckets,
                                         std::size_t max_chars) {
  std::vector<uint32_t> out;
  text = text.substr(0, max_chars);
  std::vector<std::string> words;
  std::string w;
  std::size_t title_words = 0;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    const char c = i < text.size() ? text[i] : ' ';
    if (std::isalpha(static_cast<unsigned char>(c))) {
      w += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    } else {
      if (w.size() >= 2) {
        words.push_back(w);
        if (i <= 300) title_words = words.size();
      }
      w.clear();
    }
  }
  const auto b = static_cast<uint32_t>(buckets);
  for (std::size_t i = 0; i < words.size(); ++i) {
    out.push_back(Fnv1a(words[i]) % b);
    if (i + 1 < words.size()) out.push_back(Fnv1a(words[i + 1], Fnv1a(words[i] + " ")) % b);
    if (i < title_words) out.push_back(Fnv1a(words[i], Fnv1a("title:")) % b);
  }
  return out;
}

Result<Classifier> Classifier::Train(const std::vector<LabeledText>& examples,
                                     const TrainOptions& options) {
  if (examples.empty()) return InvalidArgument("no training examples");
  Classifier c;
  c.options_ = options;
  for (const auto& e : examples) {
    if (!IsDocType(e.label)) return InvalidArgument("unknown document type: " + e.label);
    if (std::find(c.labels_.begin(), c.labels_.end(), e.label) == c.labels_.end()) {
      c.labels_.push_back(e.label);
    }
  }
  if (c.labels_.size() < 2) return InvalidArgument("training needs at least two document types");
  std::sort(c.labels_.begin(), c.labels_.end());
  c.counts_.resize(c.labels_.size());
  c.totals_.assign(c.labels_.size(), 0);
  std::vector<double> docs(c.labels_.size(), 0);
  for (const auto& e : examples) {
    const auto k = static_cast<std::size_t>(std::find(c.labels_.begin(), c.labels_.end(), e.label) -
                                            c.labels_.begin());
    ++docs[k];
    for (uint32_t f : ClassifierFeatures(e.text, options.buckets, options.max_chars)) {
      c.counts_[k][f] += 1;
      c.totals_[k] += 1;
    }
  }
  for (double d : docs) c.log_prior_.push_back(std::log(d / static_cast<double>(examples.size())));
  return c;
}

Classifier::Prediction Classifier::Predict(std::string_view text) const {
  const std::vector<uint32_t> f = ClassifierFeatures(text, options_.buckets, options_.max_chars);
  std::vector<double> logp(labels_.size());
  const double v = static_cast<double>(options_.buckets);
  for (std::size_t k = 0; k < labels_.size(); ++k) {
    double lp = log_prior_[k];
    const double denom = std::log(totals_[k] + options_.alpha * v);
    for (uint32_t x : f) {
      auto it = counts_[k].find(x);
      lp += std::log((it == counts_[k].end() ? 0.0 : it->second) + options_.alpha) - denom;
    }
    logp[k] = lp;
  }
  const double mx = *std::max_element(logp.begin(), logp.end());
  double z = 0;
  for (double& x : logp) z += std::exp(x - mx);
  Prediction p;
  for (std::size_t k = 0; k < labels_.size(); ++k) {
    p.scores.push_back({labels_[k], std::exp(logp[k] - mx) / z});
  }
  std::sort(p.scores.begin(), p.scores.end(),
            [](const auto& a, const auto& b) { return a.second > b.second; });
  p.label = p.scores[0].first;
  p.confidence = p.scores[0].second;
  return p;
}

std::string Classifier::Serialize() const {
  json::array classes;
  for (std::size_t k = 0; k < labels_.size(); ++k) {
    std::vector<std::pair<uint32_t, double>> sorted(counts_[k].begin(), counts_[k].end());
    std::sort(sorted.begin(), sorted.end());
    json::array buckets, counts;
    for (const auto& [b, n] : sorted) {
      buckets.push_back(b);
      counts.push_back(n);
    }
    classes.push_back(json::object{{"label", labels_[k]},
                                   {"log_prior", log_prior_[k]},
                                   {"total", totals_[k]},
                                   {"buckets", buckets},
                                   {"counts", counts}});
  }
  return json::serialize(json::object{{"kind", "multinomial_nb_hashed_ngrams"},
                                      {"version", 1},
                                      {"buckets", options_.buckets},
                                      {"alpha", options_.alpha},
                                      {"max_chars", options_.max_chars},
                                      {"classes", classes}});
}

Result<Classifier> Classifier::Deserialize(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return InvalidArgument("classifier: not a JSON object");
  try {
    const json::object& o = v.as_object();
    if (o.at("kind").as_string() != "multinomial_nb_hashed_ngrams") {
      return InvalidArgument("classifier: unknown kind");
    }
    Classifier c;
    c.options_.buckets = static_cast<int>(o.at("buckets").to_number<int64_t>());
    c.options_.alpha = o.at("alpha").to_number<double>();
    c.options_.max_chars = static_cast<std::size_t>(o.at("max_chars").to_number<int64_t>());
    if (c.options_.buckets <= 0 || c.options_.alpha <= 0) {
      return InvalidArgument("classifier: bad parameters");
    }
    for (const auto& cls : o.at("classes").as_array()) {
      const auto& x = cls.as_object();
      c.labels_.emplace_back(x.at("label").as_string());
      c.log_prior_.push_back(x.at("log_prior").to_number<double>());
      c.totals_.push_back(x.at("total").to_number<double>());
      std::unordered_map<uint32_t, double> m;
      const auto& b = x.at("buckets").as_array();
      const auto& n = x.at("counts").as_array();
      if (b.size() != n.size()) return InvalidArgument("classifier: bucket/count mismatch");
      for (std::size_t i = 0; i < b.size(); ++i) {
        m[static_cast<uint32_t>(b[i].to_number<int64_t>())] = n[i].to_number<double>();
      }
      c.counts_.push_back(std::move(m));
    }
    if (c.labels_.size() < 2) return InvalidArgument("classifier: fewer than two classes");
    return c;
  } catch (const std::exception& e) {
    return InvalidArgument(std::string("classifier: malformed: ") + e.what());
  }
}

std::optional<double> CrossValidatedAccuracy(const std::vector<LabeledText>& examples, int folds,
                                             uint64_t seed, const TrainOptions& options) {
  if (folds < 2 || static_cast<int>(examples.size()) < 2 * folds) return std::nullopt;
  std::vector<std::size_t> order(examples.size());
  std::iota(order.begin(), order.end(), 0);
  std::mt19937_64 rng(seed);
  std::shuffle(order.begin(), order.end(), rng);
  int right = 0, total = 0;
  for (int f = 0; f < folds; ++f) {
    std::vector<LabeledText> train, test;
    for (std::size_t i = 0; i < order.size(); ++i) {
      (static_cast<int>(i % static_cast<std::size_t>(folds)) == f ? test : train)
          .push_back(examples[order[i]]);
    }
    auto model = Classifier::Train(train, options);
    if (!model.ok()) continue;
    for (const auto& t : test) {
      right += model->Predict(t.text).label == t.label;
      ++total;
    }
  }
  if (total == 0) return std::nullopt;
  return static_cast<double>(right) / total;
}

}  // namespace signx::documents
