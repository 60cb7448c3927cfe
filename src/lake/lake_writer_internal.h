// Private to LakeWriter's implementation (lake_writer.h), which is split in three files:
//   lake_writer.cc          options, DuckDB and metrics set-up (Open, the constructor), the calls
//                           of the callers' threads (Declare, Append, Sync, Flush, Shutdown,
//                           Query, stats) and the file helpers declared below;
//   lake_writer_spool.cc    the way into the spool: Recover (files left by a dead process), the
//                           spool thread (SpoolLoop, sealing segments), the sync thread
//                           (SyncLoop, the fsync policy) and batches (OpenBatch, Batch);
//   lake_writer_convert.cc  the convert thread: sealed spool files to Parquet through DuckDB
//                           (ConvertLoop, Convert, WritePartition, the scan source SegmentRows).
// This header holds what more than one of them uses. Nothing outside those three files includes
// it.
#pragma once

#include <unistd.h>

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"
#include "lake/lake_writer.h"
#include "lake/schema.h"
#include "metrics/metrics.h"

namespace signx::lake {
namespace internal {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kWriteRows = 512;  // the spool thread writes once this many rows are buffered...
constexpr std::chrono::milliseconds kWriteDelay{5};  // ...or this long after the first one

// fsync()s the file or folder at `path`.
Status SyncPath(const std::filesystem::path& path, bool directory);

// "lake: <what> <path>: <strerror(errno)>".
std::string Errno(std::string_view what, const std::string& path);

}  // namespace internal

struct LakeWriter::Dataset {
  uint32_t id = 0;
  DatasetSchema schema;
  int time_column = -1;  // index of schema.partition_by, or -1
  metrics::Counter* dropped_full = nullptr;
};

// One spool file: a segment being written or waiting for conversion, a committed batch, or a
// file left by a dead process. Holds the file open and flock()ed until it is destroyed (after
// conversion deleted it, or at shutdown).
struct LakeWriter::SpoolFile {
  std::string path;
  std::string stem;  // Parquet files are part-<stem>.parquet
  bool batch = false;
  bool recovered = false;
  bool dir_synced = false;  // the spool folder was synced after the file was created
  int fd = -1;
  internal::SteadyClock::time_point opened_at = internal::SteadyClock::now();
  uint64_t rows = 0;    // rows written to it (0 for recovered files until converted)
  uint64_t bytes = 0;   // file size
  uint64_t ticket = 0;  // its place in the conversion queue
  ~SpoolFile() {
    if (fd >= 0) ::close(fd);
  }
};

}  // namespace signx::lake
