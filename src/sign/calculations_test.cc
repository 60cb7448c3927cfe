// The engineering calculations with trace (code_edition, wind, support, foundation, structure)
// against sign-domain.md §2.9–2.10, to the digits shown there, and the Fig. 29.3-1 table against
// its own interpolation at every cell.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <cmath>
#include <set>

#include "sign/code_edition.h"
#include "sign/engineering.h"
#include "sign/foundation.h"
#include "sign/structure.h"
#include "sign/support.h"
#include "sign/wind.h"

namespace signx::sign {
namespace {

namespace json = boost::json;

// "To the digits shown": half a unit of the last digit.
constexpr double kHalf0 = 0.5, kHalf1 = 0.05, kHalf2 = 0.005, kHalf3 = 0.0005;

double Num(const json::value& v) { return v.is_double() ? v.get_double() : v.to_number<double>(); }
double R(const Calculation& c, std::string_view key) { return Num(c.result.at(key)); }

SignWindInput Wind(WindCode code, double v, Exposure e, double b, double s, double h) {
  SignWindInput in;
  in.code = code;
  in.wind_speed_mph = v;
  in.exposure = e;
  in.sign_width_ft = b;
  in.sign_height_ft = s;
  in.top_height_ft = h;
  in.soil_class = 4;
  in.footing_diameter_ft = 2.0;
  return in;
}

const TraceEntry* FindTrace(const Calculation& c, std::string_view symbol) {
  for (const auto& t : c.trace) {
    if (t.symbol == symbol) return &t;
  }
  return nullptr;
}

// ---- Fig. 29.3-1 as data -------------------------------------------------------------------

TEST(CfTableTest, InterpolationReadsEveryCellExactly) {
  const auto rows = CfClearanceRatios();
  const auto cols = CfAspectRatios();
  ASSERT_EQ(rows.size(), 7u);
  ASSERT_EQ(cols.size(), 12u);
  for (int r = 0; r < kCfRows; ++r) {
    for (int c = 0; c < kCfCols; ++c) {
      EXPECT_EQ(CfCaseAB(cols[c], rows[r]), CfCell(r, c))
          << "s/h " << rows[r] << " B/s " << cols[c];
    }
  }
}

TEST(CfTableTest, EveryCellIsTheCommentaryFitRoundedToFiveHundredths) {
  const auto rows = CfClearanceRatios();
  const auto cols = CfAspectRatios();
  for (int r = 0; r < kCfRows; ++r) {
    for (int c = 0; c < kCfCols; ++c) {
      const double rounded = std::round(CfSurfaceFit(cols[c], rows[r]) / 0.05) * 0.05;
      EXPECT_NEAR(CfCell(r, c), rounded, 1e-9) << "s/h " << rows[r] << " B/s " << cols[c];
    }
  }
  // sign-domain.md §2.3: x=1,y=1 -> 1.460; x=4,y=0.7 -> 1.577 (the cell a transcription got
  // wrong: 1.60, not 1.55).
  EXPECT_NEAR(CfSurfaceFit(1, 1), 1.460, kHalf3);
  EXPECT_NEAR(CfSurfaceFit(4, 0.7), 1.577, kHalf3);
  EXPECT_EQ(CfCaseAB(4, 0.7), 1.60);
}

TEST(CfTableTest, InterpolatesBilinearlyAndClampsAtTheEnds) {
  // sign-domain.md §2.9 scalar oracles.
  EXPECT_NEAR(CfCaseAB(12.5, 8.0 / 35.0), 1.8482, kHalf3 / 10);
  EXPECT_EQ(CfCaseAB(2, 1), 1.40);
  EXPECT_NEAR(CfCaseAB(8.0 / 6.0, 0.3), 1.80, 1e-12);
  // Midway between cells.
  EXPECT_NEAR(CfCaseAB(1.5, 1.0), (1.45 + 1.40) / 2, 1e-12);
  EXPECT_NEAR(CfCaseAB(1.0, 0.95), (1.45 + 1.55) / 2, 1e-12);
  // "<=" / ">=" ends.
  EXPECT_EQ(CfCaseAB(0.01, 0.05), 1.95);
  EXPECT_EQ(CfCaseAB(100, 1.0), 1.30);
  EXPECT_EQ(CfCaseAB(100, 0.1), 1.95);
}

TEST(CaseCTest, RegionsTileTheWidthAndInterpolate) {
  // W6: B/s = 4 -> 2.90 / 1.90 / 1.30 / 1.10 over 0-6-12-18-24 ft.
  const auto w6 = CaseCRegions(24, 6);
  ASSERT_EQ(w6.size(), 4u);
  const double cf[] = {2.90, 1.90, 1.30, 1.10};
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(w6[i].from_ft, 6.0 * i);
    EXPECT_EQ(w6[i].to_ft, 6.0 * (i + 1));
    EXPECT_EQ(w6[i].cf, cf[i]);
  }
  // B/s = 2.5: the third region (2s-2.5s) only exists in the B/s = 3 column.
  const auto r25 = CaseCRegions(25, 10);
  ASSERT_EQ(r25.size(), 3u);
  EXPECT_NEAR(r25[0].cf, (2.25 + 2.60) / 2, 1e-12);
  EXPECT_NEAR(r25[1].cf, (1.50 + 1.70) / 2, 1e-12);
  EXPECT_EQ(r25[2].cf, 1.15);
  EXPECT_EQ(r25[2].to_ft, 25.0);
  // B/s >= 45: the last column, 7 regions, the last clipped at B.
  const auto wide = CaseCRegions(500, 10);
  ASSERT_EQ(wide.size(), 7u);
  EXPECT_EQ(wide[0].cf, 4.30);
  EXPECT_EQ(wide[6].cf, 0.55);
  EXPECT_EQ(wide[6].to_ft, 500.0);
  EXPECT_EQ(CaseCClearanceFactor(1.0), 0.8);
  EXPECT_EQ(CaseCClearanceFactor(0.5), 1.0);
}

// ---- Kz ----------------------------------------------------------------------------------

TEST(KzTest, TablesInterpolateWithTheirMinimumHeights) {
  EXPECT_EQ(*KzFromTable(WindCode::kAsce716, Exposure::kC, 20), 0.90);
  EXPECT_NEAR(*KzFromTable(WindCode::kAsce716, Exposure::kC, 35), 1.01, 1e-12);
  EXPECT_EQ(*KzFromTable(WindCode::kAsce716, Exposure::kB, 5), 0.57);
  EXPECT_EQ(*KzFromTable(WindCode::kAsce716, Exposure::kC, 12), 0.85);
  EXPECT_FALSE(KzFromTable(WindCode::kAsce716, Exposure::kC, 501).has_value());
  // 7-22: Exposure B held at 0.70 below 30 ft; C at 30 ft 0.98 (W3).
  EXPECT_EQ(*KzFromTable(WindCode::kAsce722, Exposure::kB, 25), 0.70);
  EXPECT_EQ(*KzFromTable(WindCode::kAsce722, Exposure::kC, 30), 0.98);
  // Formulas: 7-16 D at 20 ft 1.083 (W1); 7-22 B/C/D at 15 ft 0.573 (z_min 30 ft -> 0.689) /
  // 0.851 / 1.035 (sign-domain.md §2.2).
  EXPECT_NEAR(KzFromFormula(WindCode::kAsce716, Exposure::kD, 20), 1.083, kHalf3);
  EXPECT_NEAR(KzFromFormula(WindCode::kAsce722, Exposure::kB, 15), 0.689, kHalf3);
  EXPECT_NEAR(KzFromFormula(WindCode::kAsce722, Exposure::kC, 15), 0.851, kHalf3);
  EXPECT_NEAR(KzFromFormula(WindCode::kAsce722, Exposure::kC, 100), 1.254, kHalf3);
  EXPECT_NEAR(KzFromFormula(WindCode::kAsce722, Exposure::kD, 500), 1.905, kHalf3);
  // Every 7-16 row is within 0.01 of its formula.
  for (const KzRow& r : KzTable(WindCode::kAsce716)) {
    EXPECT_NEAR(r.b, KzFromFormula(WindCode::kAsce716, Exposure::kB, r.z_ft), 0.01) << r.z_ft;
    EXPECT_NEAR(r.c, KzFromFormula(WindCode::kAsce716, Exposure::kC, r.z_ft), 0.01) << r.z_ft;
    EXPECT_NEAR(r.d, KzFromFormula(WindCode::kAsce716, Exposure::kD, r.z_ft), 0.01) << r.z_ft;
  }
}

// ---- Worked examples, wind (sign-domain.md §2.9) --------------------------------------------

// W1 (Medeek, ASCE 7-10 = 7-16 formulas): V 155, D, h 20, Kz by formula 1.083, qz 56.62; As 7.48
// (a square B = s = sqrt(7.48)), Cf 1.80 -> F 648 lb, F_asd 389 lb; no Case C.
TEST(WindWorkedExamplesTest, W1) {
  SignWindInput in =
      Wind(WindCode::kAsce716, 155, Exposure::kD, std::sqrt(7.48), std::sqrt(7.48), 20);
  in.kz_method = KzMethod::kFormula;
  const Calculation c = SignWindCalculation(in);
  EXPECT_NEAR(R(c, "kz"), 1.083, kHalf3);
  EXPECT_NEAR(R(c, "qh_psf"), 56.62, kHalf2);
  EXPECT_EQ(R(c, "cf"), 1.80);
  EXPECT_NEAR(R(c, "force_lb"), 648, kHalf0);
  EXPECT_NEAR(R(c, "force_asd_lb"), 389, kHalf0);
  EXPECT_TRUE(c.result.at("case_c").is_null());
}

// W2 (ASCE 7-05 sheet): C, V 90, h 35, s 8, B 100 -> Kh 1.01, qh 17.80, Cf 1.8482, F 22.37
// kips, M at base F (35 - 4) 693.6 kip-ft, T = F 0.2 B 447.5 kip-ft (strength level).
TEST(WindWorkedExamplesTest, W2) {
  const Calculation c = SignWindCalculation(Wind(WindCode::kAsce716, 90, Exposure::kC, 100, 8, 35));
  EXPECT_NEAR(R(c, "kz"), 1.01, 1e-12);
  EXPECT_NEAR(R(c, "qh_psf"), 17.80, kHalf2);
  EXPECT_NEAR(R(c, "cf"), 1.8482, kHalf3 / 10);
  EXPECT_NEAR(R(c, "force_lb") / 1000, 22.37, kHalf2);
  EXPECT_EQ(R(c, "resultant_height_ft"), 31.0);
  EXPECT_NEAR(R(c, "moment_asd_lbft") / 0.6 / 1000, 693.6, kHalf1);
  EXPECT_NEAR(R(c, "torsion_asd_lbft") / 0.6 / 1000, 447.5, kHalf1);
  EXPECT_FALSE(c.result.at("case_c").is_null());  // B/s = 12.5 >= 2
}

// W3 (ASCE 7-22 ledger): V 100, C, h = s = B = 30 -> Kz 0.98, qh 21.32, Cf 1.45, F 23,651 lb
// (tolerance 5 lb).
TEST(WindWorkedExamplesTest, W3Asce722) {
  const Calculation c =
      SignWindCalculation(Wind(WindCode::kAsce722, 100, Exposure::kC, 30, 30, 30));
  EXPECT_EQ(R(c, "kz"), 0.98);
  EXPECT_NEAR(R(c, "qh_psf"), 21.32, kHalf2);
  EXPECT_EQ(R(c, "cf"), 1.45);
  EXPECT_NEAR(R(c, "force_lb"), 23651, 5);
  EXPECT_EQ(c.code.at("wind").as_string(), "ASCE 7-22");
  // Kd appears exactly once: qh' (without Kd) x Kd = qh.
  ASSERT_NE(FindTrace(c, "qh'"), nullptr);
  EXPECT_NEAR(FindTrace(c, "qh'")->value * 0.85, R(c, "qh_psf"), 1e-12);
}

// W4 (pylon): V 115, C, 8 x 6 ft, top 20 ft -> Kz 0.90, qh 25.90, Cf 1.80, F 1,902.1, F_asd
// 1,141.3, arm 17, M_asd 19,401 lb-ft, T_asd 1,826 lb-ft; F7: class 4, b 2 ft: d 9.03 (6.98
// isolated); b 2.5: 8.31 / 6.44.
TEST(WindWorkedExamplesTest, W4PylonAndF7Foundation) {
  SignWindInput in = Wind(WindCode::kAsce716, 115, Exposure::kC, 8, 6, 20);
  const Calculation c = SignWindCalculation(in);
  EXPECT_EQ(R(c, "kz"), 0.90);
  EXPECT_NEAR(R(c, "qh_psf"), 25.90, kHalf2);
  EXPECT_EQ(R(c, "cf"), 1.80);
  EXPECT_NEAR(R(c, "force_lb"), 1902.1, kHalf1);
  EXPECT_NEAR(R(c, "force_asd_lb"), 1141.3, kHalf1);
  EXPECT_EQ(R(c, "resultant_height_ft"), 17.0);
  EXPECT_NEAR(R(c, "moment_asd_lbft"), 19401, kHalf0);
  EXPECT_NEAR(R(c, "torsion_asd_lbft"), 1826, kHalf0);
  EXPECT_NEAR(R(c, "embedment_ft"), 9.03, kHalf2);
  in.isolated_pole = true;
  EXPECT_NEAR(R(SignWindCalculation(in), "embedment_ft"), 6.98, kHalf2);
  in.footing_diameter_ft = 2.5;
  EXPECT_NEAR(R(SignWindCalculation(in), "embedment_ft"), 6.44, kHalf2);
  in.isolated_pole = false;
  EXPECT_NEAR(R(SignWindCalculation(in), "embedment_ft"), 8.31, kHalf2);
  // The formula Kz gives qh 25.954.
  in.kz_method = KzMethod::kFormula;
  EXPECT_NEAR(R(SignWindCalculation(in), "qh_psf"), 25.954, kHalf3);
}

// W5 (monument on grade): B, V 115, B 10, s = h = 5 -> Kz 0.57, qh 16.40, Cf 1.40, F 976.0 (ASD
// 585.6), resultant 2.75 ft; Case C 627.4 lb and 418.3 lb (Cf x 0.8). 7-22: x 0.70/0.57.
TEST(WindWorkedExamplesTest, W5MonumentWithCaseC) {
  const Calculation c = SignWindCalculation(Wind(WindCode::kAsce716, 115, Exposure::kB, 10, 5, 5));
  EXPECT_EQ(R(c, "kz"), 0.57);
  EXPECT_NEAR(R(c, "qh_psf"), 16.40, kHalf2);
  EXPECT_EQ(R(c, "cf"), 1.40);
  EXPECT_NEAR(R(c, "force_lb"), 976.0, kHalf1);
  EXPECT_NEAR(R(c, "force_asd_lb"), 585.6, kHalf1);
  EXPECT_NEAR(R(c, "resultant_height_ft"), 2.75, 1e-12);
  const json::object& cc = c.result.at("case_c").as_object();
  EXPECT_NEAR(Num(cc.at("reduction_factor")), 0.8, 1e-12);
  const json::array& regions = cc.at("regions").as_array();
  ASSERT_EQ(regions.size(), 2u);
  EXPECT_NEAR(Num(regions[0].at("force_lb")), 627.4, kHalf1);
  EXPECT_NEAR(Num(regions[1].at("force_lb")), 418.3, kHalf1);
  EXPECT_NEAR(Num(regions[0].at("cf")), 1.80, 1e-12);
  // Case C (1,045.7 lb) exceeds Case A (976.0): it governs the foundation.
  EXPECT_EQ(c.result.at("governing").at("case").as_string(), "C");
  const Calculation c22 =
      SignWindCalculation(Wind(WindCode::kAsce722, 115, Exposure::kB, 10, 5, 5));
  EXPECT_NEAR(R(c22, "force_lb") / R(c, "force_lb"), 0.70 / 0.57, 1e-9);
}

// W6 (wide sign): C, V 115, B 24, s 6, h 12 -> Kz 0.85, qh 24.46, Cf 1.70, F_A 5,089.8; Case C
// 2,170.7 / 1,422.2 / 973.1 / 823.4, sum 5,389.2, resultant 9.5 ft from the windward edge.
TEST(WindWorkedExamplesTest, W6WideSignCaseC) {
  const Calculation c = SignWindCalculation(Wind(WindCode::kAsce716, 115, Exposure::kC, 24, 6, 12));
  EXPECT_EQ(R(c, "kz"), 0.85);
  EXPECT_NEAR(R(c, "qh_psf"), 24.46, kHalf2);
  EXPECT_EQ(R(c, "cf"), 1.70);
  EXPECT_NEAR(R(c, "force_lb"), 5089.8, kHalf1);
  const json::object& cc = c.result.at("case_c").as_object();
  const double expect[] = {2170.7, 1422.2, 973.1, 823.4};
  const json::array& regions = cc.at("regions").as_array();
  ASSERT_EQ(regions.size(), 4u);
  for (size_t i = 0; i < 4; ++i) EXPECT_NEAR(Num(regions[i].at("force_lb")), expect[i], kHalf1);
  EXPECT_NEAR(Num(cc.at("force_lb")), 5389.2, kHalf1);
  EXPECT_NEAR(Num(cc.at("resultant_from_windward_edge_ft")), 9.5, kHalf1);
  EXPECT_NEAR(Num(cc.at("eccentricity_ft")), 2.5, kHalf1);
  // Case C's total (5,389.2 lb) beats Case A's (5,089.8): the foundation takes its ASD force at
  // the resultant's height (h - s/2 = 9 ft), and the torsion is the larger of B and C.
  EXPECT_EQ(c.result.at("governing").at("case").as_string(), "C");
  const double p = Num(c.result.at("governing").at("force_asd_lb"));
  EXPECT_NEAR(p, 0.6 * 5389.2, 0.03);
  EXPECT_EQ(Num(c.result.at("foundation").at("lateral_force_asd_lb")), p);
  EXPECT_EQ(R(c, "embedment_ft"), NonconstrainedDepthFt(p, 9.0, 2.0, 150.0, 1.0));
  EXPECT_GT(R(c, "embedment_ft"),
            NonconstrainedDepthFt(R(c, "force_asd_lb"), 9.0, 2.0, 150.0, 1.0));
  EXPECT_EQ(Num(c.result.at("governing").at("torsion_asd_lbft")),
            std::max(R(c, "torsion_asd_lbft"), Num(cc.at("torsion_asd_lbft"))));
}

// Scalar oracle: qz(V 115, C, z 15, Kd 0.85) = 24.461 psf.
TEST(WindWorkedExamplesTest, ScalarVelocityPressure) {
  const Calculation c = SignWindCalculation(Wind(WindCode::kAsce716, 115, Exposure::kC, 4, 2, 10));
  EXPECT_NEAR(R(c, "qh_psf"), 24.461, kHalf3);
}

TEST(WindTest, FastPathEqualsTheTracedCalculation) {
  for (const SignWindInput& in : {Wind(WindCode::kAsce716, 115, Exposure::kC, 8, 6, 20),
                                  Wind(WindCode::kAsce722, 140, Exposure::kB, 24, 6, 12),
                                  Wind(WindCode::kAsce716, 180, Exposure::kD, 60, 5, 5)}) {
    const SignWindNumbers n = SignWindFast(in);
    const Calculation c = SignWindCalculation(in);
    EXPECT_EQ(n.kz, R(c, "kz"));
    EXPECT_EQ(n.qh_psf, R(c, "qh_psf"));
    EXPECT_EQ(n.cf, R(c, "cf"));
    EXPECT_EQ(n.force_lb, R(c, "force_lb"));
    EXPECT_EQ(n.force_asd_lb, R(c, "force_asd_lb"));
    EXPECT_EQ(n.moment_asd_lbft, R(c, "moment_asd_lbft"));
    EXPECT_EQ(n.torsion_asd_lbft, R(c, "torsion_asd_lbft"));
    EXPECT_EQ(n.embedment_ft, R(c, "embedment_ft"));
  }
}

TEST(WindTest, SameInputSameBytesAndEveryNumberFinite) {
  const SignWindInput in = Wind(WindCode::kAsce716, 300, Exposure::kD, 200, 100, 500);
  const std::string a = json::serialize(ToJson(SignWindCalculation(in)));
  const std::string b = json::serialize(ToJson(SignWindCalculation(in)));
  EXPECT_EQ(a, b);
  EXPECT_TRUE(AllFinite(json::value(ToJson(SignWindCalculation(in)))));
  // Tiny sign at the lower limits.
  const SignWindInput tiny = Wind(WindCode::kAsce722, 85, Exposure::kB, 0.01, 0.01, 0.01);
  EXPECT_TRUE(AllFinite(json::value(ToJson(SignWindCalculation(tiny)))));
  // Every trace entry names its clause and unit field.
  for (const auto& t : SignWindCalculation(in).trace) {
    EXPECT_FALSE(t.symbol.empty());
    EXPECT_FALSE(t.clause.empty()) << t.symbol;
  }
}

// ---- Validation --------------------------------------------------------------------------

json::object ValidWind() {
  return json::parse(R"({"code": "ASCE7-16", "wind_speed_mph": 115, "exposure": "C",
      "sign_width_ft": 8, "sign_height_ft": 6, "top_height_ft": 20, "soil_class": 4,
      "footing_diameter_ft": 2})")
      .as_object();
}

