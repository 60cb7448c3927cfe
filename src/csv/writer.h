// CSV writing (RFC 4180): every CSV export of SignX formats its fields and records here.
//
// A field is quoted when it holds the delimiter, a double quote, CR or LF (or one of
// `also_quote`); a double quote inside is doubled. Records end with `line_end` (CRLF by default,
// as RFC 4180 says). Pure functions; thread-safe.
#pragma once

#include <initializer_list>
#include <span>
#include <string>
#include <string_view>

namespace signx::csv {

struct WriterOptions {
  char delimiter = ',';
  std::string_view line_end = "\r\n";
  // More characters that make a field quoted, e.g. ";\t|" so that a reader that guesses the
  // delimiter (DetectDelimiter) cannot split a field.
  std::string_view also_quote = "";
};

// Appends `field`, quoted when needed.
void AppendField(std::string& out, std::string_view field, const WriterOptions& options = {});

// `field`, quoted when needed (for writers that format whole lines themselves).
std::string Field(std::string_view field, const WriterOptions& options = {});

// Appends the fields separated by the delimiter, then the line end.
void AppendRecord(std::string& out, std::span<const std::string> fields,
                  const WriterOptions& options = {});
void AppendRecord(std::string& out, std::initializer_list<std::string_view> fields,
                  const WriterOptions& options = {});

}  // namespace signx::csv
