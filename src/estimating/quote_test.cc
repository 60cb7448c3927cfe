#include "estimating/quote.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

namespace signx::estimating {
namespace {

using ::testing::ElementsAreArray;

constexpr int64_t kMaxFixed = 1'000'000'000'000;  // the largest fixed line (quote.cc kMaxCents)

Part Fixed(int64_t cents, std::string description = "basis") {
  Part p;
  p.kind = PartKind::kFixed;
  p.fixed_cents = cents;
  p.description = std::move(description);
  return p;
}

PriceList List(PricingMethod method, int32_t rate_bp, int32_t contingency_bp = 0) {
  PriceList pl;
  pl.id = "pl_test";
  pl.version = "2025-01";
  pl.method = method;
  pl.rate_bp = rate_bp;
  pl.contingency_bp = contingency_bp;
  pl.materials["acm3"] = {"ACM 3 mm", "sqft", 425, 1000};  // $4.25/sq ft, 10 % waste
  pl.labor["fab"] = {"fabrication", 4246};                 // $42.46/h (sign-domain §3.2)
  pl.machines["router"] = {"CNC router", 6500, 2500};      // $65/h + $25 setup
  return pl;
}

QuoteRequest Parts(int64_t quantity) {
  QuoteRequest r;
  r.quantity = quantity;
  Part mat;
  mat.kind = PartKind::kMaterial;
  mat.key = "acm3";
  mat.usage_milli = 32'000;  // 32 sq ft (a 4 x 8 panel)
  Part lab;
  lab.kind = PartKind::kLabor;
  lab.key = "fab";
  lab.usage_milli = 3'500;  // 3.5 h
  Part mach;
  mach.kind = PartKind::kMachine;
  mach.key = "router";
  mach.usage_milli = 750;  // 0.75 h
  r.parts = {mat, lab, mach};
  return r;
}

TEST(QuoteTest, ShopVoxCostPlusHundredAtFiftyPercentIsOneFifty) {
  // sign-domain.md §1.2: "$100 cost, 50 % -> $150".
  auto q = PriceQuote(List(PricingMethod::kMarkup, 5000), {{Fixed(10000)}, 1, std::nullopt});
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  EXPECT_EQ(q->price_cents, 15000);
  EXPECT_EQ(q->effective_markup_bp, 5000);
  EXPECT_EQ(q->effective_margin_bp, 3333);
}

// Issue 19: huge usage × rate × quantity once wrapped int64 around (a 1000 % markup priced below
// cost). Every amount is checked in 128 bits: a 422 naming the part or the rate, never a wrap.
TEST(QuoteTest, AmountsThatWouldOverflowAreRefusedNotWrapped) {
  PriceList list = List(PricingMethod::kMarkup, 100'000);  // 1000 % markup
  QuoteRequest big;
  big.quantity = 100'000;
  Part lab;
  lab.kind = PartKind::kLabor;
  lab.key = "fab";
  lab.usage_milli = kMaxFixed;  // 1e9 hours per sign: the largest usage a part may have
  big.parts = {lab};
  auto q = PriceQuote(list, big);
  ASSERT_FALSE(q.ok());
  EXPECT_EQ(q.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(q.status().details()[0].field, "parts[0]");
  // Each line fits, the price after a 1000 % markup does not.
  QuoteRequest many{std::vector<Part>(50, Fixed(kMaxFixed)), 1, std::nullopt};  // $500 billion
  auto priced = PriceQuote(list, many);
  ASSERT_FALSE(priced.ok());
  EXPECT_EQ(priced.status().details()[0].field, "price_list.rate_pct");
  // Within the bounds every price is at least the cost.
  auto ok = PriceQuote(list, {{Fixed(kMaxFixed)}, 1, std::nullopt});
  ASSERT_TRUE(ok.ok()) << ok.status().ToString();
  EXPECT_GE(ok->price_cents, ok->total_cost_cents);
}

TEST(QuoteTest, CoreBridgeMarginHundredAtFiftyPercentIsTwoHundred) {
  // price = cost / (1 - margin): the same "50 %" as a margin doubles the cost.
  auto q = PriceQuote(List(PricingMethod::kMargin, 5000), {{Fixed(10000)}, 1, std::nullopt});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->price_cents, 20000);
  EXPECT_EQ(q->effective_markup_bp, 10000);
  EXPECT_EQ(q->effective_margin_bp, 5000);
}

TEST(QuoteTest, ChannelLetterDemoMarkupAndMarginAreDistinct) {
  // shopVOX demo (sign-domain.md §1.2): cost $2,516 -> price $3,831 = markup 52.3 %, margin 34.3 %.
  // Markup 52.3 %: 2516 x 1.523 = 3831.868 -> $3,831.87; margin = 1315.87 / 3831.87 = 34.34 %.
  auto m = PriceQuote(List(PricingMethod::kMarkup, 5230), {{Fixed(251600)}, 1, std::nullopt});
  ASSERT_TRUE(m.ok());
  EXPECT_EQ(m->price_cents, 383187);
  EXPECT_EQ(m->effective_margin_bp, 3434);
  // Margin 34.3 %: 2516 / 0.657 = 3829.5282 -> $3,829.53; markup = 1313.53 / 2516 = 52.21 %.
  auto g = PriceQuote(List(PricingMethod::kMargin, 3430), {{Fixed(251600)}, 1, std::nullopt});
  ASSERT_TRUE(g.ok());
  EXPECT_EQ(g->price_cents, 382953);
  EXPECT_EQ(g->effective_markup_bp, 5221);
}

TEST(QuoteTest, PartsWithWasteLaborMachineAndContingency) {
  // material 32 sq ft x 1.10 x $4.25 = $149.60
  // labor    3.5 h x $42.46         = $148.61
  // machine  0.75 h x $65 + $25      = $73.75
  // subtotal $371.96; contingency 10 % of COST = $37.196 -> $37.20; total cost $409.16
  // markup 50 % -> $613.74
  auto q = PriceQuote(List(PricingMethod::kMarkup, 5000, 1000), Parts(1));
  ASSERT_TRUE(q.ok()) << q.status().ToString();
  ASSERT_EQ(q->lines.size(), 3u);
  EXPECT_EQ(q->lines[0].cost_cents, 14960);
  EXPECT_EQ(q->lines[0].description, "ACM 3 mm");
  EXPECT_EQ(q->lines[0].waste_bp, 1000);
  EXPECT_EQ(q->lines[1].cost_cents, 14861);
  EXPECT_EQ(q->lines[2].cost_cents, 7375);
  EXPECT_EQ(q->lines[2].setup_cents, 2500);
  EXPECT_EQ(q->cost_subtotal_cents, 37196);
  EXPECT_EQ(q->contingency_cents, 3720);
  EXPECT_EQ(q->total_cost_cents, 40916);
  EXPECT_EQ(q->price_cents, 61374);
  EXPECT_EQ(q->price_list_version, "pl_test@2025-01");
}

TEST(QuoteTest, QuantityBreakReplacesTheRateAndSetupIsOncePerJob) {
  // qty 10: material 320 x 1.1 x 4.25 = 1496.00; labor 35 h x 42.46 = 1486.10;
  // machine 7.5 h x 65 + 25 = 512.50; subtotal 3494.60; contingency 10 % = 349.46;
  // total cost 3844.06; break at 10 -> markup 40 %: 5381.684 / 10 = 538.1684 -> unit $538.17,
  // extended $5,381.70.
  PriceList pl = List(PricingMethod::kMarkup, 5000, 1000);
  pl.quantity_breaks = {{25, 3000}, {1, 5000}, {10, 4000}};
  auto q = PriceQuote(pl, Parts(10));
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->cost_subtotal_cents, 349460);
  EXPECT_EQ(q->contingency_cents, 34946);
  EXPECT_EQ(q->total_cost_cents, 384406);
  EXPECT_EQ(q->rate_bp, 4000);
  EXPECT_EQ(q->unit_price_cents, 53817);
  EXPECT_EQ(q->price_cents, 538170);
  EXPECT_EQ(q->effective_markup_bp, 4000);
  // Below the break the list rate applies; above 25 the 30 % break.
  EXPECT_EQ(PriceQuote(pl, Parts(9))->rate_bp, 5000);
  EXPECT_EQ(PriceQuote(pl, Parts(30))->rate_bp, 3000);
}

TEST(QuoteTest, MarginQuantityBreakLowersTheMargin) {
  PriceList pl = List(PricingMethod::kMargin, 4000);
  pl.quantity_breaks = {{5, 3000}};
  // 5 x $100 fixed? fixed lines are per job: cost $500 / (1 - 0.30) = 714.2857 -> unit 142.857
  // -> $142.86, extended $714.30.
  auto q = PriceQuote(pl, {{Fixed(50000)}, 5, std::nullopt});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->unit_price_cents, 14286);
  EXPECT_EQ(q->price_cents, 71430);
}

TEST(QuoteTest, RoundsHalfUpNotBankers) {
  // 3 cents x 1.5 = 4.5 cents -> 5 (banker's rounding would give 4).
  auto q = PriceQuote(List(PricingMethod::kMarkup, 5000), {{Fixed(3)}, 1, std::nullopt});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->price_cents, 5);
  // Contingency: 10 % of $0.05 = 0.5 cent -> 1 cent.
  auto c = PriceQuote(List(PricingMethod::kMarkup, 0, 1000), {{Fixed(5)}, 1, std::nullopt});
  ASSERT_TRUE(c.ok());
  EXPECT_EQ(c->contingency_cents, 1);
  EXPECT_EQ(DivRoundHalfUp(5, 2), 3);
  EXPECT_EQ(DivRoundHalfUp(7, 2), 4);
  EXPECT_EQ(DivRoundHalfUp(149, 100), 1);
  EXPECT_EQ(DivRoundHalfUp(150, 100), 2);
}

