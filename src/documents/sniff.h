// What an uploaded file is, from its bytes (never from its name): the media types documents
// accepts, the ones it recognises and refuses, and the check that a declared type (Content-Type
// or file extension) does not contradict the content.
//
// Thread-safety: pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

#include "base/status.h"

namespace signx::documents {

enum class Format { kPdf, kDocx, kText, kMarkdown, kHtml, kPng, kJpeg, kTiff };

std::string_view MediaType(Format f);  // "application/pdf", ...
std::optional<Format> FormatFromMediaType(std::string_view media_type);
bool IsImage(Format f);

struct Sniffed {
  std::string media_type;        // what the bytes are ("application/pdf", "image/gif", ...)
  std::optional<Format> format;  // set when documents can process it
};

// Looks at the content: magic numbers (PDF, PNG, JPEG, TIFF, GIF, ZIP and the DOCX inside,
// OLE2, ELF, PE, gzip), else UTF-8 text classified as HTML, Markdown or plain text.
Sniffed Sniff(std::string_view bytes);

// The media type a client claims: the Content-Type header unless it is generic
// (application/octet-stream, multipart), else the filename's extension; nullopt when neither says.
std::optional<std::string> DeclaredType(std::string_view content_type, std::string_view filename);

// OK when the content is a supported type and any declared type agrees with it (the text family
// text/plain, text/markdown and text/html agree with each other); otherwise
// kUnsupportedMediaType naming what was found (and what was declared).
Result<Format> CheckUpload(std::string_view bytes, std::string_view content_type,
                           std::string_view filename);

}  // namespace signx::documents
