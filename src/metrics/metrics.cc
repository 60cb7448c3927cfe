#include "metrics/metrics.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "base/check.h"

namespace signx::metrics {

// ---- Histogram ---------------------------------------------------------------------------

Histogram::Histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)),
      buckets_(std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1)) {
  for (std::size_t i = 1; i < bounds_.size(); ++i) {
    SIGNX_CHECK(bounds_[i - 1] < bounds_[i], "histogram bounds must increase");
  }
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i].store(0);
}

void Histogram::Observe(double v) {
  // Bounds are "less than or equal": v lands in the first bucket whose bound is >= v.
  const auto it = std::lower_bound(bounds_.begin(), bounds_.end(), v);
  buckets_[static_cast<std::size_t>(it - bounds_.begin())].fetch_add(1, std::memory_order_relaxed);
  sum_.fetch_add(v, std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Snap() const {
  Snapshot s;
  s.bounds = bounds_;
  s.cumulative.resize(bounds_.size() + 1);
  uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) {
    running += buckets_[i].load(std::memory_order_relaxed);
    s.cumulative[i] = running;
  }
  s.count = running;
  s.sum = sum_.load(std::memory_order_relaxed);
  return s;
}

std::vector<double> DefaultLatencyBuckets() {
  return {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
}

// ---- text format helpers -------------------------------------------------------------------

std::string FormatValue(double v) {
  if (std::isnan(v)) return "NaN";
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) return fmt::format("{}", static_cast<int64_t>(v));
  return fmt::format("{}", v);  // shortest round-trip representation
}

std::string EscapeLabelValue(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    switch (c) {
      case '\\': out += "\\\\"; break;
      case '"': out += "\\\""; break;
      case '\n': out += "\\n"; break;
      default: out += c;
    }
  }
  return out;
}

std::string EscapeHelp(std::string_view v) {
  std::string out;
  out.reserve(v.size());
  for (char c : v) {
    if (c == '\\') out += "\\\\";
    else if (c == '\n') out += "\\n";
    else out += c;
  }
  return out;
}

namespace {

std::string_view TypeName(Type t) {
  switch (t) {
    case Type::kCounter: return "counter";
    case Type::kGauge: return "gauge";
    case Type::kHistogram: return "histogram";
  }
  return "untyped";
}

void AppendHeader(std::string& out, std::string_view name, std::string_view help, Type type) {
  fmt::format_to(std::back_inserter(out), "# HELP {} {}\n# TYPE {} {}\n", name, EscapeHelp(help),
                 name, TypeName(type));
}

// `{a="x",b="y"}` or "" when there are no labels; `extra` is appended last (histogram `le`).
std::string LabelSet(const std::vector<std::string>& names, const std::vector<std::string>& values,
                     std::string_view extra_name = {}, std::string_view extra_value = {}) {
  if (names.empty() && extra_name.empty()) return {};
  std::string s = "{";
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i) s += ',';
    fmt::format_to(std::back_inserter(s), "{}=\"{}\"", names[i], EscapeLabelValue(values[i]));
  }
  if (!extra_name.empty()) {
    if (!names.empty()) s += ',';
    fmt::format_to(std::back_inserter(s), "{}=\"{}\"", extra_name, extra_value);
  }
  s += '}';
  return s;
}

bool ValidName(std::string_view n, bool allow_colon) {
  if (n.empty()) return false;
  for (std::size_t i = 0; i < n.size(); ++i) {
    const char c = n[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
                       (allow_colon && c == ':');
    const bool digit = c >= '0' && c <= '9';
    if (!(alpha || (i > 0 && digit))) return false;
  }
  return true;
}

template <typename M>
std::unique_ptr<M> MakeMetric(const std::vector<double>&) {
  return std::make_unique<M>();
}
template <>
std::unique_ptr<Histogram> MakeMetric<Histogram>(const std::vector<double>& buckets) {
  return std::make_unique<Histogram>(buckets);
}

void RenderOne(std::string& out, const std::string& name, const std::vector<std::string>& names,
               const std::vector<std::string>& values, const Counter& c) {
  fmt::format_to(std::back_inserter(out), "{}{} {}\n", name, LabelSet(names, values),
                 FormatValue(c.Value()));
}
void RenderOne(std::string& out, const std::string& name, const std::vector<std::string>& names,
               const std::vector<std::string>& values, const Gauge& g) {
  fmt::format_to(std::back_inserter(out), "{}{} {}\n", name, LabelSet(names, values),
                 FormatValue(g.Value()));
}
void RenderOne(std::string& out, const std::string& name, const std::vector<std::string>& names,
               const std::vector<std::string>& values, const Histogram& h) {
  const Histogram::Snapshot s = h.Snap();
  for (std::size_t i = 0; i <= s.bounds.size(); ++i) {
    const std::string le = i < s.bounds.size() ? FormatValue(s.bounds[i]) : "+Inf";
    fmt::format_to(std::back_inserter(out), "{}_bucket{} {}\n", name,
                   LabelSet(names, values, "le", le), s.cumulative[i]);
  }
  fmt::format_to(std::back_inserter(out), "{}_sum{} {}\n", name, LabelSet(names, values),
                 FormatValue(s.sum));
  fmt::format_to(std::back_inserter(out), "{}_count{} {}\n", name, LabelSet(names, values),
                 s.count);
}

}  // namespace

