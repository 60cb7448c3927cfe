// A small MIME reader for tests: splits a received message (smtp_sink.h) into its headers and its
// leaf parts, with transfer encodings (base64, quoted-printable) undone and RFC 2047 header words
// decoded — so tests check what a mail client would show, not the wire format.
// Thread-safety: pure functions.
#pragma once

#include <map>
#include <string>
#include <string_view>
#include <vector>

namespace signx::mail::testing {

struct MimePart {
  std::map<std::string, std::string> headers;  // lower-case names, unfolded values
  std::string content_type;                    // "text/plain" (parameters stripped, lower case)
  std::string filename;                        // from Content-Disposition, or ""
  std::string body;                            // decoded bytes
};

struct MimeMessage {
  std::map<std::string, std::string> headers;  // top-level headers, lower-case names, unfolded
  std::string subject;                         // RFC 2047 words decoded
  std::vector<MimePart> parts;                 // leaf parts in order (depth first)
  // The first leaf of this content type, or nullptr.
  const MimePart* Find(std::string_view content_type) const;
};

MimeMessage ParseMime(std::string_view data);

// Decoders (invalid input is skipped, not reported).
std::string DecodeBase64(std::string_view text);
std::string DecodeQuotedPrintable(std::string_view text);
std::string DecodeHeaderWords(std::string_view text);

}  // namespace signx::mail::testing
