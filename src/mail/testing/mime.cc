#include "mail/testing/mime.h"

#include <openssl/evp.h>

#include <algorithm>
#include <cctype>

namespace signx::mail::testing {
namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view TrimWs(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Splits at the first blank line into (header block, body).
void SplitHead(std::string_view data, std::map<std::string, std::string>& headers,
               std::string_view& body) {
  std::size_t end = data.find("\r\n\r\n");
  std::string_view head;
  if (end == std::string_view::npos) {
    head = data;
    body = {};
  } else {
    head = data.substr(0, end);
    body = data.substr(end + 4);
  }
  std::string name, value;
  auto flush = [&] {
    if (!name.empty()) headers[Lower(name)] = std::string(TrimWs(value));
    name.clear();
    value.clear();
  };
  std::size_t pos = 0;
  while (pos <= head.size()) {
    std::size_t eol = head.find("\r\n", pos);
    if (eol == std::string_view::npos) eol = head.size();
    const std::string_view line = head.substr(pos, eol - pos);
    if (!line.empty() && (line[0] == ' ' || line[0] == '\t')) {
      value += " ";
      value += TrimWs(line);
    } else if (const std::size_t colon = line.find(':'); colon != std::string_view::npos) {
      flush();
      name = std::string(line.substr(0, colon));
      value = std::string(line.substr(colon + 1));
    }
    pos = eol + 2;
  }
  flush();
}

// The value of parameter `param` in a header value ("multipart/mixed; boundary=\"x\"").
std::string Param(std::string_view value, std::string_view param) {
  const std::string lower = Lower(value);
  const std::string key = std::string(param) + "=";
  std::size_t at = 0;
  while ((at = lower.find(key, at)) != std::string::npos) {
    if (at == 0 || lower[at - 1] == ';' || lower[at - 1] == ' ' || lower[at - 1] == '\t') break;
    ++at;
  }
  if (at == std::string::npos) return "";
  std::string_view rest = value.substr(at + key.size());
  if (!rest.empty() && rest.front() == '"') {
    rest.remove_prefix(1);
    return std::string(rest.substr(0, rest.find('"')));
  }
  return std::string(TrimWs(rest.substr(0, rest.find(';'))));
}

void ParseEntity(std::string_view data, std::vector<MimePart>& out,
                 std::map<std::string, std::string>* top_headers) {
  std::map<std::string, std::string> headers;
  std::string_view body;
  SplitHead(data, headers, body);
  if (top_headers) *top_headers = headers;
  const std::string ct = headers.count("content-type") ? headers["content-type"] : "text/plain";
  std::string type = Lower(TrimWs(std::string_view(ct).substr(0, ct.find(';'))));
  if (type.rfind("multipart/", 0) == 0) {
    const std::string boundary = "--" + Param(ct, "boundary");
    std::size_t pos = body.find(boundary);
    while (pos != std::string_view::npos) {
      std::size_t start = pos + boundary.size();
      if (body.substr(start, 2) == "--") break;
      start = body.find("\r\n", start);
      if (start == std::string_view::npos) break;
      start += 2;
      const std::size_t next = body.find("\r\n" + boundary, start);
      if (next == std::string_view::npos) break;
      ParseEntity(body.substr(start, next - start), out, nullptr);
      pos = next + 2;
    }
    return;
  }
  MimePart part;
  part.headers = headers;
  part.content_type = type;
  if (headers.count("content-disposition")) {
    part.filename = Param(headers["content-disposition"], "filename");
  }
  const std::string enc =
      headers.count("content-transfer-encoding") ? Lower(headers["content-transfer-encoding"]) : "";
  if (enc == "base64") {
    part.body = DecodeBase64(body);
  } else if (enc == "quoted-printable") {
    part.body = DecodeQuotedPrintable(body);
  } else {
    part.body = std::string(body);
  }
  out.push_back(std::move(part));
}

}  // namespace

const MimePart* MimeMessage::Find(std::string_view content_type) const {
  for (const auto& p : parts) {
    if (p.content_type == content_type) return &p;
  }
  return nullptr;
}

MimeMessage ParseMime(std::string_view data) {
  MimeMessage m;
  ParseEntity(data, m.parts, &m.headers);
  if (m.headers.count("subject")) m.subject = DecodeHeaderWords(m.headers["subject"]);
  return m;
}

std::string DecodeBase64(std::string_view text) {
  std::string clean;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '+' || c == '/' || c == '=') {
      clean.push_back(c);
    }
  }
  if (clean.empty() || clean.size() % 4 != 0) return "";
  std::string out(clean.size() / 4 * 3, '\0');
  const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(clean.data()),
                                static_cast<int>(clean.size()));
  if (n < 0) return "";
  std::size_t pad = 0;
  if (clean.size() >= 1 && clean[clean.size() - 1] == '=') ++pad;
  if (clean.size() >= 2 && clean[clean.size() - 2] == '=') ++pad;
  out.resize(static_cast<std::size_t>(n) - pad);
  return out;
}

std::string DecodeQuotedPrintable(std::string_view text) {
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '=') {
      out.push_back(text[i]);
      continue;
    }
    if (text.substr(i + 1, 2) == "\r\n") {  // soft line break
      i += 2;
      continue;
    }
    if (i + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[i + 1])) &&
        std::isxdigit(static_cast<unsigned char>(text[i + 2]))) {
      out.push_back(static_cast<char>(std::stoi(std::string(text.substr(i + 1, 2)), nullptr, 16)));
      i += 2;
      continue;
    }
    out.push_back('=');
  }
  return out;
}

std::string DecodeHeaderWords(std::string_view text) {
  std::string out;
  std::size_t pos = 0;
  bool last_was_word = false;
  while (pos < text.size()) {
    const std::size_t start = text.find("=?", pos);
    if (start == std::string_view::npos) {
      out += text.substr(pos);
      break;
    }
    const std::string_view between = text.substr(pos, start - pos);
    if (!(last_was_word && TrimWs(between).empty())) out += between;
    const std::size_t q1 = text.find('?', start + 2);
    const std::size_t q2 = q1 == std::string_view::npos ? q1 : text.find('?', q1 + 1);
    const std::size_t end = q2 == std::string_view::npos ? q2 : text.find("?=", q2 + 1);
    if (end == std::string_view::npos) {
      out += text.substr(start);
      break;
    }
    const char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(text[q1 + 1])));
    const std::string_view payload = text.substr(q2 + 1, end - q2 - 1);
    if (enc == 'B') {
      out += DecodeBase64(payload);
    } else {
      std::string qp(payload);
      std::replace(qp.begin(), qp.end(), '_', ' ');
      out += DecodeQuotedPrintable(qp);
    }
    last_was_word = true;
    pos = end + 2;
  }
  return out;
}

}  // namespace signx::mail::testing
