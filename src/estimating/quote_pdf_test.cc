// RenderQuotePdf read back with poppler: what a customer sees on the quote PDF.
#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "estimating/quote.h"
#include "estimating/repository.h"
#include "estimating/service.h"
#include "pdf/testing/pdf_text.h"

namespace signx::estimating {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;

Part Fixed(int64_t cents, std::string description) {
  Part p;
  p.kind = PartKind::kFixed;
  p.fixed_cents = cents;
  p.description = std::move(description);
  return p;
}

StoredQuote Stored(const std::vector<Part>& parts, int64_t quantity = 1) {
  PriceList pl;
  pl.id = "pl_test";
  pl.version = "2025-01";
  pl.method = PricingMethod::kMarkup;
  pl.rate_bp = 5000;
  pl.contingency_bp = 1000;
  pl.materials["acm3"] = {"ACM 3 mm", "sqft", 425, 1000};
  QuoteRequest req;
  req.parts = parts;
  req.quantity = quantity;
  auto quote = PriceQuote(pl, req);
  EXPECT_TRUE(quote.ok()) << quote.status().ToString();
  StoredQuote q;
  q.id = "quo_pdf1";
  q.org_id = "org_a";
  q.project_id = "prj_42";
  q.price_list_version = pl.VersionId();
  q.quote_json = boost::json::serialize(ToJson(*quote));
  q.quantity = quantity;
  q.created_at = Timestamp(std::chrono::seconds(1'767'225'600));  // 2026-01-01T00:00:00Z
  return q;
}

TEST(QuotePdf, ShowsHeaderLinesContingencyTotalsAndPriceListVersion) {
  Part acm;
  acm.kind = PartKind::kMaterial;
  acm.key = "acm3";
  acm.usage_milli = 32'000;  // 32 sq ft + 10 % waste at $4.25 = $149.60 a unit
  const StoredQuote q = Stored({acm, Fixed(123456, "Install crew")}, 2);
  auto pdf = RenderQuotePdf(q);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  EXPECT_TRUE(pdf->starts_with("%PDF-"));
  auto pages = pdf::testing::PageTexts(*pdf);
  ASSERT_TRUE(pages.ok()) << pages.status().ToString();
  ASSERT_EQ(pages->size(), 1u);
  const std::string& t = (*pages)[0];
  for (const char* want :
       {"QUOTE",
        "quo_pdf1",
        "Price list pl_test@2025-01",
        "2026-01-01",
        "Project prj_42",
        "Description",
        "Unit",
        "Cost",
        "ACM 3 mm",
        "sqft",
        "$299.20",
        "Install crew",
        "job",
        "$1,234.56",
        "Cost subtotal",
        "$1,533.76",
        "Contingency 10.00 %",
        "$153.38",
        "Total cost",
        "$1,687.14",
        "Unit price (x2)",
        "$1,265.36",
        "PRICE",
        "$2,530.72",
        "Pricing: markup 50.00 % on cost; amounts rounded half up to the cent."}) {
    EXPECT_THAT(t, HasSubstr(want));
  }
}

TEST(QuotePdf, LongQuotesRepeatTheColumnHeaderAndEndWithTheTotals) {
  std::vector<Part> parts;
  for (int i = 1; i <= 90; ++i) parts.push_back(Fixed(1000 * i, fmt::format("Item {:02d}", i)));
  const StoredQuote q = Stored(parts);
  auto pdf = RenderQuotePdf(q);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  auto pages = pdf::testing::PageTexts(*pdf);
  ASSERT_TRUE(pages.ok());
  ASSERT_GE(pages->size(), 2u);
  EXPECT_THAT(pages->front(), HasSubstr("Item 01"));
  EXPECT_THAT(pages->front(), Not(HasSubstr("Item 90")));
  for (const std::string& page : *pages) EXPECT_THAT(page, HasSubstr("Description"));
  EXPECT_THAT(pages->back(), HasSubstr("Item 90"));
  EXPECT_THAT(pages->back(), HasSubstr("PRICE"));
  EXPECT_EQ(*RenderQuotePdf(q), *pdf);  // byte-identical on re-render
}

TEST(QuotePdf, DescriptionsWrapAndKeepTheirAccents) {
  const std::string long_description =
      "Caf\u00e9 sign \u2014 aluminium cabinet with a routed face, push-through acrylic letters "
      "and white LED modules, 8\u2032 \u00d7 4\u2032, double-sided, on the existing pole";
  const StoredQuote q = Stored({Fixed(50000, long_description), Fixed(100, "\u5317\u4eac")});
  auto pdf = RenderQuotePdf(q);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  auto pages = pdf::testing::PageTexts(*pdf);
  ASSERT_TRUE(pages.ok());
  const std::string& t = (*pages)[0];
  EXPECT_THAT(t, HasSubstr("Caf\u00e9 sign \u2014 aluminium"));
  EXPECT_THAT(t, HasSubstr("on the existing pole"));  // wrapped, not cut at 70 characters
  EXPECT_THAT(t, HasSubstr("??"));
}

}  // namespace
}  // namespace signx::estimating
