// The Leads and Estimating pages' templates: user-provided values are escaped everywhere they
// appear (form values, validation messages, reasons, chart labels, tables), and the SVG bar chart
// geometry.
#include "web/capability_pages.h"

#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "web/templates.h"

namespace signx::web {
namespace {

constexpr char kXss[] = "<script>window.__xss=1</script>\"><img src=x onerror=alert(1)>'";

// No markup from the payload survived: neither tag opens, and the text is there escaped.
void ExpectInert(const std::string& html) {
  EXPECT_EQ(html.find("<script>window"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;window.__xss=1&lt;/script&gt;"), std::string::npos);
}

int Count(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto pos = text.find(needle); pos != std::string::npos; pos = text.find(needle, pos + 1)) {
    ++n;
  }
  return n;
}

std::string Attr(const View& row, const std::string& key) {
  const View* v = row.get(key);
  return v && v->is_string() ? v->string_value() : "";
}

TEST(BarChartTest, MixedSignsShareAZeroLineInTheMiddle) {
  View chart = BarChartView({{"Lead source = Reference", 2.0, "+2.00"},
                             {"Total visits = 1", -1.0, "-1.00"},
                             {"Country = India", 0.5, "+0.50"}});
  const std::string zero = Attr(chart, "zero_x");
  EXPECT_EQ(zero, "485.0");
  const auto& rows = chart.get("rows")->list_value();
  ASSERT_EQ(rows.size(), 3u);
  // The largest |value| fills half the plot (175 px); the others are proportional.
  EXPECT_EQ(Attr(rows[0], "bar_x"), "485.0");
  EXPECT_EQ(Attr(rows[0], "bar_width"), "175.0");
  EXPECT_EQ(Attr(rows[1], "bar_x"), "397.5");  // ends at the zero line
  EXPECT_EQ(Attr(rows[1], "bar_width"), "87.5");
  EXPECT_EQ(Attr(rows[2], "bar_width"), "43.8");
  EXPECT_TRUE(rows[0].get("positive")->is_true());
  EXPECT_TRUE(rows[1].get("positive")->is_false());
  EXPECT_EQ(Attr(rows[1], "value_anchor"), "end");
  EXPECT_EQ(Attr(rows[1], "value_x"), "391.5");
  // Rows stack downwards.
  EXPECT_EQ(Attr(rows[0], "y"), "8.0");
  EXPECT_EQ(Attr(rows[1], "y"), "40.0");
  EXPECT_EQ(Attr(chart, "height"), "112");
  EXPECT_EQ(Attr(chart, "summary"),
            "Lead source = Reference: +2.00; Total visits = 1: -1.00; Country = India: +0.50");
}

TEST(BarChartTest, AllPositiveStartsAtTheLeftAndLongLabelsAreShortened) {
  const std::string long_label(80, 'x');
  View chart = BarChartView({{long_label, 10, "$10"}, {"b", 0, "$0"}});
  EXPECT_EQ(Attr(chart, "zero_x"), "310.0");
  const auto& rows = chart.get("rows")->list_value();
  EXPECT_EQ(Attr(rows[0], "bar_width"), "350.0");
  EXPECT_EQ(Attr(rows[1], "bar_width"), "1.0");  // a zero bar stays visible as a hairline
  EXPECT_EQ(Attr(rows[0], "label"), std::string(40, 'x') + "…");
  EXPECT_EQ(Attr(rows[0], "full_label"), long_label);
}

TEST(BarChartTest, ALongNegativeBarHasItsValueRightOfTheZeroLine) {
  View chart = BarChartView({{"up", 1, "+1"}, {"down", -1, "-1"}});
  const auto& rows = chart.get("rows")->list_value();
  EXPECT_EQ(Attr(rows[1], "bar_x"), "310.0");
  EXPECT_EQ(Attr(rows[1], "value_x"), "491.0");
  EXPECT_EQ(Attr(rows[1], "value_anchor"), "start");
}

TEST(BarChartTest, EmptyAndNonFiniteValues) {
  View empty = BarChartView({});
  EXPECT_TRUE(empty.get("has_rows")->is_false());
  View odd = BarChartView({{"nan", std::nan(""), "?"}});
  EXPECT_EQ(Attr(odd.get("rows")->list_value()[0], "bar_width"), "1.0");
}

TEST(FormatDollarsTest, RoundsAndGroups) {
  EXPECT_EQ(FormatDollars(0), "$0");
  EXPECT_EQ(FormatDollars(149), "$1");
  EXPECT_EQ(FormatDollars(150), "$2");
  EXPECT_EQ(FormatDollars(1234567890), "$12,345,679");
  EXPECT_EQ(FormatDollars(-120000), "-$1,200");
  EXPECT_EQ(FormatDollars(-10), "$0");
}

TEST(CapabilityTemplatesTest, AllLoadAndRenderEmpty) {
  Templates t;
  for (const char* name : {"leads_index", "leads_models", "leads_worklist", "estimating_index",
                           "estimating_projects"}) {
    ASSERT_TRUE(t.Has(name)) << name;
    auto html = t.Render(name, View(View::type::object));
    ASSERT_TRUE(html.ok()) << name;
  }
  // Empty states tell the user what to do.
  EXPECT_NE(t.Render("leads_index", View(View::type::object))->find("signx train leads"),
            std::string::npos);
  EXPECT_NE(t.Render("estimating_index", View(View::type::object))->find("signx demo seed"),
            std::string::npos);
  EXPECT_NE(
      t.Render("estimating_projects", View(View::type::object))->find("signx import cost-records"),
      std::string::npos);
}

View FieldView(const std::string& name, const std::string& value, const std::string& error,
               bool select) {
  View f(View::type::object);
  f.set("name", name);
  f.set("input_id", "x-" + name);
  f.set("label", name);
  f.set("value", value);
  f.set("is_select", select);
  if (!error.empty()) f.set("error", error);
  if (select) {
    ViewList options;
    View o(View::type::object);
    o.set("value", value);
    o.set("text", value);
    o.set("selected", true);
    options.push_back(o);
    f.set("options", options);
  }
  return f;
}

TEST(CapabilityTemplatesTest, LeadsPageEscapesFormValuesErrorsAndReasons) {
  leads::LeadScore score;
  score.lead_id = kXss;
  score.score = 0.873;
  score.bucket = 5;
  score.tier = 'A';
  score.model_version = "leads-0123456789ab";
  score.reasons = {{"lead_source", std::string("Lead Source = ") + kXss + ": +0.84", 0.84},
                   {"total_visits", "Total Visits = 0: -0.31", -0.31}};
  View v(View::type::object);
  v.set("has_model", true);
  v.set("can_score", true);
  v.set("model_version", "leads-0123456789ab");
  ViewList fields;
  fields.push_back(FieldView("lead_id", kXss, kXss, false));
  fields.push_back(FieldView("country", kXss, "", true));
  v.set("fields", fields);
  v.set("has_errors", true);
  ViewList other;
  View e(View::type::object);
  e.set("field", kXss);
  e.set("message", kXss);
  other.push_back(e);
  v.set("has_other_errors", true);
  v.set("other_errors", other);
  v.set("has_result", true);
  v.set("result", LeadResultView(score));
  v.set("csrf_token", "abc");

  Templates t;
  auto html = t.Render("leads_index", v);
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);
  EXPECT_NE(html->find("data-testid=\"lead-tier\">A<"), std::string::npos);
  EXPECT_NE(html->find("87.3 %"), std::string::npos);
  // The chart: one bar per reason, the reason's trailing number moved to the value column.
  EXPECT_NE(html->find("<svg class=\"bar-chart\""), std::string::npos);
  EXPECT_EQ(Count(*html, "<rect class=\"bar bar-up\""), 1);
  EXPECT_EQ(Count(*html, "<rect class=\"bar bar-down\""), 1);
  EXPECT_NE(html->find(">+0.84</text>"), std::string::npos);
  EXPECT_NE(html->find(">Total Visits = 0</text>"), std::string::npos);
  // Field-level error beside its field, and the CSRF field.
  EXPECT_NE(html->find("id=\"x-lead_id-error\""), std::string::npos);
  EXPECT_NE(html->find("name=\"csrf_token\" value=\"abc\""), std::string::npos);
}

TEST(CapabilityTemplatesTest, LeadsPageHidesTheFormWithoutScorePermission) {
  View v(View::type::object);
  v.set("has_model", true);
  v.set("can_score", false);
  Templates t;
  auto html = t.Render("leads_index", v);
  ASSERT_TRUE(html.ok());
  EXPECT_EQ(html->find("lead-score-form"), std::string::npos);
  EXPECT_NE(html->find("leads-read-only"), std::string::npos);
}

TEST(CapabilityTemplatesTest, ModelsPageEscapesAndShowsPromoteOnlyWhenAllowed) {
  auto render = [](bool can_promote) {
    View m(View::type::object);
    m.set("version", kXss);
    m.set("state", "staging");
    m.set("created_by", kXss);
    m.set("card_summary", kXss);
    m.set("can_promote", can_promote);
    ViewList list;
    list.push_back(m);
    View v(View::type::object);
    v.set("has_versions", true);
    v.set("versions", list);
    Templates t;
    return *t.Render("leads_models", v);
  };
  const std::string admin = render(true);
  ExpectInert(admin);
  EXPECT_NE(admin.find("data-testid=\"promote\""), std::string::npos);
  EXPECT_EQ(render(false).find("data-testid=\"promote\""), std::string::npos);
}

TEST(CapabilityTemplatesTest, EstimatingPageEscapesSpecValuesAndResult) {
  estimating::CostPrediction p;
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

  Templates t;
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
  Templates t;
  auto html = t.Render("estimating_projects", v);
  ASSERT_TRUE(html.ok());
  ExpectInert(*html);
  EXPECT_EQ(html->find("\"><script>"), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"next-page\""), std::string::npos);
}

TEST(CapabilityTemplatesTest, WorklistShowsLeadsEscapedFiltersSelectedAndTheNextPage) {
  leads::WorklistQuery q;
  q.tiers = {'A', 'B'};
  q.outcome = "none";
  leads::WorklistPage page;
  page.items.push_back(
      {.lead_id = kXss, .score = 0.873, .bucket = 5, .tier = "A", .model_version = "leads-v1"});
  page.items.push_back({.lead_id = "L-2",
                        .score = 0.5,
                        .bucket = 3,
                        .tier = "C",
                        .model_version = "leads-v1",
                        .converted = false});
  page.next_cursor = "30a7c";
  Templates t;
  auto html = t.Render("leads_worklist", LeadWorklistView(q, page, true));
  ASSERT_TRUE(html.ok());
  ExpectInert(*html);
  EXPECT_EQ(Count(*html, "data-testid=\"worklist-lead\""), 2);
  EXPECT_NE(html->find("87.3 %"), std::string::npos);
  EXPECT_NE(html->find(">lost<"), std::string::npos);
  EXPECT_NE(html->find(">open<"), std::string::npos);
  EXPECT_NE(html->find("<option value=\"A,B\" selected>"), std::string::npos);
  EXPECT_NE(html->find("<option value=\"none\" selected>"), std::string::npos);
  EXPECT_NE(html->find("href=\"/leads/worklist?outcome=none&amp;tier=A%2CB&amp;cursor=30a7c\""),
            std::string::npos)
      << *html;
  EXPECT_EQ(html->find("data-testid=\"first-page\""), std::string::npos);
}

TEST(CapabilityTemplatesTest, EmptyWorklistSaysWhetherFiltersHideLeadsOrNoneWasScored) {
  leads::WorklistQuery q;
  q.outcome = "none";
  Templates t;
  auto none_yet = t.Render("leads_worklist", LeadWorklistView(q, {}, false));
  ASSERT_TRUE(none_yet.ok());
  EXPECT_NE(none_yet->find("No lead has been scored"), std::string::npos);
  auto hidden = t.Render("leads_worklist", LeadWorklistView(q, {}, true));
  ASSERT_TRUE(hidden.ok());
  EXPECT_NE(hidden->find("No scored lead matches these filters"), std::string::npos);
}

}  // namespace
}  // namespace signx::web
