// HTTP routes of the engineering calculations (docs/engineering.md):
//   POST /v1/engineering/sign-wind    ASCE 7 ch. 29 wind on a solid freestanding sign, Cases A/B/C,
//                                     ASD moment and torsion at grade, IBC 1807.3.2.1 embedment
//   POST /v1/engineering/support      AISC 360-16 pole check / lightest passing section
//   POST /v1/engineering/foundation   IBC 1807.3.2.1 / 1807.3.2.2 embedment, spread footing
// All three need "estimates:predict" (the permission of the other stateless sign calculations,
// POST /v1/estimates/predict and /v1/specs/validate: org_member and org_admin), run inline (a few
// microseconds of CPU, answers cached) and are rate-limited by the "engineering" group when
// limits.rate_limits configures one. 422 names every bad field and its limit.
#pragma once

#include "engineering/engineering.h"
#include "http/openapi.h"
#include "http/router.h"

namespace signx::engineering {

inline constexpr std::string_view kEngineeringPermission = "estimates:predict";

void AddEngineeringRoutes(http::Router& router, http::SchemaRegistry& schemas,
                          EngineeringService& service);

}  // namespace signx::engineering
