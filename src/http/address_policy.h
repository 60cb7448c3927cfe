// Address policy for outbound calls to URLs that users supply (webhook endpoints): which resolved
// IP addresses a request may connect to. The guard against server-side request forgery (SSRF):
// an org admin must not be able to make SignX call its own loopback, the cloud metadata service
// (169.254.169.254) or anything else on the private network, and read the answer back.
//
// IsPublicAddress classifies one binary socket address (never a string: odd spellings such as
// 2130706433, 0x7f000001, 127.1 or 0177.0.0.1 are resolved by getaddrinfo first and the result
// checked here). Not public:
//   IPv4: 0.0.0.0/8 (this network, unspecified), 10/8, 172.16/12, 192.168/16 (RFC 1918),
//         100.64/10 (CGNAT), 127/8 (loopback), 169.254/16 (link-local, cloud metadata),
//         192.0.0/24 (IETF protocol assignments), 192.0.2/24, 198.51.100/24, 203.0.113/24
//         (documentation), 192.88.99/24 (6to4 relay anycast), 198.18/15 (benchmarking),
//         224/4 (multicast), 240/4 (reserved) and 255.255.255.255 (broadcast).
//   IPv6: everything outside 2000::/3 (global unicast) — which covers :: (unspecified), ::1
//         (loopback), ::/96 (IPv4-compatible), 100::/64 (discard), fc00::/7 (ULA), fe80::/10
//         (link-local), fec0::/10 (site-local), ff00::/8 (multicast) — and inside it
//         2001::/23 (IETF protocol assignments, Teredo), 2001:db8::/32 and 3fff::/20
//         (documentation), 2002::/16 (6to4). IPv4-mapped (::ffff:a.b.c.d) and NAT64
//         (64:ff9b::a.b.c.d) addresses are judged by their embedded IPv4 address.
//
// An operator allow-list (CIDRs, e.g. "127.0.0.0/8,10.1.0.0/16") re-admits chosen non-public
// ranges (a receiver on the same host, an internal integration); an IPv4 CIDR also matches the
// IPv4-mapped and NAT64 forms of its addresses.
//
// Thread-safety: pure functions and value types.
#pragma once

#include <sys/socket.h>

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::http {

// One CIDR range. IPv4 ranges are stored as IPv4 (family AF_INET, the first 4 bytes of `bytes`).
struct Cidr {
  int family = AF_INET;  // AF_INET or AF_INET6
  std::array<uint8_t, 16> bytes{};
  int prefix_len = 0;  // 0..32 or 0..128
};

// "a.b.c.d/n", "x:y::/n", or a bare address (a /32 or /128). Only canonical dotted-quad IPv4
// (inet_pton) is accepted in an allow-list. kInvalidArgument naming the problem otherwise.
Result<Cidr> ParseCidr(std::string_view text);
// A comma-separated list (spaces around entries ignored; "" = empty list). kInvalidArgument for
// the first bad entry.
Result<std::vector<Cidr>> ParseCidrList(std::string_view text);
// The same list parsed entry by entry (config values are lists of strings).
Result<std::vector<Cidr>> ParseCidrList(const std::vector<std::string>& entries);

// True when `addr` (AF_INET or AF_INET6; anything else is not public) is a public unicast
// address; see the header comment for the ranges that are not.
bool IsPublicAddress(const sockaddr* addr);

// True when `addr` lies in `cidr` (IPv4-mapped and NAT64 IPv6 addresses match IPv4 ranges).
bool CidrContains(const Cidr& cidr, const sockaddr* addr);

// What outbound calls may connect to.
struct AddressPolicy {
  // false: any address (the default for operator-configured URLs such as remote models).
  bool enforce = false;
  // Non-public ranges allowed anyway.
  std::vector<Cidr> allow;

  // True when the policy lets a connection to `addr` through.
  bool Allows(const sockaddr* addr) const;
};

// `addr` as text ("127.0.0.1", "::1"); "?" for other families.
std::string FormatAddress(const sockaddr* addr);

}  // namespace signx::http
