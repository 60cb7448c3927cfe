// The request shapes of the support and foundation calculations and the whole-structure check
// studio runs on a project's structure payload (pure, no I/O). Parse* validate the API's JSON
// (every problem at once, field + limit, unknown fields refused); the calculations return
// {result, assumptions, confidence, trace} (sign/calculation.h).
//
// CheckStructure's payload (docs/engineering.md):
//   {"wind":    {the POST /v1/engineering/sign-wind fields, soil_class and footing_diameter_ft
//                included},
//    "pole":    {optional: "method" ASD|LRFD, "shape", "section", "fy_ksi", "pole_height_ft"
//                (default: top_height_ft), "deflection_limit_ratio" (60)},
//    "footing": {optional: "provided_depth_ft", "constrained" (false: IBC 1807.3.2.1; true:
//                1807.3.2.2)}}
// pass = the pole (the given section, or the lightest passing one) passes AND the provided
// embedment (when given) is at least the required one.
//
// Thread-safety: pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <variant>

#include "base/status.h"
#include "sign/calculation.h"
#include "sign/foundation.h"
#include "sign/support.h"

namespace signx::sign {

Result<SupportInput> ParseSupportInput(const boost::json::object& json);
boost::json::object ToJson(const SupportInput& in);
// SupportCalculation with the code editions and constants version filled in.
Calculation SupportCheck(const SupportInput& in);

enum class FoundationCheck { kNonconstrained, kConstrained, kSpreadFooting };
struct FoundationRequest {
  FoundationCheck type = FoundationCheck::kNonconstrained;
  EmbedmentInput embedment;    // nonconstrained, constrained
  SpreadFootingInput footing;  // spread_footing
};
Result<FoundationRequest> ParseFoundationInput(const boost::json::object& json);
boost::json::object ToJson(const FoundationRequest& in);
Calculation FoundationCalculation(const FoundationRequest& in);

// Wind, pole and embedment of one structure payload; ValidationFailed (fields prefixed "wind.",
// "pole.", "footing.") for a bad payload.
Result<Calculation> CheckStructure(const boost::json::object& payload);

}  // namespace signx::sign
