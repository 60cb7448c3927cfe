#include "engineering/routes.h"

#include "http/handler.h"
#include "http/json.h"

namespace signx::engineering {
namespace {

using http::Request;
using http::Response;

constexpr std::string_view kCalculationSchema = R"json({"type": "object",
    "description": "A deterministic engineering calculation: the same input and constants_version give the same bytes.",
    "required": ["kind", "pass", "result", "assumptions", "confidence", "trace", "code", "constants_version"],
    "properties": {
      "kind": {"type": "string", "enum": ["sign-wind", "support", "foundation", "structure"]},
      "pass": {"type": "boolean", "description": "every check passed (always true for sign-wind)"},
      "result": {"type": "object"},
      "assumptions": {"type": "array", "items": {"type": "string"}},
      "confidence": {"type": "number", "minimum": 0, "maximum": 1},
      "trace": {"type": "array", "items": {"type": "object",
        "required": ["symbol", "description", "value", "unit", "clause"],
        "properties": {"symbol": {"type": "string"}, "description": {"type": "string"},
          "value": {"type": "number"}, "unit": {"type": "string"}, "clause": {"type": "string"}}}},
      "code": {"type": "object", "properties": {"wind": {"type": "string"},
        "building": {"type": "string"}, "steel": {"type": "string"}}},
      "constants_version": {"type": "string"}}})json";

constexpr std::string_view kSignWindRequest = R"json({"type": "object",
    "required": ["code", "wind_speed_mph", "exposure", "sign_width_ft", "sign_height_ft",
                 "top_height_ft"],
    "dependentRequired": {"soil_class": ["footing_diameter_ft"],
                          "footing_diameter_ft": ["soil_class"]},
    "description": "soil_class and footing_diameter_ft come together; without them embedment_ft and foundation are null.",
    "additionalProperties": false,
    "properties": {
      "code": {"type": "string", "enum": ["ASCE7-16", "ASCE7-22"]},
      "wind_speed_mph": {"type": "number", "minimum": 85, "maximum": 300,
        "description": "basic wind speed V (3-s gust, strength level)"},
      "exposure": {"type": "string", "enum": ["B", "C", "D"]},
      "sign_width_ft": {"type": "number", "exclusiveMinimum": 0, "maximum": 200, "description": "B"},
      "sign_height_ft": {"type": "number", "exclusiveMinimum": 0, "maximum": 100, "description": "s"},
      "top_height_ft": {"type": "number", "exclusiveMinimum": 0, "maximum": 500,
        "description": "h, height to the top of the sign, >= sign_height_ft"},
      "kzt": {"type": "number", "minimum": 1, "maximum": 3, "default": 1.0},
      "kd": {"type": "number", "minimum": 0.5, "maximum": 1, "default": 0.85},
      "ke": {"type": "number", "minimum": 0.5, "maximum": 1, "default": 1.0},
      "gust_factor": {"type": "number", "minimum": 0.5, "maximum": 1.5, "default": 0.85},
      "kz_method": {"type": "string", "enum": ["table", "formula"], "default": "table"},
      "soil_class": {"type": "integer", "minimum": 1, "maximum": 5,
        "description": "IBC Table 1806.2 class of material"},
      "footing_diameter_ft": {"type": "number", "minimum": 0.5, "maximum": 20},
      "isolated_pole": {"type": "boolean", "default": false,
        "description": "apply the IBC 1806.3.4 doubling of lateral bearing"}}})json";

constexpr std::string_view kSupportRequest = R"json({"type": "object",
    "required": ["wind_force_lb", "load_height_ft", "pole_height_ft"],
    "additionalProperties": false,
    "properties": {
      "method": {"type": "string", "enum": ["ASD", "LRFD"], "default": "ASD"},
      "wind_force_lb": {"type": "number", "exclusiveMinimum": 0,
        "description": "strength-level wind force W on the sign (force_lb of sign-wind)"},
      "load_height_ft": {"type": "number", "exclusiveMinimum": 0,
        "description": "height of W above the pole base, <= pole_height_ft"},
      "eccentricity_ft": {"type": "number", "minimum": 0, "maximum": 200, "default": 0,
        "description": "horizontal eccentricity of W from the pole axis (torsion)"},
      "pole_height_ft": {"type": "number", "exclusiveMinimum": 0, "maximum": 500},
      "shape": {"type": "string", "enum": ["round_hss", "square_hss", "pipe"]},
      "section": {"type": "string", "description": "check this section of the table only"},
      "fy_ksi": {"type": "number", "minimum": 30, "maximum": 100},
      "deflection_limit_ratio": {"type": "number", "minimum": 10, "maximum": 1000, "default": 60}}})json";

constexpr std::string_view kFoundationRequest = R"json({"type": "object",
    "required": ["lateral_force_asd_lb", "load_height_ft", "soil_class"],
    "additionalProperties": false,
    "properties": {
      "type": {"type": "string", "enum": ["nonconstrained", "constrained", "spread_footing"],
        "default": "nonconstrained"},
      "lateral_force_asd_lb": {"type": "number", "exclusiveMinimum": 0},
      "load_height_ft": {"type": "number", "exclusiveMinimum": 0, "maximum": 500},
      "soil_class": {"type": "integer", "minimum": 1, "maximum": 5},
      "footing_shape": {"type": "string", "enum": ["round", "square"], "default": "round"},
      "footing_diameter_ft": {"type": "number", "minimum": 0.5, "maximum": 20},
      "footing_width_ft": {"type": "number", "description": "square embedded footing (0.5..20) or spread footing (1..100)"},
      "isolated_pole": {"type": "boolean", "default": false},
      "provided_depth_ft": {"type": "number", "minimum": 0.5, "maximum": 60},
      "footing_length_ft": {"type": "number", "minimum": 1, "maximum": 100},
      "footing_thickness_ft": {"type": "number", "minimum": 0.5, "maximum": 20},
      "dead_load_lb": {"type": "number", "minimum": 0},
      "concrete_pcf": {"type": "number", "minimum": 100, "maximum": 160, "default": 150},
      "min_safety_factor": {"type": "number", "minimum": 1, "maximum": 3, "default": 1.5}}})json";

