#include "sign/engineering.h"

#include <algorithm>
#include <cmath>
#include <iterator>
#include <numbers>

#include "base/check.h"

// The products below keep the factor order of the formulas as printed (and of the estimating
// generator's original inline code): floating-point multiplication is not associative, and the
// generator's output must stay byte-identical.

namespace signx::sign {

TerrainExposureConstants Asce716TerrainExposure(Exposure exposure) {
  switch (exposure) {
    case Exposure::kB:
      return {7.0, 1200.0};
    case Exposure::kC:
      return {9.5, 900.0};
    case Exposure::kD:
      return {11.5, 700.0};
  }
  SIGNX_CHECK(false, "unknown exposure category");
  return {};
}

double Asce716KzFormula(double z_ft, Exposure exposure) {
  const TerrainExposureConstants t = Asce716TerrainExposure(exposure);
  const double z = std::min(std::max(z_ft, kAsce716KzMinHeightFt), t.zg_ft);
  return kAsce716KzCoefficient * std::pow(z / t.zg_ft, 2.0 / t.alpha);
}

std::optional<double> Asce716KzTable(double z_ft, Exposure exposure) {
  // ASCE 7-16 Table 26.10-1 (sign-domain.md §2.2, checked cell by cell): z, then B, C, D.
  struct Row {
    double z_ft, b, c, d;
  };
  static constexpr Row kRows[] = {
      {15, 0.57, 0.85, 1.03},  {20, 0.62, 0.90, 1.08},  {25, 0.66, 0.94, 1.12},
      {30, 0.70, 0.98, 1.16},  {40, 0.76, 1.04, 1.22},  {50, 0.81, 1.09, 1.27},
      {60, 0.85, 1.13, 1.31},  {70, 0.89, 1.17, 1.34},  {80, 0.93, 1.21, 1.38},
      {90, 0.96, 1.24, 1.40},  {100, 0.99, 1.26, 1.43}, {120, 1.04, 1.31, 1.48},
      {140, 1.09, 1.36, 1.52}, {160, 1.13, 1.39, 1.55}, {180, 1.17, 1.43, 1.58},
      {200, 1.20, 1.46, 1.61}, {250, 1.28, 1.53, 1.68}, {300, 1.35, 1.59, 1.73},
      {350, 1.41, 1.64, 1.78}, {400, 1.47, 1.69, 1.82}, {450, 1.52, 1.73, 1.86},
      {500, 1.56, 1.77, 1.89},
  };
  const auto kz = [exposure](const Row& r) {
    return exposure == Exposure::kB ? r.b : exposure == Exposure::kC ? r.c : r.d;
  };
  if (z_ft <= kRows[0].z_ft) return kz(kRows[0]);
  for (size_t i = 1; i < std::size(kRows); ++i) {
    const Row& hi = kRows[i];
    if (z_ft <= hi.z_ft) {
      const Row& lo = kRows[i - 1];
      return kz(lo) + (kz(hi) - kz(lo)) * (z_ft - lo.z_ft) / (hi.z_ft - lo.z_ft);
    }
  }
  return std::nullopt;
}

double Asce716Kzt(double k1, double k2, double k3) {
  const double f = 1.0 + k1 * k2 * k3;
  return f * f;
}

double Asce716KeForGroundElevation(double ground_elevation_ft) {
  return std::exp(-kAsce716KeDecayPerFt * ground_elevation_ft);
}

double VelocityPressurePsf(double v_mph, const VelocityPressureFactors& f) {
  return kAsce716VelocityPressureCoefficient * f.kz * f.kzt * f.kd * f.ke * v_mph * v_mph;
}

double Asce716SignVelocityPressurePsf(double v_mph, double z_ft, Exposure exposure) {
  return VelocityPressurePsf(v_mph, {.kz = Asce716KzFormula(z_ft, exposure)});
}

double SignWindForceLb(double qh_psf, double gust_effect_g, double cf, double area_sqft) {
  return qh_psf * gust_effect_g * cf * area_sqft;
}

double CaseAResultantHeightFt(double top_ft, double face_height_ft) {
  return top_ft - face_height_ft / 2.0;
}

double MomentAtGradeKipIn(double force_lb, double arm_ft) {
  return force_lb * arm_ft * 12.0 / 1000.0;
}

double LegacyAsdRequiredSectionModulusIn3(double moment_kip_in, double fy_ksi) {
  return moment_kip_in / (kAisc9AsdCompactFbOverFy * fy_ksi);
}

double Aisc360AsdRequiredPlasticModulusIn3(double moment_kip_in, double fy_ksi) {
  return kAisc360OmegaB * moment_kip_in / fy_ksi;
}

double ThinWallRoundHssDiameterIn(double section_modulus_in3, double d_over_t) {
  return std::cbrt(4.0 * d_over_t * section_modulus_in3 / std::numbers::pi);
}

double ThinWallRoundHssWeightLbPerFt(double diameter_in, double d_over_t) {
  return kSteelLbPerFtPerIn2 * std::numbers::pi * diameter_in * diameter_in / d_over_t;
}

RoundHssProperties RoundHssSection(double diameter_in, double design_wall_in) {
  const double d_out = diameter_in;
  const double d_in = diameter_in - 2.0 * design_wall_in;
  RoundHssProperties p;
  p.diameter_in = diameter_in;
  p.wall_in = design_wall_in;
  p.area_in2 = std::numbers::pi * (d_out * d_out - d_in * d_in) / 4.0;
  p.i_in4 = std::numbers::pi * (std::pow(d_out, 4) - std::pow(d_in, 4)) / 64.0;
  p.s_in3 = 2.0 * p.i_in4 / d_out;
  p.z_in3 = (std::pow(d_out, 3) - std::pow(d_in, 3)) / 6.0;
  return p;
}

double Aisc360RoundHssNominalFlexureKipIn(const RoundHssProperties& section, double fy_ksi,
                                          double e_ksi) {
  const double slenderness = section.diameter_in / section.wall_in;  // lambda = D/t
  const double lambda_p = 0.07 * e_ksi / fy_ksi;                     // Table B4.1b case 20
  const double lambda_r = 0.31 * e_ksi / fy_ksi;
  if (slenderness <= lambda_p) return fy_ksi * section.z_in3;  // F8-1: Mn = Mp = Fy Z
  if (slenderness <= lambda_r) {
    return (0.021 * e_ksi / slenderness + fy_ksi) * section.s_in3;  // F8-2
  }
  return 0.33 * e_ksi / slenderness * section.s_in3;  // F8-3 (Fcr = 0.33 E / (D/t)), F8-4
}

double Ibc1806LateralBearingPsfPerFt(int soil_class) {
  switch (soil_class) {
    case 1:
      return 1200.0;
    case 2:
      return 400.0;
    case 3:
      return 200.0;
    case 4:
      return 150.0;
    case 5:
      return 100.0;
  }
  SIGNX_CHECK(false, "IBC Table 1806.2 soil class must be 1..5");
  return 0;
}

double Ibc1807S1Psf(double lateral_bearing_psf_per_ft, double depth_ft, double pole_increase) {
  return lateral_bearing_psf_per_ft * std::min(depth_ft, kIbc1807LateralPressureDepthCapFt) / 3.0 *
         pole_increase;
}

double Ibc1807NonconstrainedDepthFt(double p_lb, double h_ft, double s1_psf, double b_ft) {
  const double a = kIbcEq18_1ACoefficient * p_lb / (s1_psf * b_ft);
  return 0.5 * a * (1.0 + std::sqrt(1.0 + kIbcEq18_1HCoefficient * h_ft / a));
}

EmbedmentSolution SolveNonconstrainedEmbedment(const NonconstrainedEmbedment& in,
                                               const FixedPointOptions& options) {
  EmbedmentSolution out;
  double d = options.start_ft;
  for (int i = 0; i < options.max_iterations; ++i) {
    const double s1 = Ibc1807S1Psf(in.lateral_bearing_psf_per_ft, d, in.pole_increase);
    const double d_new = Ibc1807NonconstrainedDepthFt(in.p_lb, in.h_ft, s1, in.b_ft);
    const double next = (d + d_new) / 2.0;
    const bool done = std::abs(next - d) < options.tolerance_ft;
    d = next;
    out.iterations = i + 1;
    if (done) {
      out.converged = true;
      break;
    }
  }
  out.depth_ft = d;
  return out;
}

double Ibc1807ConstrainedDepthFt(double mg_lb_ft, double b_ft, double lateral_bearing_psf_per_ft,
                                 double pole_increase) {
  const double per_ft = lateral_bearing_psf_per_ft * pole_increase;  // S3 / d
  const double d = std::cbrt(kIbcEq18_3Coefficient * mg_lb_ft / (per_ft * b_ft));
  if (d <= kIbc1807LateralPressureDepthCapFt) return d;
  return std::sqrt(kIbcEq18_3Coefficient * mg_lb_ft /
                   (per_ft * kIbc1807LateralPressureDepthCapFt * b_ft));
}

}  // namespace signx::sign
