// LakeWriter: append-only analytics datasets written as Parquet through DuckDB.
//
// Callers Declare() each dataset once (name + typed columns, see schema.h), then Append() rows
// from any thread. Append never waits for I/O: it validates the row and pushes it onto a bounded
// in-memory queue under a short mutex. When the queue holds `queue_capacity` rows (queued plus
// being written), the row is dropped and counted in lake_rows_dropped_total{dataset,
// reason="queue_full"} — the caller is never blocked. A background thread flushes every
// `flush_rows` queued rows, every `flush_interval`, on Flush() and on Shutdown(): for each dataset
// and year/month partition it runs COPY ... TO (FORMAT PARQUET, COMPRESSION ZSTD), reading the
// queued rows in place through a DuckDB table function (duck::ScanFunction) 256 rows at a time
// (yielding the core between slices while its backlog is under a quarter of the queue), into a
// hidden temporary file in the partition folder, fsyncs it and renames it to
//   <data_dir>/lake/<dataset>/year=YYYY/month=MM/part-<ulid>.parquet
// so readers (the `**/*.parquet` glob) never see a partial file. Several processes may write the
// same lake: file names are ULIDs. A batch that fails to write is dropped and counted
// (reason="write_error") so memory stays bounded; the error is logged through Flush()'s Status and
// lake_write_errors_total.
//
// Metrics (when a Registry is given): lake_rows_written_total{dataset},
// lake_files_written_total{dataset}, lake_rows_dropped_total{dataset,reason},
// lake_write_errors_total{dataset}, lake_queue_rows (gauge: rows accepted but not yet written).
//
// Thread-safety: every method is thread-safe. Ownership: the writer owns its thread and its DuckDB
// databases; the Registry and Clock must outlive it. The destructor calls Shutdown().
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "lake/duck.h"
#include "lake/query.h"
#include "lake/schema.h"
#include "metrics/metrics.h"

namespace signx::lake {

struct LakeOptions {
  std::string data_dir = "var";     // files go under <data_dir>/lake/
  size_t queue_capacity = 100'000;  // rows held in memory (queued + being written) before drops
  size_t flush_rows = 50'000;       // a flush starts once this many rows are queued
  std::chrono::milliseconds flush_interval{std::chrono::seconds(60)};  // and at least this often
  int duckdb_threads = 1;      // DuckDB threads used to encode Parquet (background work)
  int duckdb_memory_mb = 128;  // DuckDB buffer-pool limit of the writer
  // Tests only: called on the flush thread with the path of each complete temporary file, before
  // it is renamed into place.
  std::function<void(const std::string& temp_path)> on_temp_file_for_test;
};

class LakeWriter {
 public:
  // Creates <data_dir>/lake and starts the flush thread. `registry` may be null (no metrics).
  static Result<std::unique_ptr<LakeWriter>> Open(LakeOptions options,
                                                  metrics::Registry* registry = nullptr,
                                                  const Clock& clock = SystemClock::Get());
  ~LakeWriter();
  LakeWriter(const LakeWriter&) = delete;
  LakeWriter& operator=(const LakeWriter&) = delete;

  // Declares a dataset. Declaring the same name again with the same schema is a no-op; with a
  // different schema it is kAlreadyExists. An invalid schema is kValidationFailed.
  Status Declare(DatasetSchema schema);

  // Queues one row; never blocks on I/O. kNotFound for an undeclared dataset, kInvalidArgument
  // for a row that does not match the schema, kOverloaded when the queue is full (the row is
  // dropped and counted), kFailedPrecondition after Shutdown.
  Status Append(std::string_view dataset, Row row);

  // Blocks until every row accepted before the call is written (or dropped by a write error,
  // reported as the returned Status).
  Status Flush();

  // Writes everything queued, then stops the thread. Appends afterwards fail. Idempotent.
  void Shutdown();

  // DuckDB SQL over the lake (see query.h), declared datasets included.
  Result<duck::Rows> Query(const std::string& sql, size_t max_rows = 100'000) const;

  // Counters for tests and status pages (also exported as metrics).
  struct Stats {
    uint64_t rows_accepted = 0;
    uint64_t rows_written = 0;
    uint64_t rows_dropped = 0;  // queue full + write errors
    uint64_t files_written = 0;
    size_t queued = 0;  // accepted, not yet written
  };
  Stats stats() const;

  const LakeOptions& options() const { return options_; }

 private:
  struct Dataset;
  class PartitionRows;
  static constexpr const char* kScanFunction = "signx_lake_rows";
  struct Pending {
    Partition partition;
    Row row;
  };

  LakeWriter(LakeOptions options, metrics::Registry* registry, const Clock& clock,
             duck::Database db, duck::Connection conn, std::unique_ptr<duck::ScanFunction> scan);
  void Run();
  // Writes one dataset's rows, one file per partition (flush thread, without mu_); *files = files
  // renamed into place.
  Status WriteBatch(Dataset& ds, std::deque<Pending>& rows, size_t* files);
  Status WritePartition(Dataset& ds, const Partition& part, std::deque<Pending>& rows, size_t begin,
                        size_t end);

  const LakeOptions options_;
  metrics::Registry* const registry_;
  const Clock& clock_;
  metrics::Gauge* queue_gauge_ = nullptr;
  metrics::Family<metrics::Counter>* rows_written_family_ = nullptr;
  metrics::Family<metrics::Counter>* files_written_family_ = nullptr;
  metrics::Family<metrics::Counter>* dropped_family_ = nullptr;
  metrics::Family<metrics::Counter>* write_errors_family_ = nullptr;

  // Used by the flush thread only.
  duck::Database db_;
  duck::Connection conn_;
  std::unique_ptr<duck::ScanFunction> scan_;  // reads the partition being written

  mutable std::mutex mu_;
  std::condition_variable wake_;     // flush thread waits here
  std::condition_variable flushed_;  // Flush() callers wait here
  std::map<std::string, std::unique_ptr<Dataset>, std::less<>> datasets_;  // guarded by mu_
  // Rows in pending lists + being written: changed under mu_; atomic because a flush reads it
  // without mu_ to decide whether to yield between slices.
  std::atomic<size_t> queued_{0};
  size_t pending_rows_ = 0;    // guarded by mu_: rows in pending lists only
  uint64_t accepted_seq_ = 0;  // guarded by mu_: rows accepted so far
  uint64_t done_seq_ = 0;      // guarded by mu_: accepted rows written or dropped
  uint64_t flush_wanted_ = 0;  // guarded by mu_: highest seq a Flush() waits for
  uint64_t errors_ = 0;        // guarded by mu_: failed batches so far
  Status last_error_;          // guarded by mu_
  bool stopping_ = false;      // guarded by mu_
  bool stopped_ = false;       // guarded by mu_
  uint64_t rows_written_ = 0, rows_dropped_ = 0, files_written_ = 0;  // guarded by mu_

  std::mutex shutdown_mu_;  // serialises Shutdown()
  std::thread thread_;
};

}  // namespace signx::lake
