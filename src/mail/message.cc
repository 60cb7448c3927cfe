#include "mail/message.h"

#include <fmt/format.h>
#include <openssl/evp.h>

#include <algorithm>

namespace signx::mail {
namespace {

bool HasCrLf(std::string_view s) { return s.find_first_of("\r\n") != std::string_view::npos; }

bool IsPrintableAscii(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) {
    const auto u = static_cast<unsigned char>(c);
    return u >= 0x20 && u < 0x7f;
  });
}

std::string_view Trim(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

// Splits "Name <addr>" into its two parts; a bare address has an empty name.
bool SplitMailbox(std::string_view mailbox, std::string_view& name, std::string_view& addr) {
  mailbox = Trim(mailbox);
  const std::size_t lt = mailbox.rfind('<');
  if (lt == std::string_view::npos) {
    name = {};
    addr = mailbox;
    return true;
  }
  if (mailbox.back() != '>') return false;
  name = Trim(mailbox.substr(0, lt));
  addr = mailbox.substr(lt + 1, mailbox.size() - lt - 2);
  if (name.size() >= 2 && name.front() == '"' && name.back() == '"') {
    name = name.substr(1, name.size() - 2);
  }
  return true;
}

bool IsValidAddress(std::string_view addr) {
  if (addr.empty() || addr.size() > kMaxAddressBytes) return false;
  for (char c : addr) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u >= 0x7f || c == '<' || c == '>' || c == '"' || c == ',' || c == ';' ||
        c == '\\' || c == '(' || c == ')') {
      return false;
    }
  }
  const std::size_t at = addr.rfind('@');
  if (at == std::string_view::npos || at == 0 || at + 1 == addr.size()) return false;
  if (addr.find('@') != at) return false;
  const std::string_view domain = addr.substr(at + 1);
  if (domain.front() == '[') return domain.back() == ']' && domain.size() > 2;
  if (domain.find('.') == std::string_view::npos || domain.front() == '.' || domain.back() == '.' ||
      domain.find("..") != std::string_view::npos) {
    return false;
  }
  return true;
}

std::string Base64(std::string_view bytes) {
  std::string out(4 * ((bytes.size() + 2) / 3), '\0');
  const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                reinterpret_cast<const unsigned char*>(bytes.data()),
                                static_cast<int>(bytes.size()));
  out.resize(static_cast<std::size_t>(n));
  return out;
}

// Length of the UTF-8 sequence starting with byte `c` (1 for stray continuation bytes).
std::size_t Utf8Len(unsigned char c) {
  if (c >= 0xf0) return 4;
  if (c >= 0xe0) return 3;
  if (c >= 0xc0) return 2;
  return 1;
}

void CheckMailboxes(const std::vector<std::string>& list, const char* field,
                    std::vector<FieldError>& errors) {
  for (std::size_t i = 0; i < list.size(); ++i) {
    if (auto a = MailboxAddress(list[i]); !a.ok()) {
      errors.push_back({fmt::format("{}[{}]", field, i), std::string(a.status().message())});
    }
  }
}

}  // namespace

Result<std::string> MailboxAddress(std::string_view mailbox) {
  if (HasCrLf(mailbox)) return InvalidArgument("a mailbox must be one line");
  std::string_view name, addr;
  if (!SplitMailbox(mailbox, name, addr)) {
    return InvalidArgument(fmt::format("'{}' is not a mailbox (addr@host or Name <addr@host>)",
                                       mailbox.substr(0, 100)));
  }
  if (!IsValidAddress(addr)) {
    return InvalidArgument(
        fmt::format("'{}' is not an e-mail address (local@domain)", addr.substr(0, 100)));
  }
  if (name.find_first_of("<>\"") != std::string_view::npos) {
    return InvalidArgument("a display name must not contain <, > or \"");
  }
  return std::string(addr);
}

