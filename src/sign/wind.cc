#include "sign/wind.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sign/engineering.h"
#include "sign/foundation.h"
#include "sign/json_fields.h"

namespace signx::sign {
namespace {

namespace json = boost::json;

constexpr double kCaseBEccentricity = 0.2;  // Fig. 29.3-1 Case B: 0.2 B from the centre
constexpr double kOnGroundRaise = 0.05;     // Fig. 29.3-1: s/h = 1 -> 0.05 s above the centre

// Records a trace entry when `calc` is set; returns the value either way (the fast path passes
// null and pays for no strings).
struct Tracer {
  Calculation* calc;
  double operator()(std::string_view symbol, std::string_view description, double value,
                    std::string_view unit, std::string_view clause) const {
    if (calc != nullptr) calc->Trace(symbol, description, value, unit, clause);
    return value;
  }
};

struct CaseC {
  bool required = false;
  std::vector<CaseCRegion> regions;
  std::vector<double> forces_lb;
  double factor = 1.0;
  double force_lb = 0;
  double centroid_ft = 0;  // from the windward edge
  double eccentricity_ft = 0;
  double torsion_lbft = 0;  // strength level, about the sign's centre line
};

struct Computed {
  SignWindNumbers n;
  double kz_formula = 0;
  double qh_no_kd = 0;
  double area = 0, aspect = 0, clearance = 0, arm = 0, e_b = 0;
  CaseC c;
  bool case_c_governs = false;
  double governing_force_asd = 0;
  double governing_moment_asd = 0;
  double governing_torsion_asd = 0;
};

Computed Compute(const SignWindInput& in, Calculation* calc) {
  const Tracer t{calc};
  const bool c22 = in.code == WindCode::kAsce722;
  const std::string_view ed = PrintedName(in.code);
  Computed r;
  // Clause texts are built only when traced (the fast path formats nothing).
  const std::string fig = calc ? fmt::format("{} Fig. 29.3-1", ed) : std::string();
  const std::string eq = calc ? fmt::format("{} Eq. 29.3-1", ed) : std::string();
  const std::string fig_c = calc ? fmt::format("{} Fig. 29.3-1 Case C", ed) : std::string();
  const double v = t("V", "basic wind speed (3-s gust, strength level)", in.wind_speed_mph, "mph",
                     c22 ? "ASCE 7-22 §26.5" : "ASCE 7-16 §26.5");
  const double h = t("h", "height to the top of the sign", in.top_height_ft, "ft",
                     c22 ? "ASCE 7-22 §29.3.1" : "ASCE 7-16 §29.3.1");
  const double s =
      t("s", "vertical dimension of the sign", in.sign_height_ft, "ft", "Fig. 29.3-1 notation");
  const double b =
      t("B", "horizontal dimension of the sign", in.sign_width_ft, "ft", "Fig. 29.3-1 notation");
  double kz;
  if (in.kz_method == KzMethod::kTable) {
    kz = t("Kz", "velocity pressure exposure coefficient at h (table, linear interpolation)",
           *KzFromTable(in.code, in.exposure, h), "",
           c22 ? "ASCE 7-22 Table 26.10-1" : "ASCE 7-16 Table 26.10-1");
  } else {
    kz = t("Kz", "velocity pressure exposure coefficient at h (formula of note 1)",
           KzFromFormula(in.code, in.exposure, h), "",
           c22 ? "ASCE 7-22 Table 26.10-1 note" : "ASCE 7-16 Table 26.10-1 note 1");
  }
  const double kzt = t("Kzt", "topographic factor", in.kzt, "", "Eq. 26.8-1 / §26.8.2");
  const double kd = t("Kd", "wind directionality factor", in.kd, "", "Table 26.6-1");
  const double ke = t("Ke", "ground elevation factor", in.ke, "", "Table 26.9-1");
  double qh;
  if (c22) {
    r.qh_no_kd = t("qh'", "velocity pressure at h without Kd", 0.00256 * kz * kzt * ke * v * v,
                   "psf", "ASCE 7-22 Eq. 26.10-1");
    qh = t("qh", "velocity pressure with Kd applied once (Kd qh')", kd * r.qh_no_kd, "psf",
           "ASCE 7-22 Eq. 29.3-1 (Kd in the force)");
  } else {
    qh = t("qh", "velocity pressure at h 0.00256 Kz Kzt Kd Ke V^2",
           VelocityPressurePsf(v, {.kz = kz, .kzt = kzt, .kd = kd, .ke = ke}), "psf",
           "ASCE 7-16 Eq. 26.10-1");
  }
  const double g = t("G", "gust-effect factor", in.gust_factor, "", "§26.11.1 (rigid: 0.85)");
  r.area = t("As", "gross area of the sign B s", b * s, "ft^2", "Fig. 29.3-1 notation");
  r.aspect = t("B/s", "aspect ratio", b / s, "", "Fig. 29.3-1");
  r.clearance = t("s/h", "clearance ratio", s / h, "", "Fig. 29.3-1");
  const double cf = t("Cf", "force coefficient, Cases A and B (bilinear interpolation)",
                      CfCaseAB(r.aspect, r.clearance), "", fig);
  const double f =
      t("F", "design wind force, Case A qh G Cf As", SignWindForceLb(qh, g, cf, r.area), "lb", eq);
  const double f_asd =
      t("F_asd", "ASD wind force 0.6 F", kAsdWindLoadFactor * f, "lb", "ASCE 7 §2.4.1 (D + 0.6W)");
  const bool on_ground = s >= h;
  r.arm = t(
      "y_F",
      on_ground ? "height of the resultant: s/2 + 0.05 s (s/h = 1)"
                : "height of the resultant: h - s/2 (geometric centre)",
      on_ground ? CaseAResultantHeightFt(h, s) + kOnGroundRaise * s : CaseAResultantHeightFt(h, s),
      "ft", "Fig. 29.3-1 (resultant location)");
  const double m_asd =
      t("M_asd", "overturning moment at grade F_asd y_F", f_asd * r.arm, "lb-ft", "statics");
  r.e_b = t("e_B", "Case B eccentricity 0.2 B", kCaseBEccentricity * b, "ft", "Fig. 29.3-1 Case B");
  const double t_asd = t("T_asd", "torsion at grade, Case B F_asd e_B", f_asd * r.e_b, "lb-ft",
                         "Fig. 29.3-1 Case B");

  r.n.kz = kz;
  r.n.qh_psf = qh;
  r.n.cf = cf;
  r.n.force_lb = f;
  r.n.force_asd_lb = f_asd;
  r.n.moment_asd_lbft = m_asd;
  r.n.torsion_asd_lbft = t_asd;
  r.governing_force_asd = f_asd;
  r.governing_moment_asd = m_asd;
  r.governing_torsion_asd = t_asd;

  // Case C (B/s >= 2).
  if (r.aspect >= 2.0) {
    CaseC& c = r.c;
    c.required = true;
    c.regions = CaseCRegions(b, s);
    c.factor = t("k_C", "Case C reduction for s/h > 0.8: 1.8 - s/h",
                 CaseCClearanceFactor(r.clearance), "", "Fig. 29.3-1 note 3");
    double moment_about_edge = 0;
    for (size_t i = 0; i < c.regions.size(); ++i) {
      const CaseCRegion& reg = c.regions[i];
      const std::string tag =
          calc != nullptr ? fmt::format("{}-{} ft", reg.from_ft, reg.to_ft) : std::string();
      const double cfi =
          t(calc ? "Cf_C" : "", calc ? "Case C force coefficient, region " + tag : "",
            reg.cf * c.factor, "", fig_c);
      const double fi =
          t(calc ? "F_C" : "", calc ? "Case C force qh G Cf_C s w, region " + tag : "",
            qh * g * cfi * s * (reg.to_ft - reg.from_ft), "lb", eq);
      c.forces_lb.push_back(fi);
      c.force_lb += fi;
      moment_about_edge += fi * (reg.from_ft + reg.to_ft) / 2.0;
    }
    t("F_C,sum", "Case C total force", c.force_lb, "lb", "sum of the regions");
    c.centroid_ft = t("x_C", "Case C resultant from the windward edge",
                      moment_about_edge / c.force_lb, "ft", "statics");
    c.eccentricity_ft =
        t("e_C", "Case C eccentricity B/2 - x_C", b / 2.0 - c.centroid_ft, "ft", "statics");
    c.torsion_lbft = c.force_lb * c.eccentricity_ft;
    const double fc_asd = t("F_C,asd", "Case C ASD force 0.6 F_C", kAsdWindLoadFactor * c.force_lb,
                            "lb", "ASCE 7 §2.4.1");
    const double mc_asd =
        t("M_C,asd", "Case C overturning moment at grade", fc_asd * r.arm, "lb-ft", "statics");
    const double tc_asd = t("T_C,asd", "Case C torsion at grade F_C,asd e_C",
                            fc_asd * c.eccentricity_ft, "lb-ft", "statics");
    if (fc_asd > r.governing_force_asd) {
      r.case_c_governs = true;
      r.governing_force_asd = fc_asd;
      r.governing_moment_asd = mc_asd;
    }
    r.governing_torsion_asd = std::max(r.governing_torsion_asd, std::abs(tc_asd));
  }

  // Foundation: nonconstrained embedment under the governing case.
  const EmbedmentInput e{.p_asd_lb = r.governing_force_asd,
                         .h_ft = r.arm,
                         .soil_class = in.soil_class,
                         .shape = FootingShape::kRound,
                         .footing_size_ft = in.footing_diameter_ft,
                         .isolated_pole = in.isolated_pole};
  if (!in.with_foundation) {
    r.n.embedment_ft = 0;
  } else if (calc != nullptr) {
    r.n.embedment_ft = TraceNonconstrainedEmbedment(e, *calc);
  } else {
    r.n.embedment_ft =
        NonconstrainedDepthFt(e.p_asd_lb, e.h_ft, e.footing_size_ft,
                              Ibc1806SoilClass(in.soil_class).lateral_bearing_psf_per_ft,
                              in.isolated_pole ? kIbc1806PoleIncrease : kIbc1806NoPoleIncrease);
  }
  return r;
}

}  // namespace

Result<SignWindInput> ParseSignWindInput(const json::object& o) {
  JsonFields f(o);
  SignWindInput in;
  auto code = f.Enum("code", {"ASCE7-16", "ASCE7-22"}, true);
  auto v = f.Number("wind_speed_mph", kWindMinMph, kWindMaxMph, true, "mph");
  auto exp = f.Enum("exposure", {"B", "C", "D"}, true);
  auto b = f.Number("sign_width_ft", 0.0, kSignMaxWidthFt, true, "ft");
  auto s = f.Number("sign_height_ft", 0.0, kSignMaxHeightFt, true, "ft");
  auto h = f.Number("top_height_ft", 0.0, kTopMaxHeightFt, true, "ft");
  auto kzt = f.Number("kzt", 1.0, 3.0, false);
  auto kd = f.Number("kd", 0.5, 1.0, false);
  auto ke = f.Number("ke", 0.5, 1.0, false);
  auto g = f.Number("gust_factor", 0.5, 1.5, false);
  auto km = f.Enum("kz_method", {"table", "formula"}, false);
  // The foundation's pair: both or neither (then no embedment is computed).
  const auto given = [&o](std::string_view k) {
    const json::value* v = o.if_contains(k);
    return v != nullptr && !v->is_null();
  };
  const bool with_foundation = given("soil_class") || given("footing_diameter_ft");
  auto soil = f.Integer("soil_class", 1, 5, with_foundation);
  auto fd = f.Number("footing_diameter_ft", kFootingMinFt, kFootingMaxFt, with_foundation, "ft");
  auto iso = f.Bool("isolated_pole");
  f.RejectUnknown();
  if (b && *b <= 0) f.Add("sign_width_ft", "must be > 0 ft");
  if (s && *s <= 0) f.Add("sign_height_ft", "must be > 0 ft");
  if (h && *h <= 0) f.Add("top_height_ft", "must be > 0 ft");
  if (s && h && *s > 0 && *h > 0 && *h < *s) {
    f.Add("top_height_ft", fmt::format("must be >= sign_height_ft ({} ft): the top of the sign "
                                       "cannot be below its own height",
                                       *s));
  }
  SIGNX_RETURN_IF_ERROR(f.Finish());
  in.code = *ParseWindCode(*code);
  in.wind_speed_mph = *v;
  in.exposure = *ParseExposure(*exp);
  in.sign_width_ft = *b;
  in.sign_height_ft = *s;
  in.top_height_ft = *h;
  in.kzt = kzt.value_or(1.0);
  in.kd = kd.value_or(0.85);
  in.ke = ke.value_or(1.0);
  in.gust_factor = g.value_or(0.85);
  in.kz_method = km.value_or("table") == "formula" ? KzMethod::kFormula : KzMethod::kTable;
  in.with_foundation = with_foundation;
  in.soil_class = soil.value_or(0);
  in.footing_diameter_ft = fd.value_or(0.0);
  in.isolated_pole = iso.value_or(false);
  return in;
}

json::object ToJson(const SignWindInput& in) {
  json::object o;
  o["code"] = ApiName(in.code);
  o["wind_speed_mph"] = in.wind_speed_mph;
  o["exposure"] = Letter(in.exposure);
  o["sign_width_ft"] = in.sign_width_ft;
  o["sign_height_ft"] = in.sign_height_ft;
  o["top_height_ft"] = in.top_height_ft;
  o["kzt"] = in.kzt;
  o["kd"] = in.kd;
  o["ke"] = in.ke;
  o["gust_factor"] = in.gust_factor;
  o["kz_method"] = in.kz_method == KzMethod::kTable ? "table" : "formula";
  if (in.with_foundation) {
    o["soil_class"] = in.soil_class;
    o["footing_diameter_ft"] = in.footing_diameter_ft;
  }
  o["isolated_pole"] = in.isolated_pole;
  return o;
}

SignWindNumbers SignWindFast(const SignWindInput& in) { return Compute(in, nullptr).n; }

Calculation SignWindCalculation(const SignWindInput& in) {
  Calculation calc;
  calc.kind = "sign-wind";
  calc.constants_version = std::string(kConstantsVersion);
  calc.code["wind"] = PrintedName(in.code);
  calc.code["building"] = kIbcEditions;
  calc.code["steel"] = kAiscEdition;
  calc.trace.reserve(64);
  calc.result.reserve(32);
  calc.assumptions.reserve(12);
  const Computed r = Compute(in, &calc);
  const bool c22 = in.code == WindCode::kAsce722;

  json::object& o = calc.result;
  o["code"] = ApiName(in.code);
  o["kz"] = r.n.kz;
  o["kz_method"] = in.kz_method == KzMethod::kTable ? "table" : "formula";
  o["kzt"] = in.kzt;
  o["kd"] = in.kd;
  o["ke"] = in.ke;
  o["gust_factor"] = in.gust_factor;
  o["qh_psf"] = r.n.qh_psf;
  o["area_sqft"] = r.area;
  o["aspect_ratio"] = r.aspect;
  o["clearance_ratio"] = r.clearance;
  o["cf"] = r.n.cf;
  o["force_lb"] = r.n.force_lb;
  o["force_asd_lb"] = r.n.force_asd_lb;
  o["resultant_height_ft"] = r.arm;
  o["shear_asd_lb"] = r.n.force_asd_lb;
  o["moment_asd_lbft"] = r.n.moment_asd_lbft;
  o["eccentricity_case_b_ft"] = r.e_b;
  o["torsion_asd_lbft"] = r.n.torsion_asd_lbft;
  if (r.c.required) {
    json::object c;
    json::array regions;
    for (size_t i = 0; i < r.c.regions.size(); ++i) {
      json::object reg;
      reg["from_ft"] = r.c.regions[i].from_ft;
      reg["to_ft"] = r.c.regions[i].to_ft;
      reg["cf"] = r.c.regions[i].cf * r.c.factor;
      reg["force_lb"] = r.c.forces_lb[i];
      regions.emplace_back(std::move(reg));
    }
    c["reduction_factor"] = r.c.factor;
    c["regions"] = std::move(regions);
    c["force_lb"] = r.c.force_lb;
    c["force_asd_lb"] = kAsdWindLoadFactor * r.c.force_lb;
    c["resultant_from_windward_edge_ft"] = r.c.centroid_ft;
    c["eccentricity_ft"] = r.c.eccentricity_ft;
    c["moment_asd_lbft"] = kAsdWindLoadFactor * r.c.force_lb * r.arm;
    c["torsion_asd_lbft"] = kAsdWindLoadFactor * r.c.torsion_lbft;
    o["case_c"] = std::move(c);
  } else {
    o["case_c"] = nullptr;
  }
  json::object gov;
  gov["case"] = r.case_c_governs ? "C" : "A";
  gov["force_asd_lb"] = r.governing_force_asd;
  gov["moment_asd_lbft"] = r.governing_moment_asd;
  gov["torsion_asd_lbft"] = r.governing_torsion_asd;
  o["governing"] = std::move(gov);
  if (in.with_foundation) {
    json::object fnd;
    const SoilClassValues soil = Ibc1806SoilClass(in.soil_class);
    fnd["type"] = "nonconstrained";
    fnd["soil_class"] = in.soil_class;
    fnd["lateral_bearing_psf_per_ft"] = soil.lateral_bearing_psf_per_ft;
    fnd["isolated_pole"] = in.isolated_pole;
    fnd["footing_diameter_ft"] = in.footing_diameter_ft;
    fnd["lateral_force_asd_lb"] = r.governing_force_asd;
    fnd["load_height_ft"] = r.arm;
    fnd["embedment_ft"] = r.n.embedment_ft;
    o["foundation"] = std::move(fnd);
    o["embedment_ft"] = r.n.embedment_ft;
  } else {
    o["foundation"] = nullptr;
    o["embedment_ft"] = nullptr;
  }

  auto& a = calc.assumptions;
  a.push_back(
      "Solid freestanding sign: openings < 30 % of the gross area, no opening or "
      "return-corner reduction applied (Fig. 29.3-1)");
  a.push_back(
      "V is the strength-level basic wind speed of the Risk Category map; forces are "
      "strength level, ASD = 0.6 W (ASCE 7 §2.4.1) for the foundation");
  a.push_back(in.kz_method == KzMethod::kTable
                  ? "Kz from Table 26.10-1 at the top of the sign, linearly interpolated, 15 ft "
                    "minimum"
                  : "Kz from the power-law formula of Table 26.10-1's note (not the rounded "
                    "table)");
  if (in.gust_factor == 0.85) {
    a.push_back("Rigid structure: G = 0.85 (fundamental frequency >= 1 Hz not checked)");
  }
  a.push_back(
      "One support on the sign's vertical centre line: torsion about it; wind on the "
      "exposed pole itself not included");
  if (in.with_foundation) {
    a.push_back(
        "Foundation: nonconstrained embedded pole (no rigid floor or pavement at grade), IBC "
        "Eq. 18-1 for the governing case's ASD force at the resultant's height, round footing");
    a.push_back(in.isolated_pole
                    ? "IBC 1806.3.4 applied: lateral bearing doubled (isolated pole not adversely "
                      "affected by 1/2 in motion at grade)"
                    : "IBC 1806.3.4 pole increase not applied");
  } else {
    a.push_back(
        "No foundation computed: soil_class and footing_diameter_ft not given "
        "(embedment_ft is null)");
  }
  if (c22) {
    a.push_back(
        "ASCE 7-22: Kz cells of the verified ledger (Exposure B held at 0.70 below "
        "30 ft); Kd applied once in the force (Eq. 29.3-1); qh_psf reported with Kd "
        "for comparison with 7-16");
  }
  if (r.clearance >= 1.0) {
    a.push_back("s/h = 1 (sign on the ground): resultant 0.05 s above the geometric centre");
  }
  if (r.c.required && r.aspect > 10.0 && r.aspect < 13.0) {
    a.push_back(
        "Case C for 10 < B/s < 13: the B/s = 10 value of region 3s-10s stands for "
        "3s-4s, 4s-5s and 5s-10s, interpolated to the B/s = 13 column");
  }
  double conf = 0.95;
  if (c22) conf -= 0.1;
  if (r.c.required && r.aspect > 10.0 && r.aspect < 13.0) conf -= 0.05;
  if (in.top_height_ft > 60.0) conf -= 0.1;
  if (in.with_foundation && r.n.embedment_ft > kIbc1807LateralPressureDepthCapFt) {
    a.push_back(
        "The embedment exceeds 12 ft: the lateral pressure is held at its 12 ft value "
        "(IBC 1807.3.2.1); a pier this deep deserves a geotechnical design");
    conf -= 0.2;
  }  // tall pylons may be flexible (Gf, §26.11.5)
  if (in.kz_method == KzMethod::kFormula) conf -= 0.05;
  calc.confidence = std::max(0.0, conf);
  calc.pass = true;
  return calc;
}

}  // namespace signx::sign
