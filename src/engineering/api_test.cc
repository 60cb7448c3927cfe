// The engineering routes on a real http::Server (port 0): worked examples through the API, 422
// naming the field and its limit, byte-identical (cached) answers, no NaN or infinity, OpenAPI
// schemas registered. No database: the calculations are pure.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <limits>

#include "config/config.h"
#include "engineering/engineering.h"
#include "engineering/routes.h"
#include "http/json.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "http/testing/test_auth.h"
#include "metrics/metrics.h"
#include "runtime/blocking_pool.h"
#include "sign/code_edition.h"
#include "sign/wind.h"

namespace signx::engineering {
namespace {

namespace json = boost::json;
using http::testing::RawClient;

// X-Test-Perms makes the request's Principal with that permission, and a route it does not allow
// answers 403 (the real server's auth middleware does this from a JWT or an API key; the
// authorization matrix covers that path).
std::shared_ptr<http::testing::TestAuth> PermissionAuth() {
  return std::make_shared<http::testing::TestAuth>(
      [](std::string_view permission, const http::Request&) {
        return http::Principal{.kind = "user",
                               .subject_id = "usr_test",
                               .org_id = "org_test",
                               .role = "org_member",
                               .permissions = {std::string(permission)}};
      },
      http::testing::TestAuthOptions{.header = "X-Test-Perms", .enforce_permissions = true});
}

constexpr std::string_view kW4 = R"({"code": "ASCE7-16", "wind_speed_mph": 115,
    "exposure": "C", "sign_width_ft": 8, "sign_height_ft": 6, "top_height_ft": 20,
    "soil_class": 4, "footing_diameter_ft": 2})";

class EngineeringApiTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddEngineeringRoutes(router_, schemas_, service_);
    config::ServerConfig cfg;
    cfg.port = 0;
    cfg.io_threads = 2;
    pool_ = std::make_unique<runtime::BlockingPool>(2, 64);
    server_ = std::make_unique<http::Server>(cfg, router_, metrics_, *pool_, false);
    server_->Use(PermissionAuth());
    ASSERT_TRUE(server_->Start().ok());
  }
  void TearDown() override {
    server_->Shutdown();
    server_->Wait();
  }

  http::testing::RawResponse Post(const std::string& path, std::string_view body,
                                  const std::string& perms = "estimates:predict") {
    RawClient c(server_->port());
    std::map<std::string, std::string> headers = {{"Content-Type", "application/json"}};
    if (!perms.empty()) headers["X-Test-Perms"] = perms;
    auto r = c.Request("POST", path, std::string(body), headers);
    EXPECT_TRUE(r.has_value());
    return r.value_or(http::testing::RawResponse{});
  }

  json::object Ok(const std::string& path, std::string_view body) {
    auto r = Post(path, body);
    EXPECT_EQ(r.status, 200) << r.body;
    return r.status == 200 ? json::parse(r.body).as_object() : json::object();
  }

  // The 422's details as field -> message.
  std::map<std::string, std::string> Invalid(const std::string& path, std::string_view body) {
    auto r = Post(path, body);
    EXPECT_EQ(r.status, 422) << r.body;
    std::map<std::string, std::string> out;
    if (r.status != 422) return out;
    const json::value doc = json::parse(r.body);
    for (const auto& d : doc.at("error").at("details").as_array()) {
      out[std::string(d.at("field").as_string())] = std::string(d.at("message").as_string());
    }
    return out;
  }

  http::Router router_;
  http::SchemaRegistry schemas_;
  metrics::Registry metrics_;
  EngineeringService service_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
};

double N(const json::value& v) { return v.to_number<double>(); }

