#include "sign/spec.h"

#include <fmt/format.h>

#include <cmath>
#include <set>
#include <utility>
#include <vector>

namespace signx::sign {
namespace {

constexpr std::pair<std::string_view, Material> kMaterials[] = {{"aluminum", Material::kAluminum},
                                                                {"acm", Material::kAcm},
                                                                {"steel", Material::kSteel},
                                                                {"hdpe", Material::kHdpe}};
constexpr std::pair<std::string_view, SignType> kSignTypes[] = {
    {"pylon", SignType::kPylon},
    {"monument", SignType::kMonument},
    {"channel_letters", SignType::kChannelLetters},
    {"wall_cabinet", SignType::kWallCabinet},
    {"post_and_panel", SignType::kPostAndPanel}};
constexpr std::pair<std::string_view, MountingType> kMountings[] = {
    {"pole", MountingType::kPole},
    {"ground", MountingType::kGround},
    {"wall", MountingType::kWall},
    {"post", MountingType::kPost}};
constexpr std::pair<std::string_view, FoundationType> kFoundations[] = {
    {"drilled_pier", FoundationType::kDrilledPier},
    {"direct_embed", FoundationType::kDirectEmbed},
    {"spread_footing", FoundationType::kSpreadFooting},
    {"wall_mount", FoundationType::kWallMount}};
constexpr std::pair<std::string_view, Illumination> kIlluminations[] = {
    {"none", Illumination::kNone},
    {"internal_led", Illumination::kInternalLed},
    {"halo", Illumination::kHalo},
    {"external", Illumination::kExternal}};
constexpr std::pair<std::string_view, BaseMaterial> kBaseMaterials[] = {
    {"none", BaseMaterial::kNone},
    {"masonry", BaseMaterial::kMasonry},
    {"hdu_foam", BaseMaterial::kHduFoam},
    {"aluminum", BaseMaterial::kAluminum}};
constexpr std::pair<std::string_view, Exposure> kExposures[] = {
    {"B", Exposure::kB}, {"C", Exposure::kC}, {"D", Exposure::kD}};
constexpr std::pair<std::string_view, InstallMethod> kInstallMethods[] = {
    {"hand_set", InstallMethod::kHandSet},
    {"bucket_truck", InstallMethod::kBucketTruck},
    {"crane", InstallMethod::kCrane}};
constexpr std::pair<std::string_view, Complexity> kComplexities[] = {
    {"low", Complexity::kLow}, {"medium", Complexity::kMedium}, {"high", Complexity::kHigh}};

template <typename E, size_t N>
std::string_view NameIn(const std::pair<std::string_view, E> (&table)[N], E v) {
  for (const auto& [name, e] : table) {
    if (e == v) return name;
  }
  SIGNX_CHECK(false, "enum value missing from its name table");
  return {};
}

// Every key ParseSignSpec understands (the SignSpec fields plus seed aliases and the derived area).
const std::set<std::string_view, std::less<>>& KnownKeys() {
  static const std::set<std::string_view, std::less<>> k = {
      "width_in",        "height_in",         "wind_speed_mph",
      "material",        "sign_type",         "mounting_type",
      "foundation_type", "illumination",      "has_lighting",
      "faces",           "is_double_faced",   "quantity",
      "sign_height_ft",  "exposure_category", "base_material",
      "finish",          "install_method",    "install_complexity",
      "site_conditions", "permit_required",   "custom_engineering",
      "soil_class",      "travel_miles",      "letter_count",
      "sign_area_sqft"};
  return k;
}

// Collects FieldErrors while reading typed values out of a JSON object.
class Reader {
 public:
  explicit Reader(const boost::json::object& json) : json_(json) {}

  std::vector<FieldError>& errors() { return errors_; }
  void Add(std::string field, std::string message) {
    errors_.push_back({std::move(field), std::move(message)});
  }
  bool Has(std::string_view key) const {
    const auto* v = json_.if_contains(key);
    return v != nullptr && !v->is_null();
  }

  // A finite number; a missing required field and a wrong type are errors.
  std::optional<double> Number(std::string_view key, bool required) {
    const auto* v = json_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) Add(std::string(key), "is required");
      return std::nullopt;
    }
    double d = 0;
    if (v->is_int64()) {
      d = static_cast<double>(v->get_int64());
    } else if (v->is_uint64()) {
      d = static_cast<double>(v->get_uint64());
    } else if (v->is_double()) {
      d = v->get_double();
    } else {
      Add(std::string(key), "must be a number");
      return std::nullopt;
    }
    if (!std::isfinite(d)) {
      Add(std::string(key), "must be a finite number");
      return std::nullopt;
    }
    return d;
  }

