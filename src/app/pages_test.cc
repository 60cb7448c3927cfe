// The capability pages' templates, rendered as the running app loads them (the shell's plus each
// module's embedded templates): user-provided values are escaped everywhere they appear (form
// values, validation messages, reasons, chart labels, tables, file names, CSV problems, quote
// descriptions, event subjects, webhook URLs), empty states say what to do, and polling stops
// once work is done.
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "app/activity_pages.h"
#include "estimating/pages/estimating_pages.h"
#include "leads/pages/lead_pages.h"
#include "web/templates.h"
#include "web/views.h"
#include "webhooks/pages/webhook_pages.h"

namespace signx::web {
namespace {

using estimating::CostResultView;
using leads::LeadResultView;
using leads::LeadWorklistView;
using leads::TierChartView;

// Every template the app registers (the shell's, then each module's).
Templates AllTemplates() {
  Templates t;
  t.AddEmbedded(leads::EmbeddedTemplates());
  t.AddEmbedded(estimating::EmbeddedTemplates());
  t.AddEmbedded(webhooks::EmbeddedTemplates());
  t.AddEmbedded(app::EmbeddedTemplates());
  return t;
}

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

TEST(CapabilityTemplatesTest, AllLoadAndRenderEmpty) {
  Templates t = AllTemplates();
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

  Templates t = AllTemplates();
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
  Templates t = AllTemplates();
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
    Templates t = AllTemplates();
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

  Templates t = AllTemplates();
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
  Templates t = AllTemplates();
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
  Templates t = AllTemplates();
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
  Templates t = AllTemplates();
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
  EXPECT_EQ(Attr(chart, "summary"),
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

TEST(WorkTemplatesTest, AllLoadAndEmptyStatesSayWhatToDo) {
  Templates t = AllTemplates();
  for (const char* name : {"leads_csv", "leads_csv_job", "estimating_quote", "activity"}) {
    ASSERT_TRUE(t.Has(name)) << name;
    ASSERT_TRUE(t.Render(name, View(View::type::object)).ok()) << name;
  }
  const std::string csv = *t.Render("leads_csv", View(View::type::object));
  EXPECT_NE(csv.find("signx train leads"), std::string::npos);
  EXPECT_NE(csv.find("No files scored yet"), std::string::npos);
  EXPECT_NE(t.Render("activity", View(View::type::object))->find("Nothing has happened yet"),
            std::string::npos);
}

TEST(WorkTemplatesTest, CsvPagesEscapeFileNamesAndProblems) {
  Templates t = AllTemplates();
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

TEST(WorkTemplatesTest, QuoteAndActivityEscape) {
  Templates t = AllTemplates();
  View q(View::type::object);
  q.set("id", "quo_1");
  q.set("price_list_version", kXss);
  ViewList lines;
  View line(View::type::object);
  line.set("kind", "Fixed");
  line.set("description", kXss);
  line.set("cost", "$100");
  lines.push_back(line);
  q.set("lines", lines);
  q.set("pdf_working", true);
  q.set("self_url", "/estimating/quotes/quo_1");
  auto pending = t.Render("estimating_quote", q);
  ASSERT_TRUE(pending.ok());
  ExpectInert(*pending);
  EXPECT_NE(pending->find("hx-trigger=\"every 1s\""), std::string::npos);
  EXPECT_EQ(pending->find("quote-pdf-link"), std::string::npos);
  q.set("pdf_working", false);
  q.set("pdf_ready", true);
  q.set("pdf_url", "/estimating/quotes/quo_1/pdf");
  auto ready = t.Render("estimating_quote", q);
  ASSERT_TRUE(ready.ok());
  EXPECT_NE(ready->find("data-testid=\"quote-pdf-link\""), std::string::npos);
  EXPECT_EQ(ready->find("hx-trigger"), std::string::npos);

  View a(View::type::object);
  ViewList events;
  View e(View::type::object);
  e.set("title", kXss);
  e.set("subject", kXss);
  e.set("when", "2026-11-25 10:00 UTC");
  events.push_back(e);
  a.set("events", events);
  a.set("has_events", true);
  a.set("live", true);
  a.set("stream_url", "/activity/stream?last_event_id=7");
  auto activity = t.Render("activity", a);
  ASSERT_TRUE(activity.ok());
  ExpectInert(*activity);
  EXPECT_NE(activity->find("data-live-url=\"/activity/stream?last_event_id=7\""),
            std::string::npos);
}

TEST(WorkTemplatesTest, EstimatingResultOffersAQuoteOnlyWhenAllowed) {
  Templates t = AllTemplates();
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


TEST(WorkTemplatesTest, WebhookPagesEscapeAndShowTheSecretOnce) {
  Templates t = AllTemplates();
  ASSERT_TRUE(t.Has("admin_webhooks"));
  ASSERT_TRUE(t.Has("admin_webhook"));
  auto empty = t.Render("admin_webhooks", View(View::type::object));
  ASSERT_TRUE(empty.ok());
  EXPECT_NE(empty->find("No webhooks yet"), std::string::npos);
  EXPECT_EQ(empty->find("webhook-secret"), std::string::npos);

  View v(View::type::object);
  View e(View::type::object);
  e.set("id", "whk_1");
  e.set("url", kXss);
  e.set("event_types", kXss);
  e.set("description", kXss);
  e.set("active", true);
  v.set("endpoints", ViewList{e});
  v.set("has_endpoints", true);
  v.set("form_url", kXss);
  v.set("error_url", kXss);
  v.set("has_errors", true);
  View created = e;
  created.set("secret", "whsec_abc");
  v.set("created", created);
  v.set("has_created", true);
  auto html = t.Render("admin_webhooks", v);
  ASSERT_TRUE(html.ok());
  ExpectInert(*html);
  EXPECT_NE(html->find("value=\"whsec_abc\""), std::string::npos);
  EXPECT_NE(html->find("aria-describedby=\"webhook-url-error\""), std::string::npos);

  View d(View::type::object);
  d.set("endpoint", e);
  View delivery(View::type::object);
  delivery.set("id", "whd_1");
  delivery.set("event_type", kXss);
  View attempt(View::type::object);
  attempt.set("error", kXss);
  attempt.set("response", kXss);
  delivery.set("attempt_log", ViewList{attempt});
  delivery.set("has_attempts", true);
  d.set("deliveries", ViewList{delivery});
  d.set("has_deliveries", true);
  auto detail = t.Render("admin_webhook", d);
  ASSERT_TRUE(detail.ok());
  ExpectInert(*detail);
  EXPECT_NE(detail->find("/admin/webhooks/deliveries/whd_1/redeliver"), std::string::npos);
}

}  // namespace
}  // namespace signx::web
