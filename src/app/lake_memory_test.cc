// The lake writer that `serve` and `worker` open (OpenLakeWriter) gets the memory settings of the
// config (docs/operations.md "Memory"): the spool segment the converter maps, the Parquet row group
// DuckDB holds, DuckDB's buffer pool and the rows queued in memory.
#include <gtest/gtest.h>
#include <stdlib.h>

#include <filesystem>
#include <string>

#include "app/capabilities.h"
#include "config/config.h"
#include "lake/lake_writer.h"
#include "metrics/metrics.h"

namespace signx::app {
namespace {

TEST(OpenLakeWriterTest, AppliesTheLakeMemorySettings) {
  std::string dir = (std::filesystem::temp_directory_path() / "signx_lakecfg_XXXXXX").string();
  ASSERT_NE(::mkdtemp(dir.data()), nullptr);
  config::Config c;
  c.data_dir = dir;
  c.lake.segment_max_mb = 3;
  c.lake.row_group_rows = 6144;
  c.lake.duckdb_memory_mb = 24;
  c.lake.queue_rows = 5000;
  c.lake.flush_rows = 1234;
  metrics::Registry registry;
  auto w = OpenLakeWriter(c, &registry);
  ASSERT_TRUE(w.ok()) << w.status().ToString();
  const lake::LakeOptions& o = (*w)->options();
  EXPECT_EQ(o.segment_max_bytes, size_t{3} << 20);
  EXPECT_EQ(o.row_group_rows, 6144u);
  EXPECT_EQ(o.duckdb_memory_mb, 24);
  EXPECT_EQ(o.queue_capacity, 5000u);
  EXPECT_EQ(o.flush_rows, 1234u);
  (*w)->Shutdown();
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
}

}  // namespace
}  // namespace signx::app
