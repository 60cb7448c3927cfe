#include "documents/extract.h"

#include <leptonica/allheaders.h>
#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-image.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>
#include <tesseract/baseapi.h>
#include <zip.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <cstring>
#include <memory>
#include <mutex>
#include <pugixml.hpp>

#include "base/strings.h"

namespace signx::documents {
namespace {

Status Bad(std::string reason) { return InvalidArgument(std::move(reason)); }

bool StartsWith(std::string_view s, std::string_view p) {
  return s.size() >= p.size() && s.compare(0, p.size(), p) == 0;
}

void SilencePoppler() {
  static std::once_flag once;
  std::call_once(
      once, [] { poppler::set_debug_error_function([](const std::string&, void*) {}, nullptr); });
}

std::string TessdataDir(const ExtractLimits& limits) {
  if (!limits.tessdata.empty()) return limits.tessdata;
  if (const char* env = std::getenv("TESSDATA_PREFIX"); env && *env) return env;
  return "/usr/share/tesseract-ocr/5/tessdata";
}

bool IsBulletStart(std::string_view line) {
  if (StartsWith(line, "- ") || StartsWith(line, "* ") || StartsWith(line, "\xE2\x80\xA2") ||
      StartsWith(line, "\xE2\x80\x93 ") || StartsWith(line, "o ")) {
    return true;
  }
  // "1. ", "2) ", "a) "
  std::size_t i = 0;
  while (i < line.size() && i < 3 && std::isdigit(static_cast<unsigned char>(line[i]))) ++i;
  if (i == 0 && !line.empty() && std::islower(static_cast<unsigned char>(line[0])) &&
      line.size() > 2 && line[1] == ')') {
    return true;
  }
  return i > 0 && i + 1 < line.size() && (line[i] == '.' || line[i] == ')') && line[i + 1] == ' ';
}

// A short line standing alone that reads like a title: no sentence punctuation at the end, and
// either ALL CAPS, a numbered section ("3.2 Scope of work") or mostly capitalised words.
bool LooksLikeHeading(std::string_view line) {
  line = Trim(line);
  if (line.size() < 3 || line.size() > 80) return false;
  const char last = line.back();
  if (last == '.' || last == ',' || last == ';' || last == '?' || last == '!') return false;
  int letters = 0, upper = 0, words = 0, capital_words = 0;
  bool start = true;
  for (char ch : line) {
    unsigned char c = static_cast<unsigned char>(ch);
    if (std::isalpha(c)) {
      ++letters;
      if (std::isupper(c)) ++upper;
      if (start) {
        ++words;
        if (std::isupper(c)) ++capital_words;
      }
      start = false;
    } else if (c == ' ') {
      start = true;
    } else if (!std::isalnum(c)) {
      start = c == '-' ? false : start;
    } else {
      start = false;
    }
  }
  if (letters < 3 || words > 10) return false;
  if (upper == letters && letters >= 4) return true;
  const bool numbered = std::isdigit(static_cast<unsigned char>(line[0])) &&
                        line.find(' ') != std::string_view::npos && line.find(' ') <= 6;
  if (numbered && capital_words * 2 >= words) return true;
  return words >= 1 && words <= 6 && capital_words == words && words >= 2;
}

void Flush(std::string& para, int page, std::vector<Block>& out) {
  std::string_view t = Trim(para);
  if (!t.empty()) out.push_back({page, Block::Kind::kParagraph, 0, std::string(t)});
  para.clear();
}

std::string CollapseSpaces(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  bool space = false;
  for (char c : s) {
    if (c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v') {
      space = !out.empty();
    } else {
      if (space) out.push_back(' ');
      space = false;
      out.push_back(c);
    }
  }
  return out;
}

// Whether a line has a sentence end: . ! or ? at its end or before a space.
bool HasSentenceEnd(std::string_view line) {
  for (std::size_t i = 0; i < line.size(); ++i) {
    const char c = line[i];
    if ((c == '.' || c == '!' || c == '?') && (i + 1 == line.size() || line[i + 1] == ' ')) {
      return true;
    }
  }
  return false;
}

// Whether the line break between `prev` and `next` (trimmed lines of one paragraph) ends a
// sentence-like unit although `prev` has no final punctuation — a line of notes, a bullet item
// or a heading, rather than a line of wrapped prose. `wrap` is the longest line of the text;
// `prose` says whether the paragraph has any sentence end. A break is deliberate when
//   - `prev` reads like a heading (LooksLikeHeading);
//   - the next line's first word would have fitted on `prev` (a writer or word wrapper breaks
//     prose only when it does not; 15 % slack for proportional fonts) — so a bullet wrapped onto
//     a second line stays one sentence;
//   - the paragraph has no sentence end at all (notes, lists) and the next line starts with a
//     capital or a digit.
// A line ending in . ! ? is a sentence end anyway; one ending in , ; : or - continues.
bool LineBreakEndsUnit(std::string_view prev, std::string_view next, std::size_t wrap, bool prose) {
  if (prev.empty() || next.empty()) return false;
  if (std::string_view(".!?,;:-").find(prev.back()) != std::string_view::npos) return false;
  if (LooksLikeHeading(prev)) return true;
  std::size_t word = 0;
  while (word < next.size() && next[word] != ' ' && next[word] != '\t') ++word;
  if (static_cast<double>(prev.size() + 1 + word) <= 0.85 * static_cast<double>(wrap)) {
    return true;
  }
  const unsigned char first = static_cast<unsigned char>(next[0]);
  return !prose && (std::isupper(first) || std::isdigit(first));
}

}  // namespace

void AppendTextBlocks(std::string_view text, int page, bool markdown, std::vector<Block>& out) {
  // The longest line (the width prose was wrapped at, if it was) and, per line, whether its
  // paragraph (lines between blank lines) has a sentence end: LineBreakEndsUnit's evidence.
  std::size_t wrap = 0;
  std::vector<bool> prose_line;
  {
    const std::vector<std::string_view> lines = Split(text, '\n');
    prose_line.resize(lines.size() + 1, false);
    std::size_t para_start = 0;
    bool has_end = false;
    for (std::size_t i = 0; i <= lines.size(); ++i) {
      const std::string_view l = i < lines.size() ? Trim(lines[i]) : std::string_view();
      wrap = std::max(wrap, l.size());
      if (l.empty()) {
        for (std::size_t j = para_start; j < i; ++j) prose_line[j] = has_end;
        para_start = i + 1;
        has_end = false;
      } else if (HasSentenceEnd(l)) {
        has_end = true;
      }
    }
  }
  std::size_t line_no = 0;
  std::string para;
  int para_lines = 0;
  std::string_view prev_line;  // the previous line of the open paragraph
  std::size_t prev_len = 0;    // length of the previous line of the open paragraph
  bool in_code = false;
  std::size_t start = 0;
  while (start <= text.size()) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(start, end - start);
    start = end + 1;
    const bool prose = prose_line[std::min(line_no++, prose_line.size() - 1)];
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string_view line = Trim(raw);
    if (markdown && StartsWith(line, "```")) {
      in_code = !in_code;
      Flush(para, page, out);
      para_lines = 0;
      if (end == text.size()) break;
      continue;
    }
    if (line.empty()) {
      Flush(para, page, out);
      para_lines = 0;
      if (end == text.size()) break;
      continue;
    }
    if (markdown && !in_code && StartsWith(line, "#")) {
      std::size_t level = 0;
      while (level < line.size() && line[level] == '#') ++level;
      if (level <= 6 && level < line.size() && line[level] == ' ') {
        Flush(para, page, out);
        para_lines = 0;
        out.push_back({page, Block::Kind::kHeading, static_cast<int>(level),
                       std::string(Trim(line.substr(level)))});
        if (end == text.size()) break;
        continue;
      }
    }
    if (markdown && !in_code && StartsWith(line, "|")) {
      // A Markdown table row: kept as its own line of a table block.
      if (StartsWith(line, "|-") || StartsWith(line, "| -") || StartsWith(line, "|:")) {
        if (end == text.size()) break;
        continue;
      }
      Flush(para, page, out);
      para_lines = 0;
      std::string row;
      for (auto cell : Split(Trim(line).substr(1), '|')) {
        if (Trim(cell).empty()) continue;
        if (!row.empty()) row += " | ";
        row += Trim(cell);
      }
      if (!out.empty() && out.back().kind == Block::Kind::kTable && out.back().page == page) {
        out.back().text += "\n" + row;
      } else {
        out.push_back({page, Block::Kind::kTable, 0, row});
      }
      if (end == text.size()) break;
      continue;
    }
    if (!in_code && IsBulletStart(line)) {
      Flush(para, page, out);
      para_lines = 0;
    } else if (!in_code && para_lines == 0 && LooksLikeHeading(line)) {
      // A heading stands alone: the next line must not continue it as a sentence. We accept it
      // when the line is followed by a blank line or a longer line (a paragraph).
      out.push_back({page, Block::Kind::kHeading, 2, CollapseSpaces(line)});
      if (end == text.size()) break;
      continue;
    }
    // A short line without closing punctuation followed by a capitalised line is a line of a
    // form or an address ("Date: 2026-11-30", "Bill To: Metro"), not a wrapped sentence.
    if (!in_code && !para.empty() && prev_len > 0 && prev_len < 50 &&
        std::isupper(static_cast<unsigned char>(line[0])) &&
        std::string_view(".,;:-!?").find(para.back()) == std::string_view::npos) {
      Flush(para, page, out);
      para_lines = 0;
    }
    const bool unit_end =
        !in_code && !para.empty() && LineBreakEndsUnit(prev_line, line, wrap, prose);
    prev_len = line.size();
    prev_line = line;
    std::string_view body = line;
    if (markdown) {
      while (StartsWith(body, "> ")) body.remove_prefix(2);
    }
    if (!para.empty()) {
      if (para.back() == '-' && para.size() > 1 &&
          std::isalpha(static_cast<unsigned char>(para[para.size() - 2])) && !body.empty() &&
          std::islower(static_cast<unsigned char>(body[0]))) {
        para.pop_back();  // "inter-\nnational" → "international"
      } else {
        // A kept line break is a sentence boundary for SplitSentences (analysis.h).
        para.push_back(unit_end ? '\n' : ' ');
      }
    }
    para += CollapseSpaces(body);
    ++para_lines;
    if (end == text.size()) break;
  }
  Flush(para, page, out);
}