TEST(QuoteTest, RequestContingencyOverridesTheList) {
  auto q = PriceQuote(List(PricingMethod::kMarkup, 0, 1000), {{Fixed(10000)}, 1, 2500});
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->contingency_bp, 2500);
  EXPECT_EQ(q->contingency_cents, 2500);
  EXPECT_EQ(q->price_cents, 12500);
}

TEST(QuoteTest, ReportsEveryProblemAtOnce) {
  QuoteRequest r;
  r.quantity = 0;
  Part unknown;
  unknown.kind = PartKind::kMaterial;
  unknown.key = "unobtainium";
  unknown.usage_milli = 1000;
  Part negative;
  negative.kind = PartKind::kLabor;
  negative.key = "fab";
  negative.usage_milli = -1;
  r.parts = {unknown, negative, Fixed(100, "")};
  auto q = PriceQuote(List(PricingMethod::kMargin, 10000), r);
  ASSERT_FALSE(q.ok());
  EXPECT_THAT(
      q.status().details(),
      ElementsAreArray(std::vector<FieldError>{
          {"quantity", "must be between 1 and 1000000 (got 0)"},
          {"price_list.rate_pct",
           "margin must be at least 0 % and below 100 % (price list pl_test@2025-01 gives 10000 "
           "bp)"},
          {"parts[0].key", "no material 'unobtainium' in price list pl_test@2025-01"},
          {"parts[1].usage", "must be between 0 and 1e12"},
          {"parts[2].description", "is required for a fixed line"}}));
}

