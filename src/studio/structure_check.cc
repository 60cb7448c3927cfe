#include "studio/structure_check.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>

#include "engineering/engineering.h"
#include "sign/support.h"

namespace signx::studio {
namespace {

namespace json = boost::json;

std::optional<double> Num(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v && v->is_number() ? std::optional<double>(v->to_number<double>()) : std::nullopt;
}

// The table's round HSS with this outside diameter and nominal wall.
const sign::SectionDef* FindRoundHss(double diameter_in, double wall_in) {
  for (const sign::SectionDef& s : sign::SectionTable()) {
    if (s.shape == sign::SectionShape::kRoundHss && std::fabs(s.size_in - diameter_in) < 1e-3 &&
        std::fabs(s.t_nom_in - wall_in) < 1e-3) {
      return &s;
    }
  }
  return nullptr;
}

}  // namespace

Result<StructureCheck> CheckStructurePayload(const json::object& config) {
  json::object wind;
  wind["code"] = config.contains("code") ? config.at("code") : json::value("ASCE7-16");
  for (std::string_view k :
       {"wind_speed_mph", "exposure", "sign_width_ft", "sign_height_ft", "top_height_ft", "kzt",
        "kd", "ke", "gust_factor", "soil_class", "footing_diameter_ft", "isolated_pole"}) {
    if (const json::value* v = config.if_contains(k)) wind[k] = *v;
  }
  json::object pole{{"method", "ASD"}, {"shape", "round_hss"}};
  const sign::SectionDef* section = nullptr;
  std::string pole_text;
  if (const json::value* p = config.if_contains("pole"); p && p->is_object()) {
    const json::object& po = p->get_object();
    auto d = Num(po, "diameter_in"), t = Num(po, "wall_in");
    if (d && t) {
      section = FindRoundHss(*d, *t);
      pole_text = fmt::format("{} x {} in", *d, *t);
    }
    if (const json::value* fy = po.if_contains("fy_ksi")) pole["fy_ksi"] = *fy;
  }
  if (section) pole["section"] = section->name;
  json::object payload{{"wind", std::move(wind)}, {"pole", std::move(pole)}};
  if (auto e = Num(config, "embedment_ft")) {
    payload["footing"] = json::object{{"provided_depth_ft", *e}};
  }
  auto calc = engineering::CheckStructure(payload);
  if (!calc.ok()) {
    if (calc.status().code() != ErrorCode::kValidationFailed) return calc.status();
    std::vector<FieldError> errors;
    for (const auto& e : calc.status().details()) {
      std::string field = e.field;
      for (std::string_view prefix : {"wind.", "footing.", "pole."}) {
        if (field.starts_with(prefix)) field = field.substr(prefix.size());
      }
      errors.push_back({"config." + field, e.message});
    }
    return ValidationFailed(std::move(errors),
                            "the structure payload is outside the calculation's scope");
  }
  StructureCheck out;
  out.passed = calc->pass && section != nullptr;
  out.constants_version = calc->constants_version;
  out.json = sign::ToJson(*calc);
  const json::object& r = calc->result;
  json::array failures;
  if (!section) {
    const json::value* chosen = nullptr;
    if (const json::value* s = r.if_contains("support"); s && s->is_object()) {
      chosen = s->get_object().if_contains("section");
    }
    failures.push_back(json::string(fmt::format(
        "pole: {} is not a round HSS of the section table{}",
        pole_text.empty() ? "the pole" : pole_text,
        chosen && chosen->is_string() ? fmt::format(" (the lightest passing one is {})",
                                                    std::string_view(chosen->get_string()))
                                      : std::string())));
  }
  if (const json::value* f = r.if_contains("failures"); f && f->is_array()) {
    for (const json::value& x : f->get_array()) {
      if (!x.is_string()) continue;
      if (x.get_string() == "foundation") {
        const double provided = Num(config, "embedment_ft").value_or(0);
        failures.push_back(
            json::string(fmt::format("embedment: {:.2f} ft provided, {:.2f} ft required", provided,
                                     Num(r, "embedment_ft").value_or(0))));
      } else if (x.get_string() == "support" && section) {
        failures.push_back(json::string(
            fmt::format("pole: {} does not pass AISC 360-16 (flexure, shear, torsion, deflection)",
                        section->name)));
      }
    }
  }
  out.json["passed"] = out.passed;
  out.json["failures"] = std::move(failures);
  return out;
}

}  // namespace signx::studio