  // An integral number in [lo, hi].
  std::optional<int> Int(std::string_view key, int lo, int hi) {
    auto d = Number(key, false);
    if (!d) return std::nullopt;
    if (*d != std::floor(*d)) {
      Add(std::string(key), fmt::format("must be a whole number (got {})", *d));
      return std::nullopt;
    }
    if (*d < lo || *d > hi) {
      Add(std::string(key), fmt::format("must be between {} and {} (got {})", lo, hi, *d));
      return std::nullopt;
    }
    return static_cast<int>(*d);
  }

  std::optional<bool> Bool(std::string_view key) {
    const auto* v = json_.if_contains(key);
    if (v == nullptr || v->is_null()) return std::nullopt;
    if (!v->is_bool()) {
      Add(std::string(key), "must be true or false");
      return std::nullopt;
    }
    return v->get_bool();
  }

  std::optional<std::string_view> String(std::string_view key, bool required) {
    const auto* v = json_.if_contains(key);
    if (v == nullptr || v->is_null()) {
      if (required) Add(std::string(key), "is required");
      return std::nullopt;
    }
    if (!v->is_string()) {
      Add(std::string(key), "must be a string");
      return std::nullopt;
    }
    return std::string_view(v->get_string());
  }

  template <typename E, size_t N>
  std::optional<E> Enum(std::string_view key, const std::pair<std::string_view, E> (&table)[N],
                        bool required = false) {
    auto s = String(key, required);
    if (!s) return std::nullopt;
    for (const auto& [name, e] : table) {
      if (name == *s) return e;
    }
    std::string allowed;
    for (const auto& [name, e] : table) {
      if (!allowed.empty()) allowed += ", ";
      allowed += name;
    }
    Add(std::string(key), fmt::format("must be one of {} (got '{}')", allowed, *s));
    return std::nullopt;
  }

  // A lower-case token such as "powder_coat": [a-z0-9_], 1..64 characters.
  std::optional<std::string> Token(std::string_view key) {
    auto s = String(key, false);
    if (!s) return std::nullopt;
    bool ok = !s->empty() && s->size() <= 64;
    for (char c : *s) {
      ok = ok && ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_');
    }
    if (!ok) {
      Add(std::string(key), "must be a lower-case token of 1-64 characters [a-z0-9_]");
      return std::nullopt;
    }
    return std::string(*s);
  }

 private:
  const boost::json::object& json_;
  std::vector<FieldError> errors_;
};

// The one mounting each sign type is built for.
MountingType MountingFor(SignType t) {
  switch (t) {
    case SignType::kPylon:
      return MountingType::kPole;
    case SignType::kMonument:
      return MountingType::kGround;
    case SignType::kPostAndPanel:
      return MountingType::kPost;
    case SignType::kChannelLetters:
    case SignType::kWallCabinet:
      return MountingType::kWall;
  }
  return MountingType::kPole;
}

// A dimension in inches: 0 < x <= 600 (seed: Field(gt=0, le=600)  # Max 50 feet).
void CheckDimension(Reader& r, std::string_view key, double v) {
  if (v <= 0) {
    r.Add(std::string(key), fmt::format("must be greater than 0 (got {})", v));
  } else if (v > kMaxDimensionIn) {
    r.Add(std::string(key),
          fmt::format("must be less than or equal to 600 in (50 ft) (got {})", v));
  }
}

}  // namespace

std::string_view Name(Material v) { return NameIn(kMaterials, v); }
std::string_view Name(SignType v) { return NameIn(kSignTypes, v); }
std::string_view Name(MountingType v) { return NameIn(kMountings, v); }
std::string_view Name(FoundationType v) { return NameIn(kFoundations, v); }
std::string_view Name(Illumination v) { return NameIn(kIlluminations, v); }
std::string_view Name(BaseMaterial v) { return NameIn(kBaseMaterials, v); }
std::string_view Name(Exposure v) { return NameIn(kExposures, v); }
std::string_view Name(InstallMethod v) { return NameIn(kInstallMethods, v); }
std::string_view Name(Complexity v) { return NameIn(kComplexities, v); }