TEST(QuoteTest, JsonRoundTripPricesTheSameAsStructs) {
  auto pl = ParsePriceList(boost::json::parse(R"({
      "id": "pl_test", "version": "2025-01", "method": "markup", "rate_pct": 50,
      "contingency_pct": 10,
      "materials": {"acm3": {"name": "ACM 3 mm", "unit": "sqft", "cost_cents_per_unit": 425,
                             "waste_pct": 10}},
      "labor": {"fab": {"name": "fabrication", "cost_cents_per_hour": 4246}},
      "machines": {"router": {"name": "CNC router", "cost_cents_per_hour": 6500,
                              "setup_cents": 2500}},
      "quantity_breaks": [{"min_quantity": 10, "rate_pct": 40}]})")
                               .as_object());
  ASSERT_TRUE(pl.ok()) << pl.status().ToString();
  auto req = ParseQuoteRequest(boost::json::parse(R"({"quantity": 10, "parts": [
      {"kind": "material", "key": "acm3", "usage": 32},
      {"kind": "labor", "key": "fab", "usage": 3.5},
      {"kind": "machine", "key": "router", "usage": 0.75}]})")
                                   .as_object());
  ASSERT_TRUE(req.ok()) << req.status().ToString();
  auto q = PriceQuote(*pl, *req);
  ASSERT_TRUE(q.ok());
  EXPECT_EQ(q->price_cents, 538170);
  const auto j = ToJson(*q);
  EXPECT_EQ(j.at("price_cents").as_int64(), 538170);
  EXPECT_EQ(j.at("contingency").at("cost_cents").as_int64(), 34946);
  EXPECT_EQ(j.at("price_list_version").as_string(), "pl_test@2025-01");
}

TEST(QuoteTest, JsonValidationNamesFields) {
  auto pl = ParsePriceList(boost::json::parse(R"({"id": "x", "method": "margin",
      "rate_pct": 100, "materials": {"a": {"cost_cents_per_unit": 1.5}},
      "quantity_breaks": [{"min_quantity": 0, "rate_pct": 12.345}]})")
                               .as_object());
  ASSERT_FALSE(pl.ok());
  EXPECT_THAT(pl.status().details(),
              ElementsAreArray(std::vector<FieldError>{
                  {"version", "is required"},
                  {"rate_pct", "must be between 0 and 99.99 % (got 100)"},
                  {"materials.a.unit", "is required"},
                  {"materials.a.cost_cents_per_unit", "must be an integer"},
                  {"quantity_breaks[0].min_quantity", "must be between 1 and 1000000 (got 0)"},
                  {"quantity_breaks[0].rate_pct", "must have at most two decimals (got 12.345)"}}));
  auto req = ParseQuoteRequest(
      boost::json::parse(R"({"parts": [{"kind": "paint"}, {"kind": "labor", "usage": -2}]})")
          .as_object());
  ASSERT_FALSE(req.ok());
  EXPECT_THAT(req.status().details(),
              ElementsAreArray(std::vector<FieldError>{
                  {"parts[0].kind", "must be one of material, labor, machine, fixed (got 'paint')"},
                  {"parts[0].key", "is required"},
                  {"parts[0].usage", "is required"},
                  {"parts[1].key", "is required"},
                  {"parts[1].usage", "must be between 0 and 1e9 (got -2)"}}));
}

}  // namespace
}  // namespace signx::estimating