// W4 + F7 through the API: Kz 0.90, qh 25.90, Cf 1.80, F 1,902.1, F_asd 1,141.3, M 19,401,
// T 1,826, d 9.03 ft.
TEST_F(EngineeringApiTest, SignWindAnswersTheW4Pylon) {
  const json::object a = Ok("/v1/engineering/sign-wind", kW4);
  const json::object& r = a.at("result").as_object();
  EXPECT_EQ(N(r.at("kz")), 0.90);
  EXPECT_NEAR(N(r.at("qh_psf")), 25.90, 0.005);
  EXPECT_EQ(N(r.at("cf")), 1.80);
  EXPECT_NEAR(N(r.at("force_lb")), 1902.1, 0.05);
  EXPECT_NEAR(N(r.at("force_asd_lb")), 1141.3, 0.05);
  EXPECT_NEAR(N(r.at("moment_asd_lbft")), 19401, 0.5);
  EXPECT_NEAR(N(r.at("torsion_asd_lbft")), 1826, 0.5);
  EXPECT_NEAR(N(r.at("embedment_ft")), 9.03, 0.005);
  EXPECT_EQ(a.at("constants_version").as_string(), sign::kConstantsVersion);
  EXPECT_EQ(a.at("code").at("wind").as_string(), "ASCE 7-16");
  EXPECT_GT(a.at("trace").as_array().size(), 20u);
  for (const auto& t : a.at("trace").as_array()) {
    EXPECT_TRUE(t.as_object().contains("clause"));
    EXPECT_TRUE(t.at("value").is_number()) << json::serialize(t);  // never null (NaN / inf)
  }
  EXPECT_FALSE(a.at("assumptions").as_array().empty());
  const double conf = N(a.at("confidence"));
  EXPECT_GT(conf, 0);
  EXPECT_LE(conf, 1);
}

TEST_F(EngineeringApiTest, SameInputSameBytesFromTheCache) {
  const auto first = Post("/v1/engineering/sign-wind", kW4);
  // Key order and defaults spelled out do not change the answer or its cache key.
  const auto second = Post("/v1/engineering/sign-wind",
                           R"({"footing_diameter_ft": 2, "soil_class": 4, "kzt": 1.0,
                               "kd": 0.85, "ke": 1, "gust_factor": 0.85, "isolated_pole": false,
                               "top_height_ft": 20, "sign_height_ft": 6, "sign_width_ft": 8,
                               "exposure": "C", "wind_speed_mph": 115, "code": "ASCE7-16"})");
  ASSERT_EQ(first.status, 200);
  EXPECT_EQ(first.body, second.body);
  EXPECT_EQ(service_.misses(), 1u);
  EXPECT_EQ(service_.hits(), 1u);
  // A fresh service (no cache) computes the same bytes.
  EngineeringService fresh;
  auto again = fresh.SignWind(json::parse(kW4).as_object());
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(*again, first.body);
}

TEST_F(EngineeringApiTest, SignWind422NamesFieldAndLimit) {
  auto body = [](std::string_view field, std::string_view value) {
    json::object o = json::parse(kW4).as_object();
    o[field] = json::parse(value);
    return json::serialize(o);
  };
  auto e = Invalid("/v1/engineering/sign-wind", body("wind_speed_mph", "84.9"));
  EXPECT_NE(e["wind_speed_mph"].find("between 85 and 300 mph"), std::string::npos);
  e = Invalid("/v1/engineering/sign-wind", body("wind_speed_mph", "300.5"));
  EXPECT_NE(e["wind_speed_mph"].find("85 and 300"), std::string::npos);
  e = Invalid("/v1/engineering/sign-wind", body("top_height_ft", "5"));
  EXPECT_NE(e["top_height_ft"].find("sign_height_ft"), std::string::npos);
  e = Invalid("/v1/engineering/sign-wind", body("exposure", "\"A\""));
  EXPECT_NE(e["exposure"].find("B, C, D"), std::string::npos);
  e = Invalid("/v1/engineering/sign-wind", body("code", "\"ASCE7-10\""));
  EXPECT_NE(e["code"].find("ASCE7-16"), std::string::npos);
  e = Invalid("/v1/engineering/sign-wind", body("soil_class", "0"));
  EXPECT_NE(e["soil_class"].find("between 1 and 5"), std::string::npos);
  e = Invalid("/v1/engineering/sign-wind", body("footing_diameter_ft", "1e308"));
  EXPECT_NE(e["footing_diameter_ft"].find("between 0.5 and 20"), std::string::npos);
  e = Invalid("/v1/engineering/sign-wind", body("sign_width_ft", "-1"));
  EXPECT_TRUE(e.contains("sign_width_ft"));
  e = Invalid("/v1/engineering/sign-wind", body("kd", "true"));
  EXPECT_NE(e["kd"].find("number"), std::string::npos);
  e = Invalid("/v1/engineering/sign-wind", body("height", "6"));
  EXPECT_NE(e["height"].find("unknown field"), std::string::npos);
  e = Invalid("/v1/engineering/sign-wind", "{}");
  for (const char* f :
       {"code", "wind_speed_mph", "exposure", "sign_width_ft", "sign_height_ft", "top_height_ft"}) {
    EXPECT_TRUE(e.contains(f)) << f;
  }
  // The foundation's pair: one without the other is refused, neither is a wind-only answer.
  e = Invalid("/v1/engineering/sign-wind",
              R"({"code": "ASCE7-16", "wind_speed_mph": 115, "exposure": "C", "sign_width_ft": 8,
                  "sign_height_ft": 6, "top_height_ft": 20, "soil_class": 4})");
  EXPECT_NE(e["footing_diameter_ft"].find("required"), std::string::npos);
  const json::object wind_only =
      Ok("/v1/engineering/sign-wind",
         R"({"code": "ASCE7-16", "wind_speed_mph": 115, "exposure": "C", "sign_width_ft": 8,
             "sign_height_ft": 6, "top_height_ft": 20})");
  EXPECT_TRUE(wind_only.at("result").at("embedment_ft").is_null());
  EXPECT_NEAR(N(wind_only.at("result").at("moment_asd_lbft")), 19401, 0.5);
  EXPECT_EQ(Post("/v1/engineering/sign-wind", "[1]").status, 400);
  EXPECT_EQ(Post("/v1/engineering/sign-wind", "{not json").status, 400);
}

