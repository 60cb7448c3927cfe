# Compiler warnings, sanitizers and ccache for every SignX target.
find_program(SIGNX_CCACHE ccache)
if(SIGNX_CCACHE)
  set(CMAKE_CXX_COMPILER_LAUNCHER ${SIGNX_CCACHE})
endif()

# No fused multiply-add contraction: functions compiled for newer CPUs as well (target_clones,
# e.g. ml/tree_shap.cc) give the same bits as the baseline build, so a lead's reasons are the same
# bytes whichever replica scores it. The x86-64 baseline has no FMA, so this changes nothing there.
add_compile_options(-ffp-contract=off)

if(NOT CMAKE_BUILD_TYPE AND NOT CMAKE_CONFIGURATION_TYPES)
  set(CMAKE_BUILD_TYPE RelWithDebInfo CACHE STRING "Build type" FORCE)
endif()

add_library(signx_warnings INTERFACE)
target_compile_options(signx_warnings INTERFACE -Wall -Wextra -Wpedantic -Wno-missing-field-initializers)
# GCC 12's -Wmaybe-uninitialized is fatal with -Werror like every other warning. It has false
# positives inside std::variant moves at -O2 (GCC bugs 105562, 107138): build a storage::Param in
# place (emplace_back(value)) rather than moving a temporary into a vector.
if(SIGNX_WERROR)
  target_compile_options(signx_warnings INTERFACE -Werror)
endif()

if(SIGNX_SANITIZE)
  add_compile_options(-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# libFuzzer (fuzz/CMakeLists.txt): every target gets coverage instrumentation and ASan+UBSan; only
# the fuzz programs link the fuzzer runtime (-fsanitize=fuzzer).
if(SIGNX_FUZZ)
  if(NOT CMAKE_CXX_COMPILER_ID STREQUAL "Clang")
    message(FATAL_ERROR "SIGNX_FUZZ needs clang (cmake --preset fuzz)")
  endif()
  # -fno-sanitize=function: clang 14 cannot compile UBSan's function check in the coroutines of
  # the http module ("Cannot represent a difference across sections", llvm/llvm-project#49689).
  add_compile_options(-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize=function
                      -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
  add_link_options(-fsanitize=address,undefined)
endif()

# Debug info is cheap to keep but slow to link; release builds keep line tables only.
set(CMAKE_CXX_FLAGS_RELWITHDEBINFO "-O2 -g1 -DNDEBUG")
