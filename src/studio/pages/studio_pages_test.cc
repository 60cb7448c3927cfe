// The Studio pages' templates and views: the board shows refused moves with their guard, the
// project page puts errors beside the fields, a 412 says "changed by someone else — reload",
// the elevation is to scale, and every user value renders inert.
#include "studio/pages/studio_pages.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "web/templates.h"
#include "web/testing/page_checks.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using web::View;
using web::ViewList;
using web::testing::Count;
using web::testing::ExpectInert;
using web::testing::kXss;

View Move(const std::string& to, bool allowed, const std::string& guard = "",
          const std::string& message = "") {
  View m(View::type::object);
  m.set("to", to);
  m.set("label", to);
  m.set("allowed", allowed);
  m.set("refused_by", guard);
  m.set("message", message);
  return m;
}

TEST(StudioPagesTest, BoardShowsMovesAsButtonsAndRefusedMovesWithTheirGuard) {
  View card(View::type::object);
  card.set("id", "prj_1");
  card.set("name", kXss);
  card.set("customer", kXss);
  card.set("version", "3");
  ViewList moves;
  moves.push_back(Move("estimating", false, "structure_check_passed", kXss));
  moves.push_back(Move("design", true));
  card.set("moves", moves);
  ViewList cards;
  cards.push_back(card);
  View col(View::type::object);
  col.set("status", "engineering");
  col.set("label", "Engineering");
  col.set("count", "1");
  col.set("projects", cards);
  ViewList cols;
  cols.push_back(col);
  View v(View::type::object);
  v.set("columns", cols);
  v.set("can_move", true);
  v.set("csrf_token", "tok");
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("studio_board", v);
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);
  EXPECT_NE(html->find("data-testid=\"move-prj_1-design\""), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"refused-prj_1-estimating\""), std::string::npos);
  EXPECT_NE(html->find("data-testid=\"guard-prj_1-estimating\">structure_check_passed: "),
            std::string::npos);
  EXPECT_NE(html->find("name=\"version\" value=\"3\""), std::string::npos);
  EXPECT_EQ(Count(*html, "name=\"csrf_token\" value=\"tok\""), 1);
  // A viewer sees no buttons.
  v.set("can_move", false);
  auto viewer = t.Render("studio_board", v);
  ASSERT_TRUE(viewer.ok());
  EXPECT_EQ(viewer->find("move-prj_1"), std::string::npos);
}

TEST(StudioPagesTest, BoardSearchShowsHitsWithSnippetsAndSaysWhenTheDatabaseAnswered) {
  View hit(View::type::object);
  hit.set("id", "prj_7");
  hit.set("name", kXss);
  hit.set("customer", kXss);
  hit.set("site", "Main St");
  hit.set("status", "Engineering");
  hit.set("snippet_html", "twin <mark>pylon</mark> at &lt;Main St&gt;");
  ViewList hits;
  hits.push_back(hit);
  View v(View::type::object);
  v.set("columns", ViewList{});
  v.set("q", kXss);
  v.set("searched", true);
  v.set("hits", hits);
  v.set("no_hits", false);
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("studio_board", v);
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);  // the query, name and customer are escaped
  EXPECT_NE(html->find("data-testid=\"hit-prj_7\""), std::string::npos);
  EXPECT_NE(html->find("href=\"/studio/projects/prj_7\""), std::string::npos);
  EXPECT_NE(html->find("twin <mark>pylon</mark> at &lt;Main St&gt;"), std::string::npos);
  EXPECT_EQ(html->find("search-source-database"), std::string::npos);
  // The index is being rebuilt: the page says where the matches came from; no hits: says so.
  v.set("from_database", true);
  v.set("hits", ViewList{});
  v.set("no_hits", true);
  auto fallback = t.Render("studio_board", v);
  ASSERT_TRUE(fallback.ok());
  EXPECT_NE(fallback->find("search-source-database"), std::string::npos);
  EXPECT_NE(fallback->find("No project matches."), std::string::npos);
  // Without a query: the search box only.
  View plain(View::type::object);
  plain.set("columns", ViewList{});
  auto board = t.Render("studio_board", plain);
  ASSERT_TRUE(board.ok());
  EXPECT_NE(board->find("data-testid=\"studio-search\""), std::string::npos);
  EXPECT_EQ(board->find("studio-search-results"), std::string::npos);
}

