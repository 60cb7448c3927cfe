// The Estimating pages' templates and views: spec values, validation messages, the result, the
// project list and the quote offer are escaped, and edit actions appear only when allowed.
#include <gtest/gtest.h>

#include <string>

#include "estimating/pages/estimating_pages.h"
#include "web/templates.h"
#include "web/testing/page_checks.h"

namespace signx::estimating {
namespace {

using web::Templates;
using web::View;
using web::ViewList;
using web::testing::Attr;
using web::testing::Count;
using web::testing::ExpectInert;
using web::testing::FieldView;
using web::testing::kXss;

TEST(CapabilityTemplatesTest, EstimatingPageEscapesSpecValuesAndResult) {
  CostPrediction p;
  p.cost_cents = 1234500;
  p.p10_cents = 1000000;
  p.p90_cents = 1500000;
  p.confidence = 0.8;
  p.anomaly_score = 0.25;
  p.model_version = "cost-abc";
  p.drivers = {{"finish", kXss, 120000, 0.1}, {"sign_area_sqft", "32", -45000, -0.05}};
  p.similar = {{kXss, "2025-01-02", "monument", 96, 48, 1100000, 0.5}};
  p.assumptions = {kXss};
  p.requires_engineering_review = true;
  p.engineering_review_reason = kXss;

  View v(View::type::object);
  v.set("has_model", true);
  ViewList fields;
  fields.push_back(FieldView("finish", kXss, kXss, false));
  fields.push_back(FieldView("sign_type", kXss, "", true));
  v.set("fields", fields);
  v.set("has_errors", true);
  v.set("has_result", true);
  v.set("result", CostResultView(p));

  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("estimating_index", v);
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);
  EXPECT_NE(html->find("data-testid=\"cost-predicted\">$12,345<"), std::string::npos);
  EXPECT_NE(html->find("<strong>$10,000</strong> to <strong>$15,000</strong>"), std::string::npos);
  EXPECT_EQ(Count(*html, "<rect class=\"bar bar-up\""), 1);
  EXPECT_EQ(Count(*html, "<rect class=\"bar bar-down\""), 1);
  EXPECT_NE(html->find(">+$1,200</text>"), std::string::npos);
  EXPECT_NE(html->find(">-$450</text>"), std::string::npos);
  EXPECT_NE(html->find("96 × 48 in"), std::string::npos);
  EXPECT_NE(html->find("id=\"x-finish-error\""), std::string::npos);
}

TEST(CapabilityTemplatesTest, ProjectsPageEscapesProjectFieldsAndLinks) {
  View row(View::type::object);
  row.set("name", kXss);
  row.set("customer", kXss);
  row.set("location", kXss);
  ViewList rows;
  rows.push_back(row);
  View v(View::type::object);
  v.set("has_projects", true);
  v.set("projects", rows);
  v.set("has_pager", true);
  v.set("has_next", true);
  v.set("next_url", "/estimating/projects?cursor=prj_1\"><script>");
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("estimating_projects", v);
  ASSERT_TRUE(html.ok());
  ExpectInert(*html);
  EXPECT_EQ(html->find("\"><script>"), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"next-page\""), std::string::npos);
}

TEST(WorkTemplatesTest, EstimatingResultOffersAQuoteOnlyWhenAllowed) {
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  View v(View::type::object);
  v.set("has_model", true);
  v.set("has_result", true);
  View result(View::type::object);
  result.set("cost", "$1,000");
  v.set("result", result);
  v.set("quote_description", kXss);
  v.set("can_quote", false);
  auto viewer = t.Render("estimating_index", v);
  ASSERT_TRUE(viewer.ok());
  EXPECT_EQ(viewer->find("quote-form"), std::string::npos);
  v.set("can_quote", true);
  auto member = t.Render("estimating_index", v);
  ASSERT_TRUE(member.ok());
  EXPECT_NE(member->find("data-testid=\"quote-form\""), std::string::npos);
  ExpectInert(*member);
}


}  // namespace
}  // namespace signx::estimating
