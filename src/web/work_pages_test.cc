// The CSV scoring, quote and activity pages: multipart parsing, the tier chart, and that every
// user-provided value (file names, CSV cell problems, quote descriptions, event subjects) is
// escaped in the templates; polling stops once the work is done.
#include <gtest/gtest.h>

#include <string>

#include "web/internal/work_pages.h"
#include "web/multipart.h"
#include "web/templates.h"

namespace signx::web {
namespace {

constexpr char kXss[] = "<script>window.__xss=1</script>\"><img src=x onerror=alert(1)>'";

void ExpectInert(const std::string& html) {
  EXPECT_EQ(html.find("<script>window"), std::string::npos);
  EXPECT_EQ(html.find("<img src=x"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;window.__xss=1&lt;/script&gt;"), std::string::npos);
}

std::string Attr(const View& row, const std::string& key) {
  const View* v = row.get(key);
  return v && v->is_string() ? v->string_value() : "";
}

TEST(MultipartTest, SplitsFieldsAndFiles) {
  const std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
      "tok123\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"my \\\"leads\\\".csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n"
      "a,b\r\n1,2\r\n\r\n"
      "--XyZ--\r\n";
  auto boundary = MultipartBoundary("multipart/form-data; boundary=XyZ");
  ASSERT_TRUE(boundary);
  EXPECT_EQ(*boundary, "XyZ");
  auto parts = ParseMultipart(body, *boundary);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "csrf_token");
  EXPECT_FALSE((*parts)[0].filename.has_value());
  EXPECT_EQ((*parts)[0].data, "tok123");
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ((*parts)[1].filename.value_or(""), "my \"leads\".csv");
  EXPECT_EQ((*parts)[1].content_type, "text/csv");
  EXPECT_EQ((*parts)[1].data, "a,b\r\n1,2\r\n");  // the CRLF before the delimiter is not data
}

TEST(MultipartTest, BoundaryFromQuotedParameterAndRejections) {
  EXPECT_EQ(MultipartBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"").value_or(""),
            "a b");
  EXPECT_FALSE(MultipartBoundary("application/x-www-form-urlencoded"));
  EXPECT_FALSE(MultipartBoundary("multipart/form-data"));
  EXPECT_FALSE(ParseMultipart("no delimiter here", "B").ok());
  EXPECT_FALSE(
      ParseMultipart("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", "B")
          .ok());
  EXPECT_FALSE(ParseMultipart("--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--", "B").ok());
  std::string many;
  for (int i = 0; i < 5; ++i) many += "--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n";
  many += "--B--";
  EXPECT_TRUE(ParseMultipart(many, "B", 5).ok());
  EXPECT_FALSE(ParseMultipart(many, "B", 4).ok());
}

TEST(TierChartTest, OneBarPerTierWithCountAndShare) {
  View chart = internal::TierChartView({2, 6, 0, 1, 1});
  const auto& rows = chart.get("rows")->list_value();
  ASSERT_EQ(rows.size(), 5u);
  EXPECT_EQ(Attr(rows[0], "label"), "Tier A");
  EXPECT_EQ(Attr(rows[0], "value_text"), "2 (20 %)");
  EXPECT_EQ(Attr(rows[1], "value_text"), "6 (60 %)");
  EXPECT_EQ(Attr(rows[1], "bar_width"), "350.0");  // the largest fills the plot
  EXPECT_EQ(Attr(rows[2], "bar_width"), "1.0");
  EXPECT_EQ(Attr(chart, "summary"),
            "Tier A: 2 (20 %); Tier B: 6 (60 %); Tier C: 0 (0 %); Tier D: 1 (10 %); Tier E: 1 (10 %)");
  View none = internal::TierChartView({0, 0, 0, 0, 0});
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
  Templates t;
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
  Templates t;
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
  j.set("chart", internal::TierChartView({1, 0, 0, 0, 0}));
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
  Templates t;
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
  Templates t;
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
  Templates t;
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
