// RFC 8785 canonical JSON, RFC 6902 diffs and the payload schemas.
#include "studio/canonical_json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "studio/json_patch.h"
#include "studio/payload.h"

namespace signx::studio {
namespace {

namespace json = boost::json;

std::string Canon(std::string_view text) { return *CanonicalJson(json::parse(text)); }

TEST(CanonicalJsonTest, KeyOrderAndWhitespaceDoNotMatter) {
  EXPECT_EQ(Canon(R"({"b": 1, "a": {"d": [1, 2], "c": null}})"),
            R"({"a":{"c":null,"d":[1,2]},"b":1})");
  EXPECT_EQ(Canon(R"({ "a" : { "c" : null , "d" : [ 1 , 2 ] } , "b" : 1 })"),
            Canon(R"({"b":1,"a":{"d":[1,2],"c":null}})"));
  EXPECT_EQ(*CanonicalSha256(json::parse(R"({"x": 1, "y": "z"})")),
            *CanonicalSha256(json::parse(R"({"y": "z", "x": 1})")));
  EXPECT_NE(*CanonicalSha256(json::parse(R"({"x": 1})")),
            *CanonicalSha256(json::parse(R"({"x": 2})")));
}

// RFC 8785 §3.2.3: members sort by UTF-16 code units, not by UTF-8 bytes or code points.
TEST(CanonicalJsonTest, SortsByUtf16CodeUnits) {
  // U+1F600 (surrogates D83D DE00) sorts before U+FB01 (FB01) in UTF-16, after it in UTF-8.
  EXPECT_EQ(Canon("{\"\xEF\xAC\x81\": 1, \"\xF0\x9F\x98\x80\": 2, \"a\": 3}"),
            "{\"a\":3,\"\xF0\x9F\x98\x80\":2,\"\xEF\xAC\x81\":1}");
}

// RFC 8785 §3.2.2.3 / Appendix B number forms (ECMAScript Number.prototype.toString).
TEST(CanonicalJsonTest, NumbersInEcmaScriptForm) {
  EXPECT_EQ(EcmaNumber(0.0), "0");
  EXPECT_EQ(EcmaNumber(-0.0), "0");
  EXPECT_EQ(EcmaNumber(1.0), "1");
  EXPECT_EQ(EcmaNumber(-1.5), "-1.5");
  EXPECT_EQ(EcmaNumber(100.0), "100");
  EXPECT_EQ(EcmaNumber(1e21), "1e+21");
  EXPECT_EQ(EcmaNumber(1e20), "100000000000000000000");
  EXPECT_EQ(EcmaNumber(1e-7), "1e-7");
  EXPECT_EQ(EcmaNumber(0.000001), "0.000001");
  EXPECT_EQ(EcmaNumber(123456789012345680000.0), "123456789012345680000");
  EXPECT_EQ(EcmaNumber(5e-324), "5e-324");
  EXPECT_EQ(EcmaNumber(1.7976931348623157e308), "1.7976931348623157e+308");
  EXPECT_EQ(EcmaNumber(9007199254740992.0), "9007199254740992");
  EXPECT_EQ(EcmaNumber(0.1 + 0.2), "0.30000000000000004");
  EXPECT_EQ(EcmaNumber(333333333.33333329), "333333333.3333333");
  // Different spellings of one number canonicalise to one text.
  EXPECT_EQ(Canon("[1.50, 15e-1, 1.5, 0.15E1]"), "[1.5,1.5,1.5,1.5]");
  EXPECT_EQ(Canon("[1, 1.0, 10e-1, 1E0]"), "[1,1,1,1]");
  EXPECT_EQ(Canon("[-0, 0.0, -0.0]"), "[0,0,0]");
  EXPECT_FALSE(CanonicalJson(json::parse("[1E400]")).ok());  // parses as infinity: not JSON
}

TEST(CanonicalJsonTest, StringsEscapeOnlyWhatTheyMust) {
  EXPECT_EQ(Canon(R"(["\u0041/\u00e9", "\"\\", "\n\t\u0001\u001f", "\u2028"])"),
            "[\"A/\xC3\xA9\",\"\\\"\\\\\",\"\\n\\t\\u0001\\u001f\",\"\xE2\x80\xA8\"]");
}

TEST(CanonicalJsonTest, RejectsNonFiniteNumbers) {
  EXPECT_FALSE(CanonicalJson(json::value(std::numeric_limits<double>::infinity())).ok());
  EXPECT_FALSE(CanonicalJson(json::value(std::nan(""))).ok());
}

TEST(JsonPatchTest, DiffTurnsOneVersionIntoTheOther) {
  const json::value a = json::parse(
      R"({"wind": 115, "exposure": "C", "pole": {"d": 8, "t": 0.322}, "tags": [1, 2, 3],
          "gone": true, "a/b": 1, "m~n": 2})");
  const json::value b = json::parse(
      R"({"wind": 130, "exposure": "C", "pole": {"d": 10, "t": 0.322, "fy": 46}, "tags": [1, 5],
          "new": {"x": null}, "a/b": 2, "m~n": 2})");
  const json::array patch = JsonPatchDiff(a, b);
  EXPECT_EQ(
      json::serialize(patch),
      R"([{"op":"replace","path":"/a~1b","value":2},{"op":"remove","path":"/gone"},)"
      R"({"op":"add","path":"/new","value":{"x":null}},)"
      R"({"op":"replace","path":"/pole/d","value":10},{"op":"add","path":"/pole/fy","value":46},)"
      R"({"op":"replace","path":"/tags/1","value":5},{"op":"remove","path":"/tags/2"},)"
      R"({"op":"replace","path":"/wind","value":130}])");
  auto applied = JsonPatchApply(a, patch);
  ASSERT_TRUE(applied.ok()) << applied.status().ToString();
  EXPECT_EQ(*CanonicalJson(*applied), *CanonicalJson(b));
  // Equal documents (1 vs 1.0, key order) need no operations; the reverse patch works too.
  EXPECT_TRUE(
      JsonPatchDiff(json::parse(R"({"a": 1, "b": [1.0]})"), json::parse(R"({"b": [1], "a": 1.0})"))
          .empty());
  auto back = JsonPatchApply(b, JsonPatchDiff(b, a));
  ASSERT_TRUE(back.ok());
  EXPECT_EQ(*CanonicalJson(*back), *CanonicalJson(a));
  // Arrays growing and kinds changing.
  const json::value c = json::parse(R"({"tags": [1, 2, 3, 4], "pole": "none"})");
  auto grown = JsonPatchApply(a, JsonPatchDiff(a, c));
  ASSERT_TRUE(grown.ok());
  EXPECT_EQ(*CanonicalJson(*grown), *CanonicalJson(c));
  EXPECT_FALSE(
      JsonPatchApply(a, json::parse(R"([{"op": "remove", "path": "/nope"}])").as_array()).ok());
}

