#include "estimating/internal/generator_structure.h"

#include <algorithm>
#include <numbers>

#include "sign/engineering.h"

namespace signx::estimating::internal {
namespace {

// *assumption*: a mid-table ASCE 7-16 Fig. 29.3-1 Case A force coefficient for every pylon.
constexpr double kPylonCf = 1.8;
// *assumption*: two poles once the face is wider than 12 ft.
constexpr double kTwoPoleWidthFt = 12.0;
// *assumption*: round HSS poles with D/t = 30, at least 4.5 in across, of A500 Gr C (Fy 46 ksi,
// sign-domain.md §2.7), sized by legacy ASD S_req = M / (0.66 Fy).
constexpr double kPoleDOverT = 30.0;
constexpr double kMinPoleDiameterIn = 4.5;
// *assumption*: pier diameter b = max(2 ft, D + 12 in) (at least the IBC 1807.3.3 rule of a hole
// 4 in larger than the post) and depth clamped to 3..30 ft; the §1806.3.4 pole increase (2x the
// Table 1806.2 lateral bearing) is taken for every sign.
constexpr double kMinPierDiameterFt = 2.0;
constexpr double kPierOverPoleIn = 12.0;
constexpr double kMinPierDepthFt = 3.0, kMaxPierDepthFt = 30.0;

}  // namespace

Structure PoleAndPier(double v, double top_ft, double face_w_ft, double face_h_ft, double area_sqft,
                      sign::Exposure e, int soil_class) {
  Structure s;
  s.poles = face_w_ft > kTwoPoleWidthFt ? 2 : 1;
  const double q = sign::Asce716SignVelocityPressurePsf(v, top_ft, e);
  const double f_asd = sign::SignWindForceLb(sign::kAsdWindLoadFactor * q,
                                             sign::kAsce716GustEffectRigid, kPylonCf, area_sqft) /
                       s.poles;  // lb per pole
  const double arm_ft = sign::CaseAResultantHeightFt(top_ft, face_h_ft);
  const double m_kip_in = sign::MomentAtGradeKipIn(f_asd, arm_ft);
  const double s_req = sign::LegacyAsdRequiredSectionModulusIn3(m_kip_in, sign::kA500GrCRoundFyKsi);
  const double d_in =
      std::max(kMinPoleDiameterIn, sign::ThinWallRoundHssDiameterIn(s_req, kPoleDOverT));
  const double lb_per_ft = sign::ThinWallRoundHssWeightLbPerFt(d_in, kPoleDOverT);
  const double b = std::max(kMinPierDiameterFt, (d_in + kPierOverPoleIn) / 12.0);
  const sign::EmbedmentSolution pier = sign::SolveNonconstrainedEmbedment(
      {.p_lb = f_asd,
       .h_ft = arm_ft,
       .b_ft = b,
       .lateral_bearing_psf_per_ft = sign::Ibc1806LateralBearingPsfPerFt(soil_class),
       .pole_increase = sign::kIbc1806PoleIncrease});
  s.pier_depth_ft = std::clamp(pier.depth_ft, kMinPierDepthFt, kMaxPierDepthFt);
  s.pole_weight_lb = s.poles * lb_per_ft * (top_ft + s.pier_depth_ft);
  s.concrete_cy = s.poles * std::numbers::pi * b * b / 4.0 * s.pier_depth_ft / 27.0;
  return s;
}

}  // namespace signx::estimating::internal