std::vector<FieldError> Errors(const json::object& o) {
  auto r = ParseSignWindInput(o);
  EXPECT_FALSE(r.ok());
  return r.ok() ? std::vector<FieldError>{} : r.status().details();
}

bool Has(const std::vector<FieldError>& errs, std::string_view field, std::string_view text) {
  for (const auto& e : errs) {
    if (e.field == field && e.message.find(text) != std::string::npos) return true;
  }
  return false;
}

TEST(WindInputTest, ValidInputWithDefaults) {
  auto r = ParseSignWindInput(ValidWind());
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_EQ(r->kzt, 1.0);
  EXPECT_EQ(r->kd, 0.85);
  EXPECT_EQ(r->ke, 1.0);
  EXPECT_EQ(r->gust_factor, 0.85);
  EXPECT_FALSE(r->isolated_pole);
}

TEST(WindInputTest, EveryFieldNamesItsLimit) {
  json::object o = ValidWind();
  o["wind_speed_mph"] = 84;
  EXPECT_TRUE(Has(Errors(o), "wind_speed_mph", "between 85 and 300"));
  o["wind_speed_mph"] = 301;
  EXPECT_TRUE(Has(Errors(o), "wind_speed_mph", "between 85 and 300"));
  o = ValidWind();
  o["top_height_ft"] = 5;
  EXPECT_TRUE(Has(Errors(o), "top_height_ft", "sign_height_ft"));
  o = ValidWind();
  o["exposure"] = "E";
  EXPECT_TRUE(Has(Errors(o), "exposure", "B, C, D"));
  o = ValidWind();
  o["code"] = "ASCE7-10";
  EXPECT_TRUE(Has(Errors(o), "code", "ASCE7-16, ASCE7-22"));
  o = ValidWind();
  o["soil_class"] = 6;
  EXPECT_TRUE(Has(Errors(o), "soil_class", "between 1 and 5"));
  o = ValidWind();
  o["sign_width_ft"] = 0;
  EXPECT_TRUE(Has(Errors(o), "sign_width_ft", "> 0"));
  o = ValidWind();
  o["wind_speed_mph"] = "115";
  EXPECT_TRUE(Has(Errors(o), "wind_speed_mph", "number"));
  o = ValidWind();
  o["kzt"] = 0.5;
  EXPECT_TRUE(Has(Errors(o), "kzt", "between 1 and 3"));
  o = ValidWind();
  o["isolated_pole"] = "yes";
  EXPECT_TRUE(Has(Errors(o), "isolated_pole", "true or false"));
  o = ValidWind();
  o["windspeed"] = 115;
  EXPECT_TRUE(Has(Errors(o), "windspeed", "unknown field"));
  o = ValidWind();
  o.erase("footing_diameter_ft");
  o.erase("exposure");
  const auto errs = Errors(o);
  EXPECT_TRUE(Has(errs, "footing_diameter_ft", "required"));
  EXPECT_TRUE(Has(errs, "exposure", "required"));
}