Result<SignSpec> ParseSignSpec(const boost::json::object& json, ParseOptions options) {
  Reader r(json);
  SignSpec s;

  if (options.reject_unknown_fields) {
    for (const auto& kv : json) {
      if (!KnownKeys().contains(std::string_view(kv.key()))) {
        r.Add(std::string(kv.key()), "is not a sign spec field");
      }
    }
  }

  // --- Single-field rules (seed 000). ---
  const auto width = r.Number("width_in", true);
  if (width) CheckDimension(r, "width_in", *width);
  const auto height = r.Number("height_in", true);
  if (height) CheckDimension(r, "height_in", *height);
  const bool dims_ok = width && height && *width > 0 && *width <= kMaxDimensionIn && *height > 0 &&
                       *height <= kMaxDimensionIn;

  const auto wind = r.Number("wind_speed_mph", true);
  if (wind) {
    if (*wind < kMinWindMph) {
      r.Add("wind_speed_mph",
            fmt::format("Wind speed {} mph below Iowa IBC minimum (90 mph). Cannot proceed with "
                        "unsafe design.",
                        *wind));
    } else if (*wind > kMaxWindMph) {
      r.Add(
          "wind_speed_mph",
          fmt::format("Wind speed exceeds realistic maximum (got {} mph, maximum 200 mph)", *wind));
    }
  }
  const auto material = r.Enum("material", kMaterials, /*required=*/true);

  // --- Optional drivers. ---
  s.sign_type = r.Enum("sign_type", kSignTypes);
  s.mounting_type = r.Enum("mounting_type", kMountings);
  s.foundation_type = r.Enum("foundation_type", kFoundations);
  const auto illumination = r.Enum("illumination", kIlluminations);
  const auto has_lighting = r.Bool("has_lighting");
  const auto faces = r.Int("faces", 1, 2);
  const auto double_faced = r.Bool("is_double_faced");
  if (auto q = r.Int("quantity", 1, kMaxQuantity)) s.quantity = *q;
  if (auto h = r.Number("sign_height_ft", false)) {
    if (*h <= 0 || *h > kMaxSignHeightFt) {
      r.Add("sign_height_ft",
            fmt::format("must be greater than 0 and at most {} ft (got {})", kMaxSignHeightFt, *h));
    } else {
      s.sign_height_ft = *h;
    }
  }
  if (auto e = r.Enum("exposure_category", kExposures)) s.exposure_category = *e;
  s.base_material = r.Enum("base_material", kBaseMaterials);
  s.finish = r.Token("finish");
  s.install_method = r.Enum("install_method", kInstallMethods);
  s.install_complexity = r.Enum("install_complexity", kComplexities);
  s.site_conditions = r.Token("site_conditions");
  if (auto b = r.Bool("permit_required")) s.permit_required = *b;
  if (auto b = r.Bool("custom_engineering")) s.custom_engineering = *b;
  s.soil_class = r.Int("soil_class", 1, 5);
  if (auto m = r.Number("travel_miles", false)) {
    if (*m < 0 || *m > kMaxTravelMiles) {
      r.Add("travel_miles", fmt::format("must be between 0 and {} (got {})", kMaxTravelMiles, *m));
    } else {
      s.travel_miles = *m;
    }
  }
  s.letter_count = r.Int("letter_count", 1, kMaxLetterCount);
  const auto area_given = r.Number("sign_area_sqft", false);

  // --- Aliases from the seed's drivers (has_lighting, is_double_faced). ---
  if (illumination) {
    s.illumination = *illumination;
    if (has_lighting && *has_lighting != (*illumination != Illumination::kNone)) {
      r.Add("has_lighting", fmt::format("has_lighting {} contradicts illumination '{}'",
                                        *has_lighting, Name(*illumination)));
    }
  } else if (has_lighting) {
    s.illumination = *has_lighting ? Illumination::kInternalLed : Illumination::kNone;
  }
  if (faces) {
    s.faces = *faces;
    if (double_faced && *double_faced != (*faces == 2)) {
      r.Add("is_double_faced",
            fmt::format("is_double_faced {} contradicts faces {}", *double_faced, *faces));
    }
  } else if (double_faced) {
    s.faces = *double_faced ? 2 : 1;
  }

  // --- Combination rules. ---
  if (dims_ok) {
    s.area_sqft = *width * *height / 144.0;  // seed: area = width * height / 144  # sqft
    if (s.area_sqft > kMaxAreaSqft) {
      r.Add("width_in",
            fmt::format("Sign area exceeds manufacturing capability: width_in x height_in / 144 = "
                        "{:.1f} sq ft per face (maximum {:.0f} sq ft)",
                        s.area_sqft, kMaxAreaSqft));
    }
    if (area_given && std::abs(*area_given - s.area_sqft) > std::max(0.05, 0.01 * s.area_sqft)) {
      r.Add("sign_area_sqft",
            fmt::format("sign_area_sqft {} does not match width_in x height_in / 144 = {:.2f}",
                        *area_given, s.area_sqft));
    }
    if (s.sign_height_ft && *s.sign_height_ft < *height / 12.0) {
      r.Add("sign_height_ft",
            fmt::format("sign_height_ft {} ft (top of sign above grade) is less than the face "
                        "height height_in / 12 = {:.2f} ft",
                        *s.sign_height_ft, *height / 12.0));
    }
  }
  if (s.sign_type && s.mounting_type && MountingFor(*s.sign_type) != *s.mounting_type) {
    r.Add("mounting_type",
          fmt::format("mounting_type '{}' is not possible for sign_type '{}' (expected '{}')",
                      Name(*s.mounting_type), Name(*s.sign_type), Name(MountingFor(*s.sign_type))));
  }
  if (s.foundation_type) {
    // The mounting that decides the foundation: stated, else implied by the sign type.
    std::optional<MountingType> mounting = s.mounting_type;
    std::string_view by = "mounting_type";
    if (!mounting && s.sign_type) {
      mounting = MountingFor(*s.sign_type);
      by = "sign_type";
    }
    if (mounting) {
      const bool wall = *mounting == MountingType::kWall;
      const bool wall_foundation = *s.foundation_type == FoundationType::kWallMount;
      if (wall != wall_foundation) {
        const std::string_view by_value =
            by == "sign_type" ? Name(*s.sign_type) : Name(*s.mounting_type);
        r.Add("foundation_type", fmt::format("foundation_type '{}' is not possible with {} '{}'{}",
                                             Name(*s.foundation_type), by, by_value,
                                             wall ? " (wall signs use wall_mount)"
                                                  : " (wall_mount needs a wall-mounted sign)"));
      }
    }
  }
  if (s.letter_count && s.sign_type && *s.sign_type != SignType::kChannelLetters) {
    r.Add("letter_count", fmt::format("letter_count applies only to sign_type 'channel_letters' "
                                      "(sign_type is '{}')",
                                      Name(*s.sign_type)));
  }
  if (s.base_material && *s.base_material != BaseMaterial::kNone && s.sign_type &&
      *s.sign_type != SignType::kMonument) {
    r.Add("base_material",
          fmt::format("base_material '{}' applies only to sign_type 'monument' (sign_type is '{}')",
                      Name(*s.base_material), Name(*s.sign_type)));
  }

  if (!r.errors().empty()) return ValidationFailed(std::move(r.errors()));

  s.width_in = *width;
  s.height_in = *height;
  s.wind_speed_mph = *wind;
  s.material = *material;
  // Seed: a large sign (> 500 sq ft) in high wind (> 150 mph) needs engineering review; SignX
  // accepts it and flags it instead of failing.
  if (s.area_sqft > kReviewAreaSqft && s.wind_speed_mph > kReviewWindMph) {
    s.requires_engineering_review = true;
    s.engineering_review_reason = fmt::format(
        "Large sign ({:.1f} sq ft) with high wind ({} mph) requires engineering "
        "review. Use {}.",
        s.area_sqft, s.wind_speed_mph, kEngineeringReviewRoute);
  }
  return s;
}