Extracted ExtractPlainText(std::string_view text, bool markdown) {
  Extracted e;
  if (StartsWith(text, "\xEF\xBB\xBF")) text.remove_prefix(3);
  int page = 1;
  std::size_t start = 0;
  while (true) {
    const std::size_t ff = text.find('\f', start);
    std::string_view part =
        text.substr(start, ff == std::string_view::npos ? std::string_view::npos : ff - start);
    AppendTextBlocks(part, page, markdown, e.blocks);
    if (ff == std::string_view::npos) break;
    start = ff + 1;
    if (Trim(text.substr(start)).empty()) break;
    ++page;
  }
  e.page_count = page;
  return e;
}

// ---- PDF ----

Result<std::string> OcrGray(const unsigned char* pixels, int width, int height, int bytes_per_line,
                            int dpi, const ExtractLimits& limits) {
  tesseract::TessBaseAPI api;
  const std::string dir = TessdataDir(limits);
  if (api.Init(dir.c_str(), "eng") != 0) {
    return Status(ErrorCode::kInternal,
                  "OCR is not available: tesseract has no eng data in " + dir);
  }
  api.SetVariable("debug_file", "/dev/null");
  api.SetPageSegMode(tesseract::PSM_AUTO);
  api.SetImage(pixels, width, height, 1, bytes_per_line);
  api.SetSourceResolution(dpi);
  std::unique_ptr<char[]> text(api.GetUTF8Text());
  api.End();
  if (!text) return Bad("OCR failed on a page");
  return std::string(text.get());
}

