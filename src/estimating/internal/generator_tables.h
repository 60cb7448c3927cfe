// Calibration of the synthetic cost history (generator.cc): CPI, sign type mix, labor, fabrication
// hours, KeyedIn work codes, material and service prices, estimator bias. Prices are 2024 dollars,
// moved to the project year by CPI. Sources are cited per constant (§ = sign-domain.md);
// *assumption* marks a value chosen without a source.
//
// Internal to the estimating module. Thread-safety: constants and pure functions.
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <iterator>
#include <string_view>
#include <utility>

#include "estimating/internal/generator_rng.h"
#include "sign/spec.h"

namespace signx::estimating::internal {

// US CPI-U annual averages (BLS series CUUR0000SA0, from memory [m]; 2025 projected). Used only to
// move 2024 price points to the project year. Years outside the table clamp to its ends.
inline constexpr int kCpiFirstYear = 2000;
inline constexpr double kCpi[] = {172.2, 177.1, 179.9, 184.0, 188.9, 195.3, 201.6, 207.3, 215.3,
                                  214.5, 218.1, 224.9, 229.6, 233.0, 236.7, 237.0, 240.0, 245.1,
                                  251.1, 255.7, 258.8, 271.0, 292.7, 304.7, 313.7, 321.0};
inline constexpr double kCpi2024 = 313.7;
inline double CpiFactor(int year) {
  const int n = static_cast<int>(std::size(kCpi));
  const int i = std::clamp(year - kCpiFirstYear, 0, n - 1);
  return kCpi[i] / kCpi2024;
}

// Sign type mix: *assumption* (no public mix found; monuments and wall signs dominate small-shop
// work, pylons are the big-ticket minority).
inline constexpr std::array<std::pair<sign::SignType, double>, 5> kTypeMix = {
    {{sign::SignType::kPylon, 0.18},
     {sign::SignType::kMonument, 0.24},
     {sign::SignType::kChannelLetters, 0.24},
     {sign::SignType::kWallCabinet, 0.22},
     {sign::SignType::kPostAndPanel, 0.12}}};

// Labor. §3.2: direct wage lines $16.5-25/h, mostly $19.5-21; §3.3: direct wage $19-25/h.
inline constexpr double kWageMin2024 = 19.0, kWageMax2024 = 25.0;
// §3.2: burden Act Bur / Act Lab = 0.930 on every work order.
inline constexpr double kBurdenRate = 0.93;
// *assumption*: actual wage of the crew on a line scatters +-15 % around the estimating wage
// (§3.2 shows $16.5-25 wage lines against one loaded estimating rate).
inline constexpr double kCrewWageScatter = 0.15;
// Overtime codes 92xx-96xx (§1.4); time-and-a-half premium (FLSA). Share of jobs with overtime and
// share of hours moved: *assumption*.
inline constexpr double kOvertimeJobShare = 0.15, kOvertimePremium = 1.5;

// Fabrication hours h = h0 + h1 * A^0.8 * f_illum * f_faces (§3.3), A = face area per side.
struct HoursModel {
  double h0, h1;
};
// wall cabinet: anchored so a 107 sq ft two-faced internally lit cabinet is ~60 h (§3.2: part
// 221-0200, 50-70 h): 6 + 0.706 * 107^0.8 * 1.35 * 1.35 = 60.0.
// monument: 32 sq ft two-faced unlit -> 12 + 0.9 * 16 * 1.35 = 31 h (§3.1 SignCraft 30-47 h).
// post and panel: 4x8 single -> 3 + 0.35 * 16 = 8.6 h + install (§3.1 SignCraft 7-18 h).
// channel letters: 10 x 24 in letters (30 sq ft), lit -> 4 + 1.4 * 15.2 * 1.35 = 33 h, which with
// ~$900 materials reproduces the shopVOX demo cost of ~$2,500 (§3.1). pylon: cabinet rate plus
// *assumption* 20 h for structure fabrication.
inline HoursModel FabHours(sign::SignType t) {
  switch (t) {
    case sign::SignType::kPylon:
      return {20.0, 0.706};
    case sign::SignType::kMonument:
      return {12.0, 0.90};
    case sign::SignType::kChannelLetters:
      return {4.0, 1.40};
    case sign::SignType::kWallCabinet:
      return {6.0, 0.706};
    case sign::SignType::kPostAndPanel:
      return {3.0, 0.35};
  }
  return {6.0, 0.706};
}
// *assumption*: lit signs need more fabrication (wiring is separate work codes, these are the
// cabinet/return changes); halo letters are reverse channels with standoffs.
inline double IllumFactor(sign::Illumination i) {
  switch (i) {
    case sign::Illumination::kNone:
      return 1.0;
    case sign::Illumination::kExternal:
      return 1.10;
    case sign::Illumination::kInternalLed:
      return 1.35;
    case sign::Illumination::kHalo:
      return 1.50;
  }
  return 1.0;
}
// *assumption*: a second face adds 35 % (same cabinet, second face + graphics).
inline double FacesFactor(int faces) { return 1.0 + 0.35 * (faces - 1); }
// *assumption*: batch learning: q identical units take q^0.9 times one unit's hours.
inline double QuantityFactor(int q) { return std::pow(static_cast<double>(q), 0.9); }

// KeyedIn work codes and their mean hours on part 221-0200 (§1.4, §3.2), used as the split of
// fabrication hours. misc fab (1.84 h on 292 of ~1,390 WOs) enters at its per-WO mean 0.39.
struct WorkCode {
  std::string_view code, dept, description;
  double weight;
};
inline constexpr WorkCode kLayout{"0200", "FAB", "fabrication layout", 1.74};
inline constexpr WorkCode kStructural{"0215", "FAB", "structural steel", 1.13};
inline constexpr WorkCode kExtrusions{"0220", "FAB", "extrusions", 7.49};
inline constexpr WorkCode kFaces{"0260", "FAB", "faces", 2.41};
inline constexpr WorkCode kMiscFab{"0270", "FAB", "misc fabrication", 0.39};
inline constexpr WorkCode kCrating{"0280", "SHIP", "crating & shipping", 1.45};
inline constexpr WorkCode kBallast{"0310", "ELEC", "ballast / power supply wiring", 1.71};
inline constexpr WorkCode kElectrical{"0340", "ELEC", "electrical wiring", 3.73};
inline constexpr WorkCode kCleanEtch{"0410", "PAINT", "clean & etch", 1.38};
inline constexpr WorkCode kPrimeFinish{"0420", "PAINT", "prime & finish", 1.63};
inline constexpr WorkCode kVinylCut{"0520", "VINYL", "cut/weed vinyl", 1.12};
inline constexpr WorkCode kVinylApply{"0550", "VINYL", "vinyl application", 2.74};
// Codes outside the 221-0200 export (*assumption*, numbered in the same scheme).
inline constexpr WorkCode kDesign{"0100", "ART", "design & permit drawings", 0};
inline constexpr WorkCode kInstall{"0600", "INST", "installation", 0};
inline constexpr WorkCode kTravel{"0610", "INST", "travel", 0};
inline constexpr WorkCode kExcavation{"0620", "INST", "excavation & foundation", 0};
inline constexpr WorkCode kChangeOrder{"0290", "FAB", "change order work", 0};
inline constexpr WorkCode kOvertime{"9200", "FAB", "overtime - fabrication", 0};

// Material prices (2024 $).
// Cabinet (extrusions + faces) per sq ft of face, counting every face: *assumption* anchored on
// §3.2 part 221-0200 (2 x 107 sq ft: ~270 sq ft flexible face, extrusions, gussets, OSB -> roughly
// $2,000-2,500 before LEDs -> ~$9-12 / sq ft of face) and below §3.1 Danite's $25-35 / sq ft
// retail face price once the §3.3 material markup 1.3-1.6 is taken off.
inline constexpr double kCabinetPerSqftMin = 8.0, kCabinetPerSqftMax = 14.0;
// Monument face per sq ft: §3.1 SignCraft 2016 plywood/ACM monument $600 with 50 % markup for
// ~2 x 32 sq ft -> ~$6; routed faces higher -> *assumption* $5-10.
inline constexpr double kMonumentFacePerSqftMin = 5.0, kMonumentFacePerSqftMax = 10.0;
// Prefab HDU monument base: §3.1 SignCraft 2024 prefab monument $2,707 + HDU $511 (32 sq ft
// face); scaled by sqrt(A / 32) (*assumption*).
inline constexpr double kHduBaseMin = 2000.0, kHduBaseMax = 3400.0;
// Masonry base (subcontract) and fabricated aluminum base: *assumption*.
inline constexpr double kMasonryBaseMin = 2500.0, kMasonryBaseMax = 6000.0;
inline constexpr double kAluminumBaseMin = 800.0, kAluminumBaseMax = 1500.0;
// Channel letter materials per letter = 35 + 3.5 x height_in: *assumption* sized so a 12 in
// letter costs ~$180 with labor and prices at $200-400 retail (§3.1 Elmark) at 50 % markup.
inline constexpr double kLetterBase = 35.0, kLetterPerInch = 3.5;
// Post-and-panel panel per sq ft and posts: §3.1 SignCraft 2023 small Alumalite $380 materials;
// §3.1 SignCraft 2024 15 ft sch-40 pipe $131 (-> $40-70 per post).
inline constexpr double kPanelPerSqftMin = 9.0, kPanelPerSqftMax = 15.0;
inline constexpr double kPostMin = 40.0, kPostMax = 70.0;
// Vinyl graphics per sq ft of face: *assumption*.
inline constexpr double kVinylPerSqftMin = 0.75, kVinylPerSqftMax = 2.0;
// Paint and sundries per sq ft of face: §3.1 SignCraft 2024 monument paint $51 + sundries $41
// over 2 x 32 sq ft of faces -> ~$1.4; range *assumption*.
inline constexpr double kPaintPerSqftMin = 1.0, kPaintPerSqftMax = 2.0;
// LEDs: §3.2 20 LED bars per 107 sq ft two-faced cabinet -> 0.187 bars per sq ft of face area,
// one set lighting both faces; bar and power
// supply prices *assumption*; one supply per 6 bars *assumption*.
inline constexpr double kLedBarsPerSqft = 20.0 / 107.0;
inline constexpr double kLedBarMin = 15.0, kLedBarMax = 25.0;
inline constexpr double kPsuMin = 40.0, kPsuMax = 60.0;
inline constexpr double kFloodMin = 120.0, kFloodMax = 250.0;  // external floodlight, *assumption*
// Crating: §3.2 2x4 crating lumber and OSB on every cabinet WO; amount *assumption*.
inline constexpr double kCratingMin = 40.0, kCratingMax = 120.0;
// Structural steel, $/lb material + fabrication: §3.3 $1.0-2.0/lb (*assumption* there).
inline constexpr double kSteelPerLbMin = 1.0, kSteelPerLbMax = 2.0;
// Concrete, $/cy: §3.3 $150-250/cy (*assumption* there); bagged concrete per embedded post: §3.1
// SignCraft concrete $39.
inline constexpr double kConcretePerCyMin = 150.0, kConcretePerCyMax = 250.0;
inline constexpr double kBaggedPerPostMin = 30.0, kBaggedPerPostMax = 60.0;
// High-wind variants cost more (§3.2: "High Wind" / "Hurricane" variants of 221-0xxx parts):
// *assumption* +25 % cabinet material from 115 to 180 mph, linear.
inline double HighWindFactor(double v) { return 1.0 + 0.25 * std::max(0.0, (v - 115.0) / 65.0); }
// Material choice factor on face/cabinet cost: *assumption*.
inline double MaterialFactor(sign::Material m) {
  switch (m) {
    case sign::Material::kAluminum:
      return 1.0;
    case sign::Material::kAcm:
      return 0.85;
    case sign::Material::kSteel:
      return 1.10;
    case sign::Material::kHdpe:
      return 0.80;
  }
  return 1.0;
}
// Freight: §3.1 SignCraft 2024 shipping $424 on $4,217 materials (~10 %); range *assumption*.
inline constexpr double kFreightShareMin = 0.03, kFreightShareMax = 0.10;
// Use tax on materials: Iowa 6 % state + up to 1 % local (*assumption*, [m]).
inline constexpr double kUseTaxMin = 0.06, kUseTaxMax = 0.07;
// Permits: §3.1 signknights $20-500 small; $200-2,000+ large / illuminated.
inline constexpr double kPermitSmallMin = 20.0, kPermitSmallMax = 500.0;
inline constexpr double kPermitLargeMin = 200.0, kPermitLargeMax = 2000.0;
// Engineering / plan review / inspection: §3.1 signknights +$50-5,000 (log-uniform *assumption*).
inline constexpr double kEngineeringMin = 50.0, kEngineeringMax = 5000.0;
// Equipment (*assumption*): crane $150-250/h, 4 h minimum; bucket truck $75-125/h; auger rig
// $300-600/day.
inline constexpr double kCranePerHourMin = 150.0, kCranePerHourMax = 250.0;
inline constexpr double kBucketPerHourMin = 75.0, kBucketPerHourMax = 125.0;
inline constexpr double kAugerDayMin = 300.0, kAugerDayMax = 600.0;
// Travel: 2-person crew (§3.1 SignCraft "2-person install"), 45 mph average (*assumption*).
inline constexpr double kCrew = 2.0, kTravelMph = 45.0;
// Markup and contingency on the quote: §3.3 overall markup 30-60 %; contingency 5-15 %
// (*assumption* there).
inline constexpr double kMarkupMin = 0.30, kMarkupMax = 0.60;
inline constexpr double kContingencyMin = 0.05, kContingencyMax = 0.15;

// Estimate -> actual (§3.3). Labor: act = est x LogNormal(mu, sigma), mu in [ln 0.5, ln 1.1] per
// estimator, sigma 0.15-0.35. Install labor: under-estimated (§1.3 SignCraft "hidden costs of
// installation"): *assumption* LogNormal(ln 1.15, 0.30). Per-line scatter *assumption* 0.15.
// Material: act = est x N(1.0, 0.03). Equipment: *assumption* LogNormal(0.05, 0.25).
// Change orders: *assumption* 6 % of jobs, +5-25 % of fabrication hours and materials.
inline constexpr int kEstimators = 6;  // *assumption*: a mid-size shop's estimators
inline constexpr double kBiasMuMin = -0.6931471805599453 /* ln 0.5 */,
                        kBiasMuMax = 0.09531017980432493;
inline constexpr double kBiasSigmaMin = 0.15, kBiasSigmaMax = 0.35;
inline constexpr double kInstallMu = 0.13976194237515868 /* ln 1.15 */, kInstallSigma = 0.30;
inline constexpr double kLineSigma = 0.15;
inline constexpr double kMaterialSd = 0.03;
inline constexpr double kEquipMu = 0.05, kEquipSigma = 0.25;
inline constexpr double kChangeOrderShare = 0.06;

struct Estimator {
  double mu, sigma;
};
inline std::array<Estimator, kEstimators> Estimators(uint64_t seed) {
  Rng r(SplitMix64(seed ^ 0xE571A70125ULL));
  std::array<Estimator, kEstimators> e{};
  for (auto& x : e) {
    x.mu = r.Uniform(kBiasMuMin, kBiasMuMax);
    x.sigma = r.Uniform(kBiasSigmaMin, kBiasSigmaMax);
  }
  return e;
}

}  // namespace signx::estimating::internal
