#include "webhooks/webhook.h"

#include <fmt/format.h>
#include <netdb.h>
#include <sys/socket.h>

#include <algorithm>
#include <set>

#include "base/strings.h"
#include "identity/crypto.h"

namespace signx::webhooks {
namespace {

bool IsTypeChar(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' || c == '-';
}

bool IsExactType(std::string_view t) {
  if (t.empty() || t.size() > 128) return false;
  for (char c : t) {
    if (!IsTypeChar(c)) return false;
  }
  return true;
}

bool StartsWith(std::string_view s, std::string_view prefix) {
  return s.size() >= prefix.size() && s.substr(0, prefix.size()) == prefix;
}

// Why `host` (from a parsed URL) is refused by `policy` as a literal address, or "".
std::string HostProblem(std::string host, const http::AddressPolicy& policy) {
  if (!policy.enforce) return "";
  host = ToLower(host);
  if (!host.empty() && host.back() == '.') host.pop_back();
  std::vector<std::string> literals{host};
  if (host == "localhost" || host.ends_with(".localhost")) literals = {"127.0.0.1", "::1"};
  for (const auto& literal : literals) {
    addrinfo hints{};
    hints.ai_flags = AI_NUMERICHOST;
    hints.ai_socktype = SOCK_STREAM;
    addrinfo* res = nullptr;
    if (getaddrinfo(literal.c_str(), nullptr, &hints, &res) != 0) continue;  // a name
    std::string refused;
    for (const addrinfo* a = res; a != nullptr && refused.empty(); a = a->ai_next) {
      if (!policy.Allows(a->ai_addr)) refused = http::FormatAddress(a->ai_addr);
    }
    freeaddrinfo(res);
    if (!refused.empty()) {
      return "must not point to a loopback, private, link-local or reserved address (" + refused +
             "); webhooks go to public addresses only unless the operator allows the range "
             "(webhooks.allow_private_cidrs)";
    }
  }
  return "";
}

std::string UrlProblem(std::string_view url, const http::AddressPolicy& policy) {
  if (url.empty()) return "is required";
  if (url.size() > kMaxUrlBytes)
    return "must be at most " + std::to_string(kMaxUrlBytes) + " bytes";
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) return "must not contain spaces or control characters";
  }
  const std::string lower = ToLower(url.substr(0, std::min<std::size_t>(url.size(), 8)));
  std::size_t scheme_len = 0;
  if (StartsWith(lower, "https://")) {
    scheme_len = 8;
  } else if (StartsWith(lower, "http://")) {
    scheme_len = 7;
  } else {
    return "must be an http:// or https:// URL";
  }
  if (url.find('#') != std::string_view::npos) return "must not contain a fragment (#)";
  std::string_view rest = url.substr(scheme_len);
  const std::string_view authority = rest.substr(0, rest.find_first_of("/?"));
  if (authority.find('@') != std::string_view::npos) {
    return "must not contain credentials (user@host)";
  }
  auto parsed = http::ParseHttpUrl(NormalizeUrl(url));
  if (!parsed.ok() || parsed->host.empty()) return "must be an http:// or https:// URL with a host";
  return HostProblem(parsed->host, policy);
}

}  // namespace

std::string NormalizeUrl(std::string_view url) {
  std::string out(url);
  const auto colon = out.find("://");
  if (colon != std::string::npos && colon <= 5) {
    const std::string scheme = ToLower(out.substr(0, colon));
    if (scheme == "http" || scheme == "https") out.replace(0, colon, scheme);
  }
  return out;
}

bool IsValidEventTypePattern(std::string_view pattern) {
  if (pattern == "*") return true;
  if (pattern.size() > 2 && pattern.substr(pattern.size() - 2) == ".*") {
    return IsExactType(pattern.substr(0, pattern.size() - 2));
  }
  return IsExactType(pattern);
}

bool MatchesEventType(const std::vector<std::string>& patterns, std::string_view type) {
  for (const auto& p : patterns) {
    if (p == "*") return true;
    if (p.size() > 2 && p.substr(p.size() - 2) == ".*") {
      if (StartsWith(type, std::string_view(p).substr(0, p.size() - 1))) return true;
    } else if (p == type) {
      return true;
    }
  }
  return false;
}

