// A test fixture with a SearchIndex ("documents") in a fresh directory of its own, named after
// the test and removed afterwards. For the search module's tests.
#pragma once

#include <gtest/gtest.h>

#include <filesystem>
#include <memory>
#include <string>

#include "search/search_index.h"

namespace signx::search::testing {

class TempIndexTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("signx_search_test_" +
            std::string(::testing::UnitTest::GetInstance()->current_test_info()->test_suite_name()) +
            "_" + ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    auto index = SearchIndex::Open({.data_dir = dir_.string(), .name = "documents"});
    ASSERT_TRUE(index.ok()) << index.status().ToString();
    index_ = std::move(*index);
  }
  void TearDown() override {
    index_.reset();
    std::filesystem::remove_all(dir_);
  }

  std::filesystem::path dir_;
  std::unique_ptr<SearchIndex> index_;
};

}  // namespace signx::search::testing