namespace {

Result<std::string> OcrPix(PIX* pix, const ExtractLimits& limits) {
  PIX* gray = pixConvertTo8(pix, 0);
  if (!gray) return Bad("the image could not be converted for OCR");
  const int w = pixGetWidth(gray), h = pixGetHeight(gray);
  if (static_cast<int64_t>(w) * h > limits.max_image_pixels) {
    pixDestroy(&gray);
    return Bad("the image is too large to OCR");
  }
  tesseract::TessBaseAPI api;
  const std::string dir = TessdataDir(limits);
  if (api.Init(dir.c_str(), "eng") != 0) {
    pixDestroy(&gray);
    return Status(ErrorCode::kInternal,
                  "OCR is not available: tesseract has no eng data in " + dir);
  }
  api.SetVariable("debug_file", "/dev/null");
  api.SetImage(gray);
  int res = pixGetXRes(pix);
  api.SetSourceResolution(res > 0 ? res : 300);
  std::unique_ptr<char[]> text(api.GetUTF8Text());
  api.End();
  pixDestroy(&gray);
  if (!text) return Bad("OCR failed on the image");
  return std::string(text.get());
}

}  // namespace

Result<Extracted> ExtractPdf(std::string_view bytes, const ExtractLimits& limits) {
  SilencePoppler();
  if (bytes.size() > static_cast<std::size_t>(INT32_MAX)) return Bad("the PDF is too large");
  std::unique_ptr<poppler::document> doc(
      poppler::document::load_from_raw_data(bytes.data(), static_cast<int>(bytes.size())));
  if (!doc) {
    // poppler refuses a document it cannot decrypt with an empty password the same way as a
    // broken one; tell them apart by the trailer's /Encrypt entry.
    if (bytes.find("/Encrypt") != std::string_view::npos) {
      return Bad("the PDF is encrypted (password protected); upload an unprotected copy");
    }
    return Bad("the PDF is corrupt or truncated and could not be read");
  }
  if (doc->is_locked()) {
    return Bad("the PDF is encrypted (password protected); upload an unprotected copy");
  }
  const int n = doc->pages();
  if (n <= 0) return Bad("the PDF has no pages");
  if (n > limits.max_pages) {
    return Bad("the PDF has " + std::to_string(n) + " pages; at most " +
               std::to_string(limits.max_pages) + " are processed");
  }
  Extracted e;
  e.page_count = n;
  poppler::page_renderer renderer;
  renderer.set_image_format(poppler::image::format_gray8);
  renderer.set_render_hints(poppler::page_renderer::antialiasing |
                            poppler::page_renderer::text_antialiasing);
  for (int i = 0; i < n; ++i) {
    std::unique_ptr<poppler::page> page(doc->create_page(i));
    if (!page) return Bad("page " + std::to_string(i + 1) + " of the PDF could not be read");
    poppler::byte_array utf8 = page->text().to_utf8();
    std::string text(utf8.begin(), utf8.end());
    if (Trim(text).size() < 3) {
      // No text layer: a scan. Render and OCR (bounded per document).
      if (static_cast<int>(e.ocr_pages.size()) >= limits.max_ocr_pages) continue;
      if (!poppler::page_renderer::can_render()) {
        return Status(ErrorCode::kInternal, "poppler was built without a renderer: no OCR");
      }
      // Lower the resolution for huge pages so the raster stays within max_image_pixels.
      const poppler::rectf box = page->page_rect();
      double dpi = limits.ocr_dpi;
      const double px = box.width() / 72.0 * dpi * box.height() / 72.0 * dpi;
      if (px > static_cast<double>(limits.max_image_pixels)) {
        dpi *= std::sqrt(static_cast<double>(limits.max_image_pixels) / px);
      }
      if (dpi < 50) return Bad("page " + std::to_string(i + 1) + " is too large to OCR");
      poppler::image img = renderer.render_page(page.get(), dpi, dpi);
      if (!img.is_valid()) return Bad("page " + std::to_string(i + 1) + " could not be rendered");
      SIGNX_ASSIGN_OR_RETURN(
          text, OcrGray(reinterpret_cast<const unsigned char*>(img.const_data()), img.width(),
                        img.height(), img.bytes_per_row(), static_cast<int>(dpi), limits));
      e.ocr_pages.push_back(i + 1);
    }
    AppendTextBlocks(text, i + 1, false, e.blocks);
  }
  return e;
}

