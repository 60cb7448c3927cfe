// Files the documents tests make instead of shipping binaries: text PDFs (pdf::Document), an
// encrypted PDF and a scanned (image-only) PDF (libharu), a PNG of rendered text (poppler +
// Leptonica), DOCX archives and zip bombs (libzip).
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace signx::documents::testing {

// A PDF with one page per string (each string's paragraphs split at "\n\n").
std::string TextPdf(const std::vector<std::string>& pages);
// A one-page PDF encrypted with a user password (it cannot be opened without it).
std::string EncryptedPdf();
// 8-bit gray raster of `text` rendered at `dpi` (a PDF made and rendered by poppler).
struct Raster {
  int width = 0, height = 0;
  std::vector<unsigned char> pixels;  // width * height, row-major, 0 = black
};
Raster RenderText(const std::string& text, int dpi);
// A PNG / TIFF of the raster (Leptonica).
std::string Png(const Raster& r);
// A PDF whose only page is the raster as an image: no text layer (a scan).
std::string ScannedPdf(const Raster& r, int dpi);
// A ZIP archive of (name, content) entries, deflated.
std::string Zip(const std::vector<std::pair<std::string, std::string>>& entries);
// A DOCX whose body XML is `body_xml` (w: paragraphs and tables), with a content-types entry.
std::string Docx(const std::string& body_xml);
// <w:p> helpers.
std::string Para(const std::string& text, const std::string& style = "");
std::string PageBreak();
std::string Table(const std::vector<std::vector<std::string>>& rows);

}  // namespace signx::documents::testing
