// Wind on a solid freestanding sign (ASCE 7-16 / 7-22 Chapter 29) and its embedded-pole
// foundation (IBC 2018/2021 §1807.3.2.1), as one calculation with a trace (pure, no I/O).
//
//   qh = 0.00256 Kz Kzt Kd Ke V^2 (Eq. 26.10-1; 7-22 moves Kd into Eq. 29.3-1 — numerically the
//        same force; qh_psf is reported with Kd in both editions, Kd applied exactly once)
//   Kz   Table 26.10-1 at the top of the sign h, interpolated (15 ft minimum), or its formula
//   Cf   Fig. 29.3-1 Cases A/B by B/s and s/h (bilinear), Case C regions when B/s >= 2
//   F  = qh G Cf As (Eq. 29.3-1), F_asd = 0.6 F (ASCE 7 §2.4.1)
//   M  = F_asd (h - s/2) at grade (+0.05 s when s/h = 1), T = F_asd 0.2 B (Case B)
//   d    IBC Eq. 18-1 with S1 at d/3 (Table 1806.2, x2 for isolated poles per §1806.3.4), for
//        the governing case's ASD force
//
// ParseSignWindInput validates the API's JSON (POST /v1/engineering/sign-wind): every problem at
// once as ValidationFailed with each field and its limit; unknown fields are refused (a typo must
// not silently fall back to a default factor). soil_class and footing_diameter_ft are required
// together: with neither, the wind is computed and the embedment is not (null, and an
// assumption says why).
//
// Thread-safety: pure functions over values.
#pragma once

#include <boost/json/object.hpp>

#include "base/status.h"
#include "sign/calculation.h"
#include "sign/code_edition.h"

namespace signx::sign {

enum class KzMethod { kTable, kFormula };

// Limits of the API's inputs (422 outside them).
inline constexpr double kWindMinMph = 85.0;
inline constexpr double kWindMaxMph = 300.0;
inline constexpr double kSignMaxWidthFt = 200.0;
inline constexpr double kSignMaxHeightFt = 100.0;
inline constexpr double kTopMaxHeightFt = 500.0;  // the last row of Table 26.10-1
inline constexpr double kFootingMinFt = 0.5;
inline constexpr double kFootingMaxFt = 20.0;

struct SignWindInput {
  WindCode code = WindCode::kAsce716;
  double wind_speed_mph = 0;  // V, strength level
  Exposure exposure = Exposure::kC;
  double sign_width_ft = 0;   // B
  double sign_height_ft = 0;  // s
  double top_height_ft = 0;   // h
  double kzt = 1.0;
  double kd = 0.85;
  double ke = 1.0;
  double gust_factor = 0.85;
  KzMethod kz_method = KzMethod::kTable;
  // The foundation: soil_class and footing_diameter_ft come together or not at all; without them
  // (with_foundation false) the answer's embedment_ft and foundation are null.
  bool with_foundation = true;
  int soil_class = 4;
  double footing_diameter_ft = 0;
  bool isolated_pole = false;
};

Result<SignWindInput> ParseSignWindInput(const boost::json::object& json);
// The normalised input (defaults filled in) in a fixed key order: the cache key's input part.
boost::json::object ToJson(const SignWindInput& in);

// The headline numbers without the trace (the benchmark's and the generator-style fast path);
// embedment_ft is 0 without a foundation.
struct SignWindNumbers {
  double kz = 0, qh_psf = 0, cf = 0, force_lb = 0, force_asd_lb = 0, moment_asd_lbft = 0,
         torsion_asd_lbft = 0, embedment_ft = 0;
};
SignWindNumbers SignWindFast(const SignWindInput& in);

// The full calculation: result (at least kz, qh_psf, cf, force_lb, force_asd_lb,
// moment_asd_lbft, torsion_asd_lbft, embedment_ft; Case C and the governing case), assumptions,
// confidence and trace.
Calculation SignWindCalculation(const SignWindInput& in);

}  // namespace signx::sign
