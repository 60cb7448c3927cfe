#include "estimating/generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>
#include <random>

#include "base/strings.h"
#include "csv/writer.h"
#include "estimating/quote.h"
#include "sign/engineering.h"

namespace signx::estimating {
namespace {

// ---------------------------------------------------------------------------------------------
// Deterministic samplers over std::mt19937_64 (whose output sequence the standard specifies).
// ---------------------------------------------------------------------------------------------

uint64_t SplitMix64(uint64_t x) {
  x += 0x9E3779B97F4A7C15ULL;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ULL;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBULL;
  return x ^ (x >> 31);
}

class Rng {
 public:
  explicit Rng(uint64_t seed) : gen_(seed) {}
  // [0, 1) with 53 random bits.
  double U01() { return static_cast<double>(gen_() >> 11) * 0x1.0p-53; }
  double Uniform(double a, double b) { return a + (b - a) * U01(); }
  // 0..n-1 without modulo bias.
  uint64_t Below(uint64_t n) {
    const uint64_t limit = UINT64_MAX - UINT64_MAX % n;
    uint64_t x;
    do {
      x = gen_();
    } while (x >= limit);
    return x % n;
  }
  bool Bernoulli(double p) { return U01() < p; }
  // Standard normal by Box-Muller (one draw per call).
  double Normal() {
    const double u1 = 1.0 - U01();  // (0, 1]
    const double u2 = U01();
    return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
  }
  double Normal(double mean, double sd) { return mean + sd * Normal(); }
  double LogNormal(double mu, double sigma) { return std::exp(mu + sigma * Normal()); }
  double LogUniform(double a, double b) { return std::exp(Uniform(std::log(a), std::log(b))); }
  // Triangular(a, mode c, b) by inverse CDF.
  double Triangular(double a, double c, double b) {
    const double u = U01();
    const double f = (c - a) / (b - a);
    return u < f ? a + std::sqrt(u * (b - a) * (c - a))
                 : b - std::sqrt((1 - u) * (b - a) * (b - c));
  }
  template <typename T, size_t N>
  T Choose(const std::array<std::pair<T, double>, N>& weighted) {
    double total = 0;
    for (const auto& w : weighted) total += w.second;
    double x = U01() * total;
    for (const auto& w : weighted) {
      if (x < w.second) return w.first;
      x -= w.second;
    }
    return weighted.back().first;
  }