// ---- DOCX ----

namespace {

struct ZipCloser {
  void operator()(zip_t* z) const { zip_discard(z); }
};

std::string Attr(const pugi::xml_node& n, const char* name) {
  return n.attribute(name).as_string();
}

// The text of a run container (paragraph, hyperlink, ...): w:t, tabs, line breaks. Counts
// explicit page breaks into *page_breaks.
void RunText(const pugi::xml_node& node, std::string& out, int* page_breaks, int depth = 0) {
  if (depth > 64) return;  // deeper nesting is not Word's: no unbounded recursion
  for (pugi::xml_node c : node.children()) {
    const std::string_view name = c.name();
    if (name == "w:t") {
      out += c.text().get();
    } else if (name == "w:tab") {
      out += '\t';
    } else if (name == "w:br" || name == "w:cr") {
      if (Attr(c, "w:type") == "page") {
        ++*page_breaks;
      } else {
        out += ' ';
      }
    } else if (name == "w:lastRenderedPageBreak") {
      // Word's own pagination: trusted as much as explicit breaks.
      ++*page_breaks;
    } else if (name == "w:pPr" || name == "w:rPr" || name == "w:instrText" || name == "w:delText") {
      continue;
    } else {
      RunText(c, out, page_breaks, depth + 1);
    }
  }
}

int HeadingLevel(const pugi::xml_node& p) {
  const std::string style = p.child("w:pPr").child("w:pStyle").attribute("w:val").as_string();
  const std::string lower = ToLower(style);
  if (lower == "title") return 1;
  if (lower == "subtitle") return 2;
  if (StartsWith(lower, "heading")) {
    const std::string rest = lower.substr(7);
    int level = rest.empty() ? 1 : std::atoi(rest.c_str());
    return level >= 1 && level <= 9 ? level : 1;
  }
  const pugi::xml_node outline = p.child("w:pPr").child("w:outlineLvl");
  if (outline) return outline.attribute("w:val").as_int() + 1;
  return 0;
}

}  // namespace

