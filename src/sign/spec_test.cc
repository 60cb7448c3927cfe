#include "sign/spec.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>
#include <string>
#include <vector>

namespace signx::sign {
namespace {

using ::testing::ElementsAreArray;

boost::json::object Obj(std::string_view text) { return boost::json::parse(text).as_object(); }

// A valid base spec; each case below overrides or removes keys.
boost::json::object Base() {
  return Obj(R"({"width_in": 96, "height_in": 48, "wind_speed_mph": 115, "material": "aluminum"})");
}

struct Case {
  std::string name;
  std::string patch;  // JSON object merged over Base(); a null value removes the key
  std::vector<FieldError> errors;
};

boost::json::object Apply(const std::string& patch) {
  auto o = Base();
  for (const auto& kv : Obj(patch)) {
    if (kv.value().is_null()) {
      o.erase(kv.key());
    } else {
      o[kv.key()] = kv.value();
    }
  }
  return o;
}

class SpecRuleTest : public ::testing::TestWithParam<Case> {};

TEST_P(SpecRuleTest, ReportsExactlyTheseFieldErrors) {
  const Case& c = GetParam();
  auto r = ParseSignSpec(Apply(c.patch));
  ASSERT_FALSE(r.ok()) << c.name;
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  EXPECT_THAT(r.status().details(), ElementsAreArray(c.errors)) << r.status().ToString();
}

const Case kCases[] = {
    // Seed: width_in / height_in Field(gt=0, le=600).
    {"width_missing", R"({"width_in": null})", {{"width_in", "is required"}}},
    {"width_zero", R"({"width_in": 0})", {{"width_in", "must be greater than 0 (got 0)"}}},
    {"width_negative",
     R"({"width_in": -12.5})",
     {{"width_in", "must be greater than 0 (got -12.5)"}}},
    {"width_over_600",
     R"({"width_in": 600.5})",
     {{"width_in", "must be less than or equal to 600 in (50 ft) (got 600.5)"}}},
    {"width_string", R"({"width_in": "96"})", {{"width_in", "must be a number"}}},
    {"height_zero", R"({"height_in": 0})", {{"height_in", "must be greater than 0 (got 0)"}}},
    {"height_over_600",
     R"({"height_in": 700})",
     {{"height_in", "must be less than or equal to 600 in (50 ft) (got 700)"}}},
    // Seed: wind_speed_mph Field(ge=90, le=200) with the Iowa message.
    {"wind_missing", R"({"wind_speed_mph": null})", {{"wind_speed_mph", "is required"}}},
    {"wind_below_iowa_minimum",
     R"({"wind_speed_mph": 85})",
     {{"wind_speed_mph",
       "Wind speed 85 mph below Iowa IBC minimum (90 mph). Cannot proceed with unsafe design."}}},
    {"wind_just_below_minimum",
     R"({"wind_speed_mph": 89.9})",
     {{"wind_speed_mph",
       "Wind speed 89.9 mph below Iowa IBC minimum (90 mph). Cannot proceed with unsafe design."}}},
    {"wind_above_maximum",
     R"({"wind_speed_mph": 201})",
     {{"wind_speed_mph", "Wind speed exceeds realistic maximum (got 201 mph, maximum 200 mph)"}}},
    // Seed: material Literal["aluminum", "acm", "steel", "hdpe"].
    {"material_missing", R"({"material": null})", {{"material", "is required"}}},
    {"material_unknown",
     R"({"material": "wood"})",
     {{"material", "must be one of aluminum, acm, steel, hdpe (got 'wood')"}}},
    {"material_case_sensitive",
     R"({"material": "Aluminum"})",
     {{"material", "must be one of aluminum, acm, steel, hdpe (got 'Aluminum')"}}},
    {"material_number", R"({"material": 3})", {{"material", "must be a string"}}},
    // Seed: area > 1000 sq ft "exceeds manufacturing capability" (600 x 250 / 144 = 1041.7).
    {"area_over_1000",
     R"({"width_in": 600, "height_in": 250})",
     {{"width_in",
       "Sign area exceeds manufacturing capability: width_in x height_in / 144 = 1041.7 sq ft per "
       "face (maximum 1000 sq ft)"}}},
    // Absurd combinations, each naming the fields involved.
    {"pylon_on_wall",
     R"({"sign_type": "pylon", "mounting_type": "wall"})",
     {{"mounting_type",
       "mounting_type 'wall' is not possible for sign_type 'pylon' (expected "
       "'pole')"}}},
    {"wall_sign_on_pier",
     R"({"mounting_type": "wall", "foundation_type": "drilled_pier"})",
     {{"foundation_type",
       "foundation_type 'drilled_pier' is not possible with mounting_type "
       "'wall' (wall signs use wall_mount)"}}},
    {"letters_on_pier",
     R"({"sign_type": "channel_letters", "foundation_type": "drilled_pier"})",
     {{"foundation_type",
       "foundation_type 'drilled_pier' is not possible with sign_type "
       "'channel_letters' (wall signs use wall_mount)"}}},
    {"monument_wall_mount",
     R"({"sign_type": "monument", "foundation_type": "wall_mount"})",
     {{"foundation_type",
       "foundation_type 'wall_mount' is not possible with sign_type 'monument' "
       "(wall_mount needs a wall-mounted sign)"}}},
    {"top_below_face_height",
     R"({"height_in": 120, "sign_height_ft": 8})",
     {{"sign_height_ft",
       "sign_height_ft 8 ft (top of sign above grade) is less than the face "
       "height height_in / 12 = 10.00 ft"}}},
    {"letters_count_on_pylon",
     R"({"sign_type": "pylon", "letter_count": 12})",
     {{"letter_count",
       "letter_count applies only to sign_type 'channel_letters' (sign_type is "
       "'pylon')"}}},
    {"masonry_base_on_cabinet",
     R"({"sign_type": "wall_cabinet", "base_material": "masonry"})",
     {{"base_material",
       "base_material 'masonry' applies only to sign_type 'monument' (sign_type "
       "is 'wall_cabinet')"}}},
    {"lighting_alias_conflict",
     R"({"illumination": "halo", "has_lighting": false})",
     {{"has_lighting", "has_lighting false contradicts illumination 'halo'"}}},
    {"faces_alias_conflict",
     R"({"faces": 1, "is_double_faced": true})",
     {{"is_double_faced", "is_double_faced true contradicts faces 1"}}},
    {"area_driver_mismatch",
     R"({"sign_area_sqft": 40})",
     {{"sign_area_sqft", "sign_area_sqft 40 does not match width_in x height_in / 144 = 32.00"}}},
    // Optional-field ranges and types.
    {"faces_three", R"({"faces": 3})", {{"faces", "must be between 1 and 2 (got 3)"}}},
    {"quantity_zero", R"({"quantity": 0})", {{"quantity", "must be between 1 and 10000 (got 0)"}}},
    {"quantity_fraction",
     R"({"quantity": 1.5})",
     {{"quantity", "must be a whole number (got 1.5)"}}},
    {"height_ft_over_100",
     R"({"sign_height_ft": 120})",
     {{"sign_height_ft", "must be greater than 0 and at most 100 ft (got 120)"}}},
    {"soil_class_six", R"({"soil_class": 6})", {{"soil_class", "must be between 1 and 5 (got 6)"}}},
    {"travel_negative",
     R"({"travel_miles": -1})",
     {{"travel_miles", "must be between 0 and 2000 (got -1)"}}},
    {"exposure_lower_case",
     R"({"exposure_category": "c"})",
     {{"exposure_category", "must be one of B, C, D (got 'c')"}}},
    {"sign_type_unknown",
     R"({"sign_type": "billboard"})",
     {{"sign_type",
       "must be one of pylon, monument, channel_letters, wall_cabinet, "
       "post_and_panel (got 'billboard')"}}},
    {"bool_as_string",
     R"({"permit_required": "yes"})",
     {{"permit_required", "must be true or false"}}},
    {"finish_bad_token",
     R"({"finish": "Powder Coat"})",
     {{"finish", "must be a lower-case token of 1-64 characters [a-z0-9_]"}}},
    {"unknown_field", R"({"widht_in": 96})", {{"widht_in", "is not a sign spec field"}}},
    // All problems at once, in a stable order (unknown keys, then field order, then combinations).
    {"many_at_once",
     R"({"width_in": -1, "height_in": 601, "wind_speed_mph": 80, "material": "wood",
         "faces": 0, "colour": "red"})",
     {{"colour", "is not a sign spec field"},
      {"width_in", "must be greater than 0 (got -1)"},
      {"height_in", "must be less than or equal to 600 in (50 ft) (got 601)"},
      {"wind_speed_mph",
       "Wind speed 80 mph below Iowa IBC minimum (90 mph). Cannot proceed with unsafe design."},
      {"material", "must be one of aluminum, acm, steel, hdpe (got 'wood')"},
      {"faces", "must be between 1 and 2 (got 0)"}}},
};

