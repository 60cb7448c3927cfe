// SIGNX_CHECK(cond, message): an invariant that must hold in every build; on failure prints the
// location, condition and message to stderr and aborts. SIGNX_DCHECK: the same in debug builds
// only. Never use these for anything user input can trigger — return a Status instead.
#pragma once

#include <string_view>

namespace signx::internal {
[[noreturn]] void CheckFailed(const char* file, int line, const char* cond, std::string_view msg);
}  // namespace signx::internal

#define SIGNX_CHECK(cond, ...)                                                       \
  do {                                                                               \
    if (!(cond)) [[unlikely]] {                                                      \
      ::signx::internal::CheckFailed(__FILE__, __LINE__, #cond,                      \
                                     ::std::string_view(__VA_OPT__(__VA_ARGS__)));   \
    }                                                                                \
  } while (false)

#ifdef NDEBUG
#define SIGNX_DCHECK(cond, ...) \
  do {                          \
    if (false && (cond)) {      \
    }                           \
  } while (false)
#else
#define SIGNX_DCHECK(cond, ...) SIGNX_CHECK(cond __VA_OPT__(, ) __VA_ARGS__)
#endif
