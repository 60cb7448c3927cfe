// The address of the client behind reverse proxies, for per-client login throttling.
//
// X-Forwarded-For is believed only as far as it was written by proxies the operator trusts: the
// TCP peer must be in the trusted list, and then the header is read from the right (each proxy
// appends the address it saw) past every trusted hop; the first untrusted address is the client.
// Anything left of it was sent by the client and is ignored, so a client cannot choose its own
// throttling key by sending the header.
// Thread-safety: pure functions on immutable values.
#pragma once

#include <array>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::identity {

// An IPv4 or IPv6 network; IPv4 is held as IPv4-mapped IPv6 (::ffff:a.b.c.d/96+n).
struct IpNetwork {
  std::array<uint8_t, 16> address{};
  int prefix_bits = 128;
};

// Parses "10.0.0.0/8, 192.0.2.1, fd00::/8" (a bare address is one host). kInvalidArgument naming
// the first entry that is not an address or network.
Result<std::vector<IpNetwork>> ParseNetworks(std::string_view list);

// True when `ip` (IPv4 or IPv6 text, IPv4-mapped IPv6 included) is in one of `networks`.
bool InNetworks(const std::vector<IpNetwork>& networks, std::string_view ip);

// The client address for a request from TCP peer `peer` carrying X-Forwarded-For `forwarded_for`
// ("" when absent), as described above. When every hop is trusted, the left-most address; a
// malformed entry stops the walk at the last trusted hop.
std::string ClientAddress(std::string_view peer, std::string_view forwarded_for,
                          const std::vector<IpNetwork>& trusted_proxies);

}  // namespace signx::identity
