// The support (pole) of a sign (pure, no I/O): round HSS, square HSS and pipe cantilevers per AISC
// 360-16 — flexure (F7, F8), shear (G4, G5), torsion (H3.1), flexure + shear + torsion (H3.2) —
// and a cantilever deflection limit, ASD or LRFD, choosing the lightest passing section of a
// section table compiled in (sign-domain.md §2.7).
//
// Sections: nominal sizes (ASTM A500 round and square HSS, ASTM A53 pipe Std/XS); properties are
// computed from the geometry with the design wall thickness t = 0.93 t_nom (AISC 360-16 §B4.2)
// and, for square HSS, outside corner radius 2t (AISC Manual convention); weights from the nominal
// thickness at 3.40 lb/ft per in^2.
//
// Thread-safety: immutable data and pure functions.
#pragma once

#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "sign/calculation.h"

namespace signx::sign {

enum class SectionShape { kRoundHss, kSquareHss, kPipe };
std::string_view Name(SectionShape shape);  // "round_hss", "square_hss", "pipe"
std::optional<SectionShape> ParseSectionShape(std::string_view name);

struct SectionDef {
  std::string_view name;  // "HSS6.625x0.280", "HSS8x8x1/4", "Pipe 6 Std"
  SectionShape shape;
  double size_in;   // outside diameter D, or outside width B of the square
  double t_nom_in;  // nominal wall thickness
};
// Every section the selection considers, in no particular order.
std::span<const SectionDef> SectionTable();
const SectionDef* FindSection(std::string_view name);

struct SectionProperties {
  double t_in = 0;         // design wall thickness 0.93 t_nom
  double area_in2 = 0;     // A
  double i_in4 = 0;        // I
  double s_in3 = 0;        // S
  double z_in3 = 0;        // Z
  double c_in3 = 0;        // torsional constant C (AISC 360-16 H3.1)
  double weight_plf = 0;   // nominal
  double slenderness = 0;  // D/t (round) or b/t with b = B - 3t (square)
};
SectionProperties Properties(const SectionDef& section);

// Default yield stress: round HSS 46 ksi (A500 Gr C round, as AISC Manual Table 3-14), square
// HSS 50 ksi (A500 Gr C), pipe 35 ksi (A53 Gr B).
double DefaultFyKsi(SectionShape shape);

enum class DesignMethod { kAsd, kLrfd };
std::string_view Name(DesignMethod method);  // "ASD", "LRFD"

struct SupportInput {
  DesignMethod method = DesignMethod::kAsd;
  double wind_force_lb = 0;           // strength-level wind force W on the sign (ASCE 7 F)
  double load_height_ft = 0;          // height of its resultant above grade (the pole's fixed base)
  double eccentricity_ft = 0;         // horizontal eccentricity of W from the pole axis (torsion)
  double pole_height_ft = 0;          // cantilever length L, >= load_height_ft
  std::optional<SectionShape> shape;  // nullopt: every shape
  std::optional<double> fy_ksi;       // nullopt: DefaultFyKsi(shape)
  double deflection_limit_ratio = 60.0;  // delta <= L / ratio under 0.6 W
  std::optional<std::string> section;    // check this section only
};

// The checks of one section under `in`. Ratios are demand / available strength.
struct SectionCheck {
  const SectionDef* section = nullptr;
  SectionProperties props;
  double fy_ksi = 0;
  bool applicable = true;                           // within the limits of the AISC provisions used
  std::string flexure_class;                        // "compact", "noncompact", "slender"
  double mn_kip_in = 0, vn_kip = 0, tn_kip_in = 0;  // nominal strengths
  double mc_kip_in = 0, vc_kip = 0, tc_kip_in = 0;  // available (Mn/Omega or phi Mn)
  double mr_kip_in = 0, vr_kip = 0, tr_kip_in = 0;  // required
  double flexure_ratio = 0, shear_ratio = 0, torsion_ratio = 0, interaction = 0;
  double deflection_in = 0, deflection_limit_in = 0;
  bool pass = false;
};
SectionCheck CheckSection(const SectionDef& section, const SupportInput& in);

// The lightest passing section (or `in.section`), with its trace; pass = false when none passes.
Calculation SupportCalculation(const SupportInput& in);

}  // namespace signx::sign
