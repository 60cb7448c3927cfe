// libFuzzer entry point of the multipart target (the body is FuzzMultipart in targets.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return signx::fuzz::FuzzMultipart(data, size);
}
