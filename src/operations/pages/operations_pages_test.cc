// The Operations pages' templates and views: item, alert and batch fields are escaped, actions
// appear only when allowed, and the demand chart's geometry follows the data.
#include "operations/pages/operations_pages.h"

#include <gtest/gtest.h>

#include <string>

#include "web/templates.h"
#include "web/testing/page_checks.h"

namespace signx::operations {
namespace {

using web::Templates;
using web::View;
using web::ViewList;
using web::testing::Count;
using web::testing::ExpectInert;
using web::testing::kXss;

TEST(OperationsPagesTest, DemandChartPlotsHistoryForecastAndBand) {
  std::vector<DayQuantity> history = {{"2026-11-17", 0}, {"2026-11-18", 10}, {"2026-11-19", 20}};
  ItemForecast f;
  f.points = {{.step = 1, .day = "2026-11-20", .point = 15, .lower = 10, .upper = 30},
              {.step = 2, .day = "2026-11-21", .point = 15, .lower = 5, .upper = 40}};
  View v = DemandChartView(history, f);
  // 5 days across x 48..708; y: 0 at 226, max 44 (40 × 1.1) at 14.
  EXPECT_EQ(v.get("history_points")->string_value(), "48.0,226.0 213.0,177.8 378.0,129.6");
  EXPECT_EQ(v.get("forecast_points")->string_value(), "378.0,129.6 543.0,153.7 708.0,153.7");
  EXPECT_EQ(v.get("band_points")->string_value(), "543.0,81.5 708.0,33.3 708.0,201.9 543.0,177.8");
  EXPECT_EQ(v.get("today_x")->string_value(), "543.0");
  EXPECT_EQ(v.get("first_day")->string_value(), "2026-11-17");
  EXPECT_EQ(v.get("last_day")->string_value(), "2026-11-21");
  EXPECT_TRUE(v.get("has_forecast")->is_true());
  // Without a forecast: history only, no band.
  View h = DemandChartView(history, std::nullopt);
  EXPECT_FALSE(h.get("has_forecast")->is_true());
  EXPECT_EQ(h.get("band_points")->string_value(), "");
  EXPECT_NE(h.get("summary")->string_value().find("No forecast yet"), std::string::npos);
}

TEST(OperationsPagesTest, ItemPageEscapesFieldsAndDrawsTheChart) {
  View v(View::type::object);
  for (const char* k :
       {"sku", "name", "unit", "category", "on_hand", "counted_at", "model", "notes"}) {
    v.set(k, kXss);
  }
  std::vector<DayQuantity> history = {{"2026-11-18", 4}, {"2026-11-19", 6}};
  ItemForecast f;
  f.points = {{.step = 1, .day = "2026-11-20", .point = 5, .lower = 3, .upper = 8}};
  v.set("chart", DemandChartView(history, f));
  v.set("has_forecast", true);
  View alert(View::type::object);
  alert.set("rule", kXss);
  alert.set("message", kXss);
  ViewList alerts;
  alerts.push_back(alert);
  v.set("alerts", alerts);
  v.set("has_alerts", true);
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("operations_item", v);
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);
  EXPECT_EQ(Count(*html, "<polyline class=\"history-line\""), 1);
  EXPECT_EQ(Count(*html, "<polyline class=\"forecast-line\""), 1);
  EXPECT_EQ(Count(*html, "<polygon class=\"forecast-band\""), 1);
  EXPECT_NE(html->find("data-testid=\"demand-chart\""), std::string::npos);
}

TEST(OperationsPagesTest, AlertActionsOnlyWhenAllowed) {
  auto render = [](bool can_ack, bool can_resolve) {
    View a(View::type::object);
    a.set("id", "alr_1");
    a.set("sku", kXss);
    a.set("message", kXss);
    a.set("acknowledged", "");  // as AlertRow sets it for an alert nobody acknowledged
    a.set("resolved", "");
    a.set("can_acknowledge", can_ack);
    a.set("can_resolve", can_resolve);
    ViewList list;
    list.push_back(a);
    View v(View::type::object);
    v.set("alerts", list);
    v.set("has_alerts", true);
    v.set("csrf_token", "tok");
    Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
    auto html = t.Render("operations_alerts", v);
    EXPECT_TRUE(html.ok());
    return html.value_or("");
  };
  const std::string viewer = render(false, false);
  ExpectInert(viewer);
  EXPECT_EQ(Count(viewer, "data-testid=\"acknowledge\""), 0);
  EXPECT_EQ(Count(viewer, "data-testid=\"resolve\""), 0);
  EXPECT_EQ(viewer.find("acknowledged"), std::string::npos);  // not yet: no empty "acknowledged ;"
  const std::string member = render(true, true);
  EXPECT_EQ(Count(member, "action=\"/operations/alerts/alr_1/acknowledge\""), 1);
  EXPECT_EQ(Count(member, "action=\"/operations/alerts/alr_1/resolve\""), 1);
  EXPECT_EQ(Count(member, "name=\"csrf_token\" value=\"tok\""), 2);
}

TEST(OperationsPagesTest, BatchPageShowsTheErrorReportEscaped) {
  View v(View::type::object);
  v.set("filename", kXss);
  v.set("status", "Rejected");
  v.set("rejected", true);
  v.set("message", kXss);
  View e(View::type::object);
  e.set("row", "3");
  e.set("field", kXss);
  e.set("rule", kXss);
  ViewList errors;
  errors.push_back(e);
  v.set("errors", errors);
  v.set("has_errors", true);
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("operations_batch", v);
  ASSERT_TRUE(html.ok());
  ExpectInert(*html);
  EXPECT_NE(html->find("<td>3</td>"), std::string::npos);
  EXPECT_NE(html->find("Nothing was applied"), std::string::npos);
  for (const char* name : {"operations_items", "operations_ingest"}) {
    View empty(View::type::object);
    empty.set("q", kXss);
    empty.set("has_problem", true);
    empty.set("problem", kXss);
    auto page = t.Render(name, empty);
    ASSERT_TRUE(page.ok()) << name;
    ExpectInert(*page);
  }
}

TEST(OperationsPagesTest, ItemsListShowsStockAndFlagsLowItems) {
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  ViewList rows;
  for (bool low : {true, false}) {
    View r(View::type::object);
    r.set("id", low ? "itm_low" : "itm_ok");
    r.set("sku", kXss);
    r.set("on_hand", low ? "3" : "300");
    r.set("low", low);
    rows.push_back(r);
  }
  View v(View::type::object);
  v.set("items", rows);
  v.set("has_items", true);
  auto html = t.Render("operations_items", v);
  ASSERT_TRUE(html.ok());
  ExpectInert(*html);
  EXPECT_EQ(Count(*html, "data-testid=\"below-safety\""), 1);
  EXPECT_NE(html->find("<td>3 <strong"), std::string::npos);
  EXPECT_NE(html->find("href=\"/operations/items/itm_ok\""), std::string::npos);
}

TEST(OperationsPagesTest, ForecastNowOnlyForWriters) {
  Templates t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  for (bool can : {false, true}) {
    View v(View::type::object);
    v.set("can_forecast", can);
    v.set("csrf_token", "tok");
    v.set("has_run", true);
    v.set("run_status", kXss);
    auto html = t.Render("operations_items", v);
    ASSERT_TRUE(html.ok());
    ExpectInert(*html);
    EXPECT_EQ(Count(*html, "action=\"/operations/forecast-runs\""), can ? 1 : 0);
  }
}

}  // namespace
}  // namespace signx::operations
