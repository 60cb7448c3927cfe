#include "documents/sniff.h"

#include <zip.h>

#include <algorithm>
#include <cstring>

#include "base/strings.h"

namespace signx::documents {
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.compare(0, prefix.size(), prefix) == 0;
}

// The names in a ZIP archive's central directory contain "word/document.xml": a DOCX. Read with
// libzip from memory; only the directory is read, nothing is decompressed.
bool ZipHasEntry(std::string_view bytes, const char* name) {
  zip_error_t err;
  zip_error_init(&err);
  zip_source_t* src = zip_source_buffer_create(bytes.data(), bytes.size(), 0, &err);
  if (!src) return false;
  zip_t* za = zip_open_from_source(src, ZIP_RDONLY, &err);
  if (!za) {
    zip_source_free(src);
    zip_error_fini(&err);
    return false;
  }
  const bool has = zip_name_locate(za, name, 0) >= 0;
  zip_discard(za);
  zip_error_fini(&err);
  return has;
}

std::string_view SkipBomAndSpace(std::string_view s) {
  if (StartsWith(s, "\xEF\xBB\xBF")) s.remove_prefix(3);
  while (!s.empty() && (s[0] == ' ' || s[0] == '\t' || s[0] == '\r' || s[0] == '\n')) {
    s.remove_prefix(1);
  }
  return s;
}

bool LooksLikeHtml(std::string_view head) {
  const std::string lower = ToLower(SkipBomAndSpace(head.substr(0, 2048)));
  if (StartsWith(lower, "<!doctype html") || StartsWith(lower, "<html")) return true;
  return lower.find("<html") != std::string::npos ||
         (lower.find("<body") != std::string::npos && lower.find("</") != std::string::npos) ||
         (StartsWith(lower, "<") &&
          (lower.find("<p>") != std::string::npos || lower.find("<div") != std::string::npos ||
           lower.find("<h1") != std::string::npos));
}

bool LooksLikeMarkdown(std::string_view text) {
  int signals = 0;
  std::size_t start = 0;
  int lines = 0;
  while (start < text.size() && lines < 400) {
    std::size_t end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    ++lines;
    if (StartsWith(line, "# ") || StartsWith(line, "## ") || StartsWith(line, "### ")) {
      signals += 2;
    } else if (StartsWith(line, "```") || StartsWith(line, "- [ ]") || StartsWith(line, "- [x]")) {
      signals += 2;
    } else if (line.find("](") != std::string_view::npos &&
               line.find('[') != std::string_view::npos) {
      ++signals;
    } else if (StartsWith(line, "**") || StartsWith(line, "|---") || StartsWith(line, "| ---")) {
      ++signals;
    }
    start = end + 1;
  }
  return signals >= 2;
}

// Text when it is valid UTF-8 without NULs and (nearly) no control characters.
bool LooksLikeText(std::string_view bytes) {
  std::string_view head = bytes.substr(0, 64 * 1024);
  // Do not cut a multi-byte character in half at the sample's end.
  while (!head.empty() && head.size() < bytes.size() &&
         (static_cast<unsigned char>(head.back()) & 0xC0) == 0x80) {
    head.remove_suffix(1);
  }
  if (!head.empty() && head.size() < bytes.size() &&
      (static_cast<unsigned char>(head.back()) & 0xC0) == 0xC0) {
    head.remove_suffix(1);
  }
  if (!IsValidUtf8(head)) return false;
  int control = 0;
  for (unsigned char c : head) {
    if (c == 0) return false;
    if (c < 0x20 && c != '\n' && c != '\r' && c != '\t' && c != '\f') ++control;
  }
  return control * 100 <= static_cast<int>(head.size());
}

bool SameFamily(std::string_view a, std::string_view b) {
  auto text = [](std::string_view t) {
    return t == "text/plain" || t == "text/markdown" || t == "text/html";
  };
  if (a == b) return true;
  if (text(a) && text(b)) return true;
  // image/jpg and image/tif are common misspellings.
  return false;
}

void Normalise(std::string_view media_type, std::string& t) {
  const std::size_t semi = media_type.find(';');
  t = ToLower(Trim(semi == std::string_view::npos ? media_type : media_type.substr(0, semi)));
  if (t == "image/jpg" || t == "image/pjpeg") t = "image/jpeg";
  if (t == "image/tif") t = "image/tiff";
  if (t == "text/x-markdown") t = "text/markdown";
  if (t == "application/xhtml+xml") t = "text/html";
}

}  // namespace

std::string_view MediaType(Format f) {
  switch (f) {
    case Format::kPdf:
      return "application/pdf";
    case Format::kDocx:
      return "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
    case Format::kText:
      return "text/plain";
    case Format::kMarkdown:
      return "text/markdown";
    case Format::kHtml:
      return "text/html";
    case Format::kPng:
      return "image/png";
    case Format::kJpeg:
      return "image/jpeg";
    case Format::kTiff:
      return "image/tiff";
  }
  return "application/octet-stream";
}

std::optional<Format> FormatFromMediaType(std::string_view media_type) {
  for (Format f : {Format::kPdf, Format::kDocx, Format::kText, Format::kMarkdown, Format::kHtml,
                   Format::kPng, Format::kJpeg, Format::kTiff}) {
    if (MediaType(f) == media_type) return f;
  }
  return std::nullopt;
}

