#include "documents/testing/fixtures.h"

#include <hpdf.h>
#include <leptonica/allheaders.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>
#include <zip.h>

#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>

#include "base/strings.h"
#include "pdf/document.h"

namespace signx::documents::testing {
namespace {

std::string Save(HPDF_Doc pdf) {
  if (HPDF_SaveToStream(pdf) != HPDF_OK) throw std::runtime_error("HPDF_SaveToStream");
  HPDF_UINT32 size = HPDF_GetStreamSize(pdf);
  std::string out(size, '\0');
  HPDF_ReadFromStream(pdf, reinterpret_cast<HPDF_BYTE*>(out.data()), &size);
  out.resize(size);
  HPDF_Free(pdf);
  return out;
}

std::string XmlEscape(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '&')
      out += "&amp;";
    else if (c == '<')
      out += "&lt;";
    else if (c == '>')
      out += "&gt;";
    else
      out += c;
  }
  return out;
}

}  // namespace

std::string TextPdf(const std::vector<std::string>& pages) {
  auto doc = pdf::Document::Create({.title = "fixture"});
  if (!doc.ok()) throw std::runtime_error(doc.status().ToString());
  for (std::size_t i = 0; i < pages.size(); ++i) {
    if (i > 0) doc->NewPage();
    std::size_t start = 0;
    while (start <= pages[i].size()) {
      std::size_t end = pages[i].find("\n\n", start);
      if (end == std::string::npos) end = pages[i].size();
      doc->Paragraph(pages[i].substr(start, end - start));
      doc->Spacer(8);
      start = end + 2;
    }
  }
  auto bytes = doc->Save();
  if (!bytes.ok()) throw std::runtime_error(bytes.status().ToString());
  return *bytes;
}

std::string EncryptedPdf() {
  HPDF_Doc pdf = HPDF_New(nullptr, nullptr);
  HPDF_Page page = HPDF_AddPage(pdf);
  HPDF_Font font = HPDF_GetFont(pdf, "Helvetica", nullptr);
  HPDF_Page_BeginText(page);
  HPDF_Page_SetFontAndSize(page, font, 12);
  HPDF_Page_TextOut(page, 50, 700, "Confidential contract terms.");
  HPDF_Page_EndText(page);
  HPDF_SetPassword(pdf, "owner-secret", "user-secret");
  HPDF_SetEncryptionMode(pdf, HPDF_ENCRYPT_R3, 16);
  return Save(pdf);
}

Raster RenderText(const std::string& text, int dpi) {
  auto doc = pdf::Document::Create({.title = "scan"});
  if (!doc.ok()) throw std::runtime_error(doc.status().ToString());
  for (auto line : Split(text, '\n')) {
    doc->Paragraph(std::string(line), {.size = 16});
    doc->Spacer(6);
  }
  const std::string bytes = *doc->Save();
  std::unique_ptr<poppler::document> pd(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  std::unique_ptr<poppler::page> page(pd->create_page(0));
  poppler::page_renderer r;
  r.set_image_format(poppler::image::format_gray8);
  r.set_render_hints(poppler::page_renderer::antialiasing |
                     poppler::page_renderer::text_antialiasing);
  poppler::image img = r.render_page(page.get(), dpi, dpi);
  Raster out{img.width(), img.height(), {}};
  out.pixels.resize(static_cast<std::size_t>(out.width) * out.height);
  for (int y = 0; y < out.height; ++y) {
    std::memcpy(out.pixels.data() + static_cast<std::size_t>(y) * out.width,
                img.const_data() + static_cast<std::size_t>(y) * img.bytes_per_row(),
                static_cast<std::size_t>(out.width));
  }
  return out;
}

std::string Png(const Raster& r) {
  PIX* pix = pixCreate(r.width, r.height, 8);
  for (int y = 0; y < r.height; ++y) {
    l_uint32* line = pixGetData(pix) + y * pixGetWpl(pix);
    for (int x = 0; x < r.width; ++x) {
      SET_DATA_BYTE(line, x, r.pixels[static_cast<std::size_t>(y) * r.width + x]);
    }
  }
  pixSetResolution(pix, 150, 150);
  l_uint8* data = nullptr;
  size_t size = 0;
  pixWriteMem(&data, &size, pix, IFF_PNG);
  pixDestroy(&pix);
  std::string out(reinterpret_cast<const char*>(data), size);
  lept_free(data);
  return out;
}

std::string ScannedPdf(const Raster& r, int dpi) {
  HPDF_Doc pdf = HPDF_New(nullptr, nullptr);
  HPDF_Page page = HPDF_AddPage(pdf);
  const double w = r.width * 72.0 / dpi, h = r.height * 72.0 / dpi;
  HPDF_Page_SetWidth(page, static_cast<HPDF_REAL>(w));
  HPDF_Page_SetHeight(page, static_cast<HPDF_REAL>(h));
  HPDF_Image image =
      HPDF_LoadRawImageFromMem(pdf, r.pixels.data(), static_cast<HPDF_UINT>(r.width),
                               static_cast<HPDF_UINT>(r.height), HPDF_CS_DEVICE_GRAY, 8);
  HPDF_Page_DrawImage(page, image, 0, 0, static_cast<HPDF_REAL>(w), static_cast<HPDF_REAL>(h));
  return Save(pdf);
}

std::string Zip(const std::vector<std::pair<std::string, std::string>>& entries) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(nullptr, 0, 0, &err);
  zip_source_keep(src);
  zip_t* za = zip_open_from_source(src, ZIP_TRUNCATE, &err);
  if (!za) throw std::runtime_error("zip_open_from_source");
  for (const auto& [name, data] : entries) {
    zip_source_t* s = zip_source_buffer(za, data.data(), data.size(), 0);
    if (zip_file_add(za, name.c_str(), s, ZIP_FL_ENC_UTF_8) < 0) throw std::runtime_error("add");
  }
  if (zip_close(za) != 0) throw std::runtime_error("zip_close");
  zip_source_open(src);
  zip_source_seek(src, 0, SEEK_END);
  const zip_int64_t size = zip_source_tell(src);
  zip_source_seek(src, 0, SEEK_SET);
  std::string out(static_cast<std::size_t>(size), '\0');
  zip_source_read(src, out.data(), static_cast<zip_uint64_t>(size));
  zip_source_close(src);
  zip_source_free(src);
  zip_error_fini(&err);
  return out;
}

std::string Docx(const std::string& body_xml) {
  return Zip(
      {{"[Content_Types].xml",
        R"(<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>)"},
       {"word/document.xml",
        R"(<?xml version="1.0" encoding="UTF-8" standalone="yes"?><w:document xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>)" +
            body_xml + "</w:body></w:document>"}});
}

std::string Para(const std::string& text, const std::string& style) {
  std::string p = "<w:p>";
  if (!style.empty()) p += "<w:pPr><w:pStyle w:val=\"" + style + "\"/></w:pPr>";
  return p + "<w:r><w:t xml:space=\"preserve\">" + XmlEscape(text) + "</w:t></w:r></w:p>";
}

std::string PageBreak() { return R"(<w:p><w:r><w:br w:type="page"/></w:r></w:p>)"; }

std::string Table(const std::vector<std::vector<std::string>>& rows) {
  std::string t = "<w:tbl>";
  for (const auto& row : rows) {
    t += "<w:tr>";
    for (const auto& cell : row) t += "<w:tc>" + Para(cell) + "</w:tc>";
    t += "</w:tr>";
  }
  return t + "</w:tbl>";
}

}  // namespace signx::documents::testing
