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

// Lower-case hex of bytes.
std::string HexEncode(std::string_view bytes);

}  // namespace signx