TEST(WindInputTest, FoundationFieldsComeTogetherOrNotAtAll) {
  json::object o = ValidWind();
  o.erase("footing_diameter_ft");
  EXPECT_TRUE(Has(Errors(o), "footing_diameter_ft", "required"));
  o.erase("soil_class");
  auto r = ParseSignWindInput(o);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_FALSE(r->with_foundation);
  const Calculation c = SignWindCalculation(*r);
  EXPECT_TRUE(c.result.at("embedment_ft").is_null());
  EXPECT_TRUE(c.result.at("foundation").is_null());
  EXPECT_NEAR(R(c, "force_asd_lb"), 1141.3, kHalf1);  // the wind is still computed
  EXPECT_EQ(FindTrace(c, "d"), nullptr);
  // A structure always has a foundation.
  json::object payload;
  payload["wind"] = o;
  auto s = CheckStructure(payload);
  ASSERT_FALSE(s.ok());
  EXPECT_TRUE(Has(s.status().details(), "wind.soil_class", "required"));
}

// ---- Steel (sign-domain.md §2.10 S1, §2.7 AISC oracles) -------------------------------------

// S1: the W4 pole, M_asd = 232.8 kip-in, HSS6.625x0.280 Fy 46: A 5.21, I 26.4, S 7.97, Z 10.55,
// compact; Mn/Omega = 290.6 kip-in (the note divides the rounded Z; 0.15), ratio 0.80;
// deflection 5.34 in at the top (P 1.141 k at 17 ft, pole 20 ft).
TEST(SupportWorkedExamplesTest, S1) {
  const SectionDef* s = FindSection("HSS6.625x0.280");
  ASSERT_NE(s, nullptr);
  const SectionProperties p = Properties(*s);
  EXPECT_NEAR(p.area_in2, 5.21, kHalf2);
  EXPECT_NEAR(p.i_in4, 26.4, kHalf1);
  EXPECT_NEAR(p.s_in3, 7.97, kHalf2);
  EXPECT_NEAR(p.z_in3, 10.55, kHalf2);
  EXPECT_NEAR(p.weight_plf, 19.0, kHalf1);  // AISC Manual: 19.0 lb/ft
  const SupportInput in{.method = DesignMethod::kAsd,
                        .wind_force_lb = 1141.3 / 0.6,
                        .load_height_ft = 17,
                        .eccentricity_ft = 1.6,
                        .pole_height_ft = 20,
                        .deflection_limit_ratio = 40,
                        .section = "HSS6.625x0.280"};
  const SectionCheck c = CheckSection(*s, in);
  EXPECT_EQ(c.flexure_class, "compact");
  EXPECT_NEAR(c.mr_kip_in, 232.8, kHalf1);
  EXPECT_NEAR(c.mc_kip_in, 290.6, 0.15);
  EXPECT_NEAR(c.flexure_ratio, 0.80, kHalf2);
  // 5.334 in from the unrounded I (26.39 in^4); the note's 5.34 carries rounded inputs.
  EXPECT_NEAR(c.deflection_in, 5.34, 0.01);
  EXPECT_TRUE(c.pass);  // L/40 = 6 in
  const Calculation calc = SupportCheck(in);
  EXPECT_TRUE(calc.pass);
  EXPECT_EQ(calc.result.at("section").as_string(), "HSS6.625x0.280");
  // At L/60 (4 in) the deflection fails it: serviceability governs (sign-domain.md).
  SupportInput strict = in;
  strict.deflection_limit_ratio = 60;
  EXPECT_FALSE(CheckSection(*s, strict).pass);
}