Result<Extracted> ExtractDocx(std::string_view bytes, const ExtractLimits& limits) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (!src) return Bad("the DOCX could not be opened");
  std::unique_ptr<zip_t, ZipCloser> za(zip_open_from_source(src, ZIP_RDONLY | ZIP_CHECKCONS, &err));
  if (!za) {
    zip_source_free(src);
    zip_error_fini(&err);
    return Bad("the DOCX is corrupt (not a readable ZIP archive)");
  }
  zip_error_fini(&err);
  const zip_int64_t entries = zip_get_num_entries(za.get(), 0);
  if (entries > limits.max_zip_entries) {
    return Bad("the DOCX archive has " + std::to_string(entries) + " entries (at most " +
               std::to_string(limits.max_zip_entries) + "): refused as a possible zip bomb");
  }
  int64_t total = 0;
  for (zip_int64_t i = 0; i < entries; ++i) {
    zip_stat_t st;
    if (zip_stat_index(za.get(), i, 0, &st) != 0) return Bad("the DOCX archive is corrupt");
    if (st.valid & ZIP_STAT_SIZE) total += static_cast<int64_t>(st.size);
    if (total > limits.max_uncompressed_bytes) {
      return Bad("the DOCX would expand to more than " +
                 std::to_string(limits.max_uncompressed_bytes >> 20) +
                 " MB: refused as a possible zip bomb");
    }
  }
  const zip_int64_t idx = zip_name_locate(za.get(), "word/document.xml", 0);
  if (idx < 0) return Bad("the DOCX has no word/document.xml");
  zip_file_t* zf = zip_fopen_index(za.get(), static_cast<zip_uint64_t>(idx), 0);
  if (!zf) return Bad("the DOCX's word/document.xml could not be opened");
  std::string xml;
  char buf[64 * 1024];
  bool failed = false;
  while (true) {
    const zip_int64_t got = zip_fread(zf, buf, sizeof(buf));
    if (got < 0) {
      failed = true;
      break;
    }
    if (got == 0) break;
    xml.append(buf, static_cast<std::size_t>(got));
    // The sizes in the directory can lie: count what actually comes out.
    if (static_cast<int64_t>(xml.size()) > limits.max_xml_bytes) {
      zip_fclose(zf);
      return Bad("the DOCX's text expands to more than " +
                 std::to_string(limits.max_xml_bytes >> 20) +
                 " MB: refused as a possible zip bomb");
    }
  }
  zip_fclose(zf);
  if (failed) return Bad("the DOCX is corrupt (word/document.xml does not decompress)");
  pugi::xml_document doc;
  if (!doc.load_buffer(xml.data(), xml.size())) {
    return Bad("the DOCX is corrupt (word/document.xml is not well-formed XML)");
  }
  const pugi::xml_node body = doc.child("w:document").child("w:body");
  if (!body) return Bad("the DOCX has no document body");
  Extracted e;
  int page = 1;
  for (pugi::xml_node n : body.children()) {
    const std::string_view name = n.name();
    int breaks = 0;
    if (name == "w:p") {
      std::string text;
      RunText(n, text, &breaks);
      const std::string clean = CollapseSpaces(text);
      if (!clean.empty()) {
        const int level = HeadingLevel(n);
        e.blocks.push_back(
            {page, level > 0 ? Block::Kind::kHeading : Block::Kind::kParagraph, level, clean});
      }
    } else if (name == "w:tbl") {
      std::string table;
      for (pugi::xml_node tr : n.children("w:tr")) {
        std::string row;
        for (pugi::xml_node tc : tr.children("w:tc")) {
          std::string cell;
          for (pugi::xml_node p : tc.children("w:p")) {
            std::string t;
            RunText(p, t, &breaks);
            if (!cell.empty() && !t.empty()) cell += ' ';
            cell += t;
          }
          if (!row.empty()) row += " | ";
          row += CollapseSpaces(cell);
        }
        if (!Trim(row).empty()) {
          if (!table.empty()) table += '\n';
          table += row;
        }
      }
      if (!table.empty()) e.blocks.push_back({page, Block::Kind::kTable, 0, table});
    }
    page += breaks;
    if (page > limits.max_pages) return Bad("the DOCX has more pages than allowed");
  }
  // Trailing breaks without content after them do not make pages.
  e.page_count = e.blocks.empty() ? 1 : e.blocks.back().page;
  return e;
}

