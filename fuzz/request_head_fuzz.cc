// libFuzzer entry point of the request_head target (the body is FuzzRequestHead in targets.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return signx::fuzz::FuzzRequestHead(data, size);
}