// AISC Manual Table 3-14 via sign-domain.md §2.7: HSS20.000x0.500 Fy 46 phi Mn = 611 kip-ft
// (compact); HSS20.000x0.375 noncompact, phi Mn = 441.7 kip-ft.
TEST(SupportWorkedExamplesTest, AiscRoundHssLrfd) {
  SupportInput in{.method = DesignMethod::kLrfd,
                  .wind_force_lb = 1000,
                  .load_height_ft = 10,
                  .pole_height_ft = 10};
  const SectionCheck c500 = CheckSection(*FindSection("HSS20.000x0.500"), in);
  EXPECT_EQ(c500.flexure_class, "compact");
  EXPECT_NEAR(c500.mc_kip_in / 12, 611, 1.5);
  const SectionCheck c375 = CheckSection(*FindSection("HSS20.000x0.375"), in);
  EXPECT_EQ(c375.flexure_class, "noncompact");
  EXPECT_NEAR(c375.mc_kip_in / 12, 441.7, 0.5);
}

// AISC oracles for square HSS (co1emi11er2/AISCSteel.jl, Fy 50): HSS3-1/2x3-1/2x1/8 phi Mn =
// 7.21 kip-ft (noncompact flange); HSS8x8x3/16 phi Mn = 45.3 kip-ft (slender flange, AISC
// Example F.8B). The noncompact case agrees within 1 %; the slender-flange effective section
// modulus (F7-4 effective width, neutral axis shifted) comes out 2.5 % above the example's (Se
// 12.38 vs about 12.1 in^3), an open difference recorded in docs/engineering.md: 3 % here.
TEST(SupportWorkedExamplesTest, AiscSquareHssLrfd) {
  const SupportInput in{.method = DesignMethod::kLrfd,
                        .wind_force_lb = 100,
                        .load_height_ft = 5,
                        .pole_height_ft = 5,
                        .fy_ksi = 50};
  const SectionDef small{"HSS3-1/2x3-1/2x1/8", SectionShape::kSquareHss, 3.5, 0.125};
  const SectionCheck a = CheckSection(small, in);
  EXPECT_EQ(a.flexure_class, "noncompact");
  EXPECT_NEAR(a.mc_kip_in / 12, 7.21, 0.01 * 7.21);
  const SectionDef f8b{"HSS8x8x3/16", SectionShape::kSquareHss, 8.0, 0.1875};
  const SectionCheck b = CheckSection(f8b, in);
  EXPECT_EQ(b.flexure_class, "slender");
  EXPECT_NEAR(b.mc_kip_in / 12, 45.3, 0.03 * 45.3);
}

