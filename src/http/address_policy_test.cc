// The SSRF address rules, table-driven: each host string is turned into a binary address by
// getaddrinfo(AI_NUMERICHOST) exactly as the client's resolver would (so 2130706433, 0x7f000001,
// 127.1 and 0177.0.0.1 are all 127.0.0.1), then classified by IsPublicAddress.
#include "http/address_policy.h"

#include <gtest/gtest.h>
#include <netdb.h>
#include <netinet/in.h>

#include <cstring>
#include <string>

namespace signx::http {
namespace {

// The binary address getaddrinfo makes of a numeric host; empty when it is not one.
sockaddr_storage Numeric(const std::string& host, bool* ok) {
  sockaddr_storage out{};
  addrinfo hints{};
  hints.ai_flags = AI_NUMERICHOST;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* res = nullptr;
  *ok = getaddrinfo(host.c_str(), "80", &hints, &res) == 0 && res != nullptr;
  if (*ok) std::memcpy(&out, res->ai_addr, res->ai_addrlen);
  if (res != nullptr) freeaddrinfo(res);
  return out;
}

struct Case {
  const char* host;
  bool is_public;
};

class IsPublicAddressTest : public ::testing::TestWithParam<Case> {};

TEST_P(IsPublicAddressTest, Classifies) {
  bool ok = false;
  const sockaddr_storage addr = Numeric(GetParam().host, &ok);
  ASSERT_TRUE(ok) << GetParam().host << " is not numeric for getaddrinfo";
  EXPECT_EQ(IsPublicAddress(reinterpret_cast<const sockaddr*>(&addr)), GetParam().is_public)
      << GetParam().host << " -> " << FormatAddress(reinterpret_cast<const sockaddr*>(&addr));
}

INSTANTIATE_TEST_SUITE_P(
    Table, IsPublicAddressTest,
    ::testing::Values(
        // Loopback in every spelling the resolver accepts.
        Case{"127.0.0.1", false}, Case{"127.255.255.254", false}, Case{"2130706433", false},
        Case{"0x7f000001", false}, Case{"127.1", false}, Case{"0177.0.0.1", false},
        Case{"0x7f.0.0.1", false}, Case{"::1", false}, Case{"::ffff:127.0.0.1", false},
        Case{"::ffff:7f00:1", false}, Case{"64:ff9b::127.0.0.1", false},
        // Link-local and cloud metadata.
        Case{"169.254.169.254", false}, Case{"2852039166", false},
        Case{"::ffff:169.254.169.254", false}, Case{"fe80::1", false}, Case{"fd00:ec2::254", false},
        // Private: RFC 1918, CGNAT, ULA.
        Case{"10.0.0.1", false}, Case{"10.255.255.255", false}, Case{"172.16.0.1", false},
        Case{"172.31.255.255", false}, Case{"192.168.1.1", false}, Case{"100.64.0.1", false},
        Case{"100.127.255.255", false}, Case{"fc00::1", false}, Case{"fdff:ffff::1", false},
        Case{"::ffff:10.1.2.3", false}, Case{"::ffff:192.168.0.1", false},
        // Unspecified, broadcast, multicast, reserved, documentation, benchmarking.
        Case{"0.0.0.0", false}, Case{"0", false}, Case{"0.1.2.3", false}, Case{"::", false},
        Case{"255.255.255.255", false}, Case{"224.0.0.1", false}, Case{"239.255.255.250", false},
        Case{"ff02::1", false}, Case{"240.0.0.1", false}, Case{"192.0.0.8", false},
        Case{"192.0.2.1", false}, Case{"198.51.100.7", false}, Case{"203.0.113.9", false},
        Case{"198.18.0.1", false}, Case{"198.19.255.255", false}, Case{"192.88.99.1", false},
        Case{"2001:db8::1", false}, Case{"3fff::1", false}, Case{"2001::1", false},
        Case{"2002:7f00:1::1", false}, Case{"100::1", false}, Case{"::127.0.0.1", false},
        Case{"fec0::1", false}, Case{"4000::1", false},
        // Public.
        Case{"8.8.8.8", true}, Case{"1.1.1.1", true}, Case{"93.184.215.14", true},
        Case{"172.15.255.255", true}, Case{"172.32.0.1", true}, Case{"100.63.255.255", true},
        Case{"100.128.0.1", true}, Case{"169.253.255.255", true}, Case{"11.0.0.1", true},
        Case{"223.255.255.254", true}, Case{"::ffff:8.8.8.8", true}, Case{"64:ff9b::8.8.8.8", true},
        Case{"2606:4700:4700::1111", true}, Case{"2a00:1450:4001::1", true},
        Case{"2001:4860:4860::8888", true}));

sockaddr_storage Addr(const std::string& host) {
  bool ok = false;
  sockaddr_storage a = Numeric(host, &ok);
  EXPECT_TRUE(ok) << host;
  return a;
}

const sockaddr* Sa(const sockaddr_storage& s) { return reinterpret_cast<const sockaddr*>(&s); }

TEST(CidrTest, ParsesAndMatches) {
  auto list = ParseCidrList(" 127.0.0.0/8, ::1 ,10.1.0.0/16,fd00::/8");
  ASSERT_TRUE(list.ok()) << list.status().ToString();
  ASSERT_EQ(list->size(), 4u);
  EXPECT_TRUE(CidrContains((*list)[0], Sa(Addr("127.0.0.1"))));
  EXPECT_TRUE(CidrContains((*list)[0], Sa(Addr("::ffff:127.9.9.9"))));  // mapped matches IPv4
  EXPECT_FALSE(CidrContains((*list)[0], Sa(Addr("128.0.0.1"))));
  EXPECT_TRUE(CidrContains((*list)[1], Sa(Addr("::1"))));
  EXPECT_FALSE(CidrContains((*list)[1], Sa(Addr("::2"))));
  EXPECT_TRUE(CidrContains((*list)[2], Sa(Addr("10.1.255.1"))));
  EXPECT_FALSE(CidrContains((*list)[2], Sa(Addr("10.2.0.1"))));
  EXPECT_TRUE(CidrContains((*list)[3], Sa(Addr("fd12::1"))));
  EXPECT_FALSE(CidrContains((*list)[3], Sa(Addr("fc12::1"))));

  auto mapped = ParseCidr("::ffff:192.168.0.0/112");  // the IPv4 range 192.168.0.0/16
  ASSERT_TRUE(mapped.ok());
  EXPECT_EQ(mapped->family, AF_INET);
  EXPECT_EQ(mapped->prefix_len, 16);
  EXPECT_TRUE(CidrContains(*mapped, Sa(Addr("192.168.4.5"))));

  EXPECT_TRUE(ParseCidrList("").ok());
  EXPECT_TRUE(ParseCidrList("")->empty());
  EXPECT_TRUE(ParseCidr("0.0.0.0/0").ok());
}

TEST(CidrTest, RejectsBadEntries) {
  for (const char* bad : {"localhost", "127.1", "2130706433", "10.0.0.0/33", "::/129", "10.0.0.0/",
                          "10.0.0.0/x", "10.0.0.0/8/8", "1.2.3.4 /8", "fe80::1%eth0"}) {
    auto c = ParseCidr(bad);
    EXPECT_FALSE(c.ok()) << bad;
    if (!c.ok()) {
      EXPECT_EQ(c.status().code(), ErrorCode::kInvalidArgument) << bad;
    }
  }
  EXPECT_FALSE(ParseCidrList("127.0.0.0/8,nope").ok());
}

TEST(AddressPolicyTest, AllowListReadmitsOnlyItsRanges) {
  AddressPolicy off;  // not enforced: anything goes
  EXPECT_TRUE(off.Allows(Sa(Addr("127.0.0.1"))));

  AddressPolicy strict{.enforce = true};
  EXPECT_FALSE(strict.Allows(Sa(Addr("127.0.0.1"))));
  EXPECT_FALSE(strict.Allows(Sa(Addr("169.254.169.254"))));
  EXPECT_TRUE(strict.Allows(Sa(Addr("8.8.8.8"))));

  AddressPolicy loopback{.enforce = true, .allow = *ParseCidrList("127.0.0.0/8")};
  EXPECT_TRUE(loopback.Allows(Sa(Addr("127.0.0.1"))));
  EXPECT_TRUE(loopback.Allows(Sa(Addr("0x7f000001"))));
  EXPECT_TRUE(loopback.Allows(Sa(Addr("::ffff:127.0.0.1"))));
  EXPECT_FALSE(loopback.Allows(Sa(Addr("::1"))));  // IPv6 loopback is not in 127/8
  EXPECT_FALSE(loopback.Allows(Sa(Addr("169.254.169.254"))));
  EXPECT_FALSE(loopback.Allows(Sa(Addr("10.0.0.1"))));
  EXPECT_TRUE(loopback.Allows(Sa(Addr("1.1.1.1"))));
}

TEST(AddressPolicyTest, FormatsAddresses) {
  EXPECT_EQ(FormatAddress(Sa(Addr("2130706433"))), "127.0.0.1");
  EXPECT_EQ(FormatAddress(Sa(Addr("::1"))), "::1");
  EXPECT_EQ(FormatAddress(nullptr), "?");
}

}  // namespace
}  // namespace signx::http