TEST(StudioPagesTest, EditorFieldsComeFromTheSchemaWithErrorsBesideThem) {
  json::object config = json::parse(R"({"wind_speed_mph": 115, "exposure": "C",
    "pole": {"diameter_in": 10.75, "wall_in": 0.365}, "isolated_pole": true})")
                            .as_object();
  View editor =
      PayloadEditorView("structure", config, {{"wind_speed_mph", "400"}},
                        {{"wind_speed_mph", "must be between 85 and 300"}, {"pole.wall_in", kXss}});
  View module(View::type::object);
  module.set("module", "structure");
  module.set("label", "Structure");
  module.set("version", "2");
  module.set("editor", editor);
  module.set("has_notice", true);
  module.set("notice", "Not saved: this payload was changed by someone else — reload.");
  ViewList modules;
  modules.push_back(module);
  View v(View::type::object);
  v.set("id", "prj_1");
  v.set("name", kXss);
  v.set("status_label", "Engineering");
  v.set("modules", modules);
  v.set("can_edit", true);
  v.set("has_moves", true);
  ViewList moves;
  moves.push_back(Move("estimating", false, "structure_check_passed", "needs a calculation"));
  v.set("moves", moves);
  ViewList events;
  View ev(View::type::object);
  ev.set("to", "Design");
  ev.set("actor", kXss);
  ev.set("data", kXss);
  events.push_back(ev);
  v.set("events", events);
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("studio_project", v);
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  ExpectInert(*html);
  // The submitted (bad) value stays in its field with the error right after it.
  const auto field =
      html->find("id=\"studio-structure-wind_speed_mph\" name=\"cfg.wind_speed_mph\"");
  ASSERT_NE(field, std::string::npos) << *html;
  EXPECT_NE(html->find("value=\"400\""), std::string::npos);
  const auto err =
      html->find("data-testid=\"field-error-cfg.wind_speed_mph\">must be between 85 and 300<");
  ASSERT_NE(err, std::string::npos);
  EXPECT_LT(field, err);
  EXPECT_NE(html->find("id=\"studio-structure-pole-diameter_in\""), std::string::npos);
  EXPECT_NE(html->find("value=\"10.75\""), std::string::npos);
  EXPECT_NE(html->find("<option value=\"C\" selected>C</option>"), std::string::npos);
  EXPECT_NE(html->find("name=\"cfg.isolated_pole\" type=\"checkbox\" checked"), std::string::npos);
  EXPECT_NE(html->find("changed by someone else — reload"), std::string::npos);
  EXPECT_NE(
      html->find("data-testid=\"guard-estimating\">structure_check_passed: needs a calculation"),
      std::string::npos);
}

// A schema field with neither a description nor a range has no hint: no empty <p class="hint">
// (kainjow mustache renders {{#hint}} for "" too). foundation.type and .rebar have none.
TEST(StudioPagesTest, FieldsWithoutAHintGetNoEmptyHintParagraph) {
  View module(View::type::object);
  module.set("module", "foundation");
  module.set("editor", PayloadEditorView("foundation", json::object{}, {}, {}));
  ViewList modules;
  modules.push_back(module);
  View v(View::type::object);
  v.set("id", "prj_1");
  v.set("modules", modules);
  v.set("can_edit", true);
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  auto html = t.Render("studio_project", v);
  ASSERT_TRUE(html.ok()) << html.status().ToString();
  EXPECT_NE(html->find("id=\"studio-foundation-rebar\""), std::string::npos) << *html;
  EXPECT_EQ(Count(*html, "<p class=\"hint\"></p>"), 0) << *html;
  EXPECT_GT(Count(*html, "<p class=\"hint\">"), 1);  // the fields that have one keep it
}

