// Foundations of a sign (pure, no I/O): IBC 2018/2021 §1807.3 embedded posts and piers and a
// spread footing's overturning, sliding and bearing check, over the presumptive values of Table
// 1806.2. Loads are ASD (IBC 1806/1807 soil values are allowable): the caller passes 0.6 W.
//
// The nonconstrained depth (Eq. 18-1, S1 at d/3 depending on d itself) is Eq. 18-1 with S1 at
// 12 ft when that depth is 12 ft or more, else found by bisection on g(d) = d - Eq18_1(S1(d)),
// which is increasing in d, to 1e-9 ft in a fixed number of steps, so the same inputs give the
// same bits; sign/engineering.h keeps the damped fixed-point iteration
// the estimating generator uses (both converge to the same root, sign-domain.md §2.8).
//
// Thread-safety: pure functions.
#pragma once

#include <optional>

#include "sign/calculation.h"

namespace signx::sign {

// IBC Table 1806.2 presumptive values for soil class 1..5.
struct SoilClassValues {
  double vertical_psf = 0;                // allowable vertical foundation pressure
  double lateral_bearing_psf_per_ft = 0;  // allowable lateral bearing per ft below grade
  double sliding_friction = 0;            // coefficient of friction (0 for class 5)
  double cohesion_psf = 0;                // lateral sliding cohesion (class 5 only)
  const char* description = "";
};
SoilClassValues Ibc1806SoilClass(int soil_class);  // 1..5 (SIGNX_CHECK otherwise)

enum class FootingShape { kRound, kSquare };

// Inputs of an embedded pole foundation (Eq. 18-1 / 18-3).
struct EmbedmentInput {
  double p_asd_lb = 0;  // ASD lateral force
  double h_ft = 0;      // height of P above grade
  int soil_class = 4;
  FootingShape shape = FootingShape::kRound;
  double footing_size_ft = 0;  // diameter (round) or side (square; b is then its diagonal)
  bool isolated_pole = false;  // §1806.3.4: twice the tabular lateral bearing
  std::optional<double> provided_depth_ft;  // check mode: compare with the required depth
};

// IBC §1807.3.2.1 (nonconstrained), appending its trace to `calc`; returns the required depth.
double TraceNonconstrainedEmbedment(const EmbedmentInput& in, Calculation& calc);
// IBC §1807.3.2.2 Eq. 18-3 (constrained at grade), Mg = P h; returns the required depth.
double TraceConstrainedEmbedment(const EmbedmentInput& in, Calculation& calc);
// The bare root of Eq. 18-1 with S1 = lbp x min(d, 12) / 3 x k (no trace): the benchmark's path.
double NonconstrainedDepthFt(double p_lb, double h_ft, double b_ft, double lbp_psf_per_ft,
                             double pole_factor);

// A rectangular spread footing with the sign's ASD lateral load P at h above grade.
struct SpreadFootingInput {
  double p_asd_lb = 0;
  double h_ft = 0;
  int soil_class = 4;
  double length_ft = 0;     // along the wind
  double width_ft = 0;      // across the wind
  double thickness_ft = 0;  // top of footing at grade
  double dead_load_lb = 0;  // sign, pole and anything else resting on the footing
  double concrete_pcf = 150.0;
  double min_safety_factor = 1.5;  // overturning and sliding
};
// Overturning about the toe and sliding (IBC 1806.3.2) with the full dead load resisting and a
// safety factor of at least min_safety_factor (the permit-calculation practice of sign-domain.md
// §2.10 F5/F6), and bearing under D + 0.6W against the Table 1806.2 vertical value (trapezoidal
// or, past the kern, triangular pressure); sets calc.pass and calc.result fields.
void SpreadFootingCheck(const SpreadFootingInput& in, Calculation& calc);

}  // namespace signx::sign
