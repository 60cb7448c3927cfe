// The shell's view helpers: SVG bar chart geometry and money formatting.
#include "web/views.h"

#include <gtest/gtest.h>

#include <cmath>
#include <optional>
#include <string>

namespace signx::web {
namespace {

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

// kainjow mustache renders {{#x}} for "" too, and an unset key in a list row falls back to the
// parent's: SetOptionalText's false shows neither.
TEST(SetOptionalTextTest, EmptyOrAbsentTextRendersNoSectionEvenInsideARow) {
  kainjow::mustache::mustache tmpl("{{#rows}}[{{#note}}({{note}}){{/note}}]{{/rows}}");
  View v(View::type::object);
  v.set("note", std::string("parent"));
  ViewList rows;
  for (const std::optional<std::string>& note :
       {std::optional<std::string>("x"), std::optional<std::string>(""),
        std::optional<std::string>()}) {
    View row(View::type::object);
    SetOptionalText(row, "note", note);
    rows.push_back(row);
  }
  v.set("rows", rows);
  EXPECT_EQ(tmpl.render(v), "[(x)][][]");
  View empty(View::type::object);
  SetOptionalText(empty, "note", "");
  EXPECT_EQ(kainjow::mustache::mustache("{{#note}}<p>{{note}}</p>{{/note}}{{^note}}-{{/note}}")
                .render(empty),
            "-");
}

TEST(FormatDollarsTest, RoundsAndGroups) {
  EXPECT_EQ(FormatDollars(0), "$0");
  EXPECT_EQ(FormatDollars(149), "$1");
  EXPECT_EQ(FormatDollars(150), "$2");
  EXPECT_EQ(FormatDollars(1234567890), "$12,345,679");
  EXPECT_EQ(FormatDollars(-120000), "-$1,200");
  EXPECT_EQ(FormatDollars(-10), "$0");
}

}  // namespace
}  // namespace signx::web
