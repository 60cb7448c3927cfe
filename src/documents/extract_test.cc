// Sniffing, extraction of every format from fixture files the tests make, chunking and language
// detection.
#include "documents/extract.h"

#include <gtest/gtest.h>

#include "base/strings.h"
#include "documents/analysis.h"
#include "documents/chunk.h"
#include "documents/sniff.h"
#include "documents/testing/fixtures.h"

namespace signx::documents {
namespace {

namespace fx = testing;

std::string AllText(const Extracted& e) {
  std::string out;
  for (const auto& b : e.blocks) out += b.text + "\n";
  return out;
}

std::string Lower(const std::string& s) { return ToLower(s); }

TEST(SniffTest, RecognisesFormatsFromTheirBytes) {
  EXPECT_EQ(Sniff(fx::TextPdf({"Hello"})).format, Format::kPdf);
  EXPECT_EQ(Sniff(fx::Docx(fx::Para("Hi"))).format, Format::kDocx);
  EXPECT_EQ(Sniff("\x89PNG\r\n\x1a\n....").format, Format::kPng);
  EXPECT_EQ(Sniff("\xFF\xD8\xFF\xE0 jfif").format, Format::kJpeg);
  EXPECT_EQ(Sniff(std::string("II*\0rest", 8)).format, Format::kTiff);
  EXPECT_EQ(Sniff("<!DOCTYPE html><html><body><p>x</p></body></html>").format, Format::kHtml);
  EXPECT_EQ(Sniff("# Title\n\nSome text with a [link](http://x).\n").format, Format::kMarkdown);
  EXPECT_EQ(Sniff("Plain words on a line.\nAnother line.\n").format, Format::kText);
  EXPECT_EQ(Sniff("GIF89a....").media_type, "image/gif");
  EXPECT_FALSE(Sniff("GIF89a....").format);
  EXPECT_EQ(Sniff("\x7F"
                  "ELF\x02\x01")
                .media_type,
            "application/x-executable");
  EXPECT_EQ(Sniff(fx::Zip({{"a.txt", "x"}})).media_type, "application/zip");
  EXPECT_EQ(Sniff(std::string("\x00\x01\x02\x03 binary", 11)).media_type,
            "application/octet-stream");
}

TEST(SniffTest, UnsupportedAndLyingTypesAre415NamingWhatWasFound) {
  auto gif = CheckUpload("GIF89a....", "", "logo.gif");
  ASSERT_FALSE(gif.ok());
  EXPECT_EQ(gif.status().code(), ErrorCode::kUnsupportedMediaType);
  EXPECT_NE(gif.status().message().find("image/gif"), std::string_view::npos);

  // A PNG that calls itself a PDF, by extension and by Content-Type.
  const std::string png = fx::Png(fx::RenderText("x", 20));
  auto lying = CheckUpload(png, "", "contract.pdf");
  ASSERT_FALSE(lying.ok());
  EXPECT_EQ(lying.status().code(), ErrorCode::kUnsupportedMediaType);
  EXPECT_NE(lying.status().message().find("image/png"), std::string_view::npos);
  EXPECT_NE(lying.status().message().find("application/pdf"), std::string_view::npos);
  EXPECT_FALSE(CheckUpload(png, "application/pdf", "scan").ok());
  // An executable renamed .txt.
  auto exe = CheckUpload("MZ\x90\x00 program", "", "notes.txt");
  ASSERT_FALSE(exe.ok());
  EXPECT_NE(exe.status().message().find("portable-executable"), std::string_view::npos);

  // Generic declarations and the text family agree with the content.
  EXPECT_EQ(*CheckUpload(png, "application/octet-stream", "scan.png"), Format::kPng);
  EXPECT_EQ(*CheckUpload("just text", "text/markdown", "a.md"), Format::kText);
  EXPECT_EQ(*CheckUpload("<html><body><p>x</p></body></html>", "text/plain", ""), Format::kHtml);
}

TEST(ExtractTest, PdfTextPerPageInReadingOrder) {
  const std::string pdf =
      fx::TextPdf({"Scope of work for the pylon sign.\n\nThe contractor shall install the sign.",
                   "Payment terms are net thirty days."});
  auto e = ExtractPdf(pdf, {});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  EXPECT_EQ(e->page_count, 2);
  EXPECT_TRUE(e->ocr_pages.empty());
  PageText pages = PageTexts(*e);
  ASSERT_EQ(pages.pages.size(), 2u);
  const auto install = pages.pages[0].find("contractor shall install");
  const auto scope = pages.pages[0].find("Scope of work");
  ASSERT_NE(install, std::string::npos) << pages.pages[0];
  ASSERT_NE(scope, std::string::npos);
  EXPECT_LT(scope, install);
  EXPECT_NE(pages.pages[1].find("net thirty days"), std::string::npos);
  EXPECT_EQ(pages.pages[1].find("contractor"), std::string::npos);
}

TEST(ExtractTest, EncryptedAndCorruptPdfsFailWithAReason) {
  auto enc = ExtractPdf(fx::EncryptedPdf(), {});
  ASSERT_FALSE(enc.ok());
  EXPECT_EQ(enc.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(enc.status().message().find("encrypted"), std::string_view::npos)
      << enc.status().message();

  std::string pdf = fx::TextPdf({"Hello world"});
  auto corrupt = ExtractPdf(pdf.substr(0, 40), {});
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(corrupt.status().message().find("corrupt"), std::string_view::npos)
      << corrupt.status().message();
}

TEST(ExtractTest, ScannedPdfPageAndImageAreReadWithOcr) {
  const fx::Raster r =
      fx::RenderText("INSTALLATION SCHEDULE\nThe monument sign arrives Monday.", 200);
  auto scanned = ExtractPdf(fx::ScannedPdf(r, 200), {.ocr_dpi = 200});
  ASSERT_TRUE(scanned.ok()) << scanned.status().ToString();
  ASSERT_EQ(scanned->ocr_pages, std::vector<int>{1});
  EXPECT_NE(Lower(AllText(*scanned)).find("monument sign"), std::string::npos) << AllText(*scanned);

  auto png = ExtractImage(fx::Png(r), {});
  ASSERT_TRUE(png.ok()) << png.status().ToString();
  EXPECT_EQ(png->ocr_pages, std::vector<int>{1});
  EXPECT_NE(Lower(AllText(*png)).find("installation schedule"), std::string::npos) << AllText(*png);

  auto broken = ExtractImage("\x89PNG\r\n\x1a\n truncated", {});
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.status().code(), ErrorCode::kInvalidArgument);
}

TEST(ExtractTest, ImagesLargerThanTheLimitAreRefusedBeforeDecoding) {
  const std::string png = fx::Png(fx::RenderText("x", 40));
  auto small_limit = ExtractImage(png, {.max_image_pixels = 1000});
  ASSERT_FALSE(small_limit.ok());
  EXPECT_NE(small_limit.status().message().find("decompression bomb"), std::string_view::npos)
      << small_limit.status().message();
  // A PNG header claiming 100000 x 100000 pixels (the CRC and data do not matter: nothing past
  // the header is read).
  std::string bomb = png.substr(0, 16);
  for (int i = 0; i < 2; ++i) bomb += std::string("\x00\x01\x86\xA0", 4);
  bomb += png.substr(24);
  auto big = ExtractImage(bomb, {});
  ASSERT_FALSE(big.ok());
  EXPECT_EQ(big.status().code(), ErrorCode::kInvalidArgument);
}

TEST(ExtractTest, DocxParagraphsHeadingsTablesAndPageBreaks) {
  const std::string docx =
      fx::Docx(fx::Para("Sign Agreement", "Title") + fx::Para("Scope", "Heading1") +
               fx::Para("Contractor shall fabricate two channel letter signs & install them.") +
               fx::Table({{"Item", "Price"}, {"Letters", "$4,500.00"}}) + fx::PageBreak() +
               fx::Para("Payment", "Heading2") + fx::Para("Net 30 from invoice."));
  auto e = ExtractDocx(docx, {});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_EQ(e->blocks.size(), 6u);  // the page-break paragraph has no text
  EXPECT_EQ(e->blocks[0].kind, Block::Kind::kHeading);
  EXPECT_EQ(e->blocks[0].level, 1);
  EXPECT_EQ(e->blocks[1].text, "Scope");
  EXPECT_EQ(e->blocks[2].text,
            "Contractor shall fabricate two channel letter signs & install them.");
  EXPECT_EQ(e->blocks[3].kind, Block::Kind::kTable);
  EXPECT_EQ(e->blocks[3].text, "Item | Price\nLetters | $4,500.00");
  EXPECT_EQ(e->blocks[4].text, "Payment");
  EXPECT_EQ(e->blocks[4].level, 2);
  EXPECT_EQ(e->blocks[4].page, 2);
  EXPECT_EQ(e->page_count, 2);
}

TEST(ExtractTest, CorruptDocxAndZipBombsFailCleanly) {
  std::string docx = fx::Docx(fx::Para(std::string(2000, 'a')));
  // Damage the compressed data in the middle of the archive.
  for (std::size_t i = docx.size() / 3; i < docx.size() / 3 + 40; ++i) docx[i] = '\x55';
  auto corrupt = ExtractDocx(docx, {});
  ASSERT_FALSE(corrupt.ok());
  EXPECT_EQ(corrupt.status().code(), ErrorCode::kInvalidArgument);
  EXPECT_NE(corrupt.status().message().find("corrupt"), std::string_view::npos)
      << corrupt.status().message();
  EXPECT_FALSE(ExtractDocx("PK\x03\x04 not really a zip", {}).ok());

  // 8 MB of one character compresses to a few KB: over a 1 MB limit it is a bomb.
  const std::string bomb = fx::Docx(fx::Para(std::string(8 << 20, 'x')));
  EXPECT_LT(bomb.size(), 100u * 1024);
  auto big = ExtractDocx(bomb, {.max_uncompressed_bytes = 4 << 20});
  ASSERT_FALSE(big.ok());
  EXPECT_NE(big.status().message().find("zip bomb"), std::string_view::npos);
  auto xml = ExtractDocx(bomb, {.max_xml_bytes = 1 << 20});
  ASSERT_FALSE(xml.ok());
  EXPECT_NE(xml.status().message().find("zip bomb"), std::string_view::npos);

  std::vector<std::pair<std::string, std::string>> many{{"word/document.xml", "<w:document/>"}};
  for (int i = 0; i < 60; ++i) many.push_back({"f" + std::to_string(i), "x"});
  auto entries = ExtractDocx(fx::Zip(many), {.max_zip_entries = 50});
  ASSERT_FALSE(entries.ok());
  EXPECT_NE(entries.status().message().find("entries"), std::string_view::npos);
}

TEST(ExtractTest, DeeplyNestedDocxDoesNotCrash) {
  std::string nested;
  for (int i = 0; i < 200000; ++i) nested += "<w:r>";
  nested += "<w:t>deep</w:t>";
  for (int i = 0; i < 200000; ++i) nested += "</w:r>";
  auto e = ExtractDocx(fx::Docx("<w:p>" + nested + "</w:p>" + fx::Para("Shallow text.")), {});
  ASSERT_TRUE(e.ok()) << e.status().ToString();
  ASSERT_FALSE(e->blocks.empty());
  EXPECT_EQ(e->blocks.back().text, "Shallow text.");
}

TEST(ExtractTest, HtmlToTextDropsScriptsKeepsHeadingsAndTables) {
  auto e = ExtractHtml(
      "<html><head><title>Permit &amp; Notes</title><style>p{color:red}</style></head><body>"
      "<h1>Sign Permit</h1><script>alert('x')</script><p>Approved on <b>May 3</b>, 2026.</p>"
      "<table><tr><td>Fee</td><td>$120</td></tr></table><p>Call&nbsp;us "
      "&lt;now&gt;</p></body></html>");
  std::vector<std::string> texts;
  for (const auto& b : e.blocks) texts.push_back(b.text);
  ASSERT_EQ(texts.size(), 5u) << AllText(e);
  EXPECT_EQ(texts[0], "Permit & Notes");
  EXPECT_EQ(texts[1], "Sign Permit");
  EXPECT_EQ(e.blocks[1].kind, Block::Kind::kHeading);
  EXPECT_EQ(texts[2], "Approved on May 3, 2026.");
  EXPECT_EQ(texts[3], "Fee | $120");
  EXPECT_EQ(texts[4], "Call us <now>");
  EXPECT_EQ(AllText(e).find("alert"), std::string::npos);
}

TEST(ExtractTest, MarkdownAndTextParagraphsHeadingsAndFormFeeds) {
  auto md = ExtractPlainText(
      "# Meeting notes\n\nWe met on site.\nIt went well.\n\n- Dana to call "
      "the city\n- Sam to order LEDs\n",
      true);
  ASSERT_EQ(md.blocks.size(), 4u);
  EXPECT_EQ(md.blocks[0].kind, Block::Kind::kHeading);
  EXPECT_EQ(md.blocks[1].text, "We met on site. It went well.");
  EXPECT_EQ(md.blocks[2].text, "- Dana to call the city");
  auto txt = ExtractPlainText("Page one text.\fPage two text.\n", false);
  EXPECT_EQ(txt.page_count, 2);
  EXPECT_EQ(txt.blocks[1].page, 2);
}

TEST(ExtractTest, FormLinesStaySeparateWrappedSentencesJoin) {
  auto e = ExtractPlainText(
      "Invoice Number: INV-4471\nBill To: Metro Retail Group\nTotal Due: $9,000.00\n\nThe "
      "contractor shall fabricate and install the sign at the\nlocation shown on the drawings. "
      "Payment is due\nwithin thirty days.\n",
      false);
  std::vector<std::string> texts;
  for (const auto& b : e.blocks) texts.push_back(b.text);
  EXPECT_EQ(texts,
            (std::vector<std::string>{
                "Invoice Number: INV-4471", "Bill To: Metro Retail Group", "Total Due: $9,000.00",
                "The contractor shall fabricate and install the sign at the location shown "
                "on the drawings. Payment is due within thirty days."}));
}

// The sentences of a plain text as analysis sees them (blocks, then SplitSentences).
std::vector<std::string> TextSentences(std::string_view text) {
  std::vector<std::string> out;
  for (const auto& b : ExtractPlainText(text, false).blocks) {
    for (auto sentence : SplitSentences(b.text)) out.emplace_back(sentence);
  }
  return out;
}

TEST(ExtractTest, LineBreaksEndingNotesLinesAndHeadingsAreSentenceBoundaries) {
  // Notes: no line ends with punctuation; each line is one item, whatever its length.
  EXPECT_EQ(TextSentences("Site visit 12/3\nFooting depth checked with the city inspector on "
                          "site\nMarco to order the LED modules by Friday\nDana to call the "
                          "landlord about the permit\n"),
            (std::vector<std::string>{"Site visit 12/3",
                                      "Footing depth checked with the city inspector on site",
                                      "Marco to order the LED modules by Friday",
                                      "Dana to call the landlord about the permit"}));
  // A heading line inside a paragraph, and a short line in wrapped prose (the next word would
  // have fitted), end there; wrapped lines and a bullet wrapped onto a second line do not.
  EXPECT_EQ(TextSentences("The contractor shall fabricate and install both pylon signs at the\n"
                          "north entrance before the store opens in March. Payment follows.\n"
                          "SCOPE OF WORK\n"
                          "Two pylon signs with LED modules\n"
                          "Removal of the old cabinet and disposal of the existing frame\n\n"
                          "- Dana to send the revised shop drawings to the city planning\n"
                          "  office by Friday\n"),
            (std::vector<std::string>{
                "The contractor shall fabricate and install both pylon signs at the north "
                "entrance before the store opens in March.",
                "Payment follows.", "SCOPE OF WORK", "Two pylon signs with LED modules",
                "Removal of the old cabinet and disposal of the existing frame",
                "- Dana to send the revised shop drawings to the city planning office by "
                "Friday"}));
}

TEST(ChunkTest, ChunksStayInsideOnePageAndOneHeadingAndPointIntoThePage) {
  Extracted e;
  e.page_count = 2;
  e.blocks = {{1, Block::Kind::kHeading, 1, "Scope"},
              {1, Block::Kind::kParagraph, 0, "Install the sign."},
              {1, Block::Kind::kParagraph, 0, std::string(3000, 'w') + " end."},
              {1, Block::Kind::kHeading, 1, "Payment"},
              {1, Block::Kind::kParagraph, 0, "Net 30."},
              {2, Block::Kind::kParagraph, 0, "Continued on page two."}};
  const PageText pages = PageTexts(e);
  const auto chunks = MakeChunks(e, pages, {.target_chars = 1000, .max_chars = 1600});
  ASSERT_GE(chunks.size(), 5u);
  for (const auto& c : chunks) {
    const std::string& page = pages.pages[static_cast<std::size_t>(c.page - 1)];
    EXPECT_EQ(
        page.substr(static_cast<std::size_t>(c.start), static_cast<std::size_t>(c.end - c.start)),
        c.text);
    EXPECT_LE(c.text.size(), 1600u);
  }
  EXPECT_EQ(chunks[0].heading, "Scope");
  EXPECT_EQ(chunks[0].text, "Scope\n\nInstall the sign.");
  EXPECT_EQ(chunks.back().page, 2);
  EXPECT_EQ(chunks.back().heading, "Payment");  // the nearest heading above
  EXPECT_EQ(chunks.back().text, "Continued on page two.");
  const auto payment = std::find_if(chunks.begin(), chunks.end(),
                                    [](const Chunk& c) { return c.text.starts_with("Payment"); });
  ASSERT_NE(payment, chunks.end());
  EXPECT_EQ(payment->text, "Payment\n\nNet 30.");
  for (std::size_t i = 0; i < chunks.size(); ++i) EXPECT_EQ(chunks[i].seq, static_cast<int>(i));
}

TEST(LanguageTest, StopWordProfiles) {
  EXPECT_EQ(DetectLanguage("The contractor shall install the sign and the owner will pay for it."),
            "en");
  EXPECT_EQ(DetectLanguage("Der Auftragnehmer ist für die Montage und die Abnahme mit dem Kunden "
                           "zuständig, nicht wir."),
            "de");
  EXPECT_EQ(DetectLanguage("Le contrat est signé et nous avons reçu les plans pour la pose des "
                           "enseignes dans le centre."),
            "fr");
  EXPECT_EQ(DetectLanguage("El contratista instalará los letreros para la tienda y el cliente "
                           "pagará con la factura."),
            "es");
  EXPECT_EQ(DetectLanguage("1234 5678"), "und");
}

}  // namespace
}  // namespace signx::documents
