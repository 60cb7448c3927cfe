#include "identity/client_address.h"

#include <arpa/inet.h>

#include <cstring>
#include <optional>

#include "base/strings.h"

namespace signx::identity {
namespace {

// `text` as 16 bytes (IPv4 mapped into IPv6), or nullopt.
std::optional<std::array<uint8_t, 16>> ParseIp(std::string_view text) {
  if (text.empty() || text.size() > 45) return std::nullopt;
  const std::string s(text);
  std::array<uint8_t, 16> out{};
  in_addr v4{};
  if (inet_pton(AF_INET, s.c_str(), &v4) == 1) {
    out[10] = 0xff;
    out[11] = 0xff;
    std::memcpy(out.data() + 12, &v4, 4);
    return out;
  }
  in6_addr v6{};
  if (inet_pton(AF_INET6, s.c_str(), &v6) == 1) {
    std::memcpy(out.data(), &v6, 16);
    return out;
  }
  return std::nullopt;
}

bool IsMappedV4(const std::array<uint8_t, 16>& a) {
  for (int i = 0; i < 10; ++i) {
    if (a[i] != 0) return false;
  }
  return a[10] == 0xff && a[11] == 0xff;
}

bool Contains(const IpNetwork& n, const std::array<uint8_t, 16>& a) {
  int bits = n.prefix_bits;
  for (std::size_t i = 0; i < 16 && bits > 0; ++i, bits -= 8) {
    const uint8_t mask = bits >= 8 ? 0xff : static_cast<uint8_t>(0xff << (8 - bits));
    if ((a[i] & mask) != (n.address[i] & mask)) return false;
  }
  return true;
}

// One X-Forwarded-For entry without spaces, "[v6]" brackets or an IPv4 ":port".
std::string_view StripEntry(std::string_view e) {
  e = Trim(e);
  if (e.size() > 2 && e.front() == '[') {
    const auto close = e.find(']');
    if (close != std::string_view::npos) return e.substr(1, close - 1);
  }
  if (const auto colon = e.find(':');
      colon != std::string_view::npos && e.find(':', colon + 1) == std::string_view::npos) {
    return e.substr(0, colon);  // a.b.c.d:port
  }
  return e;
}

}  // namespace

Result<std::vector<IpNetwork>> ParseNetworks(std::string_view list) {
  std::vector<IpNetwork> out;
  for (auto entry : Split(list, ',')) {
    entry = Trim(entry);
    if (entry.empty()) continue;
    const auto slash = entry.find('/');
    const auto ip = ParseIp(entry.substr(0, slash));
    if (!ip) return InvalidArgument("'" + std::string(entry) + "' is not an IP address or CIDR");
    IpNetwork n{*ip, 128};
    const int base =
        IsMappedV4(*ip) && entry.substr(0, slash).find(':') == std::string_view::npos ? 96 : 0;
    if (slash != std::string_view::npos) {
      const auto bits = ParseInt(entry.substr(slash + 1));
      if (!bits || *bits < 0 || *bits > 128 - base) {
        return InvalidArgument("'" + std::string(entry) + "' has an invalid prefix length");
      }
      n.prefix_bits = base + static_cast<int>(*bits);
    }
    out.push_back(n);
  }
  return out;
}

bool InNetworks(const std::vector<IpNetwork>& networks, std::string_view ip) {
  const auto a = ParseIp(ip);
  if (!a) return false;
  for (const auto& n : networks) {
    if (Contains(n, *a)) return true;
  }
  return false;
}

std::string ClientAddress(std::string_view peer, std::string_view forwarded_for,
                          const std::vector<IpNetwork>& trusted_proxies) {
  if (trusted_proxies.empty() || forwarded_for.empty() || !InNetworks(trusted_proxies, peer)) {
    return std::string(peer);
  }
  std::string client(peer);
  const auto hops = Split(forwarded_for, ',');
  for (auto it = hops.rbegin(); it != hops.rend(); ++it) {
    const std::string_view hop = StripEntry(*it);
    if (!ParseIp(hop)) break;  // garbage from a trusted hop: keep the last address we trust
    client = std::string(hop);
    if (!InNetworks(trusted_proxies, hop)) break;
  }
  return client;
}

}  // namespace signx::identity