// ---- HTML ----

namespace {

std::string DecodeEntities(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '&') {
      out += s[i];
      continue;
    }
    const std::size_t semi = s.find(';', i);
    if (semi == std::string_view::npos || semi - i > 10) {
      out += '&';
      continue;
    }
    const std::string_view ent = s.substr(i + 1, semi - i - 1);
    uint32_t cp = 0;
    if (!ent.empty() && ent[0] == '#') {
      const bool hex = ent.size() > 1 && (ent[1] == 'x' || ent[1] == 'X');
      cp = static_cast<uint32_t>(
          std::strtoul(std::string(ent.substr(hex ? 2 : 1)).c_str(), nullptr, hex ? 16 : 10));
    } else if (ent == "amp") {
      cp = '&';
    } else if (ent == "lt") {
      cp = '<';
    } else if (ent == "gt") {
      cp = '>';
    } else if (ent == "quot") {
      cp = '"';
    } else if (ent == "apos") {
      cp = '\'';
    } else if (ent == "nbsp") {
      cp = ' ';
    } else if (ent == "ndash") {
      cp = 0x2013;
    } else if (ent == "mdash") {
      cp = 0x2014;
    } else if (ent == "rsquo" || ent == "lsquo") {
      cp = '\'';
    } else if (ent == "ldquo" || ent == "rdquo") {
      cp = '"';
    } else if (ent == "hellip") {
      cp = 0x2026;
    } else if (ent == "copy") {
      cp = 0xA9;
    } else if (ent == "euro") {
      cp = 0x20AC;
    }
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      out += '&';
      continue;
    }
    if (cp < 0x80) {
      out += static_cast<char>(cp);
    } else if (cp < 0x800) {
      out += static_cast<char>(0xC0 | (cp >> 6));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else if (cp < 0x10000) {
      out += static_cast<char>(0xE0 | (cp >> 12));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    } else {
      out += static_cast<char>(0xF0 | (cp >> 18));
      out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
      out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
      out += static_cast<char>(0x80 | (cp & 0x3F));
    }
    i = semi;
  }
  return out;
}

bool IsBlockTag(std::string_view tag) {
  static constexpr std::string_view kBlocks[] = {
      "p",       "div",     "br",     "li",     "ul",         "ol",    "table",   "tr",
      "section", "article", "header", "footer", "blockquote", "pre",   "hr",      "main",
      "nav",     "aside",   "dd",     "dt",     "form",       "title", "address", "figcaption"};
  for (auto b : kBlocks) {
    if (tag == b) return true;
  }
  return false;
}

}  // namespace

