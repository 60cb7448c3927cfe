// Deterministic sign structural engineering, part of the pure `sign` module (no I/O): ASCE 7-16
// wind on a solid freestanding sign, the pole's bending check and the embedded-pier depth of IBC
// 2018/2021 §1807.3.2.1. sign-domain.md §2 is the reference; its worked examples are the tests.
//
// Each step is a small named function with its units in its name (`_ft`, `_in`, `_psf`, `_mph`,
// `_lb`, `_kip_in`, `_ksi`) and every constant is a named constant carrying its code edition and
// clause. The functions compute; they do not choose: the design assumptions (Cf, how many poles,
// which pole D/t, pier diameter, whether the §1806.3.4 pole increase applies) are the caller's
// inputs, so estimating's synthetic generator, studio's calculations and quotes share one code
// path and differ only in what they pass.
//
// Load level: ASCE 7-16 wind speeds are strength level, and so are the pressures and forces here.
// IBC 1806/1807 soil values are allowable: feed the foundation with the ASD force
// kAsdWindLoadFactor x F (ASCE 7-16 §2.4.1, D + 0.6W).
//
// Preconditions (positive lengths, speeds, areas, section moduli; soil class 1..5) are the
// caller's to check: user input must be validated first (ParseSignSpec, studio's request
// validation); a violated one is a programming error (SIGNX_CHECK for the soil class, NaN or inf
// results otherwise).
//
// Not PE-stamped engineering: results are calculations for review, never a sealed design.
//
// Thread-safety: pure functions over values; no state, safe to call from any thread.
#pragma once

#include <optional>

#include "sign/spec.h"

