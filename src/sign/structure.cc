#include "sign/structure.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>

#include "sign/code_edition.h"
#include "sign/engineering.h"
#include "sign/json_fields.h"
#include "sign/wind.h"

namespace signx::sign {
namespace {

namespace json = boost::json;

constexpr double kMaxForceLb = 1e7;
constexpr double kMaxHeightFt = 500.0;

void StampEditions(Calculation& calc, std::string_view wind) {
  calc.constants_version = std::string(kConstantsVersion);
  calc.code["wind"] = wind;
  calc.code["building"] = kIbcEditions;
  calc.code["steel"] = kAiscEdition;
}

// The pole fields shared by the support route and the structure payload's "pole" object.
struct PoleFields {
  std::optional<std::string> method, shape;
  std::optional<double> fy, ratio;
};
PoleFields ReadPoleFields(JsonFields& f) {
  PoleFields p;
  p.method = f.Enum("method", {"ASD", "LRFD"}, false);
  p.shape = f.Enum("shape", {"round_hss", "square_hss", "pipe"}, false);
  p.fy = f.Number("fy_ksi", 30.0, 100.0, false, "ksi");
  p.ratio = f.Number("deflection_limit_ratio", 10.0, 1000.0, false);
  return p;
}

std::optional<std::string> ReadSection(JsonFields& f, const json::object& o) {
  f.MarkSeen("section");
  const json::value* v = o.if_contains("section");
  if (v == nullptr || v->is_null()) return std::nullopt;
  if (!v->is_string() || FindSection(v->get_string()) == nullptr) {
    f.Add(f.Field("section"),
          "must name a section of the table (e.g. \"HSS6.625x0.280\", \"Pipe 6 Std\", "
          "\"HSS8x8x1/4\")");
    return std::nullopt;
  }
  return std::string(v->get_string());
}

void ApplyPole(const PoleFields& p, SupportInput& in) {
  in.method = p.method.value_or("ASD") == "LRFD" ? DesignMethod::kLrfd : DesignMethod::kAsd;
  if (p.shape) in.shape = ParseSectionShape(*p.shape);
  in.fy_ksi = p.fy;
  in.deflection_limit_ratio = p.ratio.value_or(60.0);
}

}  // namespace

Result<SupportInput> ParseSupportInput(const json::object& o) {
  JsonFields f(o);
  SupportInput in;
  const PoleFields p = ReadPoleFields(f);
  auto section = ReadSection(f, o);
  auto w = f.Number("wind_force_lb", 0.0, kMaxForceLb, true, "lb");
  auto a = f.Number("load_height_ft", 0.0, kMaxHeightFt, true, "ft");
  auto e = f.Number("eccentricity_ft", 0.0, 200.0, false, "ft");
  auto l = f.Number("pole_height_ft", 0.0, kMaxHeightFt, true, "ft");
  f.RejectUnknown();
  if (w && *w <= 0) f.Add("wind_force_lb", "must be > 0 lb");
  if (a && *a <= 0) f.Add("load_height_ft", "must be > 0 ft");
  if (l && *l <= 0) f.Add("pole_height_ft", "must be > 0 ft");
  if (a && l && *a > *l) {
    f.Add("load_height_ft", fmt::format("must be <= pole_height_ft ({} ft): the wind resultant "
                                        "must act on the pole",
                                        *l));
  }
  SIGNX_RETURN_IF_ERROR(f.Finish());
  ApplyPole(p, in);
  in.section = section;
  in.wind_force_lb = *w;
  in.load_height_ft = *a;
  in.eccentricity_ft = e.value_or(0.0);
  in.pole_height_ft = *l;
  return in;
}

json::object ToJson(const SupportInput& in) {
  json::object o;
  o["method"] = Name(in.method);
  o["wind_force_lb"] = in.wind_force_lb;
  o["load_height_ft"] = in.load_height_ft;
  o["eccentricity_ft"] = in.eccentricity_ft;
  o["pole_height_ft"] = in.pole_height_ft;
  o["shape"] = in.shape ? json::value(Name(*in.shape)) : json::value(nullptr);
  o["fy_ksi"] = in.fy_ksi ? json::value(*in.fy_ksi) : json::value(nullptr);
  o["deflection_limit_ratio"] = in.deflection_limit_ratio;
  o["section"] = in.section ? json::value(*in.section) : json::value(nullptr);
  return o;
}

Calculation SupportCheck(const SupportInput& in) {
  Calculation calc = SupportCalculation(in);
  StampEditions(calc, "ASCE 7-16/7-22 (load combinations §2.3/§2.4)");
  return calc;
}

Result<FoundationRequest> ParseFoundationInput(const json::object& o) {
  JsonFields f(o);
  FoundationRequest r;
  auto type = f.Enum("type", {"nonconstrained", "constrained", "spread_footing"}, false);
  auto p = f.Number("lateral_force_asd_lb", 0.0, kMaxForceLb, true, "lb");
  auto h = f.Number("load_height_ft", 0.0, kMaxHeightFt, true, "ft");
  auto soil = f.Integer("soil_class", 1, 5, true);
  const std::string t = type.value_or("nonconstrained");
  if (t == "spread_footing") {
    auto l = f.Number("footing_length_ft", 1.0, 100.0, true, "ft");
    auto w = f.Number("footing_width_ft", 1.0, 100.0, true, "ft");
    auto th = f.Number("footing_thickness_ft", 0.5, 20.0, true, "ft");
    auto dl = f.Number("dead_load_lb", 0.0, kMaxForceLb, false, "lb");
    auto pcf = f.Number("concrete_pcf", 100.0, 160.0, false, "pcf");
    auto fs = f.Number("min_safety_factor", 1.0, 3.0, false);
    f.RejectUnknown();
    if (p && *p <= 0) f.Add("lateral_force_asd_lb", "must be > 0 lb");
    SIGNX_RETURN_IF_ERROR(f.Finish());
    r.type = FoundationCheck::kSpreadFooting;
    r.footing = {.p_asd_lb = *p,
                 .h_ft = *h,
                 .soil_class = *soil,
                 .length_ft = *l,
                 .width_ft = *w,
                 .thickness_ft = *th,
                 .dead_load_lb = dl.value_or(0.0),
                 .concrete_pcf = pcf.value_or(150.0),
                 .min_safety_factor = fs.value_or(1.5)};
    return r;
  }
  auto shape = f.Enum("footing_shape", {"round", "square"}, false);
  const bool square = shape.value_or("round") == "square";
  auto size = square ? f.Number("footing_width_ft", kFootingMinFt, kFootingMaxFt, true, "ft")
                     : f.Number("footing_diameter_ft", kFootingMinFt, kFootingMaxFt, true, "ft");
  auto iso = f.Bool("isolated_pole");
  auto dp = f.Number("provided_depth_ft", 0.5, 60.0, false, "ft");
  f.RejectUnknown();
  if (p && *p <= 0) f.Add("lateral_force_asd_lb", "must be > 0 lb");
  if (h && *h <= 0) f.Add("load_height_ft", "must be > 0 ft");
  SIGNX_RETURN_IF_ERROR(f.Finish());
  r.type = t == "constrained" ? FoundationCheck::kConstrained : FoundationCheck::kNonconstrained;
  r.embedment = {.p_asd_lb = *p,
                 .h_ft = *h,
                 .soil_class = *soil,
                 .shape = square ? FootingShape::kSquare : FootingShape::kRound,
                 .footing_size_ft = *size,
                 .isolated_pole = iso.value_or(false),
                 .provided_depth_ft = dp};
  return r;
}

json::object ToJson(const FoundationRequest& r) {
  json::object o;
  if (r.type == FoundationCheck::kSpreadFooting) {
    const SpreadFootingInput& s = r.footing;
    o["type"] = "spread_footing";
    o["lateral_force_asd_lb"] = s.p_asd_lb;
    o["load_height_ft"] = s.h_ft;
    o["soil_class"] = s.soil_class;
    o["footing_length_ft"] = s.length_ft;
    o["footing_width_ft"] = s.width_ft;
    o["footing_thickness_ft"] = s.thickness_ft;
    o["dead_load_lb"] = s.dead_load_lb;
    o["concrete_pcf"] = s.concrete_pcf;
    o["min_safety_factor"] = s.min_safety_factor;
    return o;
  }
  const EmbedmentInput& e = r.embedment;
  o["type"] = r.type == FoundationCheck::kConstrained ? "constrained" : "nonconstrained";
  o["lateral_force_asd_lb"] = e.p_asd_lb;
  o["load_height_ft"] = e.h_ft;
  o["soil_class"] = e.soil_class;
  o["footing_shape"] = e.shape == FootingShape::kSquare ? "square" : "round";
  o["footing_size_ft"] = e.footing_size_ft;
  o["isolated_pole"] = e.isolated_pole;
  o["provided_depth_ft"] =
      e.provided_depth_ft ? json::value(*e.provided_depth_ft) : json::value(nullptr);
  return o;
}

Calculation FoundationCalculation(const FoundationRequest& r) {
  Calculation calc;
  calc.kind = "foundation";
  StampEditions(calc, "ASCE 7-16/7-22 (ASD loads, §2.4)");
  calc.confidence = 0.9;
  json::object& o = calc.result;
  if (r.type == FoundationCheck::kSpreadFooting) {
    o["type"] = "spread_footing";
    SpreadFootingCheck(r.footing, calc);
    o["pass"] = calc.pass;
    calc.assumptions.push_back(
        "Spread footing with its top at grade, wind along its length; "
        "overturning about the toe and sliding with the full dead load "
        "resisting (FS >= " +
        fmt::format("{}", r.footing.min_safety_factor) +
        "); bearing against the Table 1806.2 presumptive value");
    calc.assumptions.push_back("Passive soil pressure on the footing's sides neglected");
    return calc;
  }
  const EmbedmentInput& e = r.embedment;
  const SoilClassValues soil = Ibc1806SoilClass(e.soil_class);
  double d;
  if (r.type == FoundationCheck::kConstrained) {
    o["type"] = "constrained";
    d = TraceConstrainedEmbedment(e, calc);
    calc.assumptions.push_back(
        "Constrained at grade by a rigid floor or pavement (IBC 1807.3.2.2, Eq. 18-3, S3 at the "
        "full depth, capped at 12 ft)");
  } else {
    o["type"] = "nonconstrained";
    d = TraceNonconstrainedEmbedment(e, calc);
    calc.assumptions.push_back(
        "Nonconstrained (IBC 1807.3.2.1, Eq. 18-1, S1 at d/3 with d capped at 12 ft, solved "
        "together with d)");
  }
  calc.assumptions.push_back(e.isolated_pole
                                 ? "IBC 1806.3.4 applied: lateral bearing doubled for an "
                                   "isolated pole (1/2 in motion at grade acceptable)"
                                 : "IBC 1806.3.4 pole increase not applied");
  calc.assumptions.push_back(
      "Presumptive soil values of IBC Table 1806.2 (no geotechnical "
      "report); no one-third increase (plain ASCE 7 0.6W)");
  if (e.shape == FootingShape::kSquare) {
    calc.assumptions.push_back("Square footing: b is its diagonal (IBC 1807.3.2.1)");
  }
  if (d > kIbc1807LateralPressureDepthCapFt) {
    calc.assumptions.push_back(
        "The depth exceeds 12 ft: the lateral pressure is held at its 12 ft value (IBC "
        "1807.3.2.1); a pier this deep deserves a geotechnical design");
    calc.confidence -= 0.2;
  }
  o["soil_class"] = e.soil_class;
  o["soil"] = soil.description;
  o["lateral_bearing_psf_per_ft"] = soil.lateral_bearing_psf_per_ft;
  o["isolated_pole"] = e.isolated_pole;
  o["embedment_ft"] = d;
  if (e.provided_depth_ft) {
    o["provided_depth_ft"] = *e.provided_depth_ft;
  }
  o["pass"] = calc.pass;
  return calc;
}

Result<Calculation> CheckStructure(const json::object& payload) {
  JsonFields top(payload);
  const json::object* wind = top.Object("wind", true);
  const json::object* pole = top.Object("pole", false);
  const json::object* footing = top.Object("footing", false);
  top.RejectUnknown();
  SIGNX_RETURN_IF_ERROR(top.Finish());

  std::vector<FieldError> errors;
  Result<SignWindInput> w = ParseSignWindInput(*wind);
  if (!w.ok()) {
    for (const auto& fe : w.status().details()) errors.push_back({"wind." + fe.field, fe.message});
  }
  PoleFields pole_fields;
  std::optional<std::string> section;
  std::optional<double> pole_height;
  if (pole != nullptr) {
    JsonFields f(*pole, "pole.");
    pole_fields = ReadPoleFields(f);
    section = ReadSection(f, *pole);
    pole_height = f.Number("pole_height_ft", 0.0, kMaxHeightFt, false, "ft");
    f.RejectUnknown();
    for (auto& fe : f.errors()) errors.push_back(std::move(fe));
  }
  std::optional<double> provided;
  bool constrained = false;
  if (footing != nullptr) {
    JsonFields f(*footing, "footing.");
    provided = f.Number("provided_depth_ft", 0.5, 60.0, false, "ft");
    constrained = f.Bool("constrained").value_or(false);
    f.RejectUnknown();
    for (auto& fe : f.errors()) errors.push_back(std::move(fe));
  }
  if (w.ok() && !w->with_foundation) {
    errors.push_back({"wind.soil_class", "is required (a structure has a foundation)"});
    errors.push_back({"wind.footing_diameter_ft", "is required (a structure has a foundation)"});
  }
  if (w.ok() && pole_height && *pole_height < w->top_height_ft - w->sign_height_ft / 2.0) {
    errors.push_back(
        {"pole.pole_height_ft", fmt::format("must be >= the height of the wind resultant ({} ft)",
                                            w->top_height_ft - w->sign_height_ft / 2.0)});
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));

