// libFuzzer entry point of the jwt target (the body is FuzzJwt in targets.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return signx::fuzz::FuzzJwt(data, size);
}
