#include "web/security.h"

#include <fmt/format.h>

#include "base/strings.h"
#include "identity/crypto.h"

namespace signx::web {

namespace {

std::optional<std::string> HexDecode(std::string_view hex) {
  if (hex.size() % 2 != 0) return std::nullopt;
  auto nibble = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
  };
  std::string out;
  out.reserve(hex.size() / 2);
  for (std::size_t i = 0; i < hex.size(); i += 2) {
    const int hi = nibble(hex[i]);
    const int lo = nibble(hex[i + 1]);
    if (hi < 0 || lo < 0) return std::nullopt;
    out.push_back(static_cast<char>(hi * 16 + lo));
  }
  return out;
}

}  // namespace

Signer::Signer(std::string secret)
    : key_(secret.empty() ? identity::RandomHex(32) : std::move(secret)) {}

std::string Signer::NewCsrfCookie() { return identity::RandomHex(32); }

std::string Signer::Mac(std::string_view purpose, std::string_view data) const {
  std::string msg;
  msg.reserve(purpose.size() + 1 + data.size());
  msg.append(purpose).append("|").append(data);
  return HexEncode(identity::HmacSha256(key_, msg));
}

std::string Signer::CsrfToken(std::string_view cookie, std::string_view binding) const {
  return Mac("csrf", std::string(cookie) + "|" + std::string(binding));
}

bool Signer::VerifyCsrf(std::string_view cookie, std::string_view binding,
                        std::string_view token) const {
  if (cookie.empty() || token.empty()) return false;
  return identity::ConstantTimeEquals(CsrfToken(cookie, binding), token);
}

std::string Signer::Sign(std::string_view purpose, std::string_view value) const {
  return HexEncode(value) + "." + Mac(purpose, value);
}

std::optional<std::string> Signer::Verify(std::string_view purpose,
                                          std::string_view signed_value) const {
  const auto dot = signed_value.find('.');
  if (dot == std::string_view::npos) return std::nullopt;
  auto value = HexDecode(signed_value.substr(0, dot));
  if (!value) return std::nullopt;
  if (!identity::ConstantTimeEquals(Mac(purpose, *value), signed_value.substr(dot + 1))) {
    return std::nullopt;
  }
  return value;
}

std::map<std::string, std::string, std::less<>> ParseCookies(std::string_view header) {
  std::map<std::string, std::string, std::less<>> out;
  for (std::string_view part : Split(header, ';')) {
    part = Trim(part);
    const auto eq = part.find('=');
    if (eq == std::string_view::npos || eq == 0) continue;
    std::string_view name = Trim(part.substr(0, eq));
    std::string_view value = Trim(part.substr(eq + 1));
    if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
      value = value.substr(1, value.size() - 2);
    }
    out.emplace(std::string(name), std::string(value));
  }
  return out;
}

std::string SetCookie(std::string_view name, std::string_view value, const CookieOptions& options) {
  std::string out = fmt::format("{}={}; Path={}", name, value, options.path);
  if (options.max_age_seconds) out += fmt::format("; Max-Age={}", *options.max_age_seconds);
  if (options.http_only) out += "; HttpOnly";
  if (options.secure) out += "; Secure";
  if (!options.same_site.empty()) out += "; SameSite=" + options.same_site;
  return out;
}

}  // namespace signx::web
