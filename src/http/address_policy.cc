#include "http/address_policy.h"

#include <arpa/inet.h>
#include <netinet/in.h>

#include <charconv>
#include <cstring>
#include <optional>

namespace signx::http {
namespace {

// An address reduced to what the rules look at: IPv4 (4 bytes) or IPv6 (16 bytes).
struct Ip {
  int family = AF_UNSPEC;
  std::array<uint8_t, 16> bytes{};
};

bool IsMappedOrNat64(const uint8_t* b) {
  static constexpr uint8_t kMapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
  static constexpr uint8_t kNat64[12] = {0, 0x64, 0xff, 0x9b, 0, 0, 0, 0, 0, 0, 0, 0};
  return std::memcmp(b, kMapped, 12) == 0 || std::memcmp(b, kNat64, 12) == 0;
}

std::optional<Ip> FromSockaddr(const sockaddr* addr) {
  if (addr == nullptr) return std::nullopt;
  Ip ip;
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    ip.family = AF_INET;
    std::memcpy(ip.bytes.data(), &in->sin_addr, 4);
    return ip;
  }
  if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    const auto* b = reinterpret_cast<const uint8_t*>(&in6->sin6_addr);
    if (IsMappedOrNat64(b)) {
      ip.family = AF_INET;
      std::memcpy(ip.bytes.data(), b + 12, 4);
    } else {
      ip.family = AF_INET6;
      std::memcpy(ip.bytes.data(), b, 16);
    }
    return ip;
  }
  return std::nullopt;
}

// True when the first `prefix_len` bits of `a` and `b` agree.
bool PrefixMatches(const uint8_t* a, const uint8_t* b, int prefix_len) {
  const int whole = prefix_len / 8;
  if (std::memcmp(a, b, static_cast<std::size_t>(whole)) != 0) return false;
  const int rest = prefix_len % 8;
  if (rest == 0) return true;
  const auto mask = static_cast<uint8_t>(0xff << (8 - rest));
  return (a[whole] & mask) == (b[whole] & mask);
}

struct Range {
  std::array<uint8_t, 16> bytes;
  int prefix_len;
};

// IPv4 ranges that are not public (see the header).
constexpr Range kV4Blocked[] = {
    {{0, 0, 0, 0}, 8},      {{10, 0, 0, 0}, 8},     {{100, 64, 0, 0}, 10}, {{127, 0, 0, 0}, 8},
    {{169, 254, 0, 0}, 16}, {{172, 16, 0, 0}, 12},  {{192, 0, 0, 0}, 24},  {{192, 0, 2, 0}, 24},
    {{192, 88, 99, 0}, 24}, {{192, 168, 0, 0}, 16}, {{198, 18, 0, 0}, 15}, {{198, 51, 100, 0}, 24},
    {{203, 0, 113, 0}, 24}, {{224, 0, 0, 0}, 4},    {{240, 0, 0, 0}, 4},  // incl. broadcast
};

// Non-public ranges inside 2000::/3 (everything outside 2000::/3 is not public).
constexpr Range kV6BlockedInGlobal[] = {
    {{0x20, 0x01, 0x00, 0x00}, 23},  // IETF protocol assignments (Teredo, ORCHID, ...)
    {{0x20, 0x01, 0x0d, 0xb8}, 32},  // documentation
    {{0x20, 0x02}, 16},              // 6to4
    {{0x3f, 0xff, 0x00, 0x00}, 20},  // documentation (RFC 9637)
};

bool IsPublicIp(const Ip& ip) {
  if (ip.family == AF_INET) {
    for (const auto& r : kV4Blocked) {
      if (PrefixMatches(ip.bytes.data(), r.bytes.data(), r.prefix_len)) return false;
    }
    return true;
  }
  if (ip.family != AF_INET6) return false;
  if ((ip.bytes[0] & 0xe0) != 0x20) return false;  // outside 2000::/3
  for (const auto& r : kV6BlockedInGlobal) {
    if (PrefixMatches(ip.bytes.data(), r.bytes.data(), r.prefix_len)) return false;
  }
  return true;
}

bool Contains(const Cidr& cidr, const Ip& ip) {
  return cidr.family == ip.family &&
         PrefixMatches(cidr.bytes.data(), ip.bytes.data(), cidr.prefix_len);
}

}  // namespace