  Calculation calc;
  calc.kind = "structure";
  Calculation wc = SignWindCalculation(*w);
  calc.code = wc.code;
  calc.constants_version = wc.constants_version;
  const json::object& wr = wc.result;
  const double gov_f_asd = wr.at("governing").at("force_asd_lb").as_double();
  const double gov_t_asd = wr.at("governing").at("torsion_asd_lbft").as_double();
  const double arm = wr.at("resultant_height_ft").as_double();

  SupportInput si;
  ApplyPole(pole_fields, si);
  si.section = section;
  si.wind_force_lb = gov_f_asd / 0.6;
  si.load_height_ft = arm;
  si.eccentricity_ft = gov_t_asd / gov_f_asd;
  si.pole_height_ft = pole_height.value_or(w->top_height_ft);
  Calculation sc = SupportCalculation(si);

  json::object fnd = wr.at("foundation").as_object();
  double required = wr.at("embedment_ft").as_double();
  Calculation cc;
  if (constrained) {
    FoundationRequest fr;
    fr.type = FoundationCheck::kConstrained;
    fr.embedment = {.p_asd_lb = gov_f_asd,
                    .h_ft = arm,
                    .soil_class = w->soil_class,
                    .shape = FootingShape::kRound,
                    .footing_size_ft = w->footing_diameter_ft,
                    .isolated_pole = w->isolated_pole};
    cc = FoundationCalculation(fr);
    required = cc.result.at("embedment_ft").as_double();
    fnd["type"] = "constrained";
    fnd["embedment_ft"] = required;
  }
  bool foundation_ok = true;
  if (provided) {
    foundation_ok = *provided >= required;
    fnd["provided_depth_ft"] = *provided;
  }
  fnd["pass"] = foundation_ok;

  calc.pass = sc.pass && foundation_ok;
  json::object& r = calc.result;
  r["pass"] = calc.pass;
  r["wind"] = wc.result;
  r["support"] = sc.result;
  r["support_pass"] = sc.pass;
  r["foundation"] = std::move(fnd);
  r["embedment_ft"] = required;
  json::array failures;
  if (!sc.pass) failures.emplace_back("support");
  if (!foundation_ok) failures.emplace_back("foundation");
  r["failures"] = std::move(failures);
  calc.confidence = std::min(wc.confidence, sc.confidence);
  calc.Absorb(std::move(wc));
  calc.Absorb(std::move(sc));
  if (constrained) calc.Absorb(std::move(cc));
  calc.assumptions.push_back(
      "Pole designed for the governing case's force with the largest torsion of Cases B and C "
      "(conservative when they are different cases)");
  return calc;
}

}  // namespace signx::sign