constexpr std::string_view kSignWindCalculation = R"json({"allOf": [
    {"$ref": "#/components/schemas/EngineeringCalculation"},
    {"type": "object", "properties": {"result": {"type": "object",
      "required": ["kz", "qh_psf", "cf", "force_lb", "force_asd_lb", "moment_asd_lbft",
                   "torsion_asd_lbft", "embedment_ft", "case_c", "governing", "foundation"],
      "properties": {
        "kz": {"type": "number"}, "qh_psf": {"type": "number", "description": "with Kd (applied once)"},
        "cf": {"type": "number"}, "force_lb": {"type": "number", "description": "Case A, strength level"},
        "force_asd_lb": {"type": "number"}, "moment_asd_lbft": {"type": "number"},
        "torsion_asd_lbft": {"type": "number", "description": "Case B, F_asd 0.2 B"},
        "embedment_ft": {"type": ["number", "null"], "description": "IBC Eq. 18-1 for the governing case; null without soil_class and footing_diameter_ft"},
        "case_c": {"type": ["object", "null"], "description": "when B/s >= 2"},
        "governing": {"type": "object"}, "foundation": {"type": ["object", "null"]}}}}}]})json";

template <typename Method>
http::Handler Calc(EngineeringService& service, Method method) {
  return http::Handle([&service, method](Request& req) -> Result<Response> {
    SIGNX_ASSIGN_OR_RETURN(auto body, http::ParseJsonObject(req));
    SIGNX_ASSIGN_OR_RETURN(std::string text, (service.*method)(body));
    return Response::Json(200, std::move(text));
  });
}

}  // namespace

void AddEngineeringRoutes(http::Router& router, http::SchemaRegistry& schemas,
                          EngineeringService& service) {
  schemas.Add("EngineeringCalculation", kCalculationSchema);
  schemas.Add("SignWindRequest", kSignWindRequest);
  schemas.Add("SupportRequest", kSupportRequest);
  schemas.Add("FoundationRequest", kFoundationRequest);
  schemas.Add("SignWindCalculation", kSignWindCalculation);
  const auto meta = [](std::string summary, std::string description, std::string request,
                       std::string response = "EngineeringCalculation") {
    return http::RouteMeta{.summary = std::move(summary),
                           .description = std::move(description),
                           .tags = {"engineering"},
                           .permission = std::string(kEngineeringPermission),
                           .max_body_bytes = 16 * 1024,
                           .request_schema = std::move(request),
                           .response_schema = std::move(response),
                           .execution = http::Execution::kInline,
                           .rate_limit_group = "engineering"};
  };
  router.Add("POST", "/v1/engineering/sign-wind",
             meta("Wind load on a solid freestanding sign and its pole embedment",
                  "ASCE 7-16/7-22 ch. 29: qh = 0.00256 Kz Kzt Kd Ke V^2 at the top of the sign "
                  "(Kz from Table 26.10-1, interpolated, 15 ft minimum), Cf from Fig. 29.3-1 by "
                  "B/s and s/h, F = qh G Cf As (Case A), ASD 0.6F, moment and torsion (Case B, "
                  "0.2 B) at grade, Case C when B/s >= 2, and the IBC 1807.3.2.1 embedment for "
                  "the governing case. result holds kz, qh_psf, cf, force_lb, force_asd_lb, "
                  "moment_asd_lbft, torsion_asd_lbft, embedment_ft; trace lists every "
                  "intermediate value with its clause. Same input and constants_version, same "
                  "bytes. 422 names every bad field and its limit.",
                  "SignWindRequest", "SignWindCalculation"),
             Calc(service, &EngineeringService::SignWind));
  router.Add("POST", "/v1/engineering/support",
             meta("Check a sign pole or choose the lightest passing section",
                  "AISC 360-16 round HSS (F8, G5), square HSS (F7, G4) and pipe: flexure, shear, "
                  "torsion (H3.1) combined per H3.2, and the cantilever deflection under 0.6 W "
                  "against L/deflection_limit_ratio, ASD (0.6 W, Omega 1.67) or LRFD (1.0 W, phi "
                  "0.90). Without `section`, the lightest passing section of the bundled table "
                  "(of `shape` when given); pass = false when none passes.",
                  "SupportRequest"),
             Calc(service, &EngineeringService::Support));
  router.Add("POST", "/v1/engineering/foundation",
             meta("Embedment depth or spread-footing check for a sign",
                  "IBC 2018/2021 §1807.3.2.1 nonconstrained (Eq. 18-1, S1 at d/3 from Table "
                  "1806.2, solved with d; optional §1806.3.4 doubling for isolated poles; check "
                  "mode with provided_depth_ft), §1807.3.2.2 constrained (Eq. 18-3), or a spread "
                  "footing's overturning, sliding and bearing. ASD loads.",
                  "FoundationRequest"),
             Calc(service, &EngineeringService::Foundation));
}

}  // namespace signx::engineering
