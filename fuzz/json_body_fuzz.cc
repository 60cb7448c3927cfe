// libFuzzer entry point of the json_body target (the body is FuzzJsonBody in targets.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return signx::fuzz::FuzzJsonBody(data, size);
}