namespace signx::sign {

// --- Load combinations ----------------------------------------------------------------------

// ASCE 7-16 §2.4.1 basic ASD combinations D + 0.6W / 0.6D + 0.6W: the factor on strength-level
// wind that gives the ASD force IBC 1807.3 soil values are checked against.
inline constexpr double kAsdWindLoadFactor = 0.6;

// --- ASCE 7-16 velocity pressure (Chapter 26) ---------------------------------------------------

// ASCE 7-16 Eq. 26.10-1: qz = 0.00256 Kz Kzt Kd Ke V^2 (psf, V in mph; standard air density).
inline constexpr double kAsce716VelocityPressureCoefficient = 0.00256;
// ASCE 7-16 Table 26.6-1: wind directionality factor Kd for solid freestanding walls and signs
// (and open signs).
inline constexpr double kAsce716KdSolidSign = 0.85;
// ASCE 7-16 Fig. 26.8-1: Kzt = 1.0 where the site has no hill, ridge or escarpment.
inline constexpr double kAsce716KztFlat = 1.0;
// ASCE 7-16 §26.9 / Table 26.9-1: Ke = 1.0 is permitted at every elevation.
inline constexpr double kAsce716KeSeaLevel = 1.0;
// ASCE 7-16 Table 26.9-1: Ke = exp(-0.0000362 zg), zg = ground elevation above sea level in ft.
inline constexpr double kAsce716KeDecayPerFt = 0.0000362;
// ASCE 7-16 Table 26.10-1 note 1: Kz = 2.01 (z/zg)^(2/alpha) for 15 ft <= z <= zg ...
inline constexpr double kAsce716KzCoefficient = 2.01;
// ... and Kz at z = 15 ft for z < 15 ft.
inline constexpr double kAsce716KzMinHeightFt = 15.0;

// ASCE 7-16 Table 26.11-1 terrain exposure constants alpha and zg.
struct TerrainExposureConstants {
  double alpha = 0;  // 3-s gust-speed power-law exponent
  double zg_ft = 0;  // nominal height of the atmospheric boundary layer
};
// B: 7.0 / 1200 ft, C: 9.5 / 900 ft, D: 11.5 / 700 ft (ASCE 7-16 Table 26.11-1).
TerrainExposureConstants Asce716TerrainExposure(Exposure exposure);

// Velocity pressure exposure coefficient Kz at height z_ft by the formula of ASCE 7-16 Table
// 26.10-1 note 1, z taken as 15 ft below 15 ft and as zg above zg. The printed table rounds to
// two decimals and is not always the rounded formula (C at 60 ft: formula 1.137, table 1.13);
// callers quoting table values pass them to VelocityPressurePsf directly.
double Asce716KzFormula(double z_ft, Exposure exposure);

// Kz of the printed ASCE 7-16 Table 26.10-1 at z_ft, linearly interpolated between its rows (as
// the table's note permits); the 0-15 ft row below 15 ft. nullopt above 500 ft, the table's last
// row (no sign reaches it; SignSpec caps the top at 100 ft).
std::optional<double> Asce716KzTable(double z_ft, Exposure exposure);

// ASCE 7-16 Eq. 26.8-1 topographic factor Kzt = (1 + K1 K2 K3)^2 (multipliers of Fig. 26.8-1).
double Asce716Kzt(double k1, double k2, double k3);

// ASCE 7-16 Table 26.9-1 ground elevation factor Ke = exp(-0.0000362 zg) for a site
// `ground_elevation_ft` above sea level (Ke = 1 is always permitted).
double Asce716KeForGroundElevation(double ground_elevation_ft);

// The factors of Eq. 26.10-1 other than V.
struct VelocityPressureFactors {
  double kz = 0;                    // Table 26.10-1 (table value or Asce716KzFormula)
  double kzt = kAsce716KztFlat;     // Eq. 26.8-1
  double kd = kAsce716KdSolidSign;  // Table 26.6-1
  double ke = kAsce716KeSeaLevel;   // Table 26.9-1
};

// ASCE 7-16 Eq. 26.10-1 velocity pressure qz = 0.00256 Kz Kzt Kd Ke V^2 in psf, strength level,
// for the basic wind speed `v_mph` (3-s gust at 33 ft, Exposure C, of the Risk Category map).
// Kd appears here and only here (ASCE 7-22 moved it into the force equation instead).
double VelocityPressurePsf(double v_mph, const VelocityPressureFactors& factors);

// The velocity pressure at height `z_ft` on flat terrain at sea level with Kd for signs:
// VelocityPressurePsf(v_mph, {Asce716KzFormula(z_ft, exposure)}). For a sign's force evaluate it
// at z = h, the height to the top of the sign (qh, ASCE 7-16 §29.3.1).
double Asce716SignVelocityPressurePsf(double v_mph, double z_ft, Exposure exposure);

// --- ASCE 7-16 sign force (Chapter 29) ------------------------------------------------------

// ASCE 7-16 §26.11.1: gust-effect factor G = 0.85 for a rigid structure (n1 >= 1 Hz). Tall,
// slender pylons may be flexible (Gf of §26.11.5); that is out of scope here.
inline constexpr double kAsce716GustEffectRigid = 0.85;

// ASCE 7-16 Eq. 29.3-1 design wind force on a solid freestanding sign F = qh G Cf As in lb:
// `qh_psf` at the top of the sign, `cf` from Fig. 29.3-1 (Case A/B), `area_sqft` the gross area
// As = B s. Strength level when qh is.
double SignWindForceLb(double qh_psf, double gust_effect_g, double cf, double area_sqft);

// Height above grade of the Case A resultant when the sign is clear of the ground (s/h < 1,
// ASCE 7-16 Fig. 29.3-1 note: at the geometric centre): top_ft - face_height_ft / 2.
double CaseAResultantHeightFt(double top_ft, double face_height_ft);

// Moment at grade of a lateral force applied `arm_ft` above grade, in kip-in:
// force_lb x arm_ft x 12 in/ft / 1000 lb/kip (sign-domain.md §2.4, M = F (h - s/2)).
double MomentAtGradeKipIn(double force_lb, double arm_ft);

// --- Pole bending (steel) -------------------------------------------------------------------

// ASTM A500 Gr C round HSS (pre-2021 editions; AISC Manual Table 3-14 still uses it).
inline constexpr double kA500GrCRoundFyKsi = 46.0;
// Modulus of elasticity of steel, AISC 360-16 §B3 notation E = 29,000 ksi.
inline constexpr double kSteelEKsi = 29000.0;
// AISC ASD 9th edition (1989) F1-1: allowable bending stress Fb = 0.66 Fy for compact sections.
inline constexpr double kAisc9AsdCompactFbOverFy = 0.66;
// AISC 360-16 §F1: ASD safety factor for flexure.
inline constexpr double kAisc360OmegaB = 1.67;
// AISC 360-16 §B4.2: design wall thickness of ERW HSS = 0.93 x nominal thickness.
inline constexpr double kAisc360ErwDesignThicknessFactor = 0.93;
// AISC Manual convention for tabulated weights: 3.40 lb/ft per in^2 of cross-section (steel at
// 490 pcf / 144 in^2/ft^2 = 3.403, rounded).
inline constexpr double kSteelLbPerFtPerIn2 = 3.40;

// Legacy ASD (AISC 9th ed. F1-1, fb = M/S <= 0.66 Fy) required elastic section modulus in in^3:
// moment_kip_in / (0.66 fy_ksi).
double LegacyAsdRequiredSectionModulusIn3(double moment_kip_in, double fy_ksi);

// AISC 360-16 §F1 ASD required plastic section modulus for a compact section in in^3:
// Omega_b x Ma / Fy (Ma <= Mn / Omega_b with Mn = Fy Z).
double Aisc360AsdRequiredPlasticModulusIn3(double moment_kip_in, double fy_ksi);

// Outside diameter in inches of the thin-walled round tube with ratio `d_over_t` (D/t) whose
// section modulus is `section_modulus_in3`. Thin-wall approximation S = pi D^2 t / 4 =
// pi D^3 / (4 D/t), so D = cbrt(4 (D/t) S / pi). Using the outside diameter where the exact
// section has the mean one, it overstates S by about 10 % at D/t = 30 (so undersizes D): a sizing
// aid for estimates; a design checks the chosen catalogue section with RoundHssSection.
double ThinWallRoundHssDiameterIn(double section_modulus_in3, double d_over_t);

// Weight in lb/ft of that thin-walled round tube: 3.40 x A with A = pi D t = pi D^2 / (D/t).
double ThinWallRoundHssWeightLbPerFt(double diameter_in, double d_over_t);

// Exact section properties of a round tube (sign-domain.md §2.7): D outside, t design wall
// thickness (AISC 360-16 §B4.2: 0.93 t_nominal for ERW), d = D - 2t.
struct RoundHssProperties {
  double diameter_in = 0;
  double wall_in = 0;   // design wall thickness t
  double area_in2 = 0;  // A = pi (D^2 - d^2) / 4
  double i_in4 = 0;     // I = pi (D^4 - d^4) / 64
  double s_in3 = 0;     // S = 2 I / D
  double z_in3 = 0;     // Z = (D^3 - d^3) / 6
};
RoundHssProperties RoundHssSection(double diameter_in, double design_wall_in);

// AISC 360-16 §F8 nominal flexural strength Mn of a round HSS in kip-in (valid for D/t < 0.45
// E/Fy): compact D/t <= 0.07 E/Fy -> Mn = Fy Z (F8-1); noncompact up to 0.31 E/Fy ->
// (0.021 E / (D/t) + Fy) S (F8-2); slender -> (0.33 E / (D/t)) S (F8-3, F8-4).
double Aisc360RoundHssNominalFlexureKipIn(const RoundHssProperties& section, double fy_ksi,
                                          double e_ksi = kSteelEKsi);

// --- IBC 2018/2021 embedded posts and piers (§1806, §1807.3) -----------------------------------

// IBC 2018/2021 Eq. 18-1 constants: A = 2.34 P / (S1 b), d = 0.5 A (1 + sqrt(1 + 4.36 h / A)).
inline constexpr double kIbcEq18_1ACoefficient = 2.34;
inline constexpr double kIbcEq18_1HCoefficient = 4.36;
// IBC 2018/2021 §1807.3.2.1 definition of d: "not over 12 feet for purposes of computing lateral
// pressure".
inline constexpr double kIbc1807LateralPressureDepthCapFt = 12.0;
// IBC 2018/2021 §1806.3.4: isolated poles (signs) not adversely affected by 1/2 in of motion at
// grade may use twice the tabular lateral bearing values. A design judgement: the caller decides.
inline constexpr double kIbc1806PoleIncrease = 2.0;
inline constexpr double kIbc1806NoPoleIncrease = 1.0;

// IBC 2018/2021 Table 1806.2 presumptive lateral bearing pressure in psf per ft below natural
// grade for soil class 1..5: 1,200 (crystalline bedrock), 400 (sedimentary rock), 200 (sandy
// gravel / gravel), 150 (sand, silty or clayey sand and gravel), 100 (clay, silt).
double Ibc1806LateralBearingPsfPerFt(int soil_class);

// Allowable lateral soil-bearing pressure S1 of Eq. 18-1 in psf for an embedment `depth_ft`:
// the Table 1806.2 value taken at d/3 (d capped at 12 ft, §1807.3.2.1) times `pole_increase`
// (kIbc1806PoleIncrease or kIbc1806NoPoleIncrease, §1806.3.4).
double Ibc1807S1Psf(double lateral_bearing_psf_per_ft, double depth_ft, double pole_increase);

// IBC 2018/2021 Eq. 18-1 (§1807.3.2.1, nonconstrained) depth d in ft for a given S1 ("check
// mode" of permit calculations: S1 evaluated at the provided depth). `p_lb` is the ASD lateral
// force, `h_ft` its height above grade, `b_ft` the diameter of a round post or footing (the
// diagonal of a square one).
double Ibc1807NonconstrainedDepthFt(double p_lb, double h_ft, double s1_psf, double b_ft);

// Inputs of the nonconstrained embedment (Eq. 18-1 with S1 depending on d).
struct NonconstrainedEmbedment {
  double p_lb = 0;                                // ASD lateral force (kAsdWindLoadFactor x F)
  double h_ft = 0;                                // height of P above grade
  double b_ft = 0;                                // pier diameter (diagonal for square)
  double lateral_bearing_psf_per_ft = 0;          // Ibc1806LateralBearingPsfPerFt(soil class)
  double pole_increase = kIbc1806NoPoleIncrease;  // §1806.3.4: 1 or kIbc1806PoleIncrease
};

// The damped fixed-point iteration of sign-domain.md §2.8: start at start_ft, then
// d <- (d + Eq18_1(S1(d))) / 2 until the step is below tolerance_ft or max_iterations ran.
struct FixedPointOptions {
  double start_ft = 1.0;
  double tolerance_ft = 0.005;
  int max_iterations = 200;
};
struct EmbedmentSolution {
  double depth_ft = 0;
  int iterations = 0;      // iterations run
  bool converged = false;  // false: max_iterations ran out before the tolerance was met
};

// IBC 2018/2021 §1807.3.2.1 required embedment depth, d and S1 solved together ("solve mode").
// The default tolerance (0.005 ft per damped step) is the estimating generator's; a calculation
// that quotes d to 0.01 ft passes a tighter one.
EmbedmentSolution SolveNonconstrainedEmbedment(const NonconstrainedEmbedment& in,
                                               const FixedPointOptions& options = {});

// IBC 2018/2021 Eq. 18-3 (§1807.3.2.2, constrained at grade by a rigid floor or pavement) depth
// d in ft for the moment at grade `mg_lb_ft` (ASD): d^2 = 4.25 Mg / (S3 b) with S3 the Table
// 1806.2 value at the full depth d (capped at 12 ft) times `pole_increase`. Solved in closed
// form: d^3 = 4.25 Mg / (LBP k b) while d <= 12 ft, else d^2 = 4.25 Mg / (12 LBP k b).
inline constexpr double kIbcEq18_3Coefficient = 4.25;
double Ibc1807ConstrainedDepthFt(double mg_lb_ft, double b_ft, double lateral_bearing_psf_per_ft,
                                 double pole_increase);

}  // namespace signx::sign
