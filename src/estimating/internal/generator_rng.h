// The synthetic cost history's deterministic building blocks: SplitMix64 seeding, samplers over
// std::mt19937_64 (whose output sequence the standard specifies, so a seed gives the same history
// on every platform), cent/decimal rounding, and civil dates as days since 1970-01-01.
//
// Internal to the estimating module (used by generator.cc and the files it is split into).
// Thread-safety: free functions are pure; an Rng is not shared between threads.
#pragma once

#include <array>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <numbers>
#include <random>
#include <string>
#include <utility>

namespace signx::estimating::internal {

inline uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  // [0, 1) with 53 random bits.
  double U01() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  double Uniform(double a, double b) { return a + (b - a) * U01(); }
  // 0..n-1 without modulo bias.
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
      x = gen_();
    } while (x >= limit);
    return x % n;
  }
  bool Bernoulli(double p) { return U01() < p; }
  // Standard normal by Box-Muller (one draw per call).
  double Normal() {
    const double u1 = 1.0 - U01();  // (0, 1]
    const double u2 = U01();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  double Normal(double mean, double sd) { return mean + sd * Normal(); }
  double LogNormal(double mu, double sigma) { return std::exp(mu + sigma * Normal()); }
  double LogUniform(double a, double b) { return std::exp(Uniform(std::log(a), std::log(b))); }
  // Triangular(a, mode c, b) by inverse CDF.
  double Triangular(double a, double c, double b) {
    const double u = U01();
    const double f = (c - a) / (b - a);
    return u < f ? a + std::sqrt(u * (b - a) * (c - a))
                 : b - std::sqrt((1 - u) * (b - a) * (b - c));
  }
  template <typename T, size_t N>
  T Choose(const std::array<std::pair<T, double>, N>& weighted) {
    double total = 0;
    for (const auto& w : weighted) total += w.second;
    double x = U01() * total;
    for (const auto& w : weighted) {
      if (x < w.second) return w.first;
      x -= w.second;
    }
    return weighted.back().first;
  }

 private:
  std::mt19937_64 gen_;
};

inline int64_t Cents(double dollars) {
  return static_cast<int64_t>(std::floor(dollars * 100.0 + 0.5));
}
inline double Round2(double x) { return std::floor(x * 100.0 + 0.5) / 100.0; }
inline double Round1(double x) { return std::floor(x * 10.0 + 0.5) / 10.0; }

// Days since 1970-01-01 <-> civil date (H. Hinnant, "chrono-compatible low-level date algorithms").
int64_t DaysFromCivil(int y, unsigned m, unsigned d);
struct Civil {
  int y;
  unsigned m, d;
};
Civil CivilFromDays(int64_t z);
// YYYY-MM-DD.
std::string DateString(int64_t days);

}  // namespace signx::estimating::internal