TEST(SupportTest, ChoosesTheLightestPassingSection) {
  for (double force : {500.0, 1902.1, 8000.0}) {
    for (auto shape : {std::optional<SectionShape>(), std::optional(SectionShape::kPipe),
                       std::optional(SectionShape::kSquareHss)}) {
      SupportInput in{.wind_force_lb = force,
                      .load_height_ft = 17,
                      .eccentricity_ft = 1.6,
                      .pole_height_ft = 20,
                      .shape = shape};
      const Calculation c = SupportCheck(in);
      ASSERT_TRUE(c.pass) << force;
      const double w = Num(c.result.at("weight_plf"));
      for (const SectionDef& s : SectionTable()) {
        if (shape && s.shape != *shape) continue;
        const SectionCheck k = CheckSection(s, in);
        if (k.pass) {
          EXPECT_GE(k.props.weight_plf, w) << s.name;
        }
      }
      if (shape) {
        EXPECT_EQ(c.result.at("shape").as_string(), Name(*shape));
      }
    }
  }
  // Too much for every section: no pass, no section.
  const Calculation none =
      SupportCheck({.wind_force_lb = 5e6, .load_height_ft = 40, .pole_height_ft = 40});
  EXPECT_FALSE(none.pass);
  EXPECT_TRUE(none.result.at("section").is_null());
}

