#include "sign/code_edition.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>

#include "base/check.h"

namespace signx::sign {
namespace {

// ASCE 7-16 Table 26.10-1 (sign-domain.md §2.2, verified cell by cell).
constexpr std::array<KzRow, 22> kKz716 = {{
    {15, 0.57, 0.85, 1.03},  {20, 0.62, 0.90, 1.08},  {25, 0.66, 0.94, 1.12},
    {30, 0.70, 0.98, 1.16},  {40, 0.76, 1.04, 1.22},  {50, 0.81, 1.09, 1.27},
    {60, 0.85, 1.13, 1.31},  {70, 0.89, 1.17, 1.34},  {80, 0.93, 1.21, 1.38},
    {90, 0.96, 1.24, 1.40},  {100, 0.99, 1.26, 1.43}, {120, 1.04, 1.31, 1.48},
    {140, 1.09, 1.36, 1.52}, {160, 1.13, 1.39, 1.55}, {180, 1.17, 1.43, 1.58},
    {200, 1.20, 1.46, 1.61}, {250, 1.28, 1.53, 1.68}, {300, 1.35, 1.59, 1.73},
    {350, 1.41, 1.64, 1.78}, {400, 1.47, 1.69, 1.82}, {450, 1.52, 1.73, 1.86},
    {500, 1.56, 1.77, 1.89},
}};

// ASCE 7-22 Table 26.10-1 as the "user-verified" ledger of sign-domain.md §2.2
// (gKochmann1975/windloadsolutions001 tests/test_engine_signs.py): B held at 0.70 below 30 ft,
// D identical to 7-16.
constexpr std::array<KzRow, 22> kKz722 = {{
    {15, 0.70, 0.85, 1.03},  {20, 0.70, 0.90, 1.08},  {25, 0.70, 0.94, 1.12},
    {30, 0.70, 0.98, 1.16},  {40, 0.74, 1.04, 1.22},  {50, 0.79, 1.09, 1.27},
    {60, 0.83, 1.13, 1.31},  {70, 0.86, 1.17, 1.34},  {80, 0.90, 1.21, 1.38},
    {90, 0.92, 1.24, 1.40},  {100, 0.95, 1.26, 1.43}, {120, 1.00, 1.31, 1.48},
    {140, 1.04, 1.34, 1.52}, {160, 1.08, 1.39, 1.55}, {180, 1.11, 1.41, 1.58},
    {200, 1.14, 1.44, 1.61}, {250, 1.21, 1.51, 1.68}, {300, 1.27, 1.57, 1.73},
    {350, 1.33, 1.62, 1.78}, {400, 1.38, 1.66, 1.82}, {450, 1.42, 1.70, 1.86},
    {500, 1.46, 1.74, 1.89},
}};

// Fig. 29.3-1 Cases A and B (sign-domain.md §2.3: four transcriptions agree; every cell is the
// commentary fit rounded to 0.05).
constexpr std::array<double, kCfRows> kClearance = {1.0, 0.9, 0.7, 0.5, 0.3, 0.2, 0.16};
constexpr std::array<double, kCfCols> kAspect = {0.05, 0.1, 0.2, 0.5, 1, 2, 4, 5, 10, 20, 30, 45};
constexpr double kCf[kCfRows][kCfCols] = {
    {1.80, 1.70, 1.65, 1.55, 1.45, 1.40, 1.35, 1.35, 1.30, 1.30, 1.30, 1.30},
    {1.85, 1.75, 1.70, 1.60, 1.55, 1.50, 1.45, 1.45, 1.40, 1.40, 1.40, 1.40},
    {1.90, 1.85, 1.75, 1.70, 1.65, 1.60, 1.60, 1.55, 1.55, 1.55, 1.55, 1.55},
    {1.95, 1.85, 1.80, 1.75, 1.75, 1.70, 1.70, 1.70, 1.70, 1.70, 1.70, 1.75},
    {1.95, 1.90, 1.85, 1.80, 1.80, 1.80, 1.80, 1.80, 1.80, 1.85, 1.85, 1.85},
    {1.95, 1.90, 1.85, 1.80, 1.80, 1.80, 1.80, 1.80, 1.85, 1.90, 1.90, 1.95},
    {1.95, 1.90, 1.85, 1.85, 1.80, 1.80, 1.85, 1.85, 1.85, 1.90, 1.90, 1.95},
};

// Fig. 29.3-1 Case C on one region set (in multiples of s from the windward edge): 0-1, 1-2,
// 2-3, 3-4, 4-5, 5-10, >10. Columns 2..10 give one "3s to 10s" value (repeated for 3-4, 4-5,
// 5-10) and nothing beyond 10s; "missing" marks a region the column does not list.
constexpr double kMissing = -1.0;
constexpr std::array<double, 8> kRegionEdges = {0, 1, 2,  3,
                                                4, 5, 10, std::numeric_limits<double>::infinity()};
struct CaseCColumn {
  double aspect;
  std::array<double, 7> cf;
};
constexpr std::array<CaseCColumn, 11> kCaseC = {{
    {2, {2.25, 1.50, kMissing, kMissing, kMissing, kMissing, kMissing}},
    {3, {2.60, 1.70, 1.15, kMissing, kMissing, kMissing, kMissing}},
    {4, {2.90, 1.90, 1.30, 1.10, 1.10, 1.10, kMissing}},
    {5, {3.10, 2.00, 1.45, 1.05, 1.05, 1.05, kMissing}},
    {6, {3.30, 2.15, 1.55, 1.05, 1.05, 1.05, kMissing}},
    {7, {3.40, 2.25, 1.65, 1.05, 1.05, 1.05, kMissing}},
    {8, {3.55, 2.30, 1.70, 1.05, 1.05, 1.05, kMissing}},
    {9, {3.65, 2.35, 1.75, 1.00, 1.00, 1.00, kMissing}},
    {10, {3.75, 2.45, 1.85, 0.95, 0.95, 0.95, kMissing}},
    {13, {4.00, 2.60, 2.00, 1.50, 1.35, 0.90, 0.55}},
    {45, {4.30, 2.55, 1.95, 1.85, 1.85, 1.10, 0.55}},
}};

// Exact at the ends (t = 0 gives a, t = 1 gives b), so a grid point reads its own cell.
double Lerp(double a, double b, double t) {
  if (t == 0.0) return a;
  if (t == 1.0) return b;
  return a + (b - a) * t;
}

// Index i with xs[i] <= x <= xs[i+1] over an ascending grid (x clamped to its ends) and the
// fraction t of the way from xs[i] to xs[i+1].
template <typename Grid>
std::pair<int, double> Bracket(const Grid& xs, double x) {
  const int n = static_cast<int>(std::size(xs));
  if (x <= xs[0]) return {0, 0.0};
  if (x >= xs[n - 1]) return {n - 2, 1.0};
  int i = 0;
  while (x > xs[i + 1]) ++i;
  return {i, (x - xs[i]) / (xs[i + 1] - xs[i])};
}

}  // namespace

std::string_view ApiName(WindCode code) {
  return code == WindCode::kAsce716 ? "ASCE7-16" : "ASCE7-22";
}

std::string_view PrintedName(WindCode code) {
  return code == WindCode::kAsce716 ? "ASCE 7-16" : "ASCE 7-22";
}

std::optional<WindCode> ParseWindCode(std::string_view s) {
  if (s == "ASCE7-16") return WindCode::kAsce716;
  if (s == "ASCE7-22") return WindCode::kAsce722;
  return std::nullopt;
}

std::optional<Exposure> ParseExposure(std::string_view s) {
  if (s == "B") return Exposure::kB;
  if (s == "C") return Exposure::kC;
  if (s == "D") return Exposure::kD;
  return std::nullopt;
}

std::string_view Letter(Exposure e) {
  return e == Exposure::kB ? "B" : e == Exposure::kC ? "C" : "D";
}

KzFormulaConstants KzConstants(WindCode code, Exposure e) {
  if (code == WindCode::kAsce716) {
    switch (e) {
      case Exposure::kB:
        return {2.01, 7.0, 1200.0, 15.0};
      case Exposure::kC:
        return {2.01, 9.5, 900.0, 15.0};
      case Exposure::kD:
        return {2.01, 11.5, 700.0, 15.0};
    }
  } else {
    switch (e) {
      case Exposure::kB:
        return {2.41, 7.5, 3280.0, 30.0};
      case Exposure::kC:
        return {2.41, 9.8, 2460.0, 15.0};
      case Exposure::kD:
        return {2.41, 11.5, 1935.0, 7.0};
    }
  }
  SIGNX_CHECK(false, "unknown exposure");
  return {};
}

std::span<const KzRow> KzTable(WindCode code) {
  return code == WindCode::kAsce716 ? std::span<const KzRow>(kKz716)
                                    : std::span<const KzRow>(kKz722);
}

std::optional<double> KzFromTable(WindCode code, Exposure e, double z_ft) {
  const auto rows = KzTable(code);
  const auto kz = [e](const KzRow& r) {
    return e == Exposure::kB ? r.b : e == Exposure::kC ? r.c : r.d;
  };
  if (z_ft <= rows[0].z_ft) return kz(rows[0]);
  for (size_t i = 1; i < rows.size(); ++i) {
    if (z_ft <= rows[i].z_ft) {
      const KzRow& lo = rows[i - 1];
      const KzRow& hi = rows[i];
      return kz(lo) + (kz(hi) - kz(lo)) * (z_ft - lo.z_ft) / (hi.z_ft - lo.z_ft);
    }
  }
  return std::nullopt;
}

double KzFromFormula(WindCode code, Exposure e, double z_ft) {
  const KzFormulaConstants k = KzConstants(code, e);
  const double z = std::min(std::max(z_ft, k.z_min_ft), k.zg_ft);
  return k.coefficient * std::pow(z / k.zg_ft, 2.0 / k.alpha);
}

std::span<const double> CfClearanceRatios() { return kClearance; }
std::span<const double> CfAspectRatios() { return kAspect; }

double CfCell(int row, int col) {
  SIGNX_CHECK(row >= 0 && row < kCfRows && col >= 0 && col < kCfCols, "Cf cell out of range");
  return kCf[row][col];
}

double CfCaseAB(double aspect, double clearance) {
  const auto [c, tc] = Bracket(kAspect, aspect);
  // Rows descend in s/h: bracket on the reversed order.
  constexpr std::array<double, kCfRows> kAscending = {0.16, 0.2, 0.3, 0.5, 0.7, 0.9, 1.0};
  const auto [ra, tr] = Bracket(kAscending, clearance);
  const int lo_row = kCfRows - 1 - ra;  // the smaller s/h
  const int hi_row = lo_row - 1;        // the larger s/h
  const double at_lo = Lerp(kCf[lo_row][c], kCf[lo_row][c + 1], tc);
  const double at_hi = Lerp(kCf[hi_row][c], kCf[hi_row][c + 1], tc);
  return Lerp(at_lo, at_hi, tr);
}

double CfSurfaceFit(double aspect, double clearance) {
  const double lx = std::log(aspect);
  const double y = clearance;
  return (1.563 + 0.008542 * lx - 0.06148 * y + 0.009011 * lx * lx - 0.2603 * y * y -
          0.08393 * y * lx) /
         0.85;
}

std::vector<CaseCRegion> CaseCRegions(double b_ft, double s_ft) {
  const double aspect = b_ft / s_ft;
  // The bracketing columns and the fraction between them.
  size_t hi = 0;
  while (hi < kCaseC.size() && kCaseC[hi].aspect < aspect) ++hi;
  const CaseCColumn& a = kCaseC[hi == 0 ? 0 : std::min(hi, kCaseC.size()) - 1];
  const CaseCColumn& b = kCaseC[std::min(hi, kCaseC.size() - 1)];
  const double t = b.aspect == a.aspect ? 0.0 : (aspect - a.aspect) / (b.aspect - a.aspect);
  std::vector<CaseCRegion> out;
  for (size_t r = 0; r + 1 < kRegionEdges.size(); ++r) {
    const double from = kRegionEdges[r] * s_ft;
    if (from >= b_ft) break;
    const double to = std::min(kRegionEdges[r + 1] * s_ft, b_ft);
    const double ca = a.cf[r];
    const double cb = b.cf[r];
    double cf;
    if (ca == kMissing && cb == kMissing) {
      continue;  // not reached: every region inside B is listed by the upper column
    } else if (ca == kMissing) {
      cf = cb;
    } else if (cb == kMissing) {
      cf = ca;
    } else {
      cf = Lerp(ca, cb, t);
    }
    out.push_back({from, to, cf});
  }
  return out;
}

double CaseCClearanceFactor(double clearance) { return clearance > 0.8 ? 1.8 - clearance : 1.0; }

}  // namespace signx::sign
