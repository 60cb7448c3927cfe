#include "base/error_code.h"

#include <array>
#include <string>

namespace signx {
namespace {

// "kInvalidArgument" -> "invalid_argument", done once at static-init time into fixed storage.
constexpr std::size_t kMaxName = 48;
struct NameBuf {
  char data[kMaxName] = {};
  std::size_t size = 0;
};

constexpr NameBuf SnakeName(std::string_view camel) {
  NameBuf out;
  for (std::size_t i = 1; i < camel.size() && out.size + 2 < kMaxName; ++i) {
    char c = camel[i];
    if (c >= 'A' && c <= 'Z') {
      if (i > 1) out.data[out.size++] = '_';
      c = static_cast<char>(c - 'A' + 'a');
    }
    out.data[out.size++] = c;
  }
  return out;
}

#define SIGNX_ERROR_CODE(name, number, http, text) constexpr NameBuf kName_##name = SnakeName(#name);
#include "base/error_codes.def"
#undef SIGNX_ERROR_CODE

constexpr ErrorCodeInfo kRegistry[] = {
#define SIGNX_ERROR_CODE(name, number, http, text) \
  {ErrorCode::name, std::string_view(kName_##name.data, kName_##name.size), http, text},
#include "base/error_codes.def"
#undef SIGNX_ERROR_CODE
};

constexpr bool NumbersStrictlyIncrease() {
  for (std::size_t i = 1; i < std::size(kRegistry); ++i) {
    if (static_cast<int>(kRegistry[i].code) <= static_cast<int>(kRegistry[i - 1].code)) {
      return false;
    }
  }
  return true;
}
static_assert(NumbersStrictlyIncrease(), "error_codes.def must list codes in increasing order");

}  // namespace

std::span<const ErrorCodeInfo> AllErrorCodes() { return kRegistry; }

const ErrorCodeInfo& Info(ErrorCode code) {
  for (const auto& info : kRegistry) {
    if (info.code == code) return info;
  }
  // Only reachable for a value cast from an unregistered integer: report it as internal.
  for (const auto& info : kRegistry) {
    if (info.code == ErrorCode::kInternal) return info;
  }
  return kRegistry[0];
}

std::optional<ErrorCode> ErrorCodeFromName(std::string_view name) {
  for (const auto& info : kRegistry) {
    if (info.name == name) return info.code;
  }
  return std::nullopt;
}

}  // namespace signx