TEST(SupportTest, LrfdUsesTheFullWindAndPhi) {
  const SectionDef& s = *FindSection("Pipe 6 Std");
  const SupportInput asd{.wind_force_lb = 1000, .load_height_ft = 10, .pole_height_ft = 12};
  SupportInput lrfd = asd;
  lrfd.method = DesignMethod::kLrfd;
  const SectionCheck a = CheckSection(s, asd);
  const SectionCheck l = CheckSection(s, lrfd);
  EXPECT_NEAR(a.mr_kip_in, 0.6 * 1.0 * 120, 1e-9);
  EXPECT_NEAR(l.mr_kip_in, 1.0 * 120, 1e-9);
  EXPECT_NEAR(a.mc_kip_in, l.mn_kip_in / 1.67, 1e-9);
  EXPECT_NEAR(l.mc_kip_in, 0.9 * l.mn_kip_in, 1e-9);
  EXPECT_EQ(a.fy_ksi, 35.0);  // A53 Gr B
}

TEST(SupportTest, TorsionAboveTwentyPercentEntersTheInteraction) {
  const SectionDef& s = *FindSection("HSS4.500x0.237");
  SupportInput in{.wind_force_lb = 1000, .load_height_ft = 10, .pole_height_ft = 10};
  const SectionCheck no_t = CheckSection(s, in);
  EXPECT_EQ(no_t.interaction, no_t.flexure_ratio);
  in.eccentricity_ft = 20;
  const SectionCheck with_t = CheckSection(s, in);
  ASSERT_GT(with_t.tr_kip_in, 0.2 * with_t.tc_kip_in);
  const double vt = with_t.shear_ratio + with_t.torsion_ratio;
  EXPECT_NEAR(with_t.interaction, with_t.flexure_ratio + vt * vt, 1e-12);
}