Result<WebhookSettings> SettingsFrom(const config::WebhooksConfig& config) {
  WebhookSettings s;
  SIGNX_ASSIGN_OR_RETURN(s.client.address_policy.allow,
                         http::ParseCidrList(config.allow_private_cidrs));
  s.response_excerpt_bytes = static_cast<std::size_t>(std::max(0, config.response_excerpt_bytes));
  s.max_endpoints_per_org = config.max_endpoints_per_org;
  s.max_in_flight_per_org = config.max_in_flight_per_org;
  return s;
}

void ValidateEndpointInput(const EndpointInput& in, bool creating,
                           const http::AddressPolicy& policy, std::vector<FieldError>& errors) {
  if (in.url) {
    if (std::string problem = UrlProblem(*in.url, policy); !problem.empty()) {
      errors.push_back({"url", problem});
    }
  } else if (creating) {
    errors.push_back({"url", "is required"});
  }
  if (in.event_types) {
    const auto& types = *in.event_types;
    if (types.empty()) {
      errors.push_back({"event_types", "must list at least one event type (or \"*\")"});
    } else if (types.size() > kMaxEventTypes) {
      errors.push_back(
          {"event_types", "must list at most " + std::to_string(kMaxEventTypes) + " event types"});
    }
    std::set<std::string_view> seen;
    for (std::size_t i = 0; i < types.size(); ++i) {
      const std::string field = fmt::format("event_types[{}]", i);
      if (!IsValidEventTypePattern(types[i])) {
        errors.push_back({field,
                          "must be \"*\", an event type of a-z 0-9 _ . - (1-128 characters), or "
                          "a prefix ending in \".*\""});
      } else if (!seen.insert(types[i]).second) {
        errors.push_back({field, "is listed twice"});
      }
    }
  } else if (creating) {
    errors.push_back({"event_types", "is required"});
  }
  if (in.description && in.description->size() > kMaxDescriptionBytes) {
    errors.push_back(
        {"description", "must be at most " + std::to_string(kMaxDescriptionBytes) + " bytes"});
  }
}

std::string NewSecret() {
  auto bytes = identity::RandomBytes(32);
  SIGNX_CHECK(bytes.ok(), "RAND_bytes failed");
  return std::string(kSecretPrefix) + identity::Base64UrlEncode(*bytes);
}

std::string SignatureHeader(int64_t unix_seconds, std::string_view body,
                            const std::vector<std::string>& secrets) {
  const std::string t = std::to_string(unix_seconds);
  std::string signed_payload;
  signed_payload.reserve(t.size() + 1 + body.size());
  signed_payload.append(t).append(".").append(body);
  std::string header = "t=" + t;
  for (const auto& secret : secrets) {
    header += ",v1=" + HexEncode(identity::HmacSha256(secret, signed_payload));
  }
  return header;
}

std::string SafeExcerpt(std::string_view s, std::size_t max_bytes) {
  static constexpr std::string_view kReplacement = "\xEF\xBF\xBD";
  std::string out;
  out.reserve(std::min(s.size(), max_bytes));
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t len = 0;
    if (c >= 0x01 && c < 0x80) {
      len = 1;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
    }
    bool valid = len > 0 && i + len <= s.size();
    for (std::size_t k = 1; valid && k < len; ++k) {
      valid = (static_cast<unsigned char>(s[i + k]) & 0xC0) == 0x80;
    }
    if (valid && len >= 3) {
      const auto c1 = static_cast<unsigned char>(s[i + 1]);
      if ((c == 0xE0 && c1 < 0xA0) || (c == 0xED && c1 > 0x9F) || (c == 0xF0 && c1 < 0x90) ||
          (c == 0xF4 && c1 > 0x8F)) {
        valid = false;  // overlong, surrogate or beyond U+10FFFF
      }
    }
    const std::string_view piece = valid ? s.substr(i, len) : kReplacement;
    if (out.size() + piece.size() > max_bytes) break;
    out.append(piece);
    i += valid ? len : 1;
  }
  return out;
}

}  // namespace signx::webhooks
