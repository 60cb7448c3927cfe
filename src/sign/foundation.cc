#include "sign/foundation.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "base/check.h"
#include "sign/engineering.h"

namespace signx::sign {
namespace {

namespace json = boost::json;

constexpr int kBisectionSteps = 200;

double PoleFactor(bool isolated) {
  return isolated ? kIbc1806PoleIncrease : kIbc1806NoPoleIncrease;
}

double EffectiveB(const EmbedmentInput& in, Calculation& calc) {
  if (in.shape == FootingShape::kRound) {
    return calc.Trace("b", "diameter of the round post or footing", in.footing_size_ft, "ft",
                      "IBC 1807.3.2.1 (definition of b)");
  }
  return calc.Trace("b", "diagonal of the square post or footing",
                    in.footing_size_ft * std::numbers::sqrt2, "ft",
                    "IBC 1807.3.2.1 (definition of b: diagonal of a square post or footing)");
}

}  // namespace

SoilClassValues Ibc1806SoilClass(int soil_class) {
  switch (soil_class) {
    case 1:
      return {12000.0, 1200.0, 0.70, 0.0, "crystalline bedrock"};
    case 2:
      return {4000.0, 400.0, 0.35, 0.0, "sedimentary and foliated rock"};
    case 3:
      return {3000.0, 200.0, 0.35, 0.0, "sandy gravel and/or gravel (GW, GP)"};
    case 4:
      return {2000.0, 150.0, 0.25, 0.0,
              "sand, silty sand, clayey sand, silty gravel, clayey gravel (SW, SP, SM, SC, GM, "
              "GC)"};
    case 5:
      return {1500.0, 100.0, 0.0, 130.0,
              "clay, sandy clay, silty clay, clayey silt, silt, sandy silt (CL, ML, MH, CH)"};
  }
  SIGNX_CHECK(false, "IBC Table 1806.2 soil class must be 1..5");
  return {};
}

double NonconstrainedDepthFt(double p_lb, double h_ft, double b_ft, double lbp, double k) {
  // From 12 ft down S1 no longer grows (d is capped at 12 ft for the lateral pressure), so a
  // root at or beyond 12 ft is Eq. 18-1 with S1(12 ft) itself.
  const double cap = kIbc1807LateralPressureDepthCapFt;
  const double d_cap = Ibc1807NonconstrainedDepthFt(p_lb, h_ft, Ibc1807S1Psf(lbp, cap, k), b_ft);
  if (d_cap >= cap) return d_cap;
  // Below 12 ft, g(d) = d - Eq18_1(S1(d)) is increasing (S1 grows with d, Eq. 18-1 shrinks),
  // negative near 0 and positive at 12 ft: bisection, a fixed number of halvings.
  double lo = 0.0;
  double hi = cap;
  for (int i = 0; i < kBisectionSteps && hi - lo > 1e-9; ++i) {
    const double mid = 0.5 * (lo + hi);
    const double s1 = Ibc1807S1Psf(lbp, mid, k);
    if (mid - Ibc1807NonconstrainedDepthFt(p_lb, h_ft, s1, b_ft) < 0.0) {
      lo = mid;
    } else {
      hi = mid;
    }
  }
  return 0.5 * (lo + hi);
}

double TraceNonconstrainedEmbedment(const EmbedmentInput& in, Calculation& calc) {
  const SoilClassValues soil = Ibc1806SoilClass(in.soil_class);
  calc.Trace("P", "ASD lateral force", in.p_asd_lb, "lb", "ASCE 7-16 §2.4.1 (0.6W)");
  calc.Trace("h_P", "height of P above grade (h of IBC Eq. 18-1/18-2)", in.h_ft, "ft",
             "IBC 1807.3.2.1");
  const double b = EffectiveB(in, calc);
  const double lbp = calc.Trace("LBP",
                                "allowable lateral bearing per ft of depth (soil class " +
                                    std::to_string(in.soil_class) + ")",
                                soil.lateral_bearing_psf_per_ft, "psf/ft", "IBC Table 1806.2");
  const double k = calc.Trace("k_pole", "isolated-pole increase of the lateral bearing",
                              PoleFactor(in.isolated_pole), "", "IBC 1806.3.4");
  const double d = NonconstrainedDepthFt(in.p_asd_lb, in.h_ft, b, lbp, k);
  const double s1 = calc.Trace("S1", "allowable lateral soil pressure at d/3 (d capped at 12 ft)",
                               Ibc1807S1Psf(lbp, d, k), "psf", "IBC 1807.3.2.1, Table 1806.2");
  calc.Trace("A", "2.34 P / (S1 b)", kIbcEq18_1ACoefficient * in.p_asd_lb / (s1 * b), "ft",
             "IBC Eq. 18-1");
  calc.Trace("d", "required embedment depth, nonconstrained (S1 and d solved together)", d, "ft",
             "IBC Eq. 18-1, §1807.3.2.1");
  if (in.provided_depth_ft) {
    const double dp =
        calc.Trace("d_prov", "provided embedment depth", *in.provided_depth_ft, "ft", "input");
    const double s1p = calc.Trace("S1_prov", "S1 at the provided depth", Ibc1807S1Psf(lbp, dp, k),
                                  "psf", "IBC 1807.3.2.1 (check mode)");
    const double dreq = calc.Trace("d_req,prov", "Eq. 18-1 depth with S1 at the provided depth",
                                   Ibc1807NonconstrainedDepthFt(in.p_asd_lb, in.h_ft, s1p, b), "ft",
                                   "IBC Eq. 18-1 (check mode)");
    if (dreq > dp) calc.pass = false;
  }
  return d;
}

double TraceConstrainedEmbedment(const EmbedmentInput& in, Calculation& calc) {
  const SoilClassValues soil = Ibc1806SoilClass(in.soil_class);
  calc.Trace("P", "ASD lateral force", in.p_asd_lb, "lb", "ASCE 7-16 §2.4.1 (0.6W)");
  calc.Trace("h_P", "height of P above grade (h of IBC Eq. 18-1/18-2)", in.h_ft, "ft",
             "IBC 1807.3.2.2");
  const double mg =
      calc.Trace("Mg", "moment at grade P h", in.p_asd_lb * in.h_ft, "lb-ft", "IBC Eq. 18-3");
  const double b = EffectiveB(in, calc);
  const double lbp = calc.Trace("LBP",
                                "allowable lateral bearing per ft of depth (soil class " +
                                    std::to_string(in.soil_class) + ")",
                                soil.lateral_bearing_psf_per_ft, "psf/ft", "IBC Table 1806.2");
  const double k = calc.Trace("k_pole", "isolated-pole increase of the lateral bearing",
                              PoleFactor(in.isolated_pole), "", "IBC 1806.3.4");
  const double d = Ibc1807ConstrainedDepthFt(mg, b, lbp, k);
  calc.Trace("S3", "allowable lateral soil pressure at d (d capped at 12 ft)",
             lbp * std::min(d, kIbc1807LateralPressureDepthCapFt) * k, "psf",
             "IBC 1807.3.2.2, Table 1806.2");
  calc.Trace("d", "required embedment depth, constrained at grade", d, "ft",
             "IBC Eq. 18-3, §1807.3.2.2");
  if (in.provided_depth_ft) {
    const double dp =
        calc.Trace("d_prov", "provided embedment depth", *in.provided_depth_ft, "ft", "input");
    if (d > dp) calc.pass = false;
  }
  return d;
}

void SpreadFootingCheck(const SpreadFootingInput& in, Calculation& calc) {
  const SoilClassValues soil = Ibc1806SoilClass(in.soil_class);
  const double p = calc.Trace("P", "ASD lateral force", in.p_asd_lb, "lb", "ASCE 7-16 §2.4.1");
  const double h = calc.Trace("h_P", "height of P above grade", in.h_ft, "ft", "input");
  const double l = calc.Trace("L", "footing length along the wind", in.length_ft, "ft", "input");
  const double w = calc.Trace("W", "footing width across the wind", in.width_ft, "ft", "input");
  const double t =
      calc.Trace("T", "footing thickness (top at grade)", in.thickness_ft, "ft", "input");
  const double wf = calc.Trace("W_ftg", "footing weight L W T gamma_c", l * w * t * in.concrete_pcf,
                               "lb", "concrete unit weight");
  const double dl = calc.Trace("D", "dead load on the footing", in.dead_load_lb, "lb", "input");
  const double n = calc.Trace("N", "total vertical load W_ftg + D", wf + dl, "lb", "statics");
  const double mo = calc.Trace("M_ot", "overturning moment about the toe P (h + T)", p * (h + t),
                               "lb-ft", "statics");
  const double mr = calc.Trace("M_r", "resisting moment N L / 2", n * l / 2.0, "lb-ft", "statics");
  const double fs_ot = calc.Trace("FS_ot", "overturning safety factor M_r / M_ot", mr / mo, "",
                                  "IBC 1807.2.3 (FS >= 1.5)");
  double resist;
  if (soil.cohesion_psf > 0) {
    resist = calc.Trace("R_s", "sliding resistance: cohesion x area, at most N / 2",
                        std::min(soil.cohesion_psf * l * w, n / 2.0), "lb",
                        "IBC Table 1806.2 note, §1806.3.2");
  } else {
    resist = calc.Trace("R_s", "sliding resistance mu N", soil.sliding_friction * n, "lb",
                        "IBC Table 1806.2, §1806.3.2");
  }
  const double fs_sl =
      calc.Trace("FS_sl", "sliding safety factor R_s / P", resist / p, "", "IBC 1807.2.3");
  const double m_base = mo;  // about the footing's centre line at its base: same lever arm
  const double e =
      calc.Trace("e", "eccentricity of N at the base M / N", m_base / n, "ft", "statics");
  const double qa = calc.Trace("q_a", "allowable vertical foundation pressure", soil.vertical_psf,
                               "psf", "IBC Table 1806.2");
  bool bearing_ok;
  json::value qmax_json = nullptr;
  if (e <= l / 6.0) {
    const double q = calc.Trace("q_max", "toe pressure N/(L W) (1 + 6e/L) (within the kern)",
                                n / (l * w) * (1.0 + 6.0 * e / l), "psf", "statics");
    bearing_ok = q <= qa;
    qmax_json = q;
  } else if (e < l / 2.0) {
    const double q = calc.Trace("q_max", "toe pressure 2N / (3 W (L/2 - e)) (past the kern)",
                                2.0 * n / (3.0 * w * (l / 2.0 - e)), "psf", "statics");
    bearing_ok = q <= qa;
    qmax_json = q;
  } else {
    bearing_ok = false;  // the resultant falls outside the footing: no bearing solution
  }
  const bool ot_ok = fs_ot >= in.min_safety_factor;
  const bool sl_ok = fs_sl >= in.min_safety_factor;
  calc.pass = ot_ok && sl_ok && bearing_ok;
  calc.result["footing_weight_lb"] = wf;
  calc.result["overturning_moment_lbft"] = mo;
  calc.result["resisting_moment_lbft"] = mr;
  calc.result["overturning_safety_factor"] = fs_ot;
  calc.result["overturning_ok"] = ot_ok;
  calc.result["sliding_resistance_lb"] = resist;
  calc.result["sliding_safety_factor"] = fs_sl;
  calc.result["sliding_ok"] = sl_ok;
  calc.result["eccentricity_ft"] = e;
  calc.result["bearing_pressure_max_psf"] = qmax_json;
  calc.result["allowable_bearing_psf"] = qa;
  calc.result["bearing_ok"] = bearing_ok;
  calc.result["min_safety_factor"] = in.min_safety_factor;
}

}  // namespace signx::sign
