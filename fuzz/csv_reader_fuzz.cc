// libFuzzer entry point of the csv_reader target (the body is FuzzCsvReader in targets.cc).
#include <cstddef>
#include <cstdint>

#include "fuzz/targets.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  return signx::fuzz::FuzzCsvReader(data, size);
}