 private:
  std::mt19937_64 gen_;
};

int64_t Cents(double dollars) { return static_cast<int64_t>(std::floor(dollars * 100.0 + 0.5)); }
double Round2(double x) { return std::floor(x * 100.0 + 0.5) / 100.0; }
double Round1(double x) { return std::floor(x * 10.0 + 0.5) / 10.0; }

// Days since 1970-01-01 <-> civil date (H. Hinnant, "chrono-compatible low-level date algorithms").
int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097LL + static_cast<int64_t>(doe) - 719468;
}
struct Civil {
  int y;
  unsigned m, d;
};
Civil CivilFromDays(int64_t z) {
  z += 719468;
  const int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t y = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  const unsigned d = doy - (153 * mp + 2) / 5 + 1;
  const unsigned m = mp < 10 ? mp + 3 : mp - 9;
  return {static_cast<int>(y + (m <= 2)), m, d};
}
std::string DateString(int64_t days) {
  const Civil c = CivilFromDays(days);
  return fmt::format("{:04d}-{:02d}-{:02d}", c.y, c.m, c.d);
}

// ---------------------------------------------------------------------------------------------
// Calibration constants. Prices are 2024 dollars, moved to the project year by CPI.
// ---------------------------------------------------------------------------------------------

// US CPI-U annual averages (BLS series CUUR0000SA0, from memory [m]; 2025 projected). Used only to
// move 2024 price points to the project year. Years outside the table clamp to its ends.
constexpr int kCpiFirstYear = 2000;
constexpr double kCpi[] = {172.2, 177.1, 179.9, 184.0, 188.9, 195.3, 201.6, 207.3, 215.3,
                           214.5, 218.1, 224.9, 229.6, 233.0, 236.7, 237.0, 240.0, 245.1,
                           251.1, 255.7, 258.8, 271.0, 292.7, 304.7, 313.7, 321.0};
constexpr double kCpi2024 = 313.7;
double CpiFactor(int year) {
  const int n = static_cast<int>(std::size(kCpi));
  const int i = std::clamp(year - kCpiFirstYear, 0, n - 1);
  return kCpi[i] / kCpi2024;
}

// Sign type mix: *assumption* (no public mix found; monuments and wall signs dominate small-shop
// work, pylons are the big-ticket minority).
constexpr std::array<std::pair<sign::SignType, double>, 5> kTypeMix = {
    {{sign::SignType::kPylon, 0.18},
     {sign::SignType::kMonument, 0.24},
     {sign::SignType::kChannelLetters, 0.24},
     {sign::SignType::kWallCabinet, 0.22},
     {sign::SignType::kPostAndPanel, 0.12}}};

// Labor. §3.2: direct wage lines $16.5-25/h, mostly $19.5-21; §3.3: direct wage $19-25/h.
constexpr double kWageMin2024 = 19.0, kWageMax2024 = 25.0;
// §3.2: burden Act Bur / Act Lab = 0.930 on every work order.
constexpr double kBurdenRate = 0.93;
// *assumption*: actual wage of the crew on a line scatters +-15 % around the estimating wage
// (§3.2 shows $16.5-25 wage lines against one loaded estimating rate).
constexpr double kCrewWageScatter = 0.15;
// Overtime codes 92xx-96xx (§1.4); time-and-a-half premium (FLSA). Share of jobs with overtime and
// share of hours moved: *assumption*.
constexpr double kOvertimeJobShare = 0.15, kOvertimePremium = 1.5;

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
HoursModel FabHours(sign::SignType t) {
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
double IllumFactor(sign::Illumination i) {
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
double FacesFactor(int faces) { return 1.0 + 0.35 * (faces - 1); }
// *assumption*: batch learning: q identical units take q^0.9 times one unit's hours.
double QuantityFactor(int q) { return std::pow(static_cast<double>(q), 0.9); }

// KeyedIn work codes and their mean hours on part 221-0200 (§1.4, §3.2), used as the split of
// fabrication hours. misc fab (1.84 h on 292 of ~1,390 WOs) enters at its per-WO mean 0.39.
struct WorkCode {
  std::string_view code, dept, description;
  double weight;
};
constexpr WorkCode kLayout{"0200", "FAB", "fabrication layout", 1.74};
constexpr WorkCode kStructural{"0215", "FAB", "structural steel", 1.13};
constexpr WorkCode kExtrusions{"0220", "FAB", "extrusions", 7.49};
constexpr WorkCode kFaces{"0260", "FAB", "faces", 2.41};
constexpr WorkCode kMiscFab{"0270", "FAB", "misc fabrication", 0.39};
constexpr WorkCode kCrating{"0280", "SHIP", "crating & shipping", 1.45};
constexpr WorkCode kBallast{"0310", "ELEC", "ballast / power supply wiring", 1.71};
constexpr WorkCode kElectrical{"0340", "ELEC", "electrical wiring", 3.73};
constexpr WorkCode kCleanEtch{"0410", "PAINT", "clean & etch", 1.38};
constexpr WorkCode kPrimeFinish{"0420", "PAINT", "prime & finish", 1.63};
constexpr WorkCode kVinylCut{"0520", "VINYL", "cut/weed vinyl", 1.12};
constexpr WorkCode kVinylApply{"0550", "VINYL", "vinyl application", 2.74};
// Codes outside the 221-0200 export (*assumption*, numbered in the same scheme).
constexpr WorkCode kDesign{"0100", "ART", "design & permit drawings", 0};
constexpr WorkCode kInstall{"0600", "INST", "installation", 0};
constexpr WorkCode kTravel{"0610", "INST", "travel", 0};
constexpr WorkCode kExcavation{"0620", "INST", "excavation & foundation", 0};
constexpr WorkCode kChangeOrder{"0290", "FAB", "change order work", 0};
constexpr WorkCode kOvertime{"9200", "FAB", "overtime - fabrication", 0};

// Material prices (2024 $).
// Cabinet (extrusions + faces) per sq ft of face, counting every face: *assumption* anchored on
// §3.2 part 221-0200 (2 x 107 sq ft: ~270 sq ft flexible face, extrusions, gussets, OSB -> roughly
// $2,000-2,500 before LEDs -> ~$9-12 / sq ft of face) and below §3.1 Danite's $25-35 / sq ft
// retail face price once the §3.3 material markup 1.3-1.6 is taken off.
constexpr double kCabinetPerSqftMin = 8.0, kCabinetPerSqftMax = 14.0;
// Monument face per sq ft: §3.1 SignCraft 2016 plywood/ACM monument $600 with 50 % markup for
// ~2 x 32 sq ft -> ~$6; routed faces higher -> *assumption* $5-10.
constexpr double kMonumentFacePerSqftMin = 5.0, kMonumentFacePerSqftMax = 10.0;
// Prefab HDU monument base: §3.1 SignCraft 2024 prefab monument $2,707 + HDU $511 (32 sq ft
// face); scaled by sqrt(A / 32) (*assumption*).
constexpr double kHduBaseMin = 2000.0, kHduBaseMax = 3400.0;
// Masonry base (subcontract) and fabricated aluminum base: *assumption*.
constexpr double kMasonryBaseMin = 2500.0, kMasonryBaseMax = 6000.0;
constexpr double kAluminumBaseMin = 800.0, kAluminumBaseMax = 1500.0;
// Channel letter materials per letter = 35 + 3.5 x height_in: *assumption* sized so a 12 in
// letter costs ~$180 with labor and prices at $200-400 retail (§3.1 Elmark) at 50 % markup.
constexpr double kLetterBase = 35.0, kLetterPerInch = 3.5;
// Post-and-panel panel per sq ft and posts: §3.1 SignCraft 2023 small Alumalite $380 materials;
// §3.1 SignCraft 2024 15 ft sch-40 pipe $131 (-> $40-70 per post).
constexpr double kPanelPerSqftMin = 9.0, kPanelPerSqftMax = 15.0;
constexpr double kPostMin = 40.0, kPostMax = 70.0;
// Vinyl graphics per sq ft of face: *assumption*.
constexpr double kVinylPerSqftMin = 0.75, kVinylPerSqftMax = 2.0;
// Paint and sundries per sq ft of face: §3.1 SignCraft 2024 monument paint $51 + sundries $41
// over 2 x 32 sq ft of faces -> ~$1.4; range *assumption*.
constexpr double kPaintPerSqftMin = 1.0, kPaintPerSqftMax = 2.0;
// LEDs: §3.2 20 LED bars per 107 sq ft two-faced cabinet -> 0.187 bars per sq ft of face area,
// one set lighting both faces; bar and power
// supply prices *assumption*; one supply per 6 bars *assumption*.
constexpr double kLedBarsPerSqft = 20.0 / 107.0;
constexpr double kLedBarMin = 15.0, kLedBarMax = 25.0;
constexpr double kPsuMin = 40.0, kPsuMax = 60.0;
constexpr double kFloodMin = 120.0, kFloodMax = 250.0;  // external floodlight, *assumption*
// Crating: §3.2 2x4 crating lumber and OSB on every cabinet WO; amount *assumption*.
constexpr double kCratingMin = 40.0, kCratingMax = 120.0;
// Structural steel, $/lb material + fabrication: §3.3 $1.0-2.0/lb (*assumption* there).
constexpr double kSteelPerLbMin = 1.0, kSteelPerLbMax = 2.0;
// Concrete, $/cy: §3.3 $150-250/cy (*assumption* there); bagged concrete per embedded post: §3.1
// SignCraft concrete $39.
constexpr double kConcretePerCyMin = 150.0, kConcretePerCyMax = 250.0;
constexpr double kBaggedPerPostMin = 30.0, kBaggedPerPostMax = 60.0;
// High-wind variants cost more (§3.2: "High Wind" / "Hurricane" variants of 221-0xxx parts):
// *assumption* +25 % cabinet material from 115 to 180 mph, linear.
double HighWindFactor(double v) { return 1.0 + 0.25 * std::max(0.0, (v - 115.0) / 65.0); }
// Material choice factor on face/cabinet cost: *assumption*.
double MaterialFactor(sign::Material m) {
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
constexpr double kFreightShareMin = 0.03, kFreightShareMax = 0.10;
// Use tax on materials: Iowa 6 % state + up to 1 % local (*assumption*, [m]).
constexpr double kUseTaxMin = 0.06, kUseTaxMax = 0.07;
// Permits: §3.1 signknights $20-500 small; $200-2,000+ large / illuminated.
constexpr double kPermitSmallMin = 20.0, kPermitSmallMax = 500.0;
constexpr double kPermitLargeMin = 200.0, kPermitLargeMax = 2000.0;
// Engineering / plan review / inspection: §3.1 signknights +$50-5,000 (log-uniform *assumption*).
constexpr double kEngineeringMin = 50.0, kEngineeringMax = 5000.0;
// Equipment (*assumption*): crane $150-250/h, 4 h minimum; bucket truck $75-125/h; auger rig
// $300-600/day.
constexpr double kCranePerHourMin = 150.0, kCranePerHourMax = 250.0;
constexpr double kBucketPerHourMin = 75.0, kBucketPerHourMax = 125.0;
constexpr double kAugerDayMin = 300.0, kAugerDayMax = 600.0;
// Travel: 2-person crew (§3.1 SignCraft "2-person install"), 45 mph average (*assumption*).
constexpr double kCrew = 2.0, kTravelMph = 45.0;
// Markup and contingency on the quote: §3.3 overall markup 30-60 %; contingency 5-15 %
// (*assumption* there).
constexpr double kMarkupMin = 0.30, kMarkupMax = 0.60;
constexpr double kContingencyMin = 0.05, kContingencyMax = 0.15;

// Estimate -> actual (§3.3). Labor: act = est x LogNormal(mu, sigma), mu in [ln 0.5, ln 1.1] per
// estimator, sigma 0.15-0.35. Install labor: under-estimated (§1.3 SignCraft "hidden costs of
// installation"): *assumption* LogNormal(ln 1.15, 0.30). Per-line scatter *assumption* 0.15.
// Material: act = est x N(1.0, 0.03). Equipment: *assumption* LogNormal(0.05, 0.25).
// Change orders: *assumption* 6 % of jobs, +5-25 % of fabrication hours and materials.
constexpr int kEstimators = 6;  // *assumption*: a mid-size shop's estimators
constexpr double kBiasMuMin = -0.6931471805599453 /* ln 0.5 */, kBiasMuMax = 0.09531017980432493;
constexpr double kBiasSigmaMin = 0.15, kBiasSigmaMax = 0.35;
constexpr double kInstallMu = 0.13976194237515868 /* ln 1.15 */, kInstallSigma = 0.30;
constexpr double kLineSigma = 0.15;
constexpr double kMaterialSd = 0.03;
constexpr double kEquipMu = 0.05, kEquipSigma = 0.25;
constexpr double kChangeOrderShare = 0.06;

struct Estimator {
  double mu, sigma;
};
std::array<Estimator, kEstimators> Estimators(uint64_t seed) {
  Rng r(SplitMix64(seed ^ 0xE571A70125ULL));
  std::array<Estimator, kEstimators> e{};
  for (auto& x : e) {
    x.mu = r.Uniform(kBiasMuMin, kBiasMuMax);
    x.sigma = r.Uniform(kBiasSigmaMin, kBiasSigmaMax);
  }
  return e;
}

// ---------------------------------------------------------------------------------------------
// Simplified engineering: sign/engineering.h (sign-domain.md §2) with this generator's design
// assumptions. A calibration aid for synthetic quantities, not studio's calculation.
// ---------------------------------------------------------------------------------------------

// *assumption*: a mid-table ASCE 7-16 Fig. 29.3-1 Case A force coefficient for every pylon.
constexpr double kPylonCf = 1.8;
// *assumption*: two poles once the face is wider than 12 ft.
constexpr double kTwoPoleWidthFt = 12.0;
// *assumption*: round HSS poles with D/t = 30, at least 4.5 in across, of A500 Gr C (Fy 46 ksi,
// sign-domain.md §2.7), sized by legacy ASD S_req = M / (0.66 Fy).
constexpr double kPoleDOverT = 30.0;
constexpr double kMinPoleDiameterIn = 4.5;
// *assumption*: pier diameter b = max(2 ft, D + 12 in) (at least the IBC 1807.3.3 rule of a hole
// 4 in larger than the post) and depth clamped to 3..30 ft; the §1806.3.4 pole increase (2x the
// Table 1806.2 lateral bearing) is taken for every sign.
constexpr double kMinPierDiameterFt = 2.0;
constexpr double kPierOverPoleIn = 12.0;
constexpr double kMinPierDepthFt = 3.0, kMaxPierDepthFt = 30.0;

struct Structure {
  int poles = 0;
  double pole_weight_lb = 0;  // all poles
  double pier_depth_ft = 0;
  double concrete_cy = 0;
};

// Pole and pier for a pole sign: qh at the top of the sign (ASCE 7-16 Eq. 26.10-1, Kz by formula,
// Kzt = Ke = 1, Kd = 0.85), F = qh G Cf As (Eq. 29.3-1, G = 0.85) shared by the poles, ASD
// 0.6 F (§2.4; applied to qh, F being linear in it) at arm h - s/2; one pole per share of F; pier
// depth by IBC 1807.3.2.1 Eq. 18-1 solved by fixed-point iteration (§2.8).
Structure PoleAndPier(double v, double top_ft, double face_w_ft, double face_h_ft, double area_sqft,
                      sign::Exposure e, int soil_class) {
  Structure s;
  s.poles = face_w_ft > kTwoPoleWidthFt ? 2 : 1;
  const double q = sign::Asce716SignVelocityPressurePsf(v, top_ft, e);
  const double f_asd = sign::SignWindForceLb(sign::kAsdWindLoadFactor * q,
                                             sign::kAsce716GustEffectRigid, kPylonCf, area_sqft) /
                       s.poles;  // lb per pole
  const double arm_ft = sign::CaseAResultantHeightFt(top_ft, face_h_ft);
  const double m_kip_in = sign::MomentAtGradeKipIn(f_asd, arm_ft);
  const double s_req = sign::LegacyAsdRequiredSectionModulusIn3(m_kip_in, sign::kA500GrCRoundFyKsi);
  const double d_in =
      std::max(kMinPoleDiameterIn, sign::ThinWallRoundHssDiameterIn(s_req, kPoleDOverT));
  const double lb_per_ft = sign::ThinWallRoundHssWeightLbPerFt(d_in, kPoleDOverT);
  const double b = std::max(kMinPierDiameterFt, (d_in + kPierOverPoleIn) / 12.0);
  const sign::EmbedmentSolution pier = sign::SolveNonconstrainedEmbedment(
      {.p_lb = f_asd,
       .h_ft = arm_ft,
       .b_ft = b,
       .lateral_bearing_psf_per_ft = sign::Ibc1806LateralBearingPsfPerFt(soil_class),
       .pole_increase = sign::kIbc1806PoleIncrease});
  s.pier_depth_ft = std::clamp(pier.depth_ft, kMinPierDepthFt, kMaxPierDepthFt);
  s.pole_weight_lb = s.poles * lb_per_ft * (top_ft + s.pier_depth_ft);
  s.concrete_cy = s.poles * std::numbers::pi * b * b / 4.0 * s.pier_depth_ft / 27.0;
  return s;
}

// ---------------------------------------------------------------------------------------------
// Line building.
// ---------------------------------------------------------------------------------------------

struct Context {
  Rng& rng;
  CostRecord& rec;
  std::string work_order;
  int64_t start_day = 0, end_day = 0;
  double wage = 0;            // estimating wage, $/h
  double labor_factor = 1.0;  // job-level estimator bias draw
  double install_factor = 1.0;
  double overtime_share = 0;  // of actual fab hours moved to overtime
  double overtime_hours = 0;
  double overtime_wage_sum = 0;
  double use_tax = 0.06;
  double material_est_total = 0;

  std::string LineDate() {
    const int64_t span = std::max<int64_t>(1, end_day - start_day);
    return DateString(start_day + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(span))));
  }
  int NextSeq() { return static_cast<int>(rec.lines.size()) + 1; }
};

void AddLabor(Context& c, const WorkCode& wc, double est_hrs, double act_factor, bool fab) {
  CostLine l;
  l.work_order = c.work_order;
  l.cost_type = "Labor";
  l.date = c.LineDate();
  l.work_dept = std::string(wc.dept);
  l.work_code = std::string(wc.code);
  l.seq = c.NextSeq();
  l.item = fmt::format("CREW-{}", wc.dept);
  l.um = "HR";
  l.description = std::string(wc.description);
  l.category = "labor";
  l.est_hrs = Round2(est_hrs);
  double act = est_hrs * act_factor * c.rng.LogNormal(0.0, kLineSigma);
  const double crew_wage = c.wage * c.rng.Uniform(1.0 - kCrewWageScatter, 1.0 + kCrewWageScatter);
  if (fab && c.overtime_share > 0) {
    const double ot = act * c.overtime_share;
    act -= ot;
    c.overtime_hours += ot;
    c.overtime_wage_sum += ot * crew_wage;
  }
  l.act_hrs = Round2(act);
  l.var_hrs = Round2(l.act_hrs - l.est_hrs);
  const int64_t est_lab = Cents(l.est_hrs * c.wage);
  l.est_bur_cents = Cents(static_cast<double>(est_lab) * kBurdenRate / 100.0);
  l.est_cost_cents = est_lab + l.est_bur_cents;
  l.act_lab_cents = Cents(l.act_hrs * crew_wage);
  l.act_bur_cents = Cents(static_cast<double>(l.act_lab_cents) * kBurdenRate / 100.0);
  c.rec.lines.push_back(std::move(l));
}

// A purchased-material line; use tax is charged on it (category "material").
void AddMaterial(Context& c, const WorkCode& wc, std::string item, std::string um, double est_qty,
                 double est_dollars, std::string description) {
  if (est_dollars <= 0) return;
  CostLine l;
  l.work_order = c.work_order;
  l.cost_type = "Material";
  l.date = c.LineDate();
  l.work_dept = std::string(wc.dept);
  l.work_code = std::string(wc.code);
  l.seq = c.NextSeq();
  l.item = std::move(item);
  l.um = std::move(um);
  l.description = std::move(description);
  l.category = "material";
  const double f = std::max(0.8, c.rng.Normal(1.0, kMaterialSd));
  l.est_qty = Round2(est_qty);
  l.act_qty = Round2(est_qty * f);
  l.var_qty = Round2(l.act_qty - l.est_qty);
  const int64_t est_mat = Cents(est_dollars);
  const int64_t est_tax = Cents(est_dollars * c.use_tax);
  l.est_use_tax_cents = est_tax;
  l.est_cost_cents = est_mat + est_tax;
  l.act_mat_cents = Cents(est_dollars * f);
  l.use_tax_cents = Cents(static_cast<double>(l.act_mat_cents) * c.use_tax / 100.0);
  c.material_est_total += est_dollars;
  c.rec.lines.push_back(std::move(l));
}

// A bought-in service line (category outside / equipment / shipping), no use tax.
void AddOutside(Context& c, const WorkCode& wc, std::string item, std::string um, double est_qty,
                double est_dollars, double act_factor, std::string description,
                std::string category) {
  if (est_dollars <= 0) return;
  CostLine l;
  l.work_order = c.work_order;
  l.cost_type = "Material";
  l.date = c.LineDate();
  l.work_dept = std::string(wc.dept);
  l.work_code = std::string(wc.code);
  l.seq = c.NextSeq();
  l.item = std::move(item);
  l.um = std::move(um);
  l.description = std::move(description);
  l.category = std::move(category);
  l.est_qty = Round2(est_qty);
  l.act_qty = Round2(est_qty * act_factor);
  l.var_qty = Round2(l.act_qty - l.est_qty);
  l.est_cost_cents = Cents(est_dollars);
  l.act_out_cents = Cents(est_dollars * act_factor);
  c.rec.lines.push_back(std::move(l));
}

void FinishLines(CostRecord& rec) {
  CostBreakdown& a = rec.actual;
  CostBreakdown& e = rec.estimate;
  a = {};
  e = {};
  for (auto& l : rec.lines) {
    l.job_cost_cents =
        l.act_lab_cents + l.act_bur_cents + l.act_mat_cents + l.act_out_cents + l.use_tax_cents;
    l.var_cost_cents = l.job_cost_cents - l.est_cost_cents;
    a.total_cost_cents += l.job_cost_cents;
    a.labor_cost_cents += l.act_lab_cents;
    a.overhead_cost_cents += l.act_bur_cents;
    a.tax_cents += l.use_tax_cents;
    a.labor_hours += l.act_hrs;
    e.total_cost_cents += l.est_cost_cents;
    e.labor_hours += l.est_hrs;
    if (l.category == "labor") {
      e.labor_cost_cents += l.est_cost_cents - l.est_bur_cents;
      e.overhead_cost_cents += l.est_bur_cents;
    } else if (l.category == "material") {
      a.material_cost_cents += l.act_mat_cents;
      e.material_cost_cents += l.est_cost_cents - l.est_use_tax_cents;
      e.tax_cents += l.est_use_tax_cents;
    } else if (l.category == "outside") {
      a.material_cost_cents += l.act_out_cents;
      e.material_cost_cents += l.est_cost_cents;
    } else if (l.category == "equipment") {
      a.equipment_cost_cents += l.act_out_cents;
      e.equipment_cost_cents += l.est_cost_cents;
    } else if (l.category == "shipping") {
      a.shipping_cents += l.act_out_cents;
      e.shipping_cents += l.est_cost_cents;
    }
  }
  a.labor_hours = Round2(a.labor_hours);
  e.labor_hours = Round2(e.labor_hours);
}

}  // namespace

Status ValidateOptions(const GeneratorOptions& o) {
  std::vector<FieldError> errors;
  if (o.projects < 1 || o.projects > 10'000'000) {
    errors.push_back(
        {"projects", fmt::format("must be between 1 and 10000000 (got {})", o.projects)});
  }
  if (o.first_year < 1990 || o.last_year > 2100 || o.first_year > o.last_year) {
    errors.push_back({"first_year", fmt::format("need 1990 <= first_year <= last_year <= 2100 "
                                                "(got {}..{})",
                                                o.first_year, o.last_year)});
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  return Status::Ok();
}

CostRecord GenerateProject(const GeneratorOptions& o, int64_t index) {
  Rng rng(SplitMix64(o.seed ^ SplitMix64(static_cast<uint64_t>(index) + 1)));
  const auto estimators = Estimators(o.seed);
  CostRecord rec;
  rec.id = fmt::format("cr_syn_{:08d}", index + 1);
  rec.project_id = fmt::format("prj_syn_{:08d}", index + 1);

  // Dates: stratified over the span so dates increase with the index (time split = id split).
  const int64_t first_day = DaysFromCivil(o.first_year, 1, 1);
  const int64_t span = DaysFromCivil(o.last_year, 12, 31) + 1 - first_day;
  const int64_t n = std::max<int64_t>(o.projects, index + 1);
  const int64_t day =
      first_day + static_cast<int64_t>(std::floor((static_cast<double>(index) + rng.U01()) *
                                                  static_cast<double>(span) / n));
  const int64_t lead_days = 14 + static_cast<int64_t>(rng.Below(77));  // *assumption* 2-13 weeks
  rec.project_date = DateString(day);
  rec.cost_date = DateString(day + lead_days);
  rec.year = CivilFromDays(day).y;
  // Region cost index 0.85-1.25 (§3.3, *assumption* there).
  rec.region_index = std::floor(rng.Uniform(0.85, 1.25) * 1000.0 + 0.5) / 1000.0;
  const double price_level = CpiFactor(rec.year) * rec.region_index;
  const int est_index = static_cast<int>(rng.Below(kEstimators));
  const Estimator& estimator = estimators[est_index];
  rec.estimator_id = fmt::format("est_{}", est_index + 1);
  rec.customer_name = fmt::format("Customer {:04d}", rng.Below(2500) + 1);
  rec.location = fmt::format("Site {:05d}", rng.Below(100000));

  // ---- Spec. ----
  sign::SignSpec& s = rec.spec;
  const sign::SignType type = rng.Choose(kTypeMix);
  s.sign_type = type;
  double area = 0, aspect = 1, top_ft = 0;
  int letters = 0;
  double letter_h = 0;
  switch (type) {
    case sign::SignType::kPylon:
      area = rng.LogUniform(20, 200);        // §3.1 signknights: 20-200 sq ft per side
      aspect = rng.Uniform(0.6, 3.0);        // *assumption*
      s.faces = rng.Bernoulli(0.8) ? 2 : 1;  // *assumption*
      top_ft = rng.Uniform(15, 60);          // §3.1 signknights: 10-60 ft; §3.3 15-60
      s.mounting_type = sign::MountingType::kPole;
      s.foundation_type = rng.Bernoulli(0.7) ? sign::FoundationType::kDrilledPier
                                             : sign::FoundationType::kSpreadFooting;
      s.illumination = rng.Choose(std::array<std::pair<sign::Illumination, double>, 3>{
          {{sign::Illumination::kInternalLed, 0.85},
           {sign::Illumination::kExternal, 0.05},
           {sign::Illumination::kNone, 0.10}}});
      s.material = rng.Bernoulli(0.75) ? sign::Material::kAluminum : sign::Material::kSteel;
      break;
    case sign::SignType::kMonument:
      area = rng.Uniform(16, 64);      // §3.3: monument 16-64 sq ft
      aspect = rng.Uniform(1.5, 4.0);  // *assumption*
      s.faces = rng.Bernoulli(0.7) ? 2 : 1;
      top_ft = rng.Uniform(4, 10);  // §3.3: monument 4-10 ft
      s.mounting_type = sign::MountingType::kGround;
      s.foundation_type = rng.Bernoulli(0.7) ? sign::FoundationType::kSpreadFooting
                                             : sign::FoundationType::kDirectEmbed;
      s.illumination = rng.Choose(std::array<std::pair<sign::Illumination, double>, 3>{
          {{sign::Illumination::kNone, 0.4},
           {sign::Illumination::kExternal, 0.2},
           {sign::Illumination::kInternalLed, 0.4}}});
      s.material = rng.Choose(
          std::array<std::pair<sign::Material, double>, 3>{{{sign::Material::kAluminum, 0.35},
                                                            {sign::Material::kAcm, 0.45},
                                                            {sign::Material::kHdpe, 0.20}}});
      s.base_material = rng.Choose(std::array<std::pair<sign::BaseMaterial, double>, 3>{
          {{sign::BaseMaterial::kHduFoam, 0.4},
           {sign::BaseMaterial::kMasonry, 0.4},
           {sign::BaseMaterial::kAluminum, 0.2}}});
      break;
    case sign::SignType::kChannelLetters: {
      letter_h = std::floor(rng.Uniform(12, 48));  // §3.3: letters 12-48 in
      // Letter box 0.75 h wide, 0.15 h spacing (*assumption*); the set must fit in 600 in.
      const int max_letters = static_cast<int>((600.0 / letter_h + 0.15) / 0.9);
      letters = std::min(3 + static_cast<int>(rng.Below(18)), max_letters);  // 3-20 *assumption*
      s.letter_count = letters;
      s.faces = 1;
      top_ft = rng.Uniform(10, 30);  // *assumption*: storefront / fascia heights
      s.mounting_type = sign::MountingType::kWall;
      s.foundation_type = sign::FoundationType::kWallMount;
      s.illumination = rng.Choose(std::array<std::pair<sign::Illumination, double>, 3>{
          {{sign::Illumination::kInternalLed, 0.60},
           {sign::Illumination::kHalo, 0.25},
           {sign::Illumination::kNone, 0.15}}});
      s.material = rng.Bernoulli(0.9) ? sign::Material::kAluminum : sign::Material::kAcm;
      break;
    }
    case sign::SignType::kWallCabinet:
      area = rng.LogUniform(20, 150);         // §3.3: cabinet 20-150 sq ft
      aspect = rng.Uniform(1.5, 6.0);         // *assumption* (221-0200 is 20 ft x 5.4 ft = 3.75)
      s.faces = rng.Bernoulli(0.15) ? 2 : 1;  // *assumption*: projecting cabinets are two-faced
      top_ft = rng.Uniform(10, 30);
      s.mounting_type = sign::MountingType::kWall;
      s.foundation_type = sign::FoundationType::kWallMount;
      s.illumination =
          rng.Bernoulli(0.8) ? sign::Illumination::kInternalLed : sign::Illumination::kNone;
      s.material = rng.Bernoulli(0.85) ? sign::Material::kAluminum : sign::Material::kAcm;
      break;
    case sign::SignType::kPostAndPanel:
      area = rng.Uniform(6, 48);  // *assumption* around the 4 x 8 of §3.1 SignCraft
      aspect = rng.Uniform(1.0, 2.5);
      s.faces = rng.Bernoulli(0.5) ? 2 : 1;
      s.mounting_type = sign::MountingType::kPost;
      s.foundation_type = sign::FoundationType::kDirectEmbed;
      s.illumination =
          rng.Bernoulli(0.9) ? sign::Illumination::kNone : sign::Illumination::kExternal;
      s.material = rng.Choose(
          std::array<std::pair<sign::Material, double>, 3>{{{sign::Material::kAcm, 0.5},
                                                            {sign::Material::kHdpe, 0.3},
                                                            {sign::Material::kAluminum, 0.2}}});
      s.quantity = rng.Bernoulli(0.25) ? 1 + static_cast<int>(rng.Below(5)) : 1;
      break;
  }
  if (type == sign::SignType::kChannelLetters) {
    s.width_in = Round1(letters * 0.75 * letter_h + (letters - 1) * 0.15 * letter_h);
    s.height_in = letter_h;
  } else {
    s.width_in = Round1(std::min(600.0, std::sqrt(area * 144.0 * aspect)));
    s.height_in = Round1(std::min(600.0, area * 144.0 / s.width_in));
  }
  s.area_sqft = s.width_in * s.height_in / 144.0;
  const double face_w_ft = s.width_in / 12.0, face_h_ft = s.height_in / 12.0;
  if (type == sign::SignType::kPylon)
    top_ft = std::max(top_ft, face_h_ft + 8.0);  // clearance below
  if (type == sign::SignType::kMonument) top_ft = std::max(top_ft, face_h_ft + 1.0);  // base below
  if (type == sign::SignType::kPostAndPanel)
    top_ft = face_h_ft + rng.Uniform(2, 4);  // *assumption*
  top_ft = std::max(top_ft, face_h_ft);
  s.sign_height_ft = std::floor(top_ft * 2.0 + 0.5) / 2.0;
  if (*s.sign_height_ft < face_h_ft) *s.sign_height_ft += 0.5;
  // Wind: §3.3 V 95-180 mph; shape *assumption*: most inland sites 105-120 (ASCE 7-16 RC II).
  s.wind_speed_mph = std::floor(
      (rng.Bernoulli(0.75) ? rng.Triangular(95, 115, 130) : rng.Uniform(130, 180)) + 0.5);
  s.exposure_category = rng.Choose(std::array<std::pair<sign::Exposure, double>, 3>{
      {{sign::Exposure::kB, 0.35},
       {sign::Exposure::kC, 0.55},
       {sign::Exposure::kD, 0.10}}});                 // *assumption*
  s.soil_class = 3 + static_cast<int>(rng.Below(3));  // §3.3: class 3-5
  s.install_complexity = rng.Choose(
      std::array<std::pair<sign::Complexity, double>, 3>{{{sign::Complexity::kLow, 0.3},
                                                          {sign::Complexity::kMedium, 0.5},
                                                          {sign::Complexity::kHigh, 0.2}}});
  s.site_conditions =
      rng.Choose(std::array<std::pair<std::string_view, double>, 3>{
                     {{"flat_terrain", 0.7}, {"sloped", 0.15}, {"urban_restricted", 0.15}}})
          .data();
  s.finish = rng.Choose(std::array<std::pair<std::string_view, double>, 3>{
                            {{"paint", 0.55}, {"powder_coat", 0.35}, {"anodized", 0.10}}})
                 .data();
  s.travel_miles = Round1(std::clamp(rng.LogNormal(std::log(20.0), 0.8), 2.0, 250.0));
  s.permit_required = rng.Bernoulli(*s.mounting_type == sign::MountingType::kWall ? 0.90 : 0.97);
  const double p_eng = (type == sign::SignType::kPylon      ? 0.6
                        : type == sign::SignType::kMonument ? 0.15
                                                            : 0.05) +
                       (s.wind_speed_mph > 140 ? 0.3 : 0.0);  // *assumption*
  s.custom_engineering = rng.Bernoulli(std::min(1.0, p_eng));
  s.install_method =
      type == sign::SignType::kPylon
          ? (top_ft > 25 ? sign::InstallMethod::kCrane : sign::InstallMethod::kBucketTruck)
      : (type == sign::SignType::kChannelLetters || type == sign::SignType::kWallCabinet)
          ? sign::InstallMethod::kBucketTruck
          : sign::InstallMethod::kHandSet;
  rec.project_name = fmt::format("{} {:.0f}x{:.0f} in", Name(type), s.width_in, s.height_in);

  // ---- Estimate quantities. ----
  Context c{rng, rec};
  c.work_order = fmt::format("WO-{:08d}", index + 1);
  c.start_day = day;
  c.end_day = day + lead_days;
  c.wage = rng.Uniform(kWageMin2024, kWageMax2024) * price_level;
  c.use_tax = rng.Uniform(kUseTaxMin, kUseTaxMax);
  c.labor_factor = rng.LogNormal(estimator.mu, estimator.sigma);
  c.install_factor = rng.LogNormal(kInstallMu, kInstallSigma);
  c.overtime_share = rng.Bernoulli(kOvertimeJobShare) ? rng.Uniform(0.10, 0.25) : 0.0;

  const double a = s.area_sqft, total_face = s.area_sqft * s.faces;
  const double qf = QuantityFactor(s.quantity);
  const HoursModel hm = FabHours(type);
  const double fab_hours =
      (hm.h0 + hm.h1 * std::pow(a, 0.8) * IllumFactor(s.illumination) * FacesFactor(s.faces)) * qf *
      (s.custom_engineering ? 1.15 : 1.0);  // *assumption* 15 %
  const bool lit = s.illumination != sign::Illumination::kNone;
  const bool led = s.illumination == sign::Illumination::kInternalLed ||
                   s.illumination == sign::Illumination::kHalo;

  // Design & permit drawings: §3.1 SignCraft 2024 monument "design/permit 3.5 h".
  AddLabor(c, kDesign, rng.Uniform(1.5, 4.0) + (s.custom_engineering ? 2.0 : 0.0), c.labor_factor,
           false);
  // Fabrication split by the §3.2 work-code means.
  std::vector<const WorkCode*> codes = {&kLayout,      &kFaces,    &kMiscFab,
                                        &kPrimeFinish, &kVinylCut, &kVinylApply};
  if (type != sign::SignType::kPostAndPanel) codes.push_back(&kCrating);
  if (type == sign::SignType::kPylon || type == sign::SignType::kWallCabinet ||
      type == sign::SignType::kChannelLetters ||
      (type == sign::SignType::kMonument && s.material == sign::Material::kAluminum)) {
    codes.push_back(&kExtrusions);
  }
  if (type != sign::SignType::kChannelLetters) codes.push_back(&kStructural);
  if (s.material != sign::Material::kHdpe) codes.push_back(&kCleanEtch);
  if (lit) {
    codes.push_back(&kBallast);
    codes.push_back(&kElectrical);
  }
  std::sort(codes.begin(), codes.end(),
            [](const WorkCode* x, const WorkCode* y) { return x->code < y->code; });
  auto weight = [&](const WorkCode* wc) {
    return wc == &kStructural && type == sign::SignType::kPylon ? 3.0 * wc->weight : wc->weight;
  };
  double wsum = 0;
  for (const auto* wc : codes) wsum += weight(wc);
  for (const auto* wc : codes)
    AddLabor(c, *wc, fab_hours * weight(wc) / wsum, c.labor_factor, true);

  // Structure and foundation.
  Structure st;
  double foundation_cy = 0;
  if (type == sign::SignType::kPylon) {
    st = PoleAndPier(s.wind_speed_mph, *s.sign_height_ft, face_w_ft, face_h_ft, a,
                     s.exposure_category, *s.soil_class);
    // *assumption*: a spread footing trades depth for plan area, ~1.8x the concrete.
    foundation_cy = st.concrete_cy *
                    (*s.foundation_type == sign::FoundationType::kSpreadFooting ? 1.8 : 1.0) * qf;
  } else if (type == sign::SignType::kMonument &&
             *s.foundation_type == sign::FoundationType::kSpreadFooting) {
    // *assumption*: strip footing (W + 1 ft) x 2.5 ft, 2 ft deep + 0.02 ft per psf of qz.
    const double q = sign::Asce716SignVelocityPressurePsf(s.wind_speed_mph, *s.sign_height_ft,
                                                          s.exposure_category);
    foundation_cy = (face_w_ft + 1.0) * 2.5 * (2.0 + 0.02 * q) / 27.0 * qf;
  }

  // Install, travel, excavation (crew hours).
  const double cx = *s.install_complexity == sign::Complexity::kLow    ? 0.85
                    : *s.install_complexity == sign::Complexity::kHigh ? 1.30
                                                                       : 1.0;  // *assumption*
  const double site = *s.site_conditions == "flat_terrain" ? 1.0
                      : *s.site_conditions == "sloped"     ? 1.15
                                                           : 1.20;  // *assumption*
  double install = 0;
  switch (type) {
    case sign::SignType::kPylon:
      install = kCrew * (4.0 + 0.2 * *s.sign_height_ft);  // *assumption*
      break;
    case sign::SignType::kMonument:
      install = kCrew * 2.5;  // §3.1 SignCraft 2024 monument: install + travel 6 h
      break;
    case sign::SignType::kChannelLetters:
      install = kCrew * (1.5 + 0.25 * letters);  // *assumption*
      break;
    case sign::SignType::kWallCabinet:
      install = kCrew * (2.0 + 0.02 * total_face);  // *assumption*
      break;
    case sign::SignType::kPostAndPanel:
      install = 0.5 + 0.5;  // §3.1 SignCraft installation: install 0.5 h + load 0.5 h
      break;
  }
  install *= cx * site * qf;
  AddLabor(c, kInstall, install, c.install_factor, false);
  AddLabor(c, kTravel, kCrew * 2.0 * *s.travel_miles / kTravelMph, c.install_factor, false);
  double dig = 0;
  if (type == sign::SignType::kPylon) {
    dig = st.poles * (1.5 + 1.0 * st.pier_depth_ft) * qf;  // *assumption*
  } else if (foundation_cy > 0) {
    dig = (2.0 + 2.0 * foundation_cy);  // *assumption*
  } else if (*s.foundation_type == sign::FoundationType::kDirectEmbed) {
    dig = 1.25 * qf;  // §3.1 SignCraft installation: dig 1.25 h
  }
  if (dig > 0) AddLabor(c, kExcavation, dig * site, c.install_factor, false);

  // Materials (2024 prices x CPI x region).
  const double pl = price_level;
  const double matf = MaterialFactor(s.material) * HighWindFactor(s.wind_speed_mph);
  switch (type) {
    case sign::SignType::kPylon:
    case sign::SignType::kWallCabinet:
      AddMaterial(
          c, kFaces, "MAT-CABINET", "SQFT", total_face * s.quantity,
          total_face * s.quantity * rng.Uniform(kCabinetPerSqftMin, kCabinetPerSqftMax) * matf * pl,
          "cabinet extrusions and faces");
      break;
    case sign::SignType::kMonument: {
      AddMaterial(
          c, kFaces, "MAT-FACE", "SQFT", total_face,
          total_face * rng.Uniform(kMonumentFacePerSqftMin, kMonumentFacePerSqftMax) * matf * pl,
          "monument faces");
      const double scale = std::sqrt(a / 32.0);
      if (*s.base_material == sign::BaseMaterial::kHduFoam) {
        AddMaterial(c, kStructural, "MAT-HDU-BASE", "EA", 1,
                    rng.Uniform(kHduBaseMin, kHduBaseMax) * scale * pl, "prefab HDU monument base");
      } else if (*s.base_material == sign::BaseMaterial::kAluminum) {
        AddMaterial(c, kStructural, "MAT-AL-BASE", "EA", 1,
                    rng.Uniform(kAluminumBaseMin, kAluminumBaseMax) * scale * pl,
                    "fabricated aluminum base");
      } else {
        AddOutside(c, kStructural, "SUB-MASONRY", "JOB", 1,
                   rng.Uniform(kMasonryBaseMin, kMasonryBaseMax) * scale * pl,
                   rng.LogNormal(kEquipMu, kEquipSigma), "masonry base (subcontract)", "outside");
      }
      break;
    }
    case sign::SignType::kChannelLetters:
      AddMaterial(c, kExtrusions, "MAT-LETTERS", "EA", letters,
                  letters * (kLetterBase + kLetterPerInch * letter_h) * matf * pl,
                  "letter returns / backs / faces");
      break;
    case sign::SignType::kPostAndPanel:
      AddMaterial(
          c, kFaces, "MAT-PANEL", "SQFT", total_face * s.quantity,
          total_face * s.quantity * rng.Uniform(kPanelPerSqftMin, kPanelPerSqftMax) * matf * pl,
          "sign panels");
      AddMaterial(c, kStructural, "MAT-POST", "EA", 2.0 * s.quantity,
                  2.0 * s.quantity * rng.Uniform(kPostMin, kPostMax) * pl, "posts");
      break;
  }
  AddMaterial(c, kVinylCut, "MAT-VINYL", "SQFT", total_face * s.quantity,
              total_face * s.quantity * rng.Uniform(kVinylPerSqftMin, kVinylPerSqftMax) * pl,
              "vinyl graphics");
  AddMaterial(c, kPrimeFinish, "MAT-PAINT", "SQFT", total_face * s.quantity,
              total_face * s.quantity * rng.Uniform(kPaintPerSqftMin, kPaintPerSqftMax) * pl,
              "paint and sundries");
  if (type != sign::SignType::kPostAndPanel) {
    AddMaterial(c, kCrating, "MAT-CRATE", "EA", s.quantity,
                s.quantity * rng.Uniform(kCratingMin, kCratingMax) * pl, "crating lumber and OSB");
  }
  if (led && type == sign::SignType::kChannelLetters) {
    // *assumption*: $1/in of letter height per letter in LED modules, one supply per 8 letters.
    AddMaterial(c, kElectrical, "MAT-LED", "EA", letters,
                letters * letter_h * rng.Uniform(0.8, 1.2) * pl, "LED modules");
    AddMaterial(c, kBallast, "MAT-PSU", "EA", std::ceil(letters / 8.0),
                std::ceil(letters / 8.0) * rng.Uniform(kPsuMin, kPsuMax) * pl, "power supplies");
  } else if (led) {
    const double bars = std::ceil(kLedBarsPerSqft * a) * s.quantity;
    AddMaterial(c, kElectrical, "MAT-LED", "EA", bars,
                bars * rng.Uniform(kLedBarMin, kLedBarMax) * pl, "LED bars");
    AddMaterial(c, kBallast, "MAT-PSU", "EA", std::ceil(bars / 6.0),
                std::ceil(bars / 6.0) * rng.Uniform(kPsuMin, kPsuMax) * pl, "power supplies");
  } else if (s.illumination == sign::Illumination::kExternal) {
    const double floods = 2.0 * s.faces * s.quantity;
    AddMaterial(c, kElectrical, "MAT-FLOOD", "EA", floods,
                floods * rng.Uniform(kFloodMin, kFloodMax) * pl, "external floodlights");
  }
  if (st.pole_weight_lb > 0) {
    AddMaterial(c, kStructural, "MAT-HSS", "LB", st.pole_weight_lb * qf,
                st.pole_weight_lb * qf * rng.Uniform(kSteelPerLbMin, kSteelPerLbMax) * pl,
                fmt::format("{} round HSS pole(s); {:.1f} ft pier", st.poles, st.pier_depth_ft));
  }
  if (foundation_cy > 0) {
    AddMaterial(c, kExcavation, "MAT-CONCRETE", "CY", foundation_cy,
                foundation_cy * rng.Uniform(kConcretePerCyMin, kConcretePerCyMax) * pl,
                "foundation concrete");
  } else if (*s.foundation_type == sign::FoundationType::kDirectEmbed) {
    const double posts = 2.0 * s.quantity;
    AddMaterial(c, kExcavation, "MAT-BAGCRETE", "EA", posts,
                posts * rng.Uniform(kBaggedPerPostMin, kBaggedPerPostMax) * pl, "bagged concrete");
  } else if (*s.foundation_type == sign::FoundationType::kWallMount) {
    // *assumption*: anchors and brackets, heavier in high wind.
    const double sets = type == sign::SignType::kChannelLetters ? std::ceil(letters / 4.0) : 1.0;
    AddMaterial(c, kInstall, "MAT-ANCHOR", "EA", sets,
                sets * rng.Uniform(20, 60) * std::pow(s.wind_speed_mph / 115.0, 2) * pl,
                "wall anchors and brackets");
  }
  const double materials = c.material_est_total;

  // Outside services and equipment.
  if (s.permit_required) {
    const bool small = total_face < 50 && !lit;
    const double fee = small ? rng.Uniform(kPermitSmallMin, kPermitSmallMax)
                             : rng.Uniform(kPermitLargeMin, kPermitLargeMax);
    // *assumption*: 10 % of permits need a re-submittal costing 10-50 % more.
    const double f = rng.Bernoulli(0.10) ? rng.Uniform(1.1, 1.5) : 1.0;
    AddOutside(c, kDesign, "OUT-PERMIT", "JOB", 1, fee * CpiFactor(rec.year), f, "sign permit",
               "outside");
  }
  if (s.custom_engineering) {
    const double fee = type == sign::SignType::kPylon ? rng.LogUniform(500, kEngineeringMax)
                                                      : rng.LogUniform(kEngineeringMin, 1500);
    AddOutside(c, kDesign, "OUT-ENGINEERING", "JOB", 1, fee * CpiFactor(rec.year),
               rng.LogNormal(0.0, 0.1),  // *assumption*: scope creep / re-review
               "engineering / plan review", "outside");
  }
  if (*s.install_method == sign::InstallMethod::kCrane) {
    const double h = std::max(4.0, 2.0 + 0.1 * *s.sign_height_ft) * qf;
    AddOutside(c, kInstall, "EQ-CRANE", "HR", h,
               h * rng.Uniform(kCranePerHourMin, kCranePerHourMax) * pl,
               rng.LogNormal(kEquipMu, kEquipSigma), "crane", "equipment");
  } else if (*s.install_method == sign::InstallMethod::kBucketTruck) {
    const double h = std::max(2.0, install / kCrew);
    AddOutside(c, kInstall, "EQ-BUCKET", "HR", h,
               h * rng.Uniform(kBucketPerHourMin, kBucketPerHourMax) * pl,
               rng.LogNormal(kEquipMu, kEquipSigma), "bucket truck", "equipment");
  }
  if (*s.foundation_type == sign::FoundationType::kDrilledPier) {
    const double days = (st.poles > 1 && st.pier_depth_ft > 10) ? 2.0 : 1.0;
    AddOutside(c, kExcavation, "EQ-AUGER", "DAY", days,
               days * rng.Uniform(kAugerDayMin, kAugerDayMax) * pl,
               rng.LogNormal(kEquipMu, kEquipSigma), "auger rig", "equipment");
  }
  AddOutside(c, kCrating, "OUT-FREIGHT", "JOB", 1,
             materials * rng.Uniform(kFreightShareMin, kFreightShareMax),
             std::max(0.5, rng.Normal(1.0, 0.10)), "inbound freight", "shipping");

  // Change order (unestimated work) and overtime.
  if (rng.Bernoulli(kChangeOrderShare)) {
    rec.change_order = true;
    const double extra = rng.Uniform(0.05, 0.25);
    CostLine l;
    l.work_order = c.work_order;
    l.cost_type = "Labor";
    l.date = DateString(c.end_day);
    l.work_dept = std::string(kChangeOrder.dept);
    l.work_code = std::string(kChangeOrder.code);
    l.seq = c.NextSeq();
    l.item = "CREW-FAB";
    l.um = "HR";
    l.description = std::string(kChangeOrder.description);
    l.category = "labor";
    l.act_hrs = Round2(fab_hours * extra);
    l.var_hrs = l.act_hrs;
    l.act_lab_cents = Cents(l.act_hrs * c.wage);
    l.act_bur_cents = Cents(static_cast<double>(l.act_lab_cents) * kBurdenRate / 100.0);
    rec.lines.push_back(l);
    CostLine m = l;
    m.cost_type = "Material";
    m.seq = c.NextSeq();
    m.item = "MAT-CO";
    m.um = "JOB";
    m.category = "material";
    m.act_hrs = m.var_hrs = 0;
    m.act_lab_cents = m.act_bur_cents = 0;
    m.act_qty = m.var_qty = 1;
    m.act_mat_cents = Cents(materials * extra);
    m.use_tax_cents = Cents(static_cast<double>(m.act_mat_cents) * c.use_tax / 100.0);
    m.description = "change order materials";
    rec.lines.push_back(m);
  }
  if (c.overtime_hours > 0) {
    CostLine l;
    l.work_order = c.work_order;
    l.cost_type = "Labor";
    l.date = DateString(c.end_day);
    l.work_dept = std::string(kOvertime.dept);
    l.work_code = std::string(kOvertime.code);
    l.seq = c.NextSeq();
    l.item = "CREW-FAB";
    l.um = "HR";
    l.description = std::string(kOvertime.description);
    l.category = "labor";
    l.act_hrs = Round2(c.overtime_hours);
    l.var_hrs = l.act_hrs;
    l.act_lab_cents = Cents(c.overtime_wage_sum * kOvertimePremium);
    l.act_bur_cents = Cents(static_cast<double>(l.act_lab_cents) * kBurdenRate / 100.0);
    rec.lines.push_back(l);
  }
  FinishLines(rec);

  // The shop's quote: estimate + contingency line, marked up (quote.h arithmetic).
  rec.contingency_bp = static_cast<int32_t>(
      std::floor(rng.Uniform(kContingencyMin, kContingencyMax) * 100.0 + 0.5) * 100);
  rec.markup_bp =
      static_cast<int32_t>(std::floor(rng.Uniform(kMarkupMin, kMarkupMax) * 100.0 + 0.5) * 100);
  PriceList list;
  list.id = "pl_synthetic";
  list.version = std::string(kGeneratorVersion);
  list.method = PricingMethod::kMarkup;
  list.rate_bp = rec.markup_bp;
  list.contingency_bp = rec.contingency_bp;
  QuoteRequest req;
  Part basis;
  basis.kind = PartKind::kFixed;
  basis.description = "shop estimate";
  basis.fixed_cents = rec.estimate.total_cost_cents;
  req.parts.push_back(basis);
  auto quote = PriceQuote(list, req);
  SIGNX_CHECK(quote.ok(), "synthetic quote failed: " + quote.status().ToString());
  rec.quoted_price_cents = quote->price_cents;
  return rec;
}

// ---------------------------------------------------------------------------------------------
// Writers.
// ---------------------------------------------------------------------------------------------

namespace {

void JsonString(fmt::memory_buffer& b, std::string_view s) {
  thread_local std::string quoted;
  quoted.clear();
  AppendJsonString(quoted, s);
  b.append(quoted);
}

// Appends `"key":` with a leading comma unless first.
class JsonObj {
 public:
  explicit JsonObj(fmt::memory_buffer& b) : b_(b) { b_.push_back('{'); }
  void Key(std::string_view k) {
    if (!first_) b_.push_back(',');
    first_ = false;
    JsonString(b_, k);
    b_.push_back(':');
  }
  void Str(std::string_view k, std::string_view v) {
    Key(k);
    JsonString(b_, v);
  }
  void Raw(std::string_view k, std::string_view v) {
    Key(k);
    b_.append(v);
  }
  void Int(std::string_view k, int64_t v) { Raw(k, fmt::format("{}", v)); }
  void Fixed(std::string_view k, double v, int decimals) {
    Raw(k, fmt::format("{:.{}f}", v, decimals));
  }
  void Bool(std::string_view k, bool v) { Raw(k, v ? "true" : "false"); }
  void End() { b_.push_back('}'); }

 private:
  fmt::memory_buffer& b_;
  bool first_ = true;
};

void Breakdown(fmt::memory_buffer& b, const CostBreakdown& x) {
  JsonObj o(b);
  o.Int("total_cost_cents", x.total_cost_cents);
  o.Int("labor_cost_cents", x.labor_cost_cents);
  o.Int("material_cost_cents", x.material_cost_cents);
  o.Int("equipment_cost_cents", x.equipment_cost_cents);
  o.Int("overhead_cost_cents", x.overhead_cost_cents);
  o.Int("tax_cents", x.tax_cents);
  o.Int("shipping_cents", x.shipping_cents);
  o.Fixed("labor_hours", x.labor_hours, 2);
  o.End();
}

void Drivers(fmt::memory_buffer& b, const CostRecord& r) {
  const sign::SignSpec& s = r.spec;
  JsonObj o(b);
  if (s.sign_type) o.Str("sign_type", Name(*s.sign_type));
  o.Fixed("width_in", s.width_in, 1);
  o.Fixed("height_in", s.height_in, 1);
  o.Fixed("sign_area_sqft", s.area_sqft, 2);
  if (s.sign_height_ft) o.Fixed("sign_height_ft", *s.sign_height_ft, 1);
  o.Fixed("wind_speed_mph", s.wind_speed_mph, 0);
  o.Str("exposure_category", Name(s.exposure_category));
  o.Str("material", Name(s.material));
  if (s.base_material) o.Str("base_material", Name(*s.base_material));
  if (s.finish) o.Str("finish", *s.finish);
  o.Str("illumination", Name(s.illumination));
  o.Bool("has_lighting", s.illumination != sign::Illumination::kNone);
  o.Int("faces", s.faces);
  o.Bool("is_double_faced", s.faces == 2);
  o.Int("quantity", s.quantity);
  if (s.letter_count) o.Int("letter_count", *s.letter_count);
  if (s.mounting_type) o.Str("mounting_type", Name(*s.mounting_type));
  if (s.foundation_type) o.Str("foundation_type", Name(*s.foundation_type));
  if (s.install_method) o.Str("install_method", Name(*s.install_method));
  if (s.install_complexity) o.Str("install_complexity", Name(*s.install_complexity));
  if (s.site_conditions) o.Str("site_conditions", *s.site_conditions);
  o.Bool("permit_required", s.permit_required);
  o.Bool("custom_engineering", s.custom_engineering);
  if (s.soil_class) o.Int("soil_class", *s.soil_class);
  if (s.travel_miles) o.Fixed("travel_miles", *s.travel_miles, 1);
  o.Fixed("region_index", r.region_index, 3);
  o.Str("estimator_id", r.estimator_id);
  o.End();
}

void Line(fmt::memory_buffer& b, const CostLine& l) {
  JsonObj o(b);
  o.Str("work_order", l.work_order);
  o.Str("cost_type", l.cost_type);
  o.Str("date", l.date);
  o.Str("work_dept", l.work_dept);
  o.Str("work_code", l.work_code);
  o.Int("seq", l.seq);
  o.Str("item", l.item);
  o.Str("um", l.um);
  o.Fixed("est_hrs", l.est_hrs, 2);
  o.Fixed("act_hrs", l.act_hrs, 2);
  o.Fixed("var_hrs", l.var_hrs, 2);
  o.Fixed("est_qty", l.est_qty, 2);
  o.Fixed("act_qty", l.act_qty, 2);
  o.Fixed("var_qty", l.var_qty, 2);
  o.Int("est_cost_cents", l.est_cost_cents);
  o.Int("est_bur_cents", l.est_bur_cents);
  o.Int("est_use_tax_cents", l.est_use_tax_cents);
  o.Int("act_lab_cents", l.act_lab_cents);
  o.Int("act_bur_cents", l.act_bur_cents);
  o.Int("act_mat_cents", l.act_mat_cents);
  o.Int("act_out_cents", l.act_out_cents);
  o.Int("use_tax_cents", l.use_tax_cents);
  o.Int("job_cost_cents", l.job_cost_cents);
  o.Int("var_cost_cents", l.var_cost_cents);
  o.Str("description", l.description);
  o.Str("category", l.category);
  o.End();
}

std::string Dollars(int64_t cents) {
  const int64_t a = cents < 0 ? -cents : cents;
  return fmt::format("{}{}.{:02d}", cents < 0 ? "-" : "", a / 100, a % 100);
}

template <typename T>
std::string Opt(const std::optional<T>& v) {
  if (!v) return "";
  if constexpr (std::is_same_v<T, std::string>) {
    return csv::Field(*v);
  } else if constexpr (std::is_enum_v<T>) {
    return std::string(Name(*v));
  } else {
    return fmt::format("{}", *v);
  }
}

constexpr std::string_view kCsvHeader =
    "id,project_id,project_name,customer_name,location,project_date,cost_date,year,estimator_id,"
    "sign_type,width_in,height_in,sign_area_sqft,sign_height_ft,wind_speed_mph,exposure_category,"
    "material,base_material,finish,illumination,has_lighting,faces,is_double_faced,quantity,"
    "letter_count,mounting_type,foundation_type,install_method,install_complexity,"
    "site_conditions,permit_required,custom_engineering,soil_class,travel_miles,region_index,"
    "est_total_cost_cents,est_labor_cost_cents,est_material_cost_cents,est_equipment_cost_cents,"
    "est_overhead_cost_cents,est_tax_cents,est_shipping_cents,est_labor_hours,"
    "total_cost_cents,labor_cost_cents,material_cost_cents,equipment_cost_cents,"
    "overhead_cost_cents,tax_cents,shipping_cents,labor_hours,"
    "contingency_bp,markup_bp,quoted_price_cents,change_order,generator_version";

// sign-domain.md §1.4 header (+ the record id so lines join back to their record).
constexpr std::string_view kKeyedInHeader =
    "Work Order,Cost Type,Date,Work Dept,Work Code,Seq,Emp/Part/Item,U/M,Est Hrs,Act Hrs,Var Hrs,"
    "Est Qty,Act Qty,Var Qty,Est Cost,Act Lab,Act Bur,Act Mat,Act Out,Use Tax,Job Cost,R/I,"
    "Var Cost,Gross Margin,Description,Inv Type,Record Id";

}  // namespace

std::string CsvHeader(HistoryFormat format) {
  switch (format) {
    case HistoryFormat::kNdjson:
      return "";
    case HistoryFormat::kCsv:
      return std::string(kCsvHeader) + "\r\n";
    case HistoryFormat::kKeyedInCsv:
      return std::string(kKeyedInHeader) + "\r\n";
  }
  return "";
}

void WriteRecord(const CostRecord& r, HistoryFormat format, std::ostream& out) {
  fmt::memory_buffer b;
  const sign::SignSpec& s = r.spec;
  switch (format) {
    case HistoryFormat::kNdjson: {
      JsonObj o(b);
      o.Str("id", r.id);
      o.Str("project_id", r.project_id);
      o.Str("project_name", r.project_name);
      o.Str("source", "synthetic");
      o.Str("status", "completed");
      o.Str("customer_name", r.customer_name);
      o.Str("location", r.location);
      o.Str("project_date", r.project_date);
      o.Str("cost_date", r.cost_date);
      o.Int("total_cost_cents", r.actual.total_cost_cents);
      o.Int("labor_cost_cents", r.actual.labor_cost_cents);
      o.Int("material_cost_cents", r.actual.material_cost_cents);
      o.Int("equipment_cost_cents", r.actual.equipment_cost_cents);
      o.Int("overhead_cost_cents", r.actual.overhead_cost_cents);
      o.Int("tax_cents", r.actual.tax_cents);
      o.Int("shipping_cents", r.actual.shipping_cents);
      o.Fixed("labor_hours", r.actual.labor_hours, 2);
      o.Key("estimate");
      Breakdown(b, r.estimate);
      o.Int("contingency_bp", r.contingency_bp);
      o.Int("markup_bp", r.markup_bp);
      o.Int("quoted_price_cents", r.quoted_price_cents);
      o.Bool("change_order", r.change_order);
      o.Key("drivers");
      Drivers(b, r);
      o.Key("lines");
      b.push_back('[');
      for (size_t i = 0; i < r.lines.size(); ++i) {
        if (i > 0) b.push_back(',');
        Line(b, r.lines[i]);
      }
      b.push_back(']');
      o.Str("generator_version", kGeneratorVersion);
      o.End();
      b.push_back('\n');
      break;
    }
    case HistoryFormat::kCsv: {
      const auto& e = r.estimate;
      const auto& a = r.actual;
      fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},{},{},", r.id, r.project_id,
                     csv::Field(r.project_name), csv::Field(r.customer_name),
                     csv::Field(r.location), r.project_date, r.cost_date, r.year, r.estimator_id);
      fmt::format_to(std::back_inserter(b), "{},{:.1f},{:.1f},{:.2f},{},{:.0f},{},{},{},{},{},{},",
                     Opt(s.sign_type), s.width_in, s.height_in, s.area_sqft,
                     s.sign_height_ft ? fmt::format("{:.1f}", *s.sign_height_ft) : "",
                     s.wind_speed_mph, Name(s.exposure_category), Name(s.material),
                     Opt(s.base_material), Opt(s.finish), Name(s.illumination),
                     s.illumination != sign::Illumination::kNone);
      fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},{},{},{},{},{},{},{:.3f},",
                     s.faces, s.faces == 2, s.quantity, Opt(s.letter_count), Opt(s.mounting_type),
                     Opt(s.foundation_type), Opt(s.install_method), Opt(s.install_complexity),
                     Opt(s.site_conditions), s.permit_required, s.custom_engineering,
                     Opt(s.soil_class),
                     s.travel_miles ? fmt::format("{:.1f}", *s.travel_miles) : "", r.region_index);
      fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},{:.2f},", e.total_cost_cents,
                     e.labor_cost_cents, e.material_cost_cents, e.equipment_cost_cents,
                     e.overhead_cost_cents, e.tax_cents, e.shipping_cents, e.labor_hours);
      fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},{:.2f},", a.total_cost_cents,
                     a.labor_cost_cents, a.material_cost_cents, a.equipment_cost_cents,
                     a.overhead_cost_cents, a.tax_cents, a.shipping_cents, a.labor_hours);
      fmt::format_to(std::back_inserter(b), "{},{},{},{},{}\r\n", r.contingency_bp, r.markup_bp,
                     r.quoted_price_cents, r.change_order, kGeneratorVersion);
      break;
    }
    case HistoryFormat::kKeyedInCsv:
      for (const auto& l : r.lines) {
        fmt::format_to(std::back_inserter(b),
                       "{},{},{},{},{},{},{},{},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},{:.2f},",
                       l.work_order, l.cost_type, l.date, l.work_dept, l.work_code, l.seq,
                       csv::Field(l.item), l.um, l.est_hrs, l.act_hrs, l.var_hrs, l.est_qty,
                       l.act_qty, l.var_qty);
        fmt::format_to(std::back_inserter(b), "{},{},{},{},{},{},{},,{},,{},{},{}\r\n",
                       Dollars(l.est_cost_cents), Dollars(l.act_lab_cents),
                       Dollars(l.act_bur_cents), Dollars(l.act_mat_cents), Dollars(l.act_out_cents),
                       Dollars(l.use_tax_cents), Dollars(l.job_cost_cents),
                       Dollars(l.var_cost_cents), csv::Field(l.description), l.category, r.id);
      }
      break;
  }
  out.write(b.data(), static_cast<std::streamsize>(b.size()));
}

