#include "pdf/document.h"

#include <fmt/format.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <string>
#include <thread>
#include <vector>

#include "pdf/encoding.h"
#include "pdf/testing/pdf_text.h"

namespace signx::pdf {
namespace {

using ::testing::HasSubstr;
using ::testing::Not;
using testing::PageTexts;

std::vector<Column> ItemColumns() {
  return {{.header = "Item", .width = 0},
          {.header = "Qty", .width = 60, .align = Align::kRight},
          {.header = "Amount", .width = 90, .align = Align::kRight}};
}

std::string RowName(int i) { return fmt::format("Row {:03d}", i); }

std::vector<TableRow> ItemRows(int n) {
  std::vector<TableRow> rows;
  for (int i = 1; i <= n; ++i) {
    rows.push_back({.cells = {RowName(i), std::to_string(i), fmt::format("${}.00", i * 10)}});
  }
  return rows;
}

// A quarter-scale elevation of a 96 in × 48 in cabinet on two poles, with dimensions.
void DrawElevation(Document& doc) {
  const Box box = doc.ReserveBox(260);
  const Frame f = Frame::Fit({-12, 0, 120, 168}, box, 20);
  doc.Line(f(-12, 0), f(108, 0), {.width = 1, .dash = {6, 3}});  // grade
  doc.Rect(f(0, 96), f.Length(96), f.Length(48), {.width = 1.5}, Color{0.9, 0.9, 0.9});
  doc.Rect(f(20, 0), f.Length(6), f.Length(96));
  doc.Rect(f(70, 0), f.Length(6), f.Length(96));
  const Point roof[] = {f(0, 144), f(48, 156), f(96, 144)};
  doc.Polyline(roof, {.width = 0.75, .color = {0.8, 0, 0}});
  doc.Circle(f(48, 120), f.Length(8), {.dash = {2}});
  doc.Dimension(f(0, 96), f(96, 96), -14, "8'-0\"");
  doc.Dimension(f(96, 96), f(96, 144), -14, "4'-0\"");
  doc.Dimension(f(0, 0), f(0, 144), 30, "12'-0\" overall");
  doc.TextAt(f(48, 120), "LOGO", {.font = Font::kBold, .size = 12, .align = Align::kCenter});
}

std::string RenderSample() {
  auto doc = Document::Create({.title = "Sample", .creation_time = Timestamp{}});
  EXPECT_TRUE(doc.ok());
  doc->Heading("Engineering report");
  doc->Paragraph("Wind load per ASCE 7-16, exposure C, 115 mph. Dimensions in feet and inches.");
  DrawElevation(*doc);
  doc->Table(ItemColumns(), ItemRows(60));
  auto bytes = doc->Save();
  EXPECT_TRUE(bytes.ok()) << bytes.status().ToString();
  return bytes.value_or("");
}

TEST(PdfEncoding, KeepsWindows1252AndReplacesTheRest) {
  EXPECT_EQ(ToWinAnsi("Pylon 8'x4' - $1,200.00"), "Pylon 8'x4' - $1,200.00");
  EXPECT_EQ(ToWinAnsi("Caf\u00e9 \u00fcber 90\u00b0 \u00bd\u00d7"),
            "Caf\xE9 \xFC"
            "ber 90\xB0 \xBD\xD7");
  EXPECT_EQ(ToWinAnsi("\u20ac5 \u2013 \u201cok\u201d \u2022 \u2122"),
            "\x80"
            "5 \x96 \x93ok\x94 \x95 \x99");
  EXPECT_EQ(ToWinAnsi("\u0141\u00f3d\u017a \u0160koda \u0151"),
            "L\xF3"
            "dz \x8Akoda o");
  EXPECT_EQ(ToWinAnsi("8\u2032-6\u2033 \u2264 9\u2032 \u2212 \u2300"
                      "4\u2033"),
            "8'-6\" <= 9' - \xD8"
            "4\"");
  EXPECT_EQ(ToWinAnsi("e\u0301\u200b"), "e");  // combining acute and zero-width space dropped
  EXPECT_EQ(ToWinAnsi("\u041f\u0438\u043b\u043e\u043d \u5317\u4eac \U0001F680"), "????? ?? ?");
  EXPECT_EQ(ToWinAnsi("a\tb\nc\x01"), "a b\nc ");
  EXPECT_EQ(ToWinAnsi(std::string_view("x\0y", 3)), "x y");
  // Invalid UTF-8: a stray continuation, a truncated sequence, an overlong '/', a surrogate.
  EXPECT_EQ(ToWinAnsi("\x80|\xE2\x82|\xC0\xAF|\xED\xA0\x80|\xFF"), "?|??|??|???|?");
}

TEST(PdfFrame, FitsTheModelCentredAtOneScale) {
  const Frame f = Frame::Fit({0, 0, 96, 48}, {100, 100, 400, 300}, 10);
  EXPECT_DOUBLE_EQ(f.scale(), 380.0 / 96);
  const Point lo = f(0, 0), hi = f(96, 48);
  EXPECT_DOUBLE_EQ(lo.x, 110);
  EXPECT_DOUBLE_EQ(hi.x, 490);
  EXPECT_DOUBLE_EQ((lo.y + hi.y) / 2, 250);  // centred vertically
  EXPECT_DOUBLE_EQ(f.Length(12), 12 * 380.0 / 96);
  const Frame q = Frame::AtScale(1.5, {0, 0, 96, 48}, {0, 0, 200, 100});  // 1/4 in = 1 ft
  EXPECT_DOUBLE_EQ(q(0, 0).x, 100 - 72);
  EXPECT_DOUBLE_EQ(q(96, 48).y, 50 + 36);
}

TEST(PdfDocument, MultiPageTableRepeatsItsHeaderAndPutsEachRowOnItsPage) {
  auto doc = Document::Create();
  ASSERT_TRUE(doc.ok()) << doc.status().ToString();
  doc->Table(ItemColumns(), ItemRows(120));
  auto bytes = doc->Save();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  EXPECT_TRUE(bytes->starts_with("%PDF-"));

  // Letter, 54 pt margins: 684 pt of content; header and rows are 10 × 1.25 + 2 × 3 = 18.5 pt,
  // so (684 − 18.5) / 18.5 → 35 rows a page: 35 + 35 + 35 + 15.
  constexpr int kPerPage = 35;
  EXPECT_EQ(doc->page_count(), 4);
  auto pages = PageTexts(*bytes);
  ASSERT_TRUE(pages.ok()) << pages.status().ToString();
  ASSERT_EQ(pages->size(), 4u);
  for (int p = 0; p < 4; ++p) {
    const std::string& text = (*pages)[p];
    EXPECT_THAT(text, HasSubstr("Item")) << "page " << p + 1;
    EXPECT_THAT(text, HasSubstr("Amount")) << "page " << p + 1;
    EXPECT_EQ(text.find("Item"), text.find_first_not_of(" \n")) << "header first, page " << p + 1;
    for (int i = 1; i <= 120; ++i) {
      const bool here = (i - 1) / kPerPage == p;
      EXPECT_EQ(text.find(RowName(i)) != std::string::npos, here)
          << RowName(i) << " on page " << p + 1;
    }
  }
  EXPECT_THAT((*pages)[3], HasSubstr("$1200.00"));
}

TEST(PdfDocument, WrapsCellsAndSplitsOnlyRowsTallerThanAPage) {
  auto doc = Document::Create();
  ASSERT_TRUE(doc.ok());
  std::string long_cell;
  for (int i = 1; i <= 200; ++i) long_cell += fmt::format("word{} ", i);
  const Column cols[] = {{.header = "Note", .width = 150}, {.header = "Value"}};
  std::vector<TableRow> rows = ItemRows(30);
  for (auto& r : rows) r.cells.resize(2);
  rows.push_back({.cells = {long_cell, "tall"}});  // wraps to ~70 lines: too tall for a page
  rows.push_back({.cells = {"after", "last"}, .font = Font::kBold, .rule_above = true});
  doc->Table(cols, rows);
  auto bytes = doc->Save();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto pages = PageTexts(*bytes);
  ASSERT_TRUE(pages.ok());
  ASSERT_EQ(pages->size(), static_cast<std::size_t>(doc->page_count()));
  ASSERT_GE(pages->size(), 2u);
  // The tall row starts under row 30 on page 1 and continues under a repeated header.
  EXPECT_THAT((*pages)[0], HasSubstr("Row 030"));
  EXPECT_THAT((*pages)[0], HasSubstr("word1 "));
  EXPECT_THAT((*pages)[0], Not(HasSubstr("word200")));
  EXPECT_THAT(pages->back(), HasSubstr("word200"));
  EXPECT_THAT(pages->back(), HasSubstr("Note"));
  EXPECT_THAT(pages->back(), HasSubstr("after"));
  for (int i = 1; i <= 200; ++i) {
    int found = 0;
    for (const auto& t : *pages) {
      found += t.find(fmt::format("word{}\n", i)) != std::string::npos ||
               t.find(fmt::format("word{} ", i)) != std::string::npos;
    }
    EXPECT_EQ(found, 1) << "word" << i;
  }
}

TEST(PdfDocument, ParagraphsWrapToTheWidthAndFlowOntoNewPages) {
  auto doc = Document::Create({.page_size = PageSize::kA4});
  ASSERT_TRUE(doc.ok());
  std::string text;
  for (int i = 1; i <= 1200; ++i) text += fmt::format("w{} ", i);
  const double width = doc->content_box().width;
  doc->Heading("Specification");
  doc->Paragraph(text);
  doc->Paragraph(std::string(300, 'X'));  // one word wider than the line: cut, never lost
  auto bytes = doc->Save();
  ASSERT_TRUE(bytes.ok());
  auto pages = PageTexts(*bytes);
  ASSERT_TRUE(pages.ok());
  ASSERT_EQ(pages->size(), static_cast<std::size_t>(doc->page_count()));
  EXPECT_GE(pages->size(), 2u);
  EXPECT_THAT(pages->front(), HasSubstr("Specification"));
  EXPECT_THAT(pages->front(), HasSubstr("w1 w2 w3"));
  EXPECT_THAT(pages->back(), HasSubstr("w1200"));
  std::size_t xs = 0, lines = 0;
  for (const auto& page : *pages) {
    std::size_t start = 0;
    for (std::size_t nl; (nl = page.find('\n', start)) != std::string::npos; start = nl + 1) {
      std::string line = page.substr(start, nl - start);
      while (!line.empty() && line.back() == ' ') line.pop_back();
      while (!line.empty() && line.front() == ' ') line.erase(0, 1);
      if (line.empty()) continue;
      ++lines;
      EXPECT_LE(doc->TextWidth(line, Font::kRegular, 10), width + 0.01) << line;
      if (line.find_first_not_of('X') == std::string::npos) xs += line.size();
    }
  }
  EXPECT_GT(lines, 40u);
  EXPECT_EQ(xs, 300u);
}

TEST(PdfDocument, DrawingWithDimensionsRendersAndSavesTheLabels) {
  auto doc = Document::Create({.orientation = Orientation::kLandscape});
  ASSERT_TRUE(doc.ok());
  EXPECT_DOUBLE_EQ(doc->page_box().width, 792);
  DrawElevation(*doc);
  ASSERT_TRUE(doc->status().ok()) << doc->status().ToString();
  auto bytes = doc->Save();
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(doc->page_count(), 1);
  auto pages = PageTexts(*bytes);
  ASSERT_TRUE(pages.ok());
  ASSERT_EQ(pages->size(), 1u);
  EXPECT_THAT((*pages)[0], HasSubstr("8'-0\""));
  EXPECT_THAT((*pages)[0], HasSubstr("LOGO"));
}

TEST(PdfDocument, SameCallsGiveByteIdenticalBytes) {
  const std::string a = RenderSample();
  const std::string b = RenderSample();
  EXPECT_TRUE(a.starts_with("%PDF-"));
  EXPECT_GT(a.size(), 1000u);
  EXPECT_EQ(a, b);
  // No timestamp of its own and no /ID; the CreationDate is the one given.
  EXPECT_THAT(a, Not(HasSubstr("/ID")));
  EXPECT_THAT(a, HasSubstr("D:19700101000000Z"));
  auto title = testing::InfoKey(a, "Title");
  ASSERT_TRUE(title.ok());
  EXPECT_EQ(*title, "Sample");
}

TEST(PdfDocument, DocumentsOnDifferentThreadsAreIndependent) {
  const std::string expected = RenderSample();
  std::vector<std::string> out(4);
  std::vector<std::thread> threads;
  for (std::size_t i = 0; i < out.size(); ++i) {
    threads.emplace_back([&out, i] {
      for (int k = 0; k < 5; ++k) out[i] = RenderSample();
    });
  }
  for (auto& t : threads) t.join();
  for (const std::string& bytes : out) EXPECT_EQ(bytes, expected);
}

TEST(PdfDocument, NonLatinTextRendersAsReplacementsWithoutFailing) {
  auto doc = Document::Create({.title = "\u041e\u0442\u0447\u0451\u0442 \u5831\u544a"});
  ASSERT_TRUE(doc.ok());
  const std::string text =
      "\u041f\u0438\u043b\u043e\u043d \u5317\u4eac \U0001F680 \u0141\u00f3d\u017a "
      "caf\u00e9 \xFF\xFE";
  doc->Heading(text);
  doc->Paragraph(text);
  const Column cols[] = {{.header = "\u540d\u524d"}, {.header = "\u20ac"}};
  const TableRow rows[] = {{.cells = {text, "\u20ac 5"}}};
  doc->Table(cols, rows);
  doc->TextAt({100, 100}, text, {}, 30);
  doc->Dimension({100, 200}, {300, 200}, 10, "\u2300 8\u2033 \u2014 \U0001F4CF");
  ASSERT_TRUE(doc->status().ok()) << doc->status().ToString();
  auto bytes = doc->Save();
  ASSERT_TRUE(bytes.ok()) << bytes.status().ToString();
  auto pages = PageTexts(*bytes);
  ASSERT_TRUE(pages.ok());
  EXPECT_THAT((*pages)[0], HasSubstr("????? ?? ? L\u00f3dz caf\u00e9 ??"));
  EXPECT_THAT((*pages)[0], HasSubstr("\u20ac"));
  EXPECT_THAT((*pages)[0], HasSubstr("\u00d8 8\" \u2014 ?"));
}

TEST(PdfDocument, InvalidArgumentsBecomeTheDocumentsStatus) {
  auto doc = Document::Create();
  ASSERT_TRUE(doc.ok());
  doc->Line({0, 0}, {std::nan(""), 1});
  EXPECT_EQ(doc->status().code(), ErrorCode::kInvalidArgument);
  const std::string first(doc->status().message());
  doc->Paragraph("ignored");
  doc->Circle({1, 1}, -1);
  EXPECT_EQ(doc->status().message(), first);  // the first failure is kept
  auto bytes = doc->Save();
  ASSERT_FALSE(bytes.ok());
  EXPECT_EQ(bytes.status().code(), ErrorCode::kInvalidArgument);

  auto wide = Document::Create();
  ASSERT_TRUE(wide.ok());
  const Column cols[] = {{.header = "a", .width = 400}, {.header = "b", .width = 400}};
  wide->Table(cols, {});
  EXPECT_EQ(wide->status().code(), ErrorCode::kInvalidArgument);

  auto dashed = Document::Create();
  ASSERT_TRUE(dashed.ok());
  dashed->Line({0, 0}, {1, 1}, {.dash = {1, 2, 3}});
  EXPECT_EQ(dashed->status().code(), ErrorCode::kInvalidArgument);

  EXPECT_EQ(Document::Create({.margins = {.top = 400, .bottom = 400}}).status().code(),
            ErrorCode::kInvalidArgument);
}

TEST(PdfDocument, PageLimitStopsRunawayContent) {
  auto doc = Document::Create({.max_pages = 2});
  ASSERT_TRUE(doc.ok());
  doc->Table(ItemColumns(), ItemRows(200));
  EXPECT_EQ(doc->status().code(), ErrorCode::kInvalidArgument);
  EXPECT_THAT(std::string(doc->status().message()), HasSubstr("more than 2 pages"));
  EXPECT_EQ(doc->page_count(), 2);
  EXPECT_FALSE(doc->Save().ok());
}

TEST(PdfDocument, LibharuErrorsBecomeStatusValues) {
  // libharu refuses strings over 65,535 bytes through its error handler.
  auto doc = Document::Create({.title = std::string(70'000, 't')});
  ASSERT_FALSE(doc.ok());
  EXPECT_EQ(doc.status().code(), ErrorCode::kInternal);
  EXPECT_THAT(doc.status().ToString(), HasSubstr("libharu error"));
}

}  // namespace
}  // namespace signx::pdf