boost::json::object ToDrivers(const SignSpec& s) {
  boost::json::object o;
  o["width_in"] = s.width_in;
  o["height_in"] = s.height_in;
  o["sign_area_sqft"] = s.area_sqft;
  o["wind_speed_mph"] = s.wind_speed_mph;
  o["material"] = Name(s.material);
  if (s.sign_type) o["sign_type"] = Name(*s.sign_type);
  if (s.mounting_type) o["mounting_type"] = Name(*s.mounting_type);
  if (s.foundation_type) o["foundation_type"] = Name(*s.foundation_type);
  o["illumination"] = Name(s.illumination);
  o["has_lighting"] = s.illumination != Illumination::kNone;
  o["faces"] = s.faces;
  o["is_double_faced"] = s.faces == 2;
  o["quantity"] = s.quantity;
  if (s.sign_height_ft) o["sign_height_ft"] = *s.sign_height_ft;
  o["exposure_category"] = Name(s.exposure_category);
  if (s.base_material) o["base_material"] = Name(*s.base_material);
  if (s.finish) o["finish"] = *s.finish;
  if (s.install_method) o["install_method"] = Name(*s.install_method);
  if (s.install_complexity) o["install_complexity"] = Name(*s.install_complexity);
  if (s.site_conditions) o["site_conditions"] = *s.site_conditions;
  o["permit_required"] = s.permit_required;
  o["custom_engineering"] = s.custom_engineering;
  if (s.soil_class) o["soil_class"] = *s.soil_class;
  if (s.travel_miles) o["travel_miles"] = *s.travel_miles;
  if (s.letter_count) o["letter_count"] = *s.letter_count;
  return o;
}

}  // namespace signx::sign