json::object ValidStructure() {
  return json::parse(R"({"wind_speed_mph": 115, "exposure": "C", "sign_width_ft": 10,
    "sign_height_ft": 6, "top_height_ft": 25, "pole": {"diameter_in": 10.75, "wall_in": 0.365},
    "soil_class": 4, "footing_diameter_ft": 3, "embedment_ft": 8})")
      .as_object();
}

TEST(PayloadSchemaTest, EveryModuleHasASchemaAndBadFieldsAreNamedWithTheLimit) {
  for (std::string_view m : kModules) EXPECT_TRUE(ModuleSchema(m).contains("properties")) << m;
  EXPECT_TRUE(ValidatePayloadConfig("structure", ValidStructure()).ok());
  json::object bad = ValidStructure();
  bad["wind_speed_mph"] = 400;
  bad["exposure"] = "E";
  bad["top_height_ft"] = 4;
  bad["pole"].as_object()["wall_in"] = "thick";
  bad["widht"] = 1;
  bad.erase("soil_class");
  Status st = ValidatePayloadConfig("structure", bad);
  ASSERT_EQ(st.code(), ErrorCode::kValidationFailed);
  std::map<std::string, std::string> by_field;
  for (const auto& d : st.details()) by_field[d.field] = d.message;
  EXPECT_EQ(by_field["config.wind_speed_mph"], "must be between 85 and 300");
  EXPECT_EQ(by_field["config.exposure"], "must be B, C or D");
  EXPECT_EQ(by_field["config.top_height_ft"], "must be at least sign_height_ft (6)");
  EXPECT_EQ(by_field["config.pole.wall_in"], "must be a number");
  EXPECT_EQ(by_field["config.widht"], "is not a known field");
  EXPECT_EQ(by_field["config.soil_class"], "is required");
  EXPECT_EQ(ValidatePayloadConfig("graphics", json::parse(R"({"copy": ""})")).details()[0].message,
            "must not be empty");
  EXPECT_EQ(ValidatePayloadConfig("cabinet", json::parse(R"({"material": "wood", "faces": 1.5})"))
                .details()
                .size(),
            2u);
  EXPECT_EQ(ValidatePayloadConfig("nope", json::object{}).code(), ErrorCode::kValidationFailed);
}

TEST(PayloadSchemaTest, PayloadHashIgnoresKeyOrderAndNumberFormButNotContent) {
  const auto h1 = *PayloadSha256("structure", json::parse(R"({"a": 1.50, "b": [1, 2]})"), {});
  const auto h2 = *PayloadSha256("structure", json::parse(R"({"b": [1.0, 2], "a": 15e-1})"), {});
  EXPECT_EQ(h1, h2);
  EXPECT_NE(h1, *PayloadSha256("cabinet", json::parse(R"({"a": 1.5, "b": [1, 2]})"), {}));
  EXPECT_NE(h1, *PayloadSha256("structure", json::parse(R"({"a": 1.5, "b": [2, 1]})"), {}));
  const PayloadFile f{.name = "face.svg",
                      .sha256 = std::string(64, 'a'),
                      .size_bytes = 3,
                      .content_type = "image/svg+xml"};
  EXPECT_NE(h1, *PayloadSha256("structure", json::parse(R"({"a": 1.5, "b": [1, 2]})"), {f}));
  EXPECT_EQ(h1.size(), 64u);
}

}  // namespace
}  // namespace signx::studio
