// Replays every file of fuzz/corpus/<target>/ and fuzz/regressions/<target>/ through the fuzz
// target's entry function (fuzz/targets.h), so the seeds and every crash the fuzzers found are
// checked by the normal build (no clang, no libFuzzer). A target whose invariant breaks aborts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "fuzz/targets.h"

namespace signx::fuzz {
namespace {

namespace fs = std::filesystem;

std::vector<fs::path> FilesUnder(const fs::path& dir) {
  std::vector<fs::path> files;
  if (!fs::is_directory(dir)) return files;
  for (const auto& entry : fs::recursive_directory_iterator(dir)) {
    if (entry.is_regular_file()) files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  return files;
}

class FuzzReplayTest : public ::testing::TestWithParam<Target> {};

TEST_P(FuzzReplayTest, CorpusAndRegressionsRunClean) {
  const Target& target = GetParam();
  const fs::path root = fs::path(SIGNX_SOURCE_DIR) / "fuzz";
  std::vector<fs::path> seeds = FilesUnder(root / "corpus" / std::string(target.name));
  EXPECT_FALSE(seeds.empty()) << "no seed corpus for " << target.name;
  std::vector<fs::path> files = seeds;
  for (fs::path& f : FilesUnder(root / "regressions" / std::string(target.name))) {
    files.push_back(std::move(f));
  }
  for (const fs::path& file : files) {
    SCOPED_TRACE(file.string());
    std::ifstream in(file, std::ios::binary);
    ASSERT_TRUE(in) << "cannot read " << file;
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(target.fn(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size()), 0);
  }
}

INSTANTIATE_TEST_SUITE_P(AllTargets, FuzzReplayTest, ::testing::ValuesIn(AllTargets()),
                         [](const ::testing::TestParamInfo<Target>& info) {
                           return std::string(info.param.name);
                         });

}  // namespace
}  // namespace signx::fuzz