INSTANTIATE_TEST_SUITE_P(Rules, SpecRuleTest, ::testing::ValuesIn(kCases),
                         [](const auto& info) { return info.param.name; });

TEST(SpecTest, BoundariesAreInclusiveWhereTheSeedSaysSo) {
  // le=600, ge=90, le=200 are inclusive.
  auto r = ParseSignSpec(Apply(R"({"width_in": 600, "height_in": 0.5, "wind_speed_mph": 90})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  r = ParseSignSpec(Apply(R"({"wind_speed_mph": 200})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  // 1000 sq ft exactly is allowed (600 x 240 / 144).
  r = ParseSignSpec(Apply(R"({"width_in": 600, "height_in": 240, "wind_speed_mph": 120})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_DOUBLE_EQ(r->area_sqft, 1000.0);
}

TEST(SpecTest, ParsesAllFields) {
  auto r = ParseSignSpec(Obj(R"({
    "width_in": 240, "height_in": 72, "wind_speed_mph": 130, "material": "steel",
    "sign_type": "pylon", "mounting_type": "pole", "foundation_type": "drilled_pier",
    "illumination": "internal_led", "faces": 2, "quantity": 1, "sign_height_ft": 25,
    "exposure_category": "D", "finish": "powder_coat", "install_method": "crane",
    "install_complexity": "high", "site_conditions": "flat_terrain", "permit_required": false,
    "custom_engineering": true, "soil_class": 4, "travel_miles": 35.5})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  const SignSpec& s = *r;
  EXPECT_EQ(s.material, Material::kSteel);
  EXPECT_EQ(s.sign_type, SignType::kPylon);
  EXPECT_EQ(s.mounting_type, MountingType::kPole);
  EXPECT_EQ(s.foundation_type, FoundationType::kDrilledPier);
  EXPECT_EQ(s.illumination, Illumination::kInternalLed);
  EXPECT_EQ(s.faces, 2);
  EXPECT_EQ(s.sign_height_ft, 25.0);
  EXPECT_EQ(s.exposure_category, Exposure::kD);
  EXPECT_EQ(s.finish, "powder_coat");
  EXPECT_EQ(s.install_method, InstallMethod::kCrane);
  EXPECT_EQ(s.install_complexity, Complexity::kHigh);
  EXPECT_FALSE(s.permit_required);
  EXPECT_TRUE(s.custom_engineering);
  EXPECT_EQ(s.soil_class, 4);
  EXPECT_EQ(s.travel_miles, 35.5);
  EXPECT_DOUBLE_EQ(s.area_sqft, 120.0);
  EXPECT_FALSE(s.requires_engineering_review);
}

TEST(SpecTest, SeedAliasesSetIlluminationAndFaces) {
  auto r = ParseSignSpec(Apply(R"({"has_lighting": true, "is_double_faced": true})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->illumination, Illumination::kInternalLed);
  EXPECT_EQ(r->faces, 2);
  r = ParseSignSpec(Apply(R"({"has_lighting": true, "illumination": "halo", "faces": 2,
                              "is_double_faced": true})"));
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->illumination, Illumination::kHalo);
}

struct ReviewCase {
  double width_in, height_in, wind;
  bool review;
};

TEST(SpecTest, LargeSignInHighWindNeedsReviewButIsNotAnError) {
  // 600 x 144 / 144 = 600 sq ft; 480 x 150 / 144 = 500 sq ft exactly (not > 500).
  const ReviewCase cases[] = {{600, 144, 151, true},
                              {600, 144, 150, false},  // wind must be > 150
                              {480, 150, 200, false},  // area must be > 500
                              {480, 151, 150.5, true},
                              {96, 48, 200, false}};
  for (const auto& c : cases) {
    boost::json::object o = Base();
    o["width_in"] = c.width_in;
    o["height_in"] = c.height_in;
    o["wind_speed_mph"] = c.wind;
    auto r = ParseSignSpec(o);
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->requires_engineering_review, c.review) << c.width_in << "x" << c.height_in;
    EXPECT_EQ(r->engineering_review_reason.empty(), !c.review);
  }
  boost::json::object o = Base();
  o["width_in"] = 600;
  o["height_in"] = 144;
  o["wind_speed_mph"] = 160;
  auto r = ParseSignSpec(o);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r->engineering_review_reason,
            "Large sign (600.0 sq ft) with high wind (160 mph) requires engineering review. Use "
            "/v1/estimates/review.");
}

TEST(SpecTest, NonFiniteNumbersAreRejected) {
  auto o = boost::json::parse(R"({"width_in": 1e999, "height_in": 48, "wind_speed_mph": 115,
                                  "material": "acm"})")
               .as_object();
  auto r = ParseSignSpec(o);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.status().details(),
              ElementsAreArray(std::vector<FieldError>{{"width_in", "must be a finite number"}}));
}

TEST(SpecTest, UnknownFieldsCanBeIgnoredForStoredDrivers) {
  auto o = Apply(R"({"region_index": 1.1, "estimator_id": "est_3"})");
  EXPECT_FALSE(ParseSignSpec(o).ok());
  EXPECT_TRUE(ParseSignSpec(o, {.reject_unknown_fields = false}).ok());
}

TEST(SpecTest, DriversRoundTrip) {
  auto r = ParseSignSpec(Obj(R"({
    "width_in": 120, "height_in": 60, "wind_speed_mph": 140, "material": "acm",
    "sign_type": "monument", "foundation_type": "spread_footing", "base_material": "masonry",
    "faces": 2, "sign_height_ft": 7.5, "soil_class": 3, "letter_count": null})"));
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  auto again = ParseSignSpec(ToDrivers(*r));
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(ToDrivers(*again), ToDrivers(*r));
  EXPECT_EQ(again->base_material, BaseMaterial::kMasonry);
}

}  // namespace
}  // namespace signx::sign
