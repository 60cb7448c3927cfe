// libFuzzer entry point of the lead_schema target (the body is FuzzLeadSchema in targets.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return signx::fuzz::FuzzLeadSchema(data, size);
}