std::vector<FieldError> ValidateMessage(const Message& m) {
  std::vector<FieldError> e;
  if (!m.from.empty()) {
    if (auto a = MailboxAddress(m.from); !a.ok()) {
      e.push_back({"from", std::string(a.status().message())});
    }
  }
  const std::size_t recipients = m.to.size() + m.cc.size() + m.bcc.size();
  if (recipients == 0) e.push_back({"to", "at least one recipient (to, cc or bcc) is required"});
  if (recipients > kMaxRecipients) {
    e.push_back({"to", fmt::format("at most {} recipients, got {}", kMaxRecipients, recipients)});
  }
  CheckMailboxes(m.to, "to", e);
  CheckMailboxes(m.cc, "cc", e);
  CheckMailboxes(m.bcc, "bcc", e);
  if (!m.reply_to.empty()) {
    if (auto a = MailboxAddress(m.reply_to); !a.ok()) {
      e.push_back({"reply_to", std::string(a.status().message())});
    }
  }
  if (HasCrLf(m.subject)) e.push_back({"subject", "must be one line"});
  if (m.subject.size() > kMaxSubjectBytes) {
    e.push_back({"subject", fmt::format("at most {} bytes", kMaxSubjectBytes)});
  }
  if (m.text.empty()) e.push_back({"text", "a text/plain body is required"});
  if (m.attachments.size() > kMaxAttachments) {
    e.push_back({"attachments", fmt::format("at most {} attachments", kMaxAttachments)});
  }
  for (std::size_t i = 0; i < m.attachments.size(); ++i) {
    const auto& a = m.attachments[i];
    const std::string field = fmt::format("attachments[{}]", i);
    if (a.filename.empty() || a.filename.size() > kMaxFilenameBytes || HasCrLf(a.filename) ||
        a.filename.find_first_of("/\\\"") != std::string::npos) {
      e.push_back({field + ".filename",
                   fmt::format("1..{} bytes without /, \\, \" or line breaks", kMaxFilenameBytes)});
    }
    const std::string_view ct = a.content_type;
    if (!ct.empty() && (ct.find('/') == std::string_view::npos || !IsPrintableAscii(ct) ||
                        ct.find_first_of(" ;\"") != std::string_view::npos)) {
      e.push_back({field + ".content_type", "must be type/subtype (\"application/pdf\")"});
    }
  }
  for (std::size_t i = 0; i < m.headers.size(); ++i) {
    const auto& [name, value] = m.headers[i];
    const bool name_ok = name.size() > 2 && name.size() <= 64 &&
                         (name[0] == 'X' || name[0] == 'x') && name[1] == '-' &&
                         std::all_of(name.begin(), name.end(), [](char c) {
                           return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                                  (c >= '0' && c <= '9') || c == '-';
                         });
    if (!name_ok || !IsPrintableAscii(value) || value.size() > 900) {
      e.push_back({fmt::format("headers[{}]", i),
                   "an X- header name of [A-Za-z0-9-] and a printable ASCII value"});
    }
  }
  return e;
}

std::string EncodeHeaderText(std::string_view text) {
  if (IsPrintableAscii(text)) return std::string(text);
  // "=?UTF-8?B?" + base64 + "?=" <= 75 characters: at most 45 bytes of text per word.
  constexpr std::size_t kMaxChunk = 45;
  std::string out;
  std::size_t i = 0;
  while (i < text.size()) {
    std::size_t end = i;
    while (end < text.size()) {
      const std::size_t len = Utf8Len(static_cast<unsigned char>(text[end]));
      if (end + len - i > kMaxChunk) break;
      end += len;
    }
    if (end == i) end = std::min(text.size(), i + kMaxChunk);
    if (!out.empty()) out += "\r\n ";
    out += "=?UTF-8?B?" + Base64(text.substr(i, end - i)) + "?=";
    i = end;
  }
  return out;
}

std::string EncodeMailbox(std::string_view mailbox) {
  std::string_view name, addr;
  SplitMailbox(mailbox, name, addr);
  if (name.empty()) return "<" + std::string(addr) + ">";
  std::string shown;
  if (!IsPrintableAscii(name)) {
    shown = EncodeHeaderText(name);
  } else if (name.find_first_of("()<>[]:;@\\,.\"") != std::string_view::npos) {
    shown = "\"" + std::string(name) + "\"";
  } else {
    shown = std::string(name);
  }
  return shown + " <" + std::string(addr) + ">";
}

}  // namespace signx::mail