Extracted ExtractHtml(std::string_view html) {
  Extracted e;
  e.page_count = 1;
  std::string text;  // current paragraph's raw text
  int heading = 0;   // inside <hN>
  bool in_cell_row = false;
  std::string row;
  auto flush = [&] {
    std::string clean = CollapseSpaces(DecodeEntities(text));
    text.clear();
    if (clean.empty()) return;
    if (heading > 0) {
      e.blocks.push_back({1, Block::Kind::kHeading, heading, clean});
    } else {
      e.blocks.push_back({1, Block::Kind::kParagraph, 0, clean});
    }
  };
  std::size_t i = 0;
  while (i < html.size()) {
    if (html[i] != '<') {
      text += html[i++];
      continue;
    }
    if (html.compare(i, 4, "<!--") == 0) {
      const std::size_t end = html.find("-->", i + 4);
      i = end == std::string_view::npos ? html.size() : end + 3;
      continue;
    }
    const std::size_t close = html.find('>', i);
    if (close == std::string_view::npos) break;
    std::string_view tag = html.substr(i + 1, close - i - 1);
    i = close + 1;
    const bool end_tag = !tag.empty() && tag[0] == '/';
    if (end_tag) tag.remove_prefix(1);
    std::size_t name_end = 0;
    while (name_end < tag.size() && std::isalnum(static_cast<unsigned char>(tag[name_end]))) {
      ++name_end;
    }
    const std::string name = ToLower(tag.substr(0, name_end));
    if (!end_tag && (name == "script" || name == "style" || name == "noscript" ||
                     name == "template" || name == "svg" || name == "head")) {
      const std::string closing = "</" + name;
      std::size_t pos = i;
      while (true) {
        pos = html.find("</", pos);
        if (pos == std::string_view::npos) break;
        if (ToLower(html.substr(pos, closing.size())) == closing) break;
        pos += 2;
      }
      if (pos == std::string_view::npos) {
        i = html.size();
      } else {
        const std::size_t gt = html.find('>', pos);
        i = gt == std::string_view::npos ? html.size() : gt + 1;
      }
      // <head> may hold a <title>: keep it as the top heading.
      if (name == "head") {
        const std::string_view head =
            html.substr(close + 1, pos == std::string_view::npos ? 0 : pos - close - 1);
        const std::string lower = ToLower(head);
        const std::size_t t = lower.find("<title>");
        const std::size_t te = lower.find("</title>");
        if (t != std::string::npos && te != std::string::npos && te > t) {
          std::string title = CollapseSpaces(DecodeEntities(head.substr(t + 7, te - t - 7)));
          if (!title.empty()) e.blocks.push_back({1, Block::Kind::kHeading, 1, title});
        }
      }
      continue;
    }
    if (name.size() == 2 && name[0] == 'h' && name[1] >= '1' && name[1] <= '6') {
      flush();
      heading = end_tag ? 0 : name[1] - '0';
      continue;
    }
    if (name == "td" || name == "th") {
      if (end_tag) {
        if (!row.empty()) row += " | ";
        row += CollapseSpaces(DecodeEntities(text));
        text.clear();
      } else {
        if (!in_cell_row) flush();
        in_cell_row = true;
        text.clear();
      }
      continue;
    }
    if (name == "tr" && end_tag && in_cell_row) {
      if (!row.empty()) {
        if (!e.blocks.empty() && e.blocks.back().kind == Block::Kind::kTable) {
          e.blocks.back().text += "\n" + row;
        } else {
          e.blocks.push_back({1, Block::Kind::kTable, 0, row});
        }
      }
      row.clear();
      in_cell_row = false;
      continue;
    }
    if (IsBlockTag(name)) {
      if (!in_cell_row) flush();
    } else if (!in_cell_row) {
      // inline tags: keep words apart where the markup separated them
      if (name == "span" || name == "a" || name == "b" || name == "i" || name == "strong" ||
          name == "em" || name == "u" || name == "small" || name == "sup" || name == "sub" ||
          name == "code") {
        continue;
      }
      text += ' ';
    }
  }
  flush();
  return e;
}

// ---- images ----