TEST(StudioPagesTest, ReportSectionOffersDownloadOnlyWhenReady) {
  auto t = web::testing::WithModuleTemplates(EmbeddedTemplates());
  View v(View::type::object);
  v.set("id", "prj_1");
  v.set("has_report", true);
  v.set("report_status", "Pending");
  v.set("report_ready", false);
  v.set("report_href", "/studio/projects/prj_1/reports/prp_1.pdf");
  v.set("can_report", true);
  auto pending = t.Render("studio_project", v);
  ASSERT_TRUE(pending.ok());
  EXPECT_NE(pending->find("data-testid=\"report-generate\""), std::string::npos);
  EXPECT_EQ(pending->find("report-download"), std::string::npos);
  v.set("report_ready", true);
  v.set("can_report", false);
  auto ready = t.Render("studio_project", v);
  ASSERT_TRUE(ready.ok());
  EXPECT_NE(
      ready->find(
          "href=\"/studio/projects/prj_1/reports/prp_1.pdf\" data-testid=\"report-download\""),
      std::string::npos);
  EXPECT_EQ(ready->find("report-generate"), std::string::npos);
}

TEST(StudioPagesTest, FormValuesBecomeTypedConfig) {
  std::map<std::string, std::string> errors;
  json::object c = ConfigFromForm("structure",
                                  {{"wind_speed_mph", "115"},
                                   {"exposure", "C"},
                                   {"pole.diameter_in", "10.75"},
                                   {"soil_class", "4"},
                                   {"embedment_ft", "ten"},
                                   {"kzt", ""}},
                                  errors);
  EXPECT_EQ(json::serialize(c.at("pole")), R"({"diameter_in":1.075E1})");
  EXPECT_EQ(c.at("soil_class").as_int64(), 4);
  EXPECT_EQ(c.at("exposure").as_string(), "C");
  EXPECT_FALSE(c.contains("kzt"));
  EXPECT_FALSE(c.at("isolated_pole").as_bool());
  EXPECT_EQ(errors["embedment_ft"], "must be a number");
  errors.clear();
  json::object g = ConfigFromForm("graphics", {{"copy", "EAT"}, {"colors", "red, , blue"}}, errors);
  EXPECT_EQ(json::serialize(g.at("colors")), R"(["red","blue"])");
  EXPECT_TRUE(errors.empty());
}

TEST(StudioPagesTest, ElevationIsDrawnToScaleWithDimensions) {
  json::object c = json::parse(R"({"sign_width_ft": 10, "sign_height_ft": 6, "top_height_ft": 25,
    "embedment_ft": 10, "footing_diameter_ft": 3, "pole": {"diameter_in": 12}})")
                       .as_object();
  View e = ElevationView(c);
  ASSERT_TRUE(e.is_object() && !e.is_empty_object());
  // 35 ft of height in 460 - 120 px: 9.71 px/ft; the sign is 10 ft wide = 97.1 px.
  auto html = web::testing::WithModuleTemplates(EmbeddedTemplates());
  View v(View::type::object);
  v.set("has_elevation", true);
  v.set("elevation", e);
  auto page = html.Render("studio_project", v);
  ASSERT_TRUE(page.ok());
  EXPECT_NE(page->find("width=\"97.1\" height=\"58.3\""), std::string::npos) << *page;
  EXPECT_NE(page->find(">B = 10 ft<"), std::string::npos);
  EXPECT_NE(page->find(">d = 10 ft<"), std::string::npos);
  EXPECT_NE(page->find(">h = 25 ft<"), std::string::npos);
  EXPECT_TRUE(ElevationView(json::parse(R"({"sign_width_ft": 10})").as_object()).is_empty_object());
}

}  // namespace
}  // namespace signx::studio
