#include "base/strings.h"

#include <gtest/gtest.h>

namespace signx {
namespace {

TEST(Utf8Test, AcceptsValidRejectsMalformed) {
  EXPECT_TRUE(IsValidUtf8("plain, ascii\n"));
  EXPECT_TRUE(IsValidUtf8("Zürich — 東京 😀"));
  EXPECT_FALSE(IsValidUtf8("caf\xE9"));           // Latin-1 é
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // UTF-16 surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_FALSE(IsValidUtf8("\xE2\x82"));          // truncated
}

TEST(Utf8Test, PrefixNeverSplitsACharacter) {
  EXPECT_EQ(Utf8Prefix("abc", 5), "abc");
  EXPECT_EQ(Utf8Prefix("abc", 3), "abc");
  EXPECT_EQ(Utf8Prefix("abcdef", 4), "abcd");
  EXPECT_EQ(Utf8Prefix("aé", 2), "a");     // é is 2 bytes: not cut in half
  EXPECT_EQ(Utf8Prefix("a東京", 3), "a");  // 東 is 3 bytes
  EXPECT_EQ(Utf8Prefix("a東京", 4), "a東");
  EXPECT_EQ(Utf8Prefix("😀x", 2), "");  // nothing fits
  EXPECT_EQ(Utf8Prefix("", 0), "");
}

}  // namespace
}  // namespace signx

namespace signx {
namespace {

// The escaping rule, one byte at a time: what AppendJsonString's eight-bytes-at-a-time scan must
// give for any input.
std::string EscapedByteByByte(std::string_view s) {
  std::string out = "\"";
  for (const char ch : s) {
    const auto c = static_cast<unsigned char>(ch);
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (c < 0x20) {
          static constexpr char kHex[] = "0123456789abcdef";
          out += "\\u00";
          out += kHex[c >> 4];
          out += kHex[c & 15];
        } else {
          out += ch;
        }
    }
  }
  return out + "\"";
}

TEST(AppendJsonStringTest, EscapesEveryByteAtEveryPositionLikeTheByteByByteRule) {
  // Each byte value at each offset of strings up to 20 bytes (so in and out of the 8-byte
  // blocks), among plain text and UTF-8.
  const std::string base = "Lead Source = Olark Chat \xc3\xa9t\xc3\xa9";
  for (int b = 0; b < 256; ++b) {
    for (std::size_t len = 1; len <= 20; ++len) {
      for (std::size_t at = 0; at < len; ++at) {
        std::string s = base.substr(0, len);
        s[at] = static_cast<char>(b);
        std::string out = "x";
        AppendJsonString(out, s);
        ASSERT_EQ(out, "x" + EscapedByteByByte(s)) << "byte " << b << " at " << at << " of " << len;
      }
    }
  }
  std::string out;
  AppendJsonString(out, "");
  EXPECT_EQ(out, "\"\"");
}

}  // namespace
}  // namespace signx