Result<Extracted> ExtractImage(std::string_view bytes, const ExtractLimits& limits) {
  const auto* data = reinterpret_cast<const l_uint8*>(bytes.data());
  Extracted e;
  int format = IFF_UNKNOWN;
  if (findFileFormatBuffer(data, &format) != 0) format = IFF_UNKNOWN;
  const bool tiff = format == IFF_TIFF || format == IFF_TIFF_G3 || format == IFF_TIFF_G4 ||
                    format == IFF_TIFF_LZW || format == IFF_TIFF_ZIP ||
                    format == IFF_TIFF_PACKBITS || format == IFF_TIFF_RLE ||
                    format == IFF_TIFF_JPEG;
  setMsgSeverity(L_SEVERITY_NONE);
  if (tiff) {
    for (int page = 0; page < limits.max_pages; ++page) {
      if (page == 0) {
        l_int32 hf = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
        if (pixReadHeaderMem(data, bytes.size(), &hf, &w, &h, &bps, &spp, &cmap) != 0) {
          return Bad("the TIFF is corrupt and could not be decoded");
        }
        if (w <= 0 || h <= 0 || static_cast<int64_t>(w) * h > limits.max_image_pixels) {
          return Bad(
              "the TIFF page is too large to decode (refused as a possible "
              "decompression bomb)");
        }
      }
      PIX* pix = pixReadMemTiff(data, bytes.size(), page);
      if (!pix) {
        if (page == 0) return Bad("the TIFF is corrupt and could not be decoded");
        break;
      }
      if (page >= limits.max_ocr_pages) {
        pixDestroy(&pix);
        return Bad("the TIFF has more than " + std::to_string(limits.max_ocr_pages) +
                   " pages to OCR");
      }
      auto text = OcrPix(pix, limits);
      pixDestroy(&pix);
      if (!text.ok()) return text.status();
      AppendTextBlocks(*text, page + 1, false, e.blocks);
      e.ocr_pages.push_back(page + 1);
      e.page_count = page + 1;
    }
    return e;
  }
  // Check the dimensions in the header before decoding: a small file can claim a huge raster
  // (a decompression bomb).
  l_int32 hformat = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
  if (pixReadHeaderMem(data, bytes.size(), &hformat, &w, &h, &bps, &spp, &cmap) != 0) {
    return Bad("the image is corrupt and could not be decoded");
  }
  if (w <= 0 || h <= 0 || static_cast<int64_t>(w) * h > limits.max_image_pixels) {
    return Bad("the image is " + std::to_string(w) + " x " + std::to_string(h) +
               " pixels; at most " + std::to_string(limits.max_image_pixels / 1000000) +
               " megapixels are decoded (refused as a possible decompression bomb)");
  }
  PIX* pix = pixReadMem(data, bytes.size());
  if (!pix) return Bad("the image is corrupt and could not be decoded");
  auto text = OcrPix(pix, limits);
  pixDestroy(&pix);
  if (!text.ok()) return text.status();
  AppendTextBlocks(*text, 1, false, e.blocks);
  e.ocr_pages.push_back(1);
  e.page_count = 1;
  return e;
}

Result<Extracted> Extract(Format format, std::string_view bytes, const ExtractLimits& limits) {
  switch (format) {
    case Format::kPdf:
      return ExtractPdf(bytes, limits);
    case Format::kDocx:
      return ExtractDocx(bytes, limits);
    case Format::kHtml:
      return ExtractHtml(bytes);
    case Format::kText:
      return ExtractPlainText(bytes, false);
    case Format::kMarkdown:
      return ExtractPlainText(bytes, true);
    case Format::kPng:
    case Format::kJpeg:
    case Format::kTiff:
      return ExtractImage(bytes, limits);
  }
  return Bad("unknown format");
}

PageText PageTexts(const Extracted& e) {
  PageText out;
  out.pages.resize(static_cast<std::size_t>(std::max(e.page_count, 1)));
  out.block_offsets.reserve(e.blocks.size());
  for (const Block& b : e.blocks) {
    const std::size_t p =
        static_cast<std::size_t>(std::clamp(b.page, 1, std::max(e.page_count, 1)) - 1);
    std::string& page = out.pages[p];
    if (!page.empty()) page += "\n\n";
    out.block_offsets.push_back(page.size());
    page += b.text;
  }
  return out;
}

}  // namespace signx::documents