// ---- Family ----------------------------------------------------------------------------------

template <typename M>
M& Family<M>::WithLabels(const std::vector<std::string>& values) {
  SIGNX_CHECK(values.size() == labels_.size(),
              fmt::format("{}: expected {} label values, got {}", name_, labels_.size(),
                          values.size()));
  std::lock_guard lock(mu_);
  auto it = children_.find(values);
  if (it == children_.end()) it = children_.emplace(values, MakeMetric<M>(buckets_)).first;
  return *it->second;
}

template <typename M>
void Family<M>::Render(std::string& out) const {
  AppendHeader(out, name_, help_, type_);
  std::lock_guard lock(mu_);
  for (const auto& [values, metric] : children_) RenderOne(out, name_, labels_, values, *metric);
}

template class Family<Counter>;
template class Family<Gauge>;
template class Family<Histogram>;

// ---- Writer ----------------------------------------------------------------------------------

void Writer::Header(std::string_view name, std::string_view help, Type type) {
  AppendHeader(out_, name, help, type);
}

void Writer::Sample(std::string_view name,
                    std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
                    double value) {
  out_ += name;
  if (labels.size() > 0) {
    out_ += '{';
    bool first = true;
    for (const auto& [k, v] : labels) {
      if (!first) out_ += ',';
      first = false;
      fmt::format_to(std::back_inserter(out_), "{}=\"{}\"", k, EscapeLabelValue(v));
    }
    out_ += '}';
  }
  out_ += ' ';
  out_ += FormatValue(value);
  out_ += '\n';
}

// ---- Registry --------------------------------------------------------------------------------

Registry::Registry() = default;
Registry::~Registry() = default;

void Registry::CheckNewName(const std::string& name, const std::vector<std::string>& labels) {
  SIGNX_CHECK(ValidName(name, true), fmt::format("invalid metric name: {}", name));
  for (const auto& l : labels) {
    SIGNX_CHECK(ValidName(l, false) && l.rfind("__", 0) != 0, fmt::format("invalid label name: {}", l));
    SIGNX_CHECK(l != "le", "label name 'le' is reserved for histograms");
  }
  for (const auto& f : families_) SIGNX_CHECK(f->name() != name, fmt::format("duplicate metric: {}", name));
}

Family<Counter>& Registry::AddCounter(std::string name, std::string help,
                                      std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  CheckNewName(name, labels);
  auto f = std::make_unique<Family<Counter>>(std::move(name), std::move(help), std::move(labels),
                                             Type::kCounter);
  auto& ref = *f;
  families_.push_back(std::move(f));
  return ref;
}

Family<Gauge>& Registry::AddGauge(std::string name, std::string help,
                                  std::vector<std::string> labels) {
  std::lock_guard lock(mu_);
  CheckNewName(name, labels);
  auto f = std::make_unique<Family<Gauge>>(std::move(name), std::move(help), std::move(labels),
                                           Type::kGauge);
  auto& ref = *f;
  families_.push_back(std::move(f));
  return ref;
}

Family<Histogram>& Registry::AddHistogram(std::string name, std::string help,
                                          std::vector<std::string> labels,
                                          std::vector<double> buckets) {
  std::lock_guard lock(mu_);
  CheckNewName(name, labels);
  SIGNX_CHECK(!buckets.empty(), "a histogram needs at least one bucket");
  auto f = std::make_unique<Family<Histogram>>(std::move(name), std::move(help), std::move(labels),
                                               Type::kHistogram, std::move(buckets));
  auto& ref = *f;
  families_.push_back(std::move(f));
  return ref;
}

void Registry::AddCollector(std::function<void(Writer&)> collect) {
  std::lock_guard lock(mu_);
  collectors_.push_back(std::move(collect));
}

std::string Registry::Render() const {
  std::string out;
  out.reserve(4096);
  std::lock_guard lock(mu_);
  for (const auto& f : families_) f->Render(out);
  Writer w(out);
  for (const auto& c : collectors_) c(w);
  return out;
}

}  // namespace signx::metrics
