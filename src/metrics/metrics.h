// Prometheus metrics: counters, gauges and histograms with labels, rendered in the text
// exposition format 0.0.4 (https://prometheus.io/docs/instrumenting/exposition_formats/).
//
// Hot path: Inc/Set/Observe on a metric handle are lock-free atomics. Resolving a handle from
// label values (Family::WithLabels) takes a mutex, so callers on a hot path resolve once and keep
// the reference; handles live as long as the Registry.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <initializer_list>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace signx::metrics {

class Counter {
 public:
  // `v` must be >= 0; a counter only goes up.
  void Inc(double v = 1.0) { value_.fetch_add(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Gauge {
 public:
  void Set(double v) { value_.store(v, std::memory_order_relaxed); }
  void Inc(double v = 1.0) { value_.fetch_add(v, std::memory_order_relaxed); }
  void Dec(double v = 1.0) { value_.fetch_sub(v, std::memory_order_relaxed); }
  double Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0.0};
};

class Histogram {
 public:
  // `bounds`: upper bounds, strictly increasing; +Inf is implicit.
  explicit Histogram(std::vector<double> bounds);
  void Observe(double v);

  struct Snapshot {
    std::vector<double> bounds;
    std::vector<uint64_t> cumulative;  // one per bound, then +Inf
    double sum = 0;
    uint64_t count = 0;
  };
  Snapshot Snap() const;

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<uint64_t>[]> buckets_;  // bounds_.size() + 1, not cumulative
  std::atomic<double> sum_{0.0};
};

// Seconds, from 0.5 ms to 10 s: suits HTTP handlers and database calls.
std::vector<double> DefaultLatencyBuckets();

enum class Type { kCounter, kGauge, kHistogram };

namespace detail {
class FamilyBase {
 public:
  FamilyBase(std::string name, std::string help, std::vector<std::string> labels, Type type)
      : name_(std::move(name)), help_(std::move(help)), labels_(std::move(labels)), type_(type) {}
  virtual ~FamilyBase() = default;
  virtual void Render(std::string& out) const = 0;
  const std::string& name() const { return name_; }

 protected:
  std::string name_, help_;
  std::vector<std::string> labels_;
  Type type_;
};
}  // namespace detail

template <typename M>
class Family final : public detail::FamilyBase {
 public:
  Family(std::string name, std::string help, std::vector<std::string> labels, Type type,
         std::vector<double> buckets = {})
      : FamilyBase(std::move(name), std::move(help), std::move(labels), type),
        buckets_(std::move(buckets)) {}

  // The metric for these label values (one per label name, in order). Checks the count.
  M& WithLabels(std::initializer_list<std::string_view> values) {
    return WithLabels(std::vector<std::string>(values.begin(), values.end()));
  }
  M& WithLabels(const std::vector<std::string>& values);

  void Render(std::string& out) const override;

 private:
  std::vector<double> buckets_;
  mutable std::mutex mu_;
  std::map<std::vector<std::string>, std::unique_ptr<M>> children_;  // guarded by mu_
};

// Writes samples from a collector (values read at scrape time, such as process RSS).
class Writer {
 public:
  explicit Writer(std::string& out) : out_(out) {}
  void Header(std::string_view name, std::string_view help, Type type);
  void Sample(std::string_view name,
              std::initializer_list<std::pair<std::string_view, std::string_view>> labels,
              double value);
  void Sample(std::string_view name, double value) { Sample(name, {}, value); }

 private:
  std::string& out_;
};

class Registry {
 public:
  Registry();
  ~Registry();
  Registry(const Registry&) = delete;
  Registry& operator=(const Registry&) = delete;

  // Names must match [a-zA-Z_:][a-zA-Z0-9_:]* and be unique; label names [a-zA-Z_][a-zA-Z0-9_]*.
  // Violations are programming errors (SIGNX_CHECK).
  Family<Counter>& AddCounter(std::string name, std::string help,
                              std::vector<std::string> labels = {});
  Family<Gauge>& AddGauge(std::string name, std::string help,
                          std::vector<std::string> labels = {});
  Family<Histogram>& AddHistogram(std::string name, std::string help,
                                  std::vector<std::string> labels, std::vector<double> buckets);
  void AddCollector(std::function<void(Writer&)> collect);

  // The whole exposition: families in registration order, then collectors.
  std::string Render() const;

 private:
  void CheckNewName(const std::string& name, const std::vector<std::string>& labels);
  mutable std::mutex mu_;
  std::vector<std::unique_ptr<detail::FamilyBase>> families_;
  std::vector<std::function<void(Writer&)>> collectors_;
};

// Text-format helpers (exposed for tests).
std::string FormatValue(double v);                  // 1, 0.25, +Inf, -Inf, NaN
std::string EscapeLabelValue(std::string_view v);   // \\ \" \n
std::string EscapeHelp(std::string_view v);         // \\ \n

}  // namespace signx::metrics
