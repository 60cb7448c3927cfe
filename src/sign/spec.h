// SignSpec: the validated description of one sign job, part of the pure `sign` module (no I/O).
// Every capability that reasons about a sign consumes it: estimating (prediction features, quote
// pricing, synthetic history drivers) and studio (engineering inputs); sign/engineering.h holds
// the structural calculations over it.
//
// ParseSignSpec applies the validation rules of seed 000 (SignX-Intel, "Fail Fast, Fail Loud" and
// "Input Validation"): 0 < width_in, height_in <= 600; 90 <= wind_speed_mph <= 200 with the
// "below Iowa IBC minimum" message; material in {aluminum, acm, steel, hdpe}; face area > 1000 sq
// ft rejected ("exceeds manufacturing capability"); face area > 500 sq ft with wind > 150 mph is
// NOT an error but sets requires_engineering_review with a reason pointing at the review route. On
// top of the seed it rejects absurd combinations (e.g. a wall-mounted pylon, a drilled pier under a
// wall sign, a sign taller than its own top height) with messages naming every field involved.
// Every problem is reported at once as one ValidationFailed status whose FieldErrors name the field
// and the rule.
//
// Thread-safety: pure functions over value types.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace signx::sign {

// Seed 000 `material: Literal["aluminum", "acm", "steel", "hdpe"]` — the primary face/cabinet or
// panel material. (Monument bases are described separately by BaseMaterial.)
enum class Material { kAluminum, kAcm, kSteel, kHdpe };

// sign-domain.md §3.3 sign types.
enum class SignType { kPylon, kMonument, kChannelLetters, kWallCabinet, kPostAndPanel };

// How the sign is held up. pole: pylon on one or more poles; ground: monument on its base;
// wall: fastened to a building; post: post-and-panel on embedded posts.
enum class MountingType { kPole, kGround, kWall, kPost };

// seed 000 drivers `foundation_type` ("drilled_pier") and sign-domain.md §3.3
// {direct embed, spread footing, wall mount}.
enum class FoundationType { kDrilledPier, kDirectEmbed, kSpreadFooting, kWallMount };

// sign-domain.md §3.3 illumination {none, internal LED, halo, external}.
enum class Illumination { kNone, kInternalLed, kHalo, kExternal };

// Monument base (sign-domain.md §3.3 material list: HDU foam, masonry base).
enum class BaseMaterial { kNone, kMasonry, kHduFoam, kAluminum };

// ASCE 7 exposure category (sign-domain.md §2.2).
enum class Exposure { kB, kC, kD };

// sign-domain.md §3.3 install complexity {bucket truck, crane, hand set}.
enum class InstallMethod { kHandSet, kBucketTruck, kCrane };

// seed 000 drivers `install_complexity` ("medium").
enum class Complexity { kLow, kMedium, kHigh };

// Limits (seed 000 SignSpecification unless noted).
inline constexpr double kMaxDimensionIn = 600.0;    // Field(gt=0, le=600)  # Max 50 feet
inline constexpr double kMinWindMph = 90.0;         // Field(ge=90) # Iowa minimum
inline constexpr double kMaxWindMph = 200.0;        // "exceeds realistic maximum"
inline constexpr double kMaxAreaSqft = 1000.0;      // "exceeds manufacturing capability"
inline constexpr double kReviewAreaSqft = 500.0;    // area > 500 ...
inline constexpr double kReviewWindMph = 150.0;     // ... and wind > 150 -> review
inline constexpr double kMaxSignHeightFt = 100.0;   // SignX: tallest highway pylons
inline constexpr int kMaxQuantity = 10'000;         // SignX: sanity bound
inline constexpr int kMaxLetterCount = 500;         // SignX: sanity bound
inline constexpr double kMaxTravelMiles = 2'000.0;  // SignX: sanity bound
// Where a spec flagged for engineering review is sent (seed: "Use /review endpoint").
inline constexpr std::string_view kEngineeringReviewRoute = "/v1/estimates/review";

struct SignSpec {
  // Required (seed 000).
  double width_in = 0;        // face width, 0 < x <= 600
  double height_in = 0;       // face height, 0 < x <= 600
  double wind_speed_mph = 0;  // ASCE 7 basic wind speed V, 90..200
  Material material = Material::kAluminum;

  // Optional drivers (seed 000 `drivers` JSON and sign-domain.md §3.3). Absent = unknown, which
  // the cost model treats as missing; defaults below are used where a value is always meaningful.
  std::optional<SignType> sign_type;
  std::optional<MountingType> mounting_type;
  std::optional<FoundationType> foundation_type;
  Illumination illumination = Illumination::kNone;  // also settable via has_lighting
  int faces = 1;                                    // 1 or 2; also settable via is_double_faced
  int quantity = 1;                                 // identical signs on the job, 1..10000
  std::optional<double> sign_height_ft;             // top of sign above grade, 0 < x <= 100
  Exposure exposure_category = Exposure::kC;        // ASCE 7 default for open terrain
  std::optional<BaseMaterial> base_material;        // monuments only
  std::optional<std::string> finish;                // free token: "powder_coat", "paint", ...
  std::optional<InstallMethod> install_method;
  std::optional<Complexity> install_complexity;
  std::optional<std::string> site_conditions;  // free token: "flat_terrain", ...
  bool permit_required = true;
  bool custom_engineering = false;
  std::optional<int> soil_class;       // IBC Table 1806.2 class 1..5
  std::optional<double> travel_miles;  // one way, 0..2000
  std::optional<int> letter_count;     // channel letters only, 1..500

  // Derived by ParseSignSpec.
  double area_sqft = 0;  // one face: width_in * height_in / 144 (seed formula)
  bool requires_engineering_review = false;
  std::string engineering_review_reason;  // empty unless requires_engineering_review
};

struct ParseOptions {
  // Reject keys that are not SignSpec fields (catches typos such as "widht_in"). Turn off to parse
  // a stored `drivers` object, which also carries derived keys (sign_area_sqft, region_index, ...).
  bool reject_unknown_fields = true;
};

// Validates `json` and returns the spec, or ValidationFailed listing every failing field.
Result<SignSpec> ParseSignSpec(const boost::json::object& json, ParseOptions options = {});

// The spec as a `drivers` JSON object (seed 000 shape); ParseSignSpec(ToDrivers(s)) round-trips.
boost::json::object ToDrivers(const SignSpec& spec);

// Stable snake_case names used in JSON.
std::string_view Name(Material v);
std::string_view Name(SignType v);
std::string_view Name(MountingType v);
std::string_view Name(FoundationType v);
std::string_view Name(Illumination v);
std::string_view Name(BaseMaterial v);
std::string_view Name(Exposure v);
std::string_view Name(InstallMethod v);
std::string_view Name(Complexity v);

}  // namespace signx::sign
