// Text out of an uploaded file, page by page and block by block in reading order:
//
//   PDF        poppler-cpp, each page's text in reading order; a page without a text layer is
//              rendered (poppler page_renderer, gray, 300 dpi) and read with tesseract OCR
//   DOCX       libzip + pugixml over word/document.xml: paragraphs, headings (Heading N / Title
//              styles), tables (cells joined by " | "); explicit page breaks start a new page
//   HTML       tags stripped (script/style dropped), block elements break paragraphs, h1-h6 become
//              headings, entities decoded
//   TXT / MD   paragraphs at blank lines, '#' headings in Markdown, form feeds as page breaks
//   PNG/JPEG/TIFF  tesseract OCR (eng) through Leptonica; every TIFF page is a page
//
// Bad files fail with kInvalidArgument and a reason a person can read (the document's
// failure_reason): an encrypted (password-protected) PDF, a corrupt PDF/DOCX/image, a ZIP whose
// entry count or total uncompressed size exceeds the limits (zip bomb), more pages than allowed.
//
// Thread-safety: pure functions (each call makes its own poppler / tesseract objects).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "documents/sniff.h"

namespace signx::documents {

struct Block {
  enum class Kind { kParagraph, kHeading, kTable };
  int page = 1;  // 1-based
  Kind kind = Kind::kParagraph;
  int level = 0;  // headings: 1 = top level
  std::string text;
};

struct Extracted {
  int page_count = 0;
  std::vector<Block> blocks;   // reading order
  std::vector<int> ocr_pages;  // 1-based pages whose text came from OCR
};

struct ExtractLimits {
  int max_pages = 5000;
  int max_zip_entries = 2000;
  int64_t max_uncompressed_bytes = int64_t{200} << 20;  // whole archive
  int64_t max_xml_bytes = int64_t{64} << 20;            // word/document.xml
  int max_ocr_pages = 200;
  int ocr_dpi = 300;
  // Largest raster decoded or rendered for OCR (a PNG can claim 100k x 100k pixels in a few KB).
  int64_t max_image_pixels = 80'000'000;
  // tesseract's tessdata folder; "" = $TESSDATA_PREFIX, else the Debian path.
  std::string tessdata;
};

Result<Extracted> Extract(Format format, std::string_view bytes, const ExtractLimits& limits = {});

// The parts, exposed for tests.
Result<Extracted> ExtractPdf(std::string_view bytes, const ExtractLimits& limits);
Result<Extracted> ExtractDocx(std::string_view bytes, const ExtractLimits& limits);
Extracted ExtractHtml(std::string_view html);
Extracted ExtractPlainText(std::string_view text, bool markdown);
Result<Extracted> ExtractImage(std::string_view bytes, const ExtractLimits& limits);
// OCR of an 8-bit gray raster (tesseract, English).
Result<std::string> OcrGray(const unsigned char* pixels, int width, int height, int bytes_per_line,
                            int dpi, const ExtractLimits& limits);

// Splits plain text into paragraph / heading blocks of `page` (lines of a paragraph joined with
// one space, hyphenation at line ends undone, bullets and numbered items kept as their own blocks).
void AppendTextBlocks(std::string_view text, int page, bool markdown, std::vector<Block>& out);

// Each page's text: its blocks joined by "\n\n" (index 0 = page 1), and where each block starts.
struct PageText {
  std::vector<std::string> pages;
  std::vector<std::size_t> block_offsets;  // per block: byte offset inside its page's text
};
PageText PageTexts(const Extracted& e);

}  // namespace signx::documents