Status WriteHistory(const GeneratorOptions& options, HistoryFormat format, std::ostream& out) {
  SIGNX_RETURN_IF_ERROR(ValidateOptions(options));
  out << CsvHeader(format);
  for (int64_t i = 0; i < options.projects; ++i) {
    WriteRecord(GenerateProject(options, i), format, out);
    if (!out) return Unavailable("writing the synthetic history failed (output stream error)");
  }
  out.flush();
  if (!out) return Unavailable("writing the synthetic history failed (output stream error)");
  return Status::Ok();
}

// ---------------------------------------------------------------------------------------------
// Summary statistics.
// ---------------------------------------------------------------------------------------------

void HistoryStats::Add(const CostRecord& r) {
  ++count_;
  const double act = static_cast<double>(r.actual.total_cost_cents);
  const double est = static_cast<double>(r.estimate.total_cost_cents);
  if (act > 0) ape_sum_ += std::abs(est - act) / act;
  const std::string type = r.spec.sign_type ? std::string(Name(*r.spec.sign_type)) : "unknown";
  actual_by_type_[type].push_back(r.actual.total_cost_cents);
  estimate_by_type_[type].push_back(r.estimate.total_cost_cents);
}

double HistoryStats::EstimateMape() const {
  return count_ == 0 ? 0.0 : ape_sum_ / static_cast<double>(count_);
}

