// libFuzzer entry point of the sign_spec target (the body is FuzzSignSpec in targets.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return signx::fuzz::FuzzSignSpec(data, size);
}
