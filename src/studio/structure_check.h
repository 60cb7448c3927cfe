// The one adapter between studio and the engineering calculations: the structure check that the
// engineering → estimating guard needs (a passing calculation for the current structure payload).
//
// Until engineering::CheckStructure (src/engineering, issue 16 item 4) lands on main, this file
// computes the check itself with the pure functions of sign/engineering.h — a real calculation,
// ASCE 7-16 only:
//   Kz (Table 26.10-1 at h, interpolated, 15 ft minimum) → qh (Eq. 26.10-1) → Cf (Fig. 29.3-1
//   Cases A/B, bilinear in B/s and s/h, clamped to the figure's ends) → F = qh G Cf As
//   (Eq. 29.3-1) → ASD 0.6 F (§2.4.1) → moment at grade (Case A resultant) and Case B torsion
//   (0.2 B eccentricity) → round HSS flexure Mn / Ωb (AISC 360-16 §F8, Ωb = 1.67, design wall
//   0.93 t) → IBC 1807.3.2.1 nonconstrained embedment (S1 at d/3, §1806.3.4 doubling when asked)
//   compared with the provided depth.
// Not yet checked here (said in `assumptions`): shear and torsion interaction of the pole,
// deflection, Case C, ASCE 7-22. When CheckStructure lands, only this file changes.
//
// Output (JSON): {"passed", "constants_version", "result": {...}, "assumptions": [...],
// "confidence", "trace": [{"symbol", "value", "unit", "clause"}], "failures": [...]}. Same input
// → byte-identical JSON text (numbers in shortest round-trip form).
//
// Thread-safety: pure function.
#pragma once

#include <boost/json/object.hpp>
#include <string>

#include "base/status.h"

namespace signx::studio {

inline constexpr std::string_view kStructureConstantsVersion =
    "studio-structure-1/asce7-16/ibc2018/aisc360-16";

struct StructureCheck {
  bool passed = false;
  std::string constants_version;
  boost::json::object json;  // the whole answer above
};

// `config` must have passed ValidatePayloadConfig("structure", ...) (a violated precondition
// gives kInvalidArgument, never NaN).
Result<StructureCheck> CheckStructurePayload(const boost::json::object& config);

// ASCE 7-16 Fig. 29.3-1 Cases A and B: Cf at aspect ratio B/s and clearance ratio s/h, bilinear
// between the printed cells, clamped to the ends (B/s <= 0.05 or >= 45, s/h <= 0.16 or 1).
double Asce716SolidSignCf(double b_over_s, double s_over_h);

}  // namespace signx::studio