bool IsImage(Format f) { return f == Format::kPng || f == Format::kJpeg || f == Format::kTiff; }

Sniffed Sniff(std::string_view b) {
  auto known = [](Format f) { return Sniffed{std::string(MediaType(f)), f}; };
  auto other = [](std::string_view t) { return Sniffed{std::string(t), std::nullopt}; };
  if (b.empty()) return other("application/x-empty");
  if (StartsWith(b, "%PDF-")) return known(Format::kPdf);
  // A PDF may have junk before the header (up to 1024 bytes, as readers allow).
  if (auto p = b.substr(0, 1024).find("%PDF-");
      p != std::string_view::npos && p > 0 && !LooksLikeText(b.substr(0, p))) {
    return known(Format::kPdf);
  }
  if (StartsWith(b, "\x89PNG\r\n\x1a\n")) return known(Format::kPng);
  if (StartsWith(b, "\xFF\xD8\xFF")) return known(Format::kJpeg);
  if (StartsWith(b, std::string_view("II*\0", 4)) || StartsWith(b, std::string_view("MM\0*", 4))) {
    return known(Format::kTiff);
  }
  if (StartsWith(b, "GIF87a") || StartsWith(b, "GIF89a")) return other("image/gif");
  if (StartsWith(b, "RIFF") && b.size() >= 12 && b.substr(8, 4) == "WEBP") {
    return other("image/webp");
  }
  if (StartsWith(b, "BM") && b.size() > 26 && b[14] >= 12 && b[14] <= 124 && b[15] == 0) {
    return other("image/bmp");
  }
  if (StartsWith(b, "PK\x03\x04") || StartsWith(b, "PK\x05\x06")) {
    if (ZipHasEntry(b, "word/document.xml")) return known(Format::kDocx);
    if (ZipHasEntry(b, "xl/workbook.xml")) {
      return other("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet");
    }
    if (ZipHasEntry(b, "ppt/presentation.xml")) {
      return other("application/vnd.openxmlformats-officedocument.presentationml.presentation");
    }
    return other("application/zip");
  }
  if (StartsWith(b, "\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1")) return other("application/x-ole-storage");
  if (StartsWith(b,
                 "\x7F"
                 "ELF"))
    return other("application/x-executable");
  if (StartsWith(b, "MZ")) return other("application/vnd.microsoft.portable-executable");
  if (StartsWith(b, "\x1F\x8B")) return other("application/gzip");
  if (StartsWith(b, "7z\xBC\xAF\x27\x1C")) return other("application/x-7z-compressed");
  if (StartsWith(b, "Rar!")) return other("application/vnd.rar");
  if (StartsWith(b, "{\\rtf")) return other("application/rtf");
  if (!LooksLikeText(b)) return other("application/octet-stream");
  if (LooksLikeHtml(b)) return known(Format::kHtml);
  if (StartsWith(SkipBomAndSpace(b), "<?xml")) return other("application/xml");
  if (LooksLikeMarkdown(b.substr(0, 64 * 1024))) return known(Format::kMarkdown);
  return known(Format::kText);
}

std::optional<std::string> DeclaredType(std::string_view content_type, std::string_view filename) {
  std::string ct;
  Normalise(content_type, ct);
  if (!ct.empty() && ct != "application/octet-stream" && !StartsWith(ct, "multipart/") &&
      ct != "application/x-www-form-urlencoded" && ct != "binary/octet-stream") {
    return ct;
  }
  const auto dot = filename.rfind('.');
  if (dot == std::string_view::npos) return std::nullopt;
  const std::string ext = ToLower(filename.substr(dot + 1));
  static constexpr std::pair<std::string_view, std::string_view> kExt[] = {
      {"pdf", "application/pdf"},
      {"docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
      {"txt", "text/plain"},
      {"text", "text/plain"},
      {"md", "text/markdown"},
      {"markdown", "text/markdown"},
      {"html", "text/html"},
      {"htm", "text/html"},
      {"png", "image/png"},
      {"jpg", "image/jpeg"},
      {"jpeg", "image/jpeg"},
      {"tif", "image/tiff"},
      {"tiff", "image/tiff"},
      {"gif", "image/gif"},
      {"doc", "application/msword"},
      {"xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"},
      {"zip", "application/zip"},
      {"exe", "application/vnd.microsoft.portable-executable"}};
  for (const auto& [e, t] : kExt) {
    if (ext == e) return std::string(t);
  }
  return std::nullopt;
}

Result<Format> CheckUpload(std::string_view bytes, std::string_view content_type,
                           std::string_view filename) {
  const Sniffed found = Sniff(bytes);
  if (!found.format) {
    return Status(ErrorCode::kUnsupportedMediaType,
                  "unsupported file type: the content is " + found.media_type +
                      "; documents accepts PDF, DOCX, plain text, Markdown, HTML, PNG, JPEG and "
                      "TIFF");
  }
  if (auto declared = DeclaredType(content_type, filename);
      declared && !SameFamily(*declared, found.media_type)) {
    return Status(ErrorCode::kUnsupportedMediaType,
                  "the file claims to be " + *declared + " but its content is " + found.media_type);
  }
  return *found.format;
}

}  // namespace signx::documents
