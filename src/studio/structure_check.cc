#include "studio/structure_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <boost/json.hpp>
#include <cmath>

#include "sign/engineering.h"

namespace signx::studio {
namespace {

namespace json = boost::json;

// ASCE 7-16 Fig. 29.3-1 (sign-domain.md §2.3): rows s/h descending, columns B/s ascending.
constexpr std::array<double, 12> kBs = {0.05, 0.1, 0.2, 0.5, 1, 2, 4, 5, 10, 20, 30, 45};
constexpr std::array<double, 7> kSh = {1.0, 0.9, 0.7, 0.5, 0.3, 0.2, 0.16};
constexpr double kCf[7][12] = {
    {1.80, 1.70, 1.65, 1.55, 1.45, 1.40, 1.35, 1.35, 1.30, 1.30, 1.30, 1.30},
    {1.85, 1.75, 1.70, 1.60, 1.55, 1.50, 1.45, 1.45, 1.40, 1.40, 1.40, 1.40},
    {1.90, 1.85, 1.75, 1.70, 1.65, 1.60, 1.60, 1.55, 1.55, 1.55, 1.55, 1.55},
    {1.95, 1.85, 1.80, 1.75, 1.75, 1.70, 1.70, 1.70, 1.70, 1.70, 1.70, 1.75},
    {1.95, 1.90, 1.85, 1.80, 1.80, 1.80, 1.80, 1.80, 1.80, 1.85, 1.85, 1.85},
    {1.95, 1.90, 1.85, 1.80, 1.80, 1.80, 1.80, 1.80, 1.85, 1.90, 1.90, 1.95},
    {1.95, 1.90, 1.85, 1.85, 1.80, 1.80, 1.85, 1.85, 1.85, 1.90, 1.90, 1.95}};

// Index i and weight w with x between axis[i] and axis[i+1] (ascending or descending axis).
template <std::size_t N>
std::pair<std::size_t, double> Locate(const std::array<double, N>& axis, double x) {
  const bool ascending = axis[0] < axis[N - 1];
  const double lo = ascending ? axis[0] : axis[N - 1];
  const double hi = ascending ? axis[N - 1] : axis[0];
  x = std::clamp(x, lo, hi);
  for (std::size_t i = 0; i + 1 < N; ++i) {
    const double a = axis[i], b = axis[i + 1];
    if ((ascending && x >= a && x <= b) || (!ascending && x <= a && x >= b)) {
      return {i, (x - a) / (b - a)};
    }
  }
  return {N - 2, 1.0};
}

Status Need(const json::object& o, std::string_view key, double& out) {
  const json::value* v = o.if_contains(key);
  if (!v || !v->is_number()) return InvalidArgument(fmt::format("structure.{} is missing", key));
  out = v->to_number<double>();
  if (!std::isfinite(out)) return InvalidArgument(fmt::format("structure.{} is not finite", key));
  return Status::Ok();
}

double Opt(const json::object& o, std::string_view key, double fallback) {
  const json::value* v = o.if_contains(key);
  return v && v->is_number() ? v->to_number<double>() : fallback;
}

}  // namespace

double Asce716SolidSignCf(double b_over_s, double s_over_h) {
  const auto [c, wc] = Locate(kBs, b_over_s);
  const auto [r, wr] = Locate(kSh, s_over_h);
  const double top = kCf[r][c] + (kCf[r][c + 1] - kCf[r][c]) * wc;
  const double bottom = kCf[r + 1][c] + (kCf[r + 1][c + 1] - kCf[r + 1][c]) * wc;
  return top + (bottom - top) * wr;
}

Result<StructureCheck> CheckStructurePayload(const json::object& config) {
  double v = 0, b = 0, s = 0, h = 0, dia_ft = 0, embed = 0;
  SIGNX_RETURN_IF_ERROR(Need(config, "wind_speed_mph", v));
  SIGNX_RETURN_IF_ERROR(Need(config, "sign_width_ft", b));
  SIGNX_RETURN_IF_ERROR(Need(config, "sign_height_ft", s));
  SIGNX_RETURN_IF_ERROR(Need(config, "top_height_ft", h));
  SIGNX_RETURN_IF_ERROR(Need(config, "footing_diameter_ft", dia_ft));
  SIGNX_RETURN_IF_ERROR(Need(config, "embedment_ft", embed));
  const json::value* exp_v = config.if_contains("exposure");
  const json::value* pole_v = config.if_contains("pole");
  const json::value* soil_v = config.if_contains("soil_class");
  if (!exp_v || !exp_v->is_string() || !pole_v || !pole_v->is_object() || !soil_v ||
      !soil_v->is_number()) {
    return InvalidArgument("structure payload lacks exposure, pole or soil_class");
  }
  if (!(v > 0 && b > 0 && s > 0 && h >= s && dia_ft > 0 && embed > 0)) {
    return InvalidArgument("structure payload dimensions out of range");
  }
  const std::string_view exp_name = exp_v->get_string();
  sign::Exposure exposure = sign::Exposure::kC;
  if (exp_name == "B") {
    exposure = sign::Exposure::kB;
  } else if (exp_name == "D") {
    exposure = sign::Exposure::kD;
  } else if (exp_name != "C") {
    return InvalidArgument("structure.exposure must be B, C or D");
  }
  const int soil = static_cast<int>(soil_v->to_number<double>());
  if (soil < 1 || soil > 5) return InvalidArgument("structure.soil_class must be 1..5");
  const json::object& pole = pole_v->get_object();
  double d_in = 0, t_nom = 0;
  SIGNX_RETURN_IF_ERROR(Need(pole, "diameter_in", d_in));
  SIGNX_RETURN_IF_ERROR(Need(pole, "wall_in", t_nom));
  const double fy = Opt(pole, "fy_ksi", sign::kA500GrCRoundFyKsi);
  if (!(d_in > 0 && t_nom > 0 && 2 * t_nom < d_in && fy > 0)) {
    return InvalidArgument("structure.pole dimensions out of range");
  }
  const double kzt = Opt(config, "kzt", sign::kAsce716KztFlat);
  const double kd = Opt(config, "kd", sign::kAsce716KdSolidSign);
  const double ke = Opt(config, "ke", sign::kAsce716KeSeaLevel);
  const double g = Opt(config, "gust_factor", sign::kAsce716GustEffectRigid);
  const json::value* iso_v = config.if_contains("isolated_pole");
  const bool isolated = iso_v && iso_v->is_bool() && iso_v->get_bool();

  json::array trace;
  auto step = [&trace](std::string_view symbol, double value, std::string_view unit,
                       std::string_view clause) {
    trace.push_back(json::object{
        {"symbol", symbol}, {"value", value}, {"unit", unit}, {"clause", clause}});
  };
  json::array assumptions;
  json::array failures;

  const auto kz_table = sign::Asce716KzTable(h, exposure);
  if (!kz_table) return InvalidArgument("structure.top_height_ft is above Table 26.10-1");
  const double kz = *kz_table;
  step("Kz", kz, "", "ASCE 7-16 Table 26.10-1 (at h, interpolated, 15 ft minimum)");
  step("Kzt", kzt, "", "ASCE 7-16 Eq. 26.8-1");
  step("Kd", kd, "", "ASCE 7-16 Table 26.6-1");
  step("Ke", ke, "", "ASCE 7-16 Table 26.9-1");
  const double qh = sign::VelocityPressurePsf(v, {.kz = kz, .kzt = kzt, .kd = kd, .ke = ke});
  step("qh", qh, "psf", "ASCE 7-16 Eq. 26.10-1 qz = 0.00256 Kz Kzt Kd Ke V^2");

  const double b_over_s = b / s;
  const double s_over_h = s / h;
  const bool clamped = b_over_s < 0.05 || b_over_s > 45 || s_over_h < 0.16;
  const double cf = Asce716SolidSignCf(b_over_s, s_over_h);
  step("B/s", b_over_s, "", "ASCE 7-16 Fig. 29.3-1 aspect ratio");
  step("s/h", s_over_h, "", "ASCE 7-16 Fig. 29.3-1 clearance ratio");
  step("Cf", cf, "", "ASCE 7-16 Fig. 29.3-1 Cases A and B (bilinear)");
  const double as = b * s;
  step("As", as, "ft^2", "ASCE 7-16 §29.3.1 gross area B s");
  const double f = sign::SignWindForceLb(qh, g, cf, as);
  step("F", f, "lb", "ASCE 7-16 Eq. 29.3-1 F = qh G Cf As");
  const double f_asd = sign::kAsdWindLoadFactor * f;
  step("F_asd", f_asd, "lb", "ASCE 7-16 §2.4.1 D + 0.6W");
  // Case A resultant at the geometric centre (s/h < 1), 0.05 s above it on the ground (s/h = 1).
  const double arm = s_over_h >= 1.0 ? sign::CaseAResultantHeightFt(h, s) + 0.05 * s
                                      : sign::CaseAResultantHeightFt(h, s);
  step("y_F", arm, "ft", "ASCE 7-16 Fig. 29.3-1 note (Case A resultant height)");
  const double m_asd = f_asd * arm;
  step("M_asd", m_asd, "lb-ft", "sign-domain.md §2.4 M = F (h - s/2)");
  const double t_asd = f_asd * 0.2 * b;
  step("T_asd", t_asd, "lb-ft", "ASCE 7-16 Fig. 29.3-1 Case B (0.2 B eccentricity)");

  // Pole flexure, AISC 360-16 §F8.
  const double t_design = sign::kAisc360ErwDesignThicknessFactor * t_nom;
  const auto section = sign::RoundHssSection(d_in, t_design);
  step("t_des", t_design, "in", "AISC 360-16 §B4.2 (0.93 t nominal, ERW)");
  step("S", section.s_in3, "in^3", "round HSS elastic section modulus");
  step("Z", section.z_in3, "in^3", "round HSS plastic section modulus");
  const double d_over_t = d_in / t_design;
  const double limit = 0.45 * sign::kSteelEKsi / fy;
  step("D/t", d_over_t, "", "AISC 360-16 §F8 (valid below 0.45 E/Fy)");
  bool pole_ok = true;
  double mn = 0, allowable = 0;
  const double ma_kip_in = m_asd * 12.0 / 1000.0;
  step("Ma", ma_kip_in, "kip-in", "required ASD flexural strength");
  if (d_over_t >= limit) {
    pole_ok = false;
    failures.push_back(json::string(fmt::format(
        "pole D/t {:.1f} is outside AISC 360-16 §F8 (must be below 0.45 E/Fy = {:.1f})", d_over_t,
        limit)));
  } else {
    mn = sign::Aisc360RoundHssNominalFlexureKipIn(section, fy);
    allowable = mn / sign::kAisc360OmegaB;
    step("Mn", mn, "kip-in", "AISC 360-16 §F8 (F8-1 / F8-2 / F8-3)");
    step("Mn/Ωb", allowable, "kip-in", "AISC 360-16 §F1 Ωb = 1.67");
    if (ma_kip_in > allowable) {
      pole_ok = false;
      failures.push_back(json::string(
          fmt::format("pole flexure: Ma {:.1f} kip-in exceeds Mn/Ωb {:.1f} kip-in", ma_kip_in,
                      allowable)));
    }
  }

  // Embedment, IBC 2018 §1807.3.2.1.
  const double lbp = sign::Ibc1806LateralBearingPsfPerFt(soil);
  step("LBP", lbp, "psf/ft", "IBC 2018 Table 1806.2");
  const double increase = isolated ? sign::kIbc1806PoleIncrease : sign::kIbc1806NoPoleIncrease;
  step("k_pole", increase, "", "IBC 2018 §1806.3.4");
  const auto emb = sign::SolveNonconstrainedEmbedment(
      {.p_lb = f_asd, .h_ft = arm, .b_ft = dia_ft, .lateral_bearing_psf_per_ft = lbp,
       .pole_increase = increase},
      {.start_ft = 1.0, .tolerance_ft = 0.0005, .max_iterations = 500});
  step("d_req", emb.depth_ft, "ft", "IBC 2018 Eq. 18-1 (S1 at d/3, iterated)");
  step("d_prov", embed, "ft", "provided embedment");
  bool embed_ok = emb.converged && std::isfinite(emb.depth_ft) && embed >= emb.depth_ft;
  if (!emb.converged) failures.push_back("embedment iteration did not converge");
  if (emb.converged && embed < emb.depth_ft) {
    failures.push_back(json::string(fmt::format(
        "embedment: {:.2f} ft provided, {:.2f} ft required", embed, emb.depth_ft)));
  }

  assumptions.push_back("ASCE 7-16 strength-level wind; ASD forces 0.6 W for the pole and soil");
  assumptions.push_back("rigid structure: G = 0.85 unless given (§26.11.1)");
  assumptions.push_back("single round HSS pole carrying the whole sign");
  assumptions.push_back(
      "not checked here: pole shear and torsion interaction, deflection, Case C, ASCE 7-22");
  if (clamped) {
    assumptions.push_back("B/s or s/h outside Fig. 29.3-1: Cf taken at the figure's edge");
  }

  StructureCheck out;
  out.passed = pole_ok && embed_ok;
  out.constants_version = std::string(kStructureConstantsVersion);
  out.json = json::object{
      {"passed", out.passed},
      {"constants_version", out.constants_version},
      {"result",
       json::object{{"kz", kz},
                    {"qh_psf", qh},
                    {"cf", cf},
                    {"force_lb", f},
                    {"force_asd_lb", f_asd},
                    {"moment_asd_lbft", m_asd},
                    {"torsion_asd_lbft", t_asd},
                    {"pole_ma_kip_in", ma_kip_in},
                    {"pole_allowable_kip_in", allowable},
                    {"pole_ok", pole_ok},
                    {"embedment_ft", emb.depth_ft},
                    {"embedment_provided_ft", embed},
                    {"embedment_ok", embed_ok}}},
      {"assumptions", std::move(assumptions)},
      {"confidence", clamped ? 0.8 : 1.0},
      {"trace", std::move(trace)},
      {"failures", std::move(failures)}};
  return out;
}

}  // namespace signx::studio