Result<Cidr> ParseCidr(std::string_view text) {
  const std::size_t slash = text.find('/');
  const std::string host(text.substr(0, slash));
  Cidr out;
  uint8_t buf[16] = {};
  if (inet_pton(AF_INET, host.c_str(), buf) == 1) {
    out.family = AF_INET;
    std::memcpy(out.bytes.data(), buf, 4);
    out.prefix_len = 32;
  } else if (inet_pton(AF_INET6, host.c_str(), buf) == 1) {
    out.family = AF_INET6;
    std::memcpy(out.bytes.data(), buf, 16);
    out.prefix_len = 128;
  } else {
    return InvalidArgument("'" + std::string(text) + "' is not an IP address or CIDR range");
  }
  if (slash != std::string_view::npos) {
    const std::string_view len = text.substr(slash + 1);
    int value = -1;
    auto [p, ec] = std::from_chars(len.data(), len.data() + len.size(), value);
    if (len.empty() || ec != std::errc() || p != len.data() + len.size() || value < 0 ||
        value > out.prefix_len) {
      return InvalidArgument("'" + std::string(text) + "' has a prefix length outside 0.." +
                             std::to_string(out.prefix_len));
    }
    out.prefix_len = value;
  }
  // ::ffff:a.b.c.d/n (n >= 96) is the IPv4 range a.b.c.d/(n-96): addresses are compared as IPv4.
  if (out.family == AF_INET6 && out.prefix_len >= 96 && IsMappedOrNat64(out.bytes.data())) {
    std::array<uint8_t, 16> v4{};
    std::memcpy(v4.data(), out.bytes.data() + 12, 4);
    out.family = AF_INET;
    out.bytes = v4;
    out.prefix_len -= 96;
  }
  return out;
}

Result<std::vector<Cidr>> ParseCidrList(const std::vector<std::string>& entries) {
  std::vector<Cidr> out;
  for (const auto& entry : entries) {
    std::string_view e = entry;
    while (!e.empty() && e.front() == ' ') e.remove_prefix(1);
    while (!e.empty() && e.back() == ' ') e.remove_suffix(1);
    if (e.empty()) continue;
    SIGNX_ASSIGN_OR_RETURN(Cidr c, ParseCidr(e));
    out.push_back(c);
  }
  return out;
}

Result<std::vector<Cidr>> ParseCidrList(std::string_view text) {
  std::vector<std::string> entries;
  std::size_t start = 0;
  while (start <= text.size()) {
    const std::size_t comma = text.find(',', start);
    const std::size_t end = comma == std::string_view::npos ? text.size() : comma;
    entries.emplace_back(text.substr(start, end - start));
    if (comma == std::string_view::npos) break;
    start = comma + 1;
  }
  return ParseCidrList(entries);
}

bool IsPublicAddress(const sockaddr* addr) {
  const auto ip = FromSockaddr(addr);
  return ip.has_value() && IsPublicIp(*ip);
}

bool CidrContains(const Cidr& cidr, const sockaddr* addr) {
  const auto ip = FromSockaddr(addr);
  return ip.has_value() && Contains(cidr, *ip);
}

bool AddressPolicy::Allows(const sockaddr* addr) const {
  if (!enforce) return true;
  const auto ip = FromSockaddr(addr);
  if (!ip) return false;
  if (IsPublicIp(*ip)) return true;
  for (const auto& c : allow) {
    if (Contains(c, *ip)) return true;
  }
  return false;
}

std::string FormatAddress(const sockaddr* addr) {
  char buf[INET6_ADDRSTRLEN] = {};
  if (addr == nullptr) return "?";
  if (addr->sa_family == AF_INET) {
    const auto* in = reinterpret_cast<const sockaddr_in*>(addr);
    if (inet_ntop(AF_INET, &in->sin_addr, buf, sizeof buf) != nullptr) return buf;
  } else if (addr->sa_family == AF_INET6) {
    const auto* in6 = reinterpret_cast<const sockaddr_in6*>(addr);
    if (inet_ntop(AF_INET6, &in6->sin6_addr, buf, sizeof buf) != nullptr) return buf;
  }
  return "?";
}

}  // namespace signx::http