std::map<std::string, HistoryStats::TypeStats> HistoryStats::ByType() const {
  std::map<std::string, TypeStats> out;
  for (const auto& [type, actual] : actual_by_type_) {
    const auto& est = estimate_by_type_.at(type);
    TypeStats t;
    t.count = static_cast<int64_t>(actual.size());
    double sum = 0, est_sum = 0, ape = 0;
    for (size_t i = 0; i < actual.size(); ++i) {
      sum += static_cast<double>(actual[i]);
      est_sum += static_cast<double>(est[i]);
      if (actual[i] > 0) {
        ape += std::abs(static_cast<double>(est[i] - actual[i])) / static_cast<double>(actual[i]);
      }
    }
    std::vector<int64_t> sorted = actual;
    std::sort(sorted.begin(), sorted.end());
    const size_t m = sorted.size() / 2;
    const double median = sorted.size() % 2 == 1
                              ? static_cast<double>(sorted[m])
                              : (static_cast<double>(sorted[m - 1]) + sorted[m]) / 2.0;
    t.mean_usd = sum / t.count / 100.0;
    t.mean_estimate_usd = est_sum / t.count / 100.0;
    t.median_usd = median / 100.0;
    t.estimate_mape = ape / t.count;
    out[type] = t;
  }
  return out;
}

std::string HistoryStats::Format() const {
  std::string out = fmt::format("{:<16} {:>7} {:>12} {:>12} {:>12} {:>8}\n", "sign_type", "count",
                                "mean_actual", "median_act", "mean_est", "est_MAPE");
  for (const auto& [type, t] : ByType()) {
    out += fmt::format("{:<16} {:>7} {:>12.0f} {:>12.0f} {:>12.0f} {:>7.1f}%\n", type, t.count,
                       t.mean_usd, t.median_usd, t.mean_estimate_usd, 100.0 * t.estimate_mape);
  }
  out += fmt::format("{:<16} {:>7} shop-estimate MAPE vs actual: {:.1f}%\n", "all", count_,
                     100.0 * EstimateMape());
  return out;
}

}  // namespace signx::estimating
