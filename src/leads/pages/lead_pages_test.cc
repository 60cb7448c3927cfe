// The Leads pages' templates and views: user-provided values are escaped everywhere they appear
// (form values, validation messages, reasons, chart labels, file names, CSV problems), the
// worklist's filters and pager, the tier chart.
#include "leads/pages/lead_pages.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>

#include "web/templates.h"
#include "web/testing/page_checks.h"

namespace signx::leads {
namespace {

using web::Templates;
using web::View;
using web::ViewList;
using web::testing::Attr;
using web::testing::Count;
using web::testing::ExpectInert;
using web::testing::FieldView;
using web::testing::kXss;

TEST(CapabilityTemplatesTest, LeadsPageEscapesFormValuesErrorsAndReasons) {
  LeadScore score;
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

  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
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
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
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
    Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
    return *t.Render("leads_models", v);
  };
  const std::string admin = render(true);
  ExpectInert(admin);
  EXPECT_NE(admin.find("data-testid=\"promote\""), std::string::npos);
  EXPECT_EQ(render(false).find("data-testid=\"promote\""), std::string::npos);
}

TEST(CapabilityTemplatesTest, WorklistShowsLeadsEscapedFiltersSelectedAndTheNextPage) {
  WorklistQuery q;
  q.tiers = {'A', 'B'};
  q.outcome = "none";
  WorklistPage page;
  page.items.push_back(
      {.lead_id = kXss, .score = 0.873, .bucket = 5, .tier = "A", .model_version = "leads-v1"});
  page.items.push_back({.lead_id = "L-2",
                        .score = 0.5,
                        .bucket = 3,
                        .tier = "C",
                        .model_version = "leads-v1",
                        .converted = false});
  page.next_cursor = "30a7c";
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
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

TEST(CapabilityTemplatesTest, LeadPageShowsWhoItIsEscapedWithReasonsHistoryAndOutcomeButtons) {
  LeadDetail d;
  d.lead = {.lead_id = kXss, .score = 0.42, .bucket = 3, .tier = "C", .model_version = "leads-v2"};
  d.lead.display = boost::json::object{{"contact", kXss}, {"company", "Acme Signs"}};
  d.lead.reasons = boost::json::array{boost::json::object{{"field", "source"}, {"text", kXss}}};
  d.history.push_back({.model_version = "leads-v2", .score = 0.42, .tier = "C"});
  d.history.push_back({.model_version = "leads-v1", .score = 0.61, .tier = "B"});
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("leads_lead", LeadView(d, /*can_record=*/true));
  ASSERT_TRUE(html.ok());
  ExpectInert(*html);
  EXPECT_NE(html->find("Acme Signs"), std::string::npos);
  EXPECT_EQ(Count(*html, "<li>"), 1);                  // the reason
  EXPECT_NE(html->find("61.0 %"), std::string::npos);  // the older score in the history
  EXPECT_NE(html->find("data-testid=\"mark-converted\""), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"mark-lost\""), std::string::npos);
  // The form posts to the lead's URL with its id encoded.
  EXPECT_NE(html->find("action=\"/leads/worklist/%3C"), std::string::npos) << *html;
  auto read_only = t.Render("leads_lead", LeadView(d, /*can_record=*/false));
  ASSERT_TRUE(read_only.ok());
  EXPECT_EQ(read_only->find("data-testid=\"outcome-form\""), std::string::npos);
}

// A lead scored without display fields (no name, company, ...) is named by its id: its summary
// is empty, and kainjow mustache would render {{#summary}} for "" (an empty heading and link).
TEST(CapabilityTemplatesTest, ALeadWithoutDisplayFieldsIsNamedByItsId) {
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  LeadDetail d;
  d.lead = {.lead_id = "L-7", .score = 0.42, .bucket = 3, .tier = "C", .model_version = "leads-v2"};
  auto lead = t.Render("leads_lead", LeadView(d, /*can_record=*/false));
  ASSERT_TRUE(lead.ok());
  EXPECT_NE(lead->find("<h2>Lead L-7</h2>"), std::string::npos) << *lead;
  WorklistPage page;
  page.items.push_back(d.lead);
  auto list = t.Render("leads_worklist", LeadWorklistView({}, page, true));
  ASSERT_TRUE(list.ok());
  EXPECT_NE(list->find("<a href=\"/leads/worklist/L-7\">L-7</a>"), std::string::npos) << *list;
  EXPECT_EQ(list->find("<br><small><code>L-7</code></small>"), std::string::npos) << *list;
}

TEST(CapabilityTemplatesTest, EmptyWorklistSaysWhetherFiltersHideLeadsOrNoneWasScored) {
  WorklistQuery q;
  q.outcome = "none";
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto none_yet = t.Render("leads_worklist", LeadWorklistView(q, {}, false));
  ASSERT_TRUE(none_yet.ok());
  EXPECT_NE(none_yet->find("No lead has been scored"), std::string::npos);
  auto hidden = t.Render("leads_worklist", LeadWorklistView(q, {}, true));
  ASSERT_TRUE(hidden.ok());
  EXPECT_NE(hidden->find("No scored lead matches these filters"), std::string::npos);
}

TEST(TierChartTest, OneBarPerTierWithCountAndShare) {
  View chart = TierChartView({2, 6, 0, 1, 1});
  const auto& rows = chart.get("rows")->list_value();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(Attr(rows[0], "label"), "Tier A");
  EXPECT_EQ(Attr(rows[0], "value_text"), "2 (20 %)");
  EXPECT_EQ(Attr(rows[1], "value_text"), "6 (60 %)");
  EXPECT_EQ(Attr(rows[1], "bar_width"), "350.0");  // the largest fills the plot
  EXPECT_EQ(Attr(rows[2], "bar_width"), "1.0");
  EXPECT_EQ(
      Attr(chart, "summary"),
      "Tier A: 2 (20 %); Tier B: 6 (60 %); Tier C: 0 (0 %); Tier D: 1 (10 %); Tier E: 1 (10 %)");
  View none = TierChartView({0, 0, 0, 0, 0});
  EXPECT_EQ(Attr(none.get("rows")->list_value()[0], "value_text"), "0 (0 %)");
}

View Problem(const std::string& where, const std::string& field, const std::string& message) {
  View p(View::type::object);
  p.set("where", where);
  p.set("field", field);
  p.set("has_field", !field.empty());
  p.set("message", message);
  return p;
}

TEST(WorkTemplatesTest, CsvPagesEscapeFileNamesAndProblems) {
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  View v(View::type::object);
  v.set("has_model", true);
  v.set("can_score", true);
  v.set("has_problems", true);
  ViewList problems;
  problems.push_back(Problem("Row 3", kXss, kXss));
  v.set("problems", problems);
  ViewList jobs;
  View job(View::type::object);
  job.set("id", "job_1");
  job.set("filename", kXss);
  jobs.push_back(job);
  v.set("jobs", jobs);
  v.set("has_jobs", true);
  v.set("required_columns", ViewList{View(std::string(kXss))});
  auto html = t.Render("leads_csv", v);
  ASSERT_TRUE(html.ok());
  ExpectInert(*html);
  EXPECT_NE(html->find("enctype=\"multipart/form-data\""), std::string::npos);
  EXPECT_NE(html->find("name=\"csrf_token\""), std::string::npos);

  View j(View::type::object);
  j.set("id", "job_1");
  j.set("filename", kXss);
  j.set("model_version", kXss);
  j.set("working", true);
  j.set("progress", "40");
  auto running = t.Render("leads_csv_job", j);
  ASSERT_TRUE(running.ok());
  ExpectInert(*running);
  EXPECT_NE(running->find("hx-trigger=\"every 1s\""), std::string::npos);
  EXPECT_NE(running->find("value=\"40\""), std::string::npos);
  EXPECT_EQ(running->find("csv-download"), std::string::npos);

  j.set("working", false);
  j.set("done", true);
  j.set("has_result", true);
  j.set("download_url", "/leads/csv/job_1/download");
  j.set("download_name", kXss);
  j.set("has_scored", true);
  j.set("chart", TierChartView({1, 0, 0, 0, 0}));
  j.set("has_problems", true);
  j.set("problems", problems);
  auto done = t.Render("leads_csv_job", j);
  ASSERT_TRUE(done.ok());
  ExpectInert(*done);
  EXPECT_EQ(done->find("hx-trigger"), std::string::npos);  // polling stops
  EXPECT_NE(done->find("data-testid=\"csv-download\""), std::string::npos);
  EXPECT_NE(done->find("data-testid=\"csv-tier-chart\""), std::string::npos);
}

}  // namespace
}  // namespace signx::leads
