// Small string helpers used across modules. Pure functions, no I/O.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace signx {

std::vector<std::string_view> Split(std::string_view s, char sep);
std::string_view Trim(std::string_view s);
std::string ToLower(std::string_view s);
bool EqualsIgnoreCase(std::string_view a, std::string_view b);
std::string Join(const std::vector<std::string>& parts, std::string_view sep);

// Strict number parsing: the whole string must be the number (no spaces, no trailing junk).
std::optional<long long> ParseInt(std::string_view s);
std::optional<double> ParseDouble(std::string_view s);
// "true/false/1/0/yes/no/on/off" (case-insensitive).
std::optional<bool> ParseBool(std::string_view s);

// Lower-case hex of bytes, and back (either case); nullopt for odd length or a non-hex digit.
// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or code points past
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

// `text` cut to at most `max` bytes without splitting a UTF-8 sequence (the cut backs off to the
// start of the character that would be split); `text` itself when it is no longer.
std::string_view Utf8Prefix(std::string_view text, std::size_t max);

std::string HexEncode(std::string_view bytes);
std::optional<std::string> HexDecode(std::string_view hex);

// Appends s as a quoted JSON string (RFC 8259): '"' and '\\' escaped, \b \f \n \r \t by name,
// other bytes below 0x20 as \u00xx; every other byte (UTF-8 included) is copied. The bytes are
// exactly Boost.JSON's serializer's (tested in http/router_test.cc), so the API, the logs and the
// generated files all write strings one way.
void AppendJsonString(std::string& out, std::string_view s);

}  // namespace signx
