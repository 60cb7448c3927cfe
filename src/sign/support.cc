#include "sign/support.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "sign/engineering.h"

namespace signx::sign {
namespace {

namespace json = boost::json;
using SS = SectionShape;
constexpr double kPi = std::numbers::pi;

// ASTM A500 round HSS (D x t_nom), ASTM A53 pipe (ASME B36.10 Std / XS), ASTM A500 square HSS
// (B x t_nom): common stock sizes for sign poles.
constexpr SectionDef kSections[] = {
    {"HSS2.375x0.154", SS::kRoundHss, 2.375, 0.154},
    {"HSS2.875x0.203", SS::kRoundHss, 2.875, 0.203},
    {"HSS3.500x0.216", SS::kRoundHss, 3.5, 0.216},
    {"HSS4.000x0.226", SS::kRoundHss, 4.0, 0.226},
    {"HSS4.500x0.188", SS::kRoundHss, 4.5, 0.188},
    {"HSS4.500x0.237", SS::kRoundHss, 4.5, 0.237},
    {"HSS5.563x0.188", SS::kRoundHss, 5.563, 0.188},
    {"HSS5.563x0.258", SS::kRoundHss, 5.563, 0.258},
    {"HSS6.625x0.188", SS::kRoundHss, 6.625, 0.188},
    {"HSS6.625x0.250", SS::kRoundHss, 6.625, 0.250},
    {"HSS6.625x0.280", SS::kRoundHss, 6.625, 0.280},
    {"HSS6.625x0.432", SS::kRoundHss, 6.625, 0.432},
    {"HSS8.625x0.250", SS::kRoundHss, 8.625, 0.250},
    {"HSS8.625x0.322", SS::kRoundHss, 8.625, 0.322},
    {"HSS8.625x0.375", SS::kRoundHss, 8.625, 0.375},
    {"HSS8.625x0.500", SS::kRoundHss, 8.625, 0.500},
    {"HSS10.750x0.250", SS::kRoundHss, 10.75, 0.250},
    {"HSS10.750x0.365", SS::kRoundHss, 10.75, 0.365},
    {"HSS10.750x0.500", SS::kRoundHss, 10.75, 0.500},
    {"HSS12.750x0.250", SS::kRoundHss, 12.75, 0.250},
    {"HSS12.750x0.375", SS::kRoundHss, 12.75, 0.375},
    {"HSS12.750x0.500", SS::kRoundHss, 12.75, 0.500},
    {"HSS14.000x0.375", SS::kRoundHss, 14.0, 0.375},
    {"HSS14.000x0.500", SS::kRoundHss, 14.0, 0.500},
    {"HSS16.000x0.375", SS::kRoundHss, 16.0, 0.375},
    {"HSS16.000x0.500", SS::kRoundHss, 16.0, 0.500},
    {"HSS18.000x0.500", SS::kRoundHss, 18.0, 0.500},
    {"HSS20.000x0.375", SS::kRoundHss, 20.0, 0.375},
    {"HSS20.000x0.500", SS::kRoundHss, 20.0, 0.500},
    {"HSS24.000x0.500", SS::kRoundHss, 24.0, 0.500},
    {"Pipe 2 Std", SS::kPipe, 2.375, 0.154},
    {"Pipe 2 XS", SS::kPipe, 2.375, 0.218},
    {"Pipe 2-1/2 Std", SS::kPipe, 2.875, 0.203},
    {"Pipe 2-1/2 XS", SS::kPipe, 2.875, 0.276},
    {"Pipe 3 Std", SS::kPipe, 3.5, 0.216},
    {"Pipe 3 XS", SS::kPipe, 3.5, 0.300},
    {"Pipe 3-1/2 Std", SS::kPipe, 4.0, 0.226},
    {"Pipe 3-1/2 XS", SS::kPipe, 4.0, 0.318},
    {"Pipe 4 Std", SS::kPipe, 4.5, 0.237},
    {"Pipe 4 XS", SS::kPipe, 4.5, 0.337},
    {"Pipe 5 Std", SS::kPipe, 5.563, 0.258},
    {"Pipe 5 XS", SS::kPipe, 5.563, 0.375},
    {"Pipe 6 Std", SS::kPipe, 6.625, 0.280},
    {"Pipe 6 XS", SS::kPipe, 6.625, 0.432},
    {"Pipe 8 Std", SS::kPipe, 8.625, 0.322},
    {"Pipe 8 XS", SS::kPipe, 8.625, 0.500},
    {"Pipe 10 Std", SS::kPipe, 10.75, 0.365},
    {"Pipe 10 XS", SS::kPipe, 10.75, 0.500},
    {"Pipe 12 Std", SS::kPipe, 12.75, 0.375},
    {"Pipe 12 XS", SS::kPipe, 12.75, 0.500},
    {"HSS2x2x3/16", SS::kSquareHss, 2.0, 0.1875},
    {"HSS2-1/2x2-1/2x3/16", SS::kSquareHss, 2.5, 0.1875},
    {"HSS3x3x3/16", SS::kSquareHss, 3.0, 0.1875},
    {"HSS3x3x1/4", SS::kSquareHss, 3.0, 0.25},
    {"HSS3-1/2x3-1/2x3/16", SS::kSquareHss, 3.5, 0.1875},
    {"HSS3-1/2x3-1/2x1/4", SS::kSquareHss, 3.5, 0.25},
    {"HSS4x4x3/16", SS::kSquareHss, 4.0, 0.1875},
    {"HSS4x4x1/4", SS::kSquareHss, 4.0, 0.25},
    {"HSS4x4x5/16", SS::kSquareHss, 4.0, 0.3125},
    {"HSS5x5x3/16", SS::kSquareHss, 5.0, 0.1875},
    {"HSS5x5x1/4", SS::kSquareHss, 5.0, 0.25},
    {"HSS5x5x5/16", SS::kSquareHss, 5.0, 0.3125},
    {"HSS6x6x3/16", SS::kSquareHss, 6.0, 0.1875},
    {"HSS6x6x1/4", SS::kSquareHss, 6.0, 0.25},
    {"HSS6x6x5/16", SS::kSquareHss, 6.0, 0.3125},
    {"HSS6x6x3/8", SS::kSquareHss, 6.0, 0.375},
    {"HSS7x7x1/4", SS::kSquareHss, 7.0, 0.25},
    {"HSS7x7x5/16", SS::kSquareHss, 7.0, 0.3125},
    {"HSS8x8x1/4", SS::kSquareHss, 8.0, 0.25},
    {"HSS8x8x5/16", SS::kSquareHss, 8.0, 0.3125},
    {"HSS8x8x3/8", SS::kSquareHss, 8.0, 0.375},
    {"HSS8x8x1/2", SS::kSquareHss, 8.0, 0.5},
    {"HSS10x10x5/16", SS::kSquareHss, 10.0, 0.3125},
    {"HSS10x10x3/8", SS::kSquareHss, 10.0, 0.375},
    {"HSS10x10x1/2", SS::kSquareHss, 10.0, 0.5},
    {"HSS12x12x3/8", SS::kSquareHss, 12.0, 0.375},
    {"HSS12x12x1/2", SS::kSquareHss, 12.0, 0.5},
    {"HSS14x14x1/2", SS::kSquareHss, 14.0, 0.5},
};

// A solid square of side b with corner radius r (centred): area, I, and Z = integral |y| dA.
// The four corner spandrels (square r x r minus a quarter disk) are subtracted; per spandrel,
// about its outer edge: area (1 - pi/4) r^2, first moment (5/6 - pi/4) r^3, I (1 - 5 pi/16) r^4.
struct Solid {
  double a, i, z;
};
Solid RoundedSquare(double b, double r) {
  const double as = (1.0 - kPi / 4.0) * r * r;
  const double qs = (5.0 / 6.0 - kPi / 4.0) * r * r * r;
  const double is = (1.0 - 5.0 * kPi / 16.0) * r * r * r * r;
  const double half = b / 2.0;
  Solid s;
  s.a = b * b - 4.0 * as;
  s.i = b * b * b * b / 12.0 - 4.0 * (half * half * as - 2.0 * half * qs + is);
  s.z = b * b * b / 4.0 - 4.0 * (half * as - qs);
  return s;
}

double SquareTubeArea(double b, double t) {
  return RoundedSquare(b, 2.0 * t).a - RoundedSquare(b - 2.0 * t, t).a;
}

}  // namespace

std::string_view Name(SectionShape s) {
  switch (s) {
    case SS::kRoundHss:
      return "round_hss";
    case SS::kSquareHss:
      return "square_hss";
    case SS::kPipe:
      return "pipe";
  }
  return "round_hss";
}

std::optional<SectionShape> ParseSectionShape(std::string_view n) {
  if (n == "round_hss") return SS::kRoundHss;
  if (n == "square_hss") return SS::kSquareHss;
  if (n == "pipe") return SS::kPipe;
  return std::nullopt;
}

std::string_view Name(DesignMethod m) { return m == DesignMethod::kAsd ? "ASD" : "LRFD"; }

std::span<const SectionDef> SectionTable() { return kSections; }

const SectionDef* FindSection(std::string_view name) {
  for (const auto& s : kSections) {
    if (s.name == name) return &s;
  }
  return nullptr;
}

double DefaultFyKsi(SectionShape shape) {
  switch (shape) {
    case SS::kRoundHss:
      return kA500GrCRoundFyKsi;
    case SS::kSquareHss:
      return 50.0;
    case SS::kPipe:
      return 35.0;
  }
  return kA500GrCRoundFyKsi;
}

SectionProperties Properties(const SectionDef& sec) {
  SectionProperties p;
  const double t = kAisc360ErwDesignThicknessFactor * sec.t_nom_in;
  p.t_in = t;
  const double b = sec.size_in;
  if (sec.shape == SS::kSquareHss) {
    const Solid outer = RoundedSquare(b, 2.0 * t);
    const Solid inner = RoundedSquare(b - 2.0 * t, t);
    p.area_in2 = outer.a - inner.a;
    p.i_in4 = outer.i - inner.i;
    p.s_in3 = p.i_in4 / (b / 2.0);
    p.z_in3 = outer.z - inner.z;
    // AISC 360-16 H3.1 (user note): C = 2(B - t)(H - t)t - 4.5(4 - pi)t^3.
    p.c_in3 = 2.0 * (b - t) * (b - t) * t - 4.5 * (4.0 - kPi) * t * t * t;
    p.weight_plf = kSteelLbPerFtPerIn2 * SquareTubeArea(b, sec.t_nom_in);
    p.slenderness = (b - 3.0 * t) / t;  // AISC 360-16 Table B4.1b: b = B - 3t
  } else {
    const RoundHssProperties r = RoundHssSection(b, t);
    p.area_in2 = r.area_in2;
    p.i_in4 = r.i_in4;
    p.s_in3 = r.s_in3;
    p.z_in3 = r.z_in3;
    // AISC 360-16 H3.1 (user note): C = pi (D - t)^2 t / 2.
    p.c_in3 = kPi * (b - t) * (b - t) * t / 2.0;
    const double di = b - 2.0 * sec.t_nom_in;
    p.weight_plf = kSteelLbPerFtPerIn2 * kPi * (b * b - di * di) / 4.0;
    p.slenderness = b / t;
  }
  return p;
}

SectionCheck CheckSection(const SectionDef& sec, const SupportInput& in) {
  SectionCheck c;
  c.section = &sec;
  c.props = Properties(sec);
  const SectionProperties& p = c.props;
  const double e = kSteelEKsi;
  const double fy = in.fy_ksi.value_or(DefaultFyKsi(sec.shape));
  c.fy_ksi = fy;
  const double t = p.t_in;
  const double d = sec.size_in;
  const double lam = p.slenderness;
  const double a_in = in.load_height_ft * 12.0;
  const double l_in = in.pole_height_ft * 12.0;

  if (sec.shape == SS::kSquareHss) {
    const double root = std::sqrt(e / fy);
    const double mp = fy * p.z_in3;
    // Web of a square tube: h/t = b/t; F7 covers compact webs only (F7.3 otherwise).
    if (lam > 2.42 * root) c.applicable = false;
    if (lam <= 1.12 * root) {
      c.flexure_class = "compact";
      c.mn_kip_in = mp;  // F7-1
    } else if (lam <= 1.40 * root) {
      c.flexure_class = "noncompact";
      c.mn_kip_in =
          std::min(mp, mp - (mp - fy * p.s_in3) * (3.57 * lam * std::sqrt(fy / e) - 4.0));  // F7-2
    } else {
      c.flexure_class = "slender";
      // F7-3, F7-4: effective width of the compression flange, Se from the reduced section.
      const double bflat = d - 3.0 * t;
      const double be = std::min(bflat, 1.92 * t * root * (1.0 - 0.38 / lam * root));
      const double da = (bflat - be) * t;  // ineffective strip
      const double yc = (d - t) / 2.0;     // its distance above the centroid
      const double shift = da * yc / (p.area_in2 - da);
      const double ie = p.i_in4 - da * yc * yc - (p.area_in2 - da) * shift * shift;
      const double se = ie / (d / 2.0 + shift);
      c.mn_kip_in = fy * se;
    }
    // G4 shear: Aw = 2 h t, h = B - 3t, kv = 5 (G2.2).
    const double kv = 5.0;
    const double ht = lam;
    double cv2;
    if (ht <= 1.10 * std::sqrt(kv * e / fy)) {
      cv2 = 1.0;
    } else if (ht <= 1.37 * std::sqrt(kv * e / fy)) {
      cv2 = 1.10 * std::sqrt(kv * e / fy) / ht;
    } else {
      cv2 = 1.51 * kv * e / (ht * ht * fy);
    }
    c.vn_kip = 0.6 * fy * (2.0 * (d - 3.0 * t) * t) * cv2;  // G4-1
    // H3-3..H3-5.
    double fcr;
    if (ht <= 2.45 * root) {
      fcr = 0.6 * fy;
    } else if (ht <= 3.07 * root) {
      fcr = 0.6 * fy * (2.45 * root) / ht;
    } else {
      fcr = 0.458 * kPi * kPi * e / (ht * ht);
    }
    c.tn_kip_in = fcr * p.c_in3;  // H3-1
  } else {
    if (lam >= 0.45 * e / fy) c.applicable = false;  // F8 / G5 / H3 limit
    c.mn_kip_in = Aisc360RoundHssNominalFlexureKipIn(RoundHssSection(d, t), fy, e);
    c.flexure_class = lam <= 0.07 * e / fy   ? "compact"
                      : lam <= 0.31 * e / fy ? "noncompact"
                                             : "slender";
    // G5-2a/b: Lv = distance from maximum to zero shear (the load point).
    const double lv = std::max(a_in, d);
    const double fcr_v = std::min(std::max(1.60 * e / (std::sqrt(lv / d) * std::pow(lam, 1.25)),
                                           0.78 * e / std::pow(lam, 1.5)),
                                  0.6 * fy);
    c.vn_kip = fcr_v * p.area_in2 / 2.0;  // G5-1
    // H3-2a/b with L the member length.
    const double lt = std::max(l_in, d);
    const double fcr_t = std::min(std::max(1.23 * e / (std::sqrt(lt / d) * std::pow(lam, 1.25)),
                                           0.60 * e / std::pow(lam, 1.5)),
                                  0.6 * fy);
    c.tn_kip_in = fcr_t * p.c_in3;  // H3-1
  }

  // Required strengths: ASD 0.6 W (ASCE 7-16 §2.4.1), LRFD 1.0 W (§2.3.1).
  const bool asd = in.method == DesignMethod::kAsd;
  const double w = (asd ? 0.6 : 1.0) * in.wind_force_lb / 1000.0;  // kips
  c.vr_kip = w;
  c.mr_kip_in = w * a_in;
  c.tr_kip_in = w * in.eccentricity_ft * 12.0;
  // AISC 360-16 F1, G1, H3.1: Omega = 1.67, phi = 0.90.
  const auto available = [asd](double nominal) {
    return asd ? nominal / kAisc360OmegaB : 0.9 * nominal;
  };
  c.mc_kip_in = available(c.mn_kip_in);
  c.vc_kip = available(c.vn_kip);
  c.tc_kip_in = available(c.tn_kip_in);
  c.flexure_ratio = c.mr_kip_in / c.mc_kip_in;
  c.shear_ratio = c.vr_kip / c.vc_kip;
  c.torsion_ratio = c.tr_kip_in / c.tc_kip_in;
  // H3.2: torsion below 20 % of its available strength is neglected (H1 with Pr = 0); else
  // (Pr/Pc + Mr/Mc) + (Vr/Vc + Tr/Tc)^2 <= 1 (H3-6).
  if (c.tr_kip_in <= 0.2 * c.tc_kip_in) {
    c.interaction = c.flexure_ratio;
  } else {
    const double vt = c.shear_ratio + c.torsion_ratio;
    c.interaction = c.flexure_ratio + vt * vt;
  }
  // Cantilever tip deflection under the ASD-level load P = 0.6 W at a: P a^2 (3L - a) / (6 E I).
  const double p_serv = 0.6 * in.wind_force_lb / 1000.0;
  c.deflection_in = p_serv * a_in * a_in * (3.0 * l_in - a_in) / (6.0 * e * p.i_in4);
  c.deflection_limit_in = l_in / in.deflection_limit_ratio;
  c.pass = c.applicable && c.interaction <= 1.0 && c.shear_ratio <= 1.0 && c.torsion_ratio <= 1.0 &&
           c.deflection_in <= c.deflection_limit_in;
  return c;
}

Calculation SupportCalculation(const SupportInput& in) {
  Calculation calc;
  calc.kind = "support";
  const bool asd = in.method == DesignMethod::kAsd;
  const SectionCheck* chosen = nullptr;
  SectionCheck best;
  int candidates = 0;
  if (in.section) {
    const SectionDef* s = FindSection(*in.section);
    if (s != nullptr) {
      best = CheckSection(*s, in);
      chosen = &best;
      candidates = 1;
    }
  } else {
    // Lightest passing section; ties by name, so the answer never depends on table order.
    for (const SectionDef& s : kSections) {
      if (in.shape && s.shape != *in.shape) continue;
      ++candidates;
      SectionCheck c = CheckSection(s, in);
      if (!c.pass) continue;
      if (chosen == nullptr || c.props.weight_plf < best.props.weight_plf ||
          (c.props.weight_plf == best.props.weight_plf && s.name < best.section->name)) {
        best = std::move(c);
        chosen = &best;
      }
    }
  }

  calc.Trace("W", "strength-level wind force on the sign", in.wind_force_lb, "lb",
             "ASCE 7 Eq. 29.3-1");
  calc.Trace("a", "height of the wind resultant above the pole base", in.load_height_ft, "ft",
             "input");
  calc.Trace("e_t", "eccentricity of the wind resultant from the pole axis", in.eccentricity_ft,
             "ft", "ASCE 7 Fig. 29.3-1 Case B/C");
  calc.Trace("L", "pole length (cantilever)", in.pole_height_ft, "ft", "input");
  calc.Trace("gamma_W", asd ? "ASD load factor on W" : "LRFD load factor on W", asd ? 0.6 : 1.0, "",
             asd ? "ASCE 7-16 §2.4.1 (D + 0.6W)" : "ASCE 7-16 §2.3.1 (1.2D + 1.0W)");
  calc.assumptions.push_back(
      "Single cantilever pole fixed at its base (grade); axial dead load neglected in the "
      "interaction (Pr = 0), which is small for sign poles");
  calc.assumptions.push_back(
      "Design wall thickness 0.93 t_nom (AISC 360-16 §B4.2); square HSS corner radius 2t; "
      "properties computed from the geometry, weights from the nominal thickness");
  calc.assumptions.push_back(fmt::format(
      "Deflection under 0.6 W (serviceability; no code limit for signs) limited to L/{}",
      in.deflection_limit_ratio));
  if (!in.fy_ksi) {
    calc.assumptions.push_back(
        "Fy: round HSS 46 ksi (A500 Gr C round, AISC Manual Table 3-14), square HSS 50 ksi "
        "(A500 Gr C), pipe 35 ksi (A53 Gr B)");
  }
  calc.confidence = 0.9;

  json::object& r = calc.result;
  r["method"] = Name(in.method);
  r["candidates_checked"] = candidates;
  if (chosen == nullptr) {
    calc.pass = false;
    r["section"] = nullptr;
    calc.assumptions.push_back(
        in.section ? "The requested section is not in the section table"
                   : "No section of the table passes: a larger or multi-pole support is needed");
    return calc;
  }
  const SectionCheck& c = *chosen;
  const SectionDef& s = *c.section;
  const std::string fc = std::string("AISC 360-16 ") + (s.shape == SS::kSquareHss ? "§F7" : "§F8");
  calc.Trace("D", s.shape == SS::kSquareHss ? "outside width B" : "outside diameter D", s.size_in,
             "in", "section table");
  calc.Trace("t", "design wall thickness 0.93 t_nom", c.props.t_in, "in", "AISC 360-16 §B4.2");
  calc.Trace("Ag", "gross cross-section area", c.props.area_in2, "in^2", "geometry");
  calc.Trace("I", "moment of inertia", c.props.i_in4, "in^4", "geometry");
  calc.Trace("S", "elastic section modulus", c.props.s_in3, "in^3", "geometry");
  calc.Trace("Z", "plastic section modulus", c.props.z_in3, "in^3", "geometry");
  calc.Trace("C", "torsional constant", c.props.c_in3, "in^3", "AISC 360-16 §H3.1");
  calc.Trace("lambda", s.shape == SS::kSquareHss ? "flange slenderness b/t" : "slenderness D/t",
             c.props.slenderness, "", "AISC 360-16 Table B4.1b");
  calc.Trace("Fy", "yield stress", c.fy_ksi, "ksi", "ASTM A500 / A53");
  calc.Trace("Mn", "nominal flexural strength (" + c.flexure_class + ")", c.mn_kip_in, "kip-in",
             fc);
  calc.Trace("Vn", "nominal shear strength", c.vn_kip, "kip",
             s.shape == SS::kSquareHss ? "AISC 360-16 §G4" : "AISC 360-16 §G5");
  calc.Trace("Tn", "nominal torsional strength", c.tn_kip_in, "kip-in", "AISC 360-16 §H3.1");
  const char* av =
      asd ? "AISC 360-16 §F1/G1/H3.1 (Omega = 1.67)" : "AISC 360-16 §F1/G1/H3.1 (phi = 0.90)";
  calc.Trace("Mc", "available flexural strength", c.mc_kip_in, "kip-in", av);
  calc.Trace("Vc", "available shear strength", c.vc_kip, "kip", av);
  calc.Trace("Tc", "available torsional strength", c.tc_kip_in, "kip-in", av);
  calc.Trace("Mr", "required flexural strength gamma_W W a", c.mr_kip_in, "kip-in", "statics");
  calc.Trace("Vr", "required shear strength gamma_W W", c.vr_kip, "kip", "statics");
  calc.Trace("Tr", "required torsional strength gamma_W W e_t", c.tr_kip_in, "kip-in", "statics");
  calc.Trace("Mr/Mc", "flexure ratio", c.flexure_ratio, "", fc);
  calc.Trace("Vr/Vc", "shear ratio", c.shear_ratio, "", "AISC 360-16 Chapter G");
  calc.Trace("Tr/Tc", "torsion ratio", c.torsion_ratio, "", "AISC 360-16 §H3.1");
  calc.Trace("IR", "combined flexure, shear and torsion", c.interaction, "",
             c.tr_kip_in <= 0.2 * c.tc_kip_in ? "AISC 360-16 §H3.2 (Tr <= 0.2 Tc: Eq. H1-1b)"
                                              : "AISC 360-16 Eq. H3-6");
  calc.Trace("delta", "tip deflection under 0.6 W: P a^2 (3L - a) / (6 E I)", c.deflection_in, "in",
             "cantilever statics (E = 29,000 ksi)");
  calc.Trace("delta_allow", "deflection limit L / ratio", c.deflection_limit_in, "in",
             "serviceability (input ratio)");
  calc.pass = c.pass;
  r["section"] = std::string(s.name);
  r["shape"] = Name(s.shape);
  r["weight_plf"] = c.props.weight_plf;
  r["fy_ksi"] = c.fy_ksi;
  r["applicable"] = c.applicable;
  r["flexure_class"] = c.flexure_class;
  r["required_moment_kipin"] = c.mr_kip_in;
  r["available_moment_kipin"] = c.mc_kip_in;
  r["flexure_ratio"] = c.flexure_ratio;
  r["shear_ratio"] = c.shear_ratio;
  r["torsion_ratio"] = c.torsion_ratio;
  r["interaction_ratio"] = c.interaction;
  r["deflection_in"] = c.deflection_in;
  r["deflection_limit_in"] = c.deflection_limit_in;
  r["pass"] = c.pass;
  if (!c.applicable) {
    calc.assumptions.push_back(
        "The section is outside the slenderness limits of the AISC 360-16 "
        "provisions used (F7 compact webs, F8 D/t < 0.45 E/Fy)");
  }
  return calc;
}

}  // namespace signx::sign