// ---- Foundation (sign-domain.md §2.10 F1–F7) ----------------------------------------------

TEST(FoundationWorkedExamplesTest, F1F2F3Nonconstrained) {
  struct Case {
    double p, h, k, d;
  };
  for (const Case& c :
       {Case{680, 7.79, 1, 8.08}, Case{680, 7.79, 2, 6.15}, Case{200, 4.54, 1, 4.45},
        Case{200, 4.54, 2, 3.39}, Case{496.1, 7.489, 1, 7.07}, Case{496.1, 7.489, 2, 5.40},
        Case{1208.8, 16.44, 1, 9.15}, Case{1208.8, 16.44, 2, 7.07}}) {
    FoundationRequest r;
    r.embedment = {.p_asd_lb = c.p,
                   .h_ft = c.h,
                   .soil_class = 4,
                   .footing_size_ft = 1.0,
                   .isolated_pole = c.k == 2};
    if (c.p > 1000) r.embedment.footing_size_ft = 2.0;
    const Calculation calc = FoundationCalculation(r);
    EXPECT_NEAR(R(calc, "embedment_ft"), c.d, kHalf2) << c.p << " " << c.k;
    EXPECT_TRUE(calc.pass);
  }
}

TEST(FoundationTest, DeepRootsUseTheTwelveFootPressure) {
  // Beyond 12 ft, S1 = LBP x 12 / 3 x k: the root is Eq. 18-1 at that S1, however deep.
  for (double p : {5e3, 5e4, 1e7}) {
    const double d = NonconstrainedDepthFt(p, 40.0, 0.5, 100.0, 1.0);
    ASSERT_GT(d, 12.0) << p;
    EXPECT_NEAR(d, Ibc1807NonconstrainedDepthFt(p, 40.0, 100.0 * 12.0 / 3.0, 0.5), 1e-9 * d);
  }
  // Just below 12 ft the bisection's root satisfies Eq. 18-1 at its own S1.
  const double d = NonconstrainedDepthFt(1000.0, 20.0, 1.5, 150.0, 1.0);
  ASSERT_LT(d, 12.0);
  EXPECT_NEAR(d, Ibc1807NonconstrainedDepthFt(1000.0, 20.0, 150.0 * d / 3.0, 1.5), 1e-7);
}

// F4: constrained Eq. 18-3, Mg 5,297 lb-ft (P h), class 4, b 1 -> 5.31 / 4.22; F7 constrained
// (Mg 19,401, b 2) 6.50.
TEST(FoundationWorkedExamplesTest, F4F7Constrained) {
  FoundationRequest r;
  r.type = FoundationCheck::kConstrained;
  r.embedment = {.p_asd_lb = 5297, .h_ft = 1, .soil_class = 4, .footing_size_ft = 1};
  EXPECT_NEAR(R(FoundationCalculation(r), "embedment_ft"), 5.31, kHalf2);
  r.embedment.isolated_pole = true;
  EXPECT_NEAR(R(FoundationCalculation(r), "embedment_ft"), 4.22, kHalf2);
  r.embedment = {.p_asd_lb = 1141.3, .h_ft = 17, .soil_class = 4, .footing_size_ft = 2};
  EXPECT_NEAR(R(FoundationCalculation(r), "embedment_ft"), 6.50, kHalf2);
}

// F5, F6 (permit calcs, check mode, S1 = 2 x 150 x 4 / 3 = 400 psf at d = 4 ft): F5 P 889, h 3.4,
// b 3 -> d_req 3.55 <= 4 OK, solve-mode root 3.72; F6 P 1,746, h 4.185, b 5.5 -> 3.98.
TEST(FoundationWorkedExamplesTest, F5F6CheckMode) {
  FoundationRequest r;
  r.embedment = {.p_asd_lb = 889,
                 .h_ft = 3.4,
                 .soil_class = 4,
                 .footing_size_ft = 3,
                 .isolated_pole = true,
                 .provided_depth_ft = 4.0};
  Calculation f5 = FoundationCalculation(r);
  EXPECT_TRUE(f5.pass);
  EXPECT_NEAR(R(f5, "embedment_ft"), 3.72, kHalf2);
  ASSERT_NE(FindTrace(f5, "S1_prov"), nullptr);
  EXPECT_EQ(FindTrace(f5, "S1_prov")->value, 400.0);
  EXPECT_NEAR(FindTrace(f5, "d_req,prov")->value, 3.55, kHalf2);
  r.embedment = {.p_asd_lb = 1746,
                 .h_ft = 4.185,
                 .soil_class = 4,
                 .footing_size_ft = 5.5,
                 .isolated_pole = true,
                 .provided_depth_ft = 4.0};
  Calculation f6 = FoundationCalculation(r);
  EXPECT_TRUE(f6.pass);
  EXPECT_NEAR(FindTrace(f6, "d_req,prov")->value, 3.98, kHalf2);
  // Too shallow: fails.
  r.embedment.provided_depth_ft = 3.0;
  EXPECT_FALSE(FoundationCalculation(r).pass);
}

TEST(FoundationTest, SquareFootingUsesItsDiagonal) {
  FoundationRequest round;
  round.embedment = {
      .p_asd_lb = 1000, .h_ft = 10, .soil_class = 4, .footing_size_ft = 2 * std::sqrt(2.0)};
  FoundationRequest square = round;
  square.embedment.shape = FootingShape::kSquare;
  square.embedment.footing_size_ft = 2.0;
  EXPECT_NEAR(R(FoundationCalculation(square), "embedment_ft"),
              R(FoundationCalculation(round), "embedment_ft"), 1e-9);
}

