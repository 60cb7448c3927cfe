#include "sign/engineering.h"

#include <algorithm>
#include <cmath>
#include <numbers>

#include "base/check.h"
#include "sign/code_edition.h"

// The products below keep the factor order of the formulas as printed (and of the estimating
// generator's original inline code): floating-point multiplication is not associative, and the
// generator's output must stay byte-identical.

namespace signx::sign {

// The ASCE 7-16 constants and Table 26.10-1 live once, as data, in sign/code_edition.h.
TerrainExposureConstants Asce716TerrainExposure(Exposure exposure) {
  const KzFormulaConstants k = KzConstants(WindCode::kAsce716, exposure);
  return {k.alpha, k.zg_ft};
}

double Asce716KzFormula(double z_ft, Exposure exposure) {
  return KzFromFormula(WindCode::kAsce716, exposure, z_ft);
}

std::optional<double> Asce716KzTable(double z_ft, Exposure exposure) {
  return KzFromTable(WindCode::kAsce716, exposure, z_ft);
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
