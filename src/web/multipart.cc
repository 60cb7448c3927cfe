#include "web/multipart.h"

#include <algorithm>
#include <cctype>

#include "base/strings.h"

namespace signx::web {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The value of `key` in a header's parameters (`form-data; name="a"; filename="b.csv"`), with
// quotes and backslash escapes removed; nullopt when absent.
std::optional<std::string> Param(std::string_view header, std::string_view key) {
  std::size_t i = 0;
  while (i < header.size()) {
    std::size_t semi = header.find(';', i);
    if (semi == std::string_view::npos) break;
    i = semi + 1;
    while (i < header.size() && (header[i] == ' ' || header[i] == '\t')) ++i;
    std::size_t eq = header.find('=', i);
    if (eq == std::string_view::npos) break;
    const std::string name = Lower(Trim(header.substr(i, eq - i)));
    i = eq + 1;
    std::string value;
    if (i < header.size() && header[i] == '"') {
      ++i;
      while (i < header.size() && header[i] != '"') {
        if (header[i] == '\\' && i + 1 < header.size()) ++i;
        value.push_back(header[i++]);
      }
      ++i;  // closing quote
    } else {
      std::size_t end = header.find(';', i);
      if (end == std::string_view::npos) end = header.size();
      value = std::string(Trim(header.substr(i, end - i)));
      i = end;
    }
    if (name == key) return value;
  }
  return std::nullopt;
}

}  // namespace

std::optional<std::string> MultipartBoundary(std::string_view content_type) {
  const std::string lower = Lower(content_type);
  if (!lower.starts_with("multipart/form-data")) return std::nullopt;
  auto b = Param(content_type, "boundary");
  if (!b || b->empty() || b->size() > 70) return std::nullopt;
  return b;
}

Result<std::vector<FormPart>> ParseMultipart(std::string_view body, std::string_view boundary,
                                             std::size_t max_parts) {
  const std::string delim = "--" + std::string(boundary);
  std::size_t pos = body.find(delim);
  if (pos == std::string_view::npos) return InvalidArgument("multipart body: no boundary");
  pos += delim.size();
  std::vector<FormPart> parts;
  while (true) {
    if (body.substr(pos, 2) == "--") return parts;  // closing delimiter
    if (body.substr(pos, 2) != "\r\n") return InvalidArgument("multipart body: bad delimiter");
    pos += 2;
    const std::size_t headers_end = body.find("\r\n\r\n", pos);
    if (headers_end == std::string_view::npos) {
      return InvalidArgument("multipart body: part without a header block");
    }
    FormPart part;
    bool form_data = false;
    for (std::string_view rest = body.substr(pos, headers_end - pos); !rest.empty();) {
      std::size_t eol = rest.find("\r\n");
      std::string_view line = rest.substr(0, eol);
      rest = eol == std::string_view::npos ? std::string_view() : rest.substr(eol + 2);
      const std::size_t colon = line.find(':');
      if (colon == std::string_view::npos) continue;
      const std::string name = Lower(Trim(line.substr(0, colon)));
      const std::string_view value = Trim(line.substr(colon + 1));
      if (name == "content-disposition") {
        form_data = Lower(value).starts_with("form-data");
        part.name = Param(value, "name").value_or("");
        part.filename = Param(value, "filename");
      } else if (name == "content-type") {
        part.content_type = std::string(value);
      }
    }
    if (!form_data || part.name.empty()) {
      return InvalidArgument("multipart body: part without Content-Disposition: form-data");
    }
    const std::size_t data_start = headers_end + 4;
    const std::size_t next = body.find("\r\n" + delim, data_start);
    if (next == std::string_view::npos) return InvalidArgument("multipart body: not terminated");
    part.data = std::string(body.substr(data_start, next - data_start));
    if (parts.size() >= max_parts) return InvalidArgument("multipart body: too many parts");
    parts.push_back(std::move(part));
    pos = next + 2 + delim.size();
  }
}

}  // namespace signx::web