// A 4 x 4 x 2 ft footing, 150 pcf (4,800 lb) + 5,000 lb dead, P 1,000 lb at 6 ft, class 4: M_ot
// 8,000 lb-ft, M_r 9,800 x 2 = 19,600 -> FS 2.45; sliding 0.25 x 9,800 = 2,450 -> 2.45;
// e = 0.8163 ft (> L/6): q = 2 x 9,800 / (3 x 4 x (2 - 0.8163)) = 1,379.9 psf <= 2,000.
TEST(FoundationTest, SpreadFootingOverturningSlidingBearing) {
  FoundationRequest r;
  r.type = FoundationCheck::kSpreadFooting;
  r.footing = {.p_asd_lb = 1000,
               .h_ft = 6,
               .soil_class = 4,
               .length_ft = 4,
               .width_ft = 4,
               .thickness_ft = 2,
               .dead_load_lb = 5000};
  const Calculation c = FoundationCalculation(r);
  EXPECT_NEAR(R(c, "overturning_safety_factor"), 2.45, 1e-9);
  EXPECT_NEAR(R(c, "sliding_safety_factor"), 2.45, 1e-9);
  EXPECT_NEAR(R(c, "bearing_pressure_max_psf"), 1379.9, kHalf1);
  EXPECT_TRUE(c.pass);
  r.footing.dead_load_lb = 1000;  // FS 1.45 < 1.5 on overturning and sliding
  EXPECT_FALSE(FoundationCalculation(r).pass);
  r.footing.p_asd_lb = 3000;  // resultant outside the footing: no bearing solution
  const Calculation bad = FoundationCalculation(r);
  EXPECT_FALSE(bad.pass);
  EXPECT_TRUE(bad.result.at("bearing_pressure_max_psf").is_null());
  EXPECT_TRUE(AllFinite(json::value(ToJson(bad))));
}

// ---- Whole structure (studio) -------------------------------------------------------------

TEST(CheckStructureTest, W4PylonPassesAndFailsOnTheShallowFooting) {
  json::object payload = json::parse(R"({
    "wind": {"code": "ASCE7-16", "wind_speed_mph": 115, "exposure": "C", "sign_width_ft": 8,
             "sign_height_ft": 6, "top_height_ft": 20, "soil_class": 4,
             "footing_diameter_ft": 2},
    "pole": {"section": "HSS6.625x0.280", "deflection_limit_ratio": 40},
    "footing": {"provided_depth_ft": 9.5}})")
                             .as_object();
  auto ok = CheckStructure(payload);
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_TRUE(ok->pass);
  EXPECT_NEAR(R(*ok, "embedment_ft"), 9.03, kHalf2);
  EXPECT_EQ(ok->result.at("support").at("section").as_string(), "HSS6.625x0.280");
  EXPECT_NEAR(Num(ok->result.at("support").at("flexure_ratio")), 0.80, kHalf2);
  // One symbol, one meaning across the wind, pole and foundation traces (no Case C here).
  std::set<std::string> symbols;
  for (const auto& t : ok->trace) EXPECT_TRUE(symbols.insert(t.symbol).second) << t.symbol;
  payload["footing"].as_object()["provided_depth_ft"] = 8.0;
  auto shallow = CheckStructure(payload);
  ASSERT_TRUE(shallow.ok());
  EXPECT_FALSE(shallow->pass);
  EXPECT_EQ(shallow->result.at("failures").as_array().size(), 1u);
  EXPECT_EQ(shallow->result.at("failures").as_array()[0].as_string(), "foundation");
  // Without a section the lightest passing one is chosen.
  payload["pole"].as_object().erase("section");
  auto chosen = CheckStructure(payload);
  ASSERT_TRUE(chosen.ok());
  EXPECT_TRUE(chosen->result.at("support_pass").as_bool());
}

TEST(CheckStructureTest, NamesTheFieldsOfABadPayload) {
  json::object payload = json::parse(R"({
    "wind": {"code": "ASCE7-16", "wind_speed_mph": 40, "exposure": "C", "sign_width_ft": 8,
             "sign_height_ft": 6, "top_height_ft": 20, "soil_class": 4,
             "footing_diameter_ft": 2},
    "pole": {"section": "HSS99x1"}, "footing": {"provided_depth_ft": -1}})")
                             .as_object();
  auto r = CheckStructure(payload);
  ASSERT_FALSE(r.ok());
  const auto& errs = r.status().details();
  EXPECT_TRUE(Has(errs, "wind.wind_speed_mph", "85"));
  EXPECT_TRUE(Has(errs, "pole.section", "section of the table"));
  EXPECT_TRUE(Has(errs, "footing.provided_depth_ft", "between"));
  EXPECT_FALSE(CheckStructure(json::object()).ok());
}

TEST(SectionTableTest, NamesAreUniqueAndPropertiesPositive) {
  std::set<std::string_view> names;
  for (const SectionDef& s : SectionTable()) {
    EXPECT_TRUE(names.insert(s.name).second) << s.name;
    const SectionProperties p = Properties(s);
    EXPECT_GT(p.area_in2, 0) << s.name;
    EXPECT_GT(p.i_in4, 0) << s.name;
    EXPECT_GT(p.z_in3, p.s_in3) << s.name;
    EXPECT_GT(p.c_in3, 0) << s.name;
  }
  EXPECT_EQ(names.size(), 78u);
}

}  // namespace
}  // namespace signx::sign
