#include "csv/writer.h"

namespace signx::csv {
namespace {

bool NeedsQuotes(std::string_view field, const WriterOptions& options) {
  for (const char c : field) {
    if (c == options.delimiter || c == '"' || c == '\r' || c == '\n') return true;
    if (options.also_quote.find(c) != std::string_view::npos) return true;
  }
  return false;
}

template <typename Fields>
void AppendFields(std::string& out, const Fields& fields, const WriterOptions& options) {
  bool first = true;
  for (const auto& field : fields) {
    if (!first) out.push_back(options.delimiter);
    first = false;
    AppendField(out, field, options);
  }
  out += options.line_end;
}

}  // namespace

void AppendField(std::string& out, std::string_view field, const WriterOptions& options) {
  if (!NeedsQuotes(field, options)) {
    out += field;
    return;
  }
  out.push_back('"');
  for (const char c : field) {
    if (c == '"') out.push_back('"');
    out.push_back(c);
  }
  out.push_back('"');
}

std::string Field(std::string_view field, const WriterOptions& options) {
  std::string out;
  AppendField(out, field, options);
  return out;
}

void AppendRecord(std::string& out, std::span<const std::string> fields,
                  const WriterOptions& options) {
  AppendFields(out, fields, options);
}

void AppendRecord(std::string& out, std::initializer_list<std::string_view> fields,
                  const WriterOptions& options) {
  AppendFields(out, fields, options);
}

}  // namespace signx::csv
