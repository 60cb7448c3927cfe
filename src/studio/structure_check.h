// The one adapter between studio and the engineering calculations: the structure check that the
// engineering → estimating guard needs (a passing calculation for the current structure payload).
// It calls engineering::CheckStructure (src/engineering, docs/engineering.md) with the payload
// translated to its shape:
//   wind    {code (default ASCE7-16), wind_speed_mph, exposure, sign_width_ft, sign_height_ft,
//            top_height_ft, kzt, kd, ke, gust_factor, soil_class, footing_diameter_ft,
//            isolated_pole}
//   pole    {method ASD, shape round_hss, section: the bundled table's section with the payload's
//            diameter_in and wall_in, fy_ksi}
//   footing {provided_depth_ft: embedment_ft}
// A pole that is not a section of the table fails the check (the answer names the lightest
// passing section instead).
//
// Output (JSON): engineering's answer {kind, pass, result, assumptions, confidence, trace,
// code, constants_version} plus "passed" and "failures" (sentences for people). Same input and
// constants version → byte-identical JSON text.
//
// Thread-safety: pure function.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "base/status.h"
#include "sign/code_edition.h"

namespace signx::studio {

inline constexpr std::string_view kStructureConstantsVersion = sign::kConstantsVersion;

struct StructureCheck {
  bool passed = false;
  std::string constants_version;
  boost::json::object json;  // the whole answer above
};

// `config` must have passed ValidatePayloadConfig("structure", ...); engineering's own
// validation errors come back as ValidationFailed naming the payload's fields.
Result<StructureCheck> CheckStructurePayload(const boost::json::object& config);

}  // namespace signx::studio