TEST_F(EngineeringApiTest, ExtremesStayFinite) {
  for (std::string_view b : {
           R"({"code": "ASCE7-22", "wind_speed_mph": 300, "exposure": "D", "sign_width_ft": 200,
               "sign_height_ft": 100, "top_height_ft": 500, "kzt": 3, "soil_class": 5,
               "footing_diameter_ft": 0.5})",
           R"({"code": "ASCE7-16", "wind_speed_mph": 85, "exposure": "B", "sign_width_ft": 0.001,
               "sign_height_ft": 0.001, "top_height_ft": 0.001, "ke": 0.5, "kd": 0.5,
               "soil_class": 1, "footing_diameter_ft": 20, "isolated_pole": true})"}) {
    auto r = Post("/v1/engineering/sign-wind", b);
    ASSERT_EQ(r.status, 200) << r.body;
    // ToJsonText writes a non-finite number as null: every number must still be a number.
    const json::value doc = json::parse(r.body);
    for (const auto& t : doc.at("trace").as_array()) {
      EXPECT_TRUE(t.at("value").is_number()) << json::serialize(t);
    }
    for (const char* k : {"kz", "qh_psf", "cf", "force_lb", "force_asd_lb", "moment_asd_lbft",
                          "torsion_asd_lbft", "embedment_ft"}) {
      EXPECT_TRUE(doc.at("result").at(k).is_number()) << k;
    }
  }
}

// S1 through the API: HSS6.625x0.280 under the W4 pole load, ASD ratio 0.80.
TEST_F(EngineeringApiTest, SupportChecksAndChooses) {
  const json::object a = Ok("/v1/engineering/support",
                            R"({"wind_force_lb": 1902.1, "load_height_ft": 17,
                                "eccentricity_ft": 1.6, "pole_height_ft": 20,
                                "section": "HSS6.625x0.280", "deflection_limit_ratio": 40})");
  EXPECT_TRUE(a.at("pass").as_bool());
  EXPECT_NEAR(N(a.at("result").at("flexure_ratio")), 0.80, 0.005);
  const json::object lightest = Ok("/v1/engineering/support",
                                   R"({"wind_force_lb": 1902.1, "load_height_ft": 17,
                                       "pole_height_ft": 20, "method": "LRFD",
                                       "shape": "square_hss"})");
  EXPECT_TRUE(lightest.at("pass").as_bool());
  EXPECT_EQ(lightest.at("result").at("shape").as_string(), "square_hss");
  EXPECT_EQ(lightest.at("result").at("method").as_string(), "LRFD");
  auto e = Invalid("/v1/engineering/support",
                   R"({"wind_force_lb": 100, "load_height_ft": 30, "pole_height_ft": 20,
                       "section": "W8x31", "method": "WSD"})");
  EXPECT_NE(e["load_height_ft"].find("pole_height_ft"), std::string::npos);
  EXPECT_NE(e["section"].find("section of the table"), std::string::npos);
  EXPECT_NE(e["method"].find("ASD, LRFD"), std::string::npos);
}

