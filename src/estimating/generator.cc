// The synthetic cost history: one reproducible sign job per (seed, index). The calibration is in
// internal/generator_tables.h, the samplers in internal/generator_rng.h, the pylon structure in
// internal/generator_structure.h, the cost lines in internal/generator_lines.h; the writers and
// summary statistics in generator_writers.cc.
#include "estimating/generator.h"

#include <fmt/format.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <numbers>

#include "estimating/internal/generator_lines.h"
#include "estimating/internal/generator_rng.h"
#include "estimating/internal/generator_structure.h"
#include "estimating/internal/generator_tables.h"
#include "estimating/quote.h"
#include "sign/engineering.h"

namespace signx::estimating {

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
  // The calibration tables, samplers and line builders (internal/generator_*.h) by their short
  // names, as in the formulas they implement.
  using namespace internal;  // NOLINT(build/namespaces)
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

}  // namespace signx::estimating
