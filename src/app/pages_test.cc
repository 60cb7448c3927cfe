// Every module's templates loaded together, as the running app loads them (the shell's plus each
// capability's embedded templates): none collides, each renders empty with a state that says
// what to do, and pages that mix modules (a quote's PDF job, the activity feed) escape their
// values. Each module's own page tests live beside its pages (leads/pages, estimating/pages,
// webhooks/pages).
#include <gtest/gtest.h>

#include <regex>
#include <string>

#include "app/activity_pages.h"
#include "estimating/pages/estimating_pages.h"
#include "leads/pages/lead_pages.h"
#include "web/templates.h"
#include "web/testing/page_checks.h"
#include "web/views.h"
#include "webhooks/pages/webhook_pages.h"

namespace signx::web {
namespace {

using testing::Attr;
using testing::ExpectInert;
using testing::kXss;

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

}  // namespace
}  // namespace signx::web