// F7 constrained (6.50 ft) and F5 check mode through the API.
TEST_F(EngineeringApiTest, FoundationEmbedmentAndSpreadFooting) {
  const json::object c = Ok("/v1/engineering/foundation",
                            R"({"type": "constrained", "lateral_force_asd_lb": 1141.3,
                                "load_height_ft": 17, "soil_class": 4,
                                "footing_diameter_ft": 2})");
  EXPECT_NEAR(N(c.at("result").at("embedment_ft")), 6.50, 0.005);
  const json::object f5 = Ok("/v1/engineering/foundation",
                             R"({"lateral_force_asd_lb": 889, "load_height_ft": 3.4,
                                 "soil_class": 4, "footing_diameter_ft": 3,
                                 "isolated_pole": true, "provided_depth_ft": 4})");
  EXPECT_TRUE(f5.at("pass").as_bool());
  EXPECT_NEAR(N(f5.at("result").at("embedment_ft")), 3.72, 0.005);
  const json::object sf = Ok("/v1/engineering/foundation",
                             R"({"type": "spread_footing", "lateral_force_asd_lb": 1000,
                                 "load_height_ft": 6, "soil_class": 4, "footing_length_ft": 4,
                                 "footing_width_ft": 4, "footing_thickness_ft": 2,
                                 "dead_load_lb": 5000})");
  EXPECT_TRUE(sf.at("pass").as_bool());
  auto e = Invalid("/v1/engineering/foundation",
                   R"({"lateral_force_asd_lb": 0, "load_height_ft": 3, "soil_class": 9})");
  EXPECT_TRUE(e.contains("lateral_force_asd_lb"));
  EXPECT_TRUE(e.contains("soil_class"));
  EXPECT_TRUE(e.contains("footing_diameter_ft"));
}

TEST_F(EngineeringApiTest, PermissionAndSchemas) {
  EXPECT_EQ(Post("/v1/engineering/sign-wind", kW4, "projects:read").status, 403);
  for (const auto& r : router_.routes()) {
    EXPECT_EQ(r.meta.permission, kEngineeringPermission) << r.pattern;
    EXPECT_TRUE(schemas_.Has(r.meta.request_schema)) << r.pattern;
    EXPECT_TRUE(schemas_.Has(r.meta.response_schema)) << r.pattern;
  }
  EXPECT_EQ(router_.routes().size(), 3u);
}

TEST(EngineeringServiceTest, TheAnswerCacheIsBoundedLeastRecentlyUsed) {
  EngineeringService service({.cache_entries = 2});
  auto body = [](int v) {
    json::object o = json::parse(kW4).as_object();
    o["wind_speed_mph"] = v;
    return o;
  };
  for (int v : {100, 110, 120}) ASSERT_TRUE(service.SignWind(body(v)).ok());
  EXPECT_EQ(service.misses(), 3u);
  ASSERT_TRUE(service.SignWind(body(120)).ok());  // still held
  EXPECT_EQ(service.hits(), 1u);
  ASSERT_TRUE(service.SignWind(body(100)).ok());  // evicted by the third
  EXPECT_EQ(service.misses(), 4u);
  // A refused input is never cached.
  EXPECT_FALSE(service.SignWind(body(40)).ok());
  EXPECT_EQ(service.misses(), 4u);
}

TEST(AnswerTextTest, SameBytesAsTheDomSerialisationAndRefusesNonFinite) {
  auto in = sign::ParseSignWindInput(json::parse(kW4).as_object());
  ASSERT_TRUE(in.ok());
  for (double width : {8.0, 24.0, 100.0}) {  // without and with Case C
    in->sign_width_ft = width;
    const sign::Calculation c = sign::SignWindCalculation(*in);
    auto text = AnswerText(c);
    ASSERT_TRUE(text.ok());
    EXPECT_EQ(*text, http::ToJsonText(sign::ToJson(c)));
  }
  sign::Calculation bad = sign::SignWindCalculation(*in);
  bad.trace[3].value = std::nan("");
  EXPECT_EQ(AnswerText(bad).status().code(), ErrorCode::kInternal);
  bad = sign::SignWindCalculation(*in);
  bad.result["kz"] = std::numeric_limits<double>::infinity();
  EXPECT_EQ(AnswerText(bad).status().code(), ErrorCode::kInternal);
}

TEST(CheckStructureTest, StudioGetsPassFailAndTheCalculation) {
  auto ok = CheckStructure(json::parse(R"({"wind": )" + std::string(kW4) +
                                       R"(, "pole": {"shape": "round_hss"},
                                          "footing": {"provided_depth_ft": 10}})")
                               .as_object());
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->pass);
  EXPECT_EQ(ok->kind, "structure");
  auto bad = CheckStructure(json::parse(R"({"wind": {"code": "ASCE7-16"}})").as_object());
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().code(), ErrorCode::kValidationFailed);
}

}  // namespace
}  // namespace signx::engineering
