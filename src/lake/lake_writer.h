// LakeWriter: append-only analytics datasets written as Parquet through DuckDB, with nothing lost
// on the way: every accepted row first goes to a durable append-only spool on disk.
//
// Callers Declare() each dataset once (name + typed columns, see schema.h), then Append() rows
// from any thread. Append never waits for I/O: it validates the row, encodes it as a checksummed
// spool record (spool.h) and adds it to an in-memory buffer under a short mutex.
//
// Three background threads move rows on:
//   spool  writes the buffer to the current spool segment, <data_dir>/lake/_spool/seg-<ulid>.spool
//          (write(2) as soon as rows arrive, at most every few ms), and seals the segment for
//          conversion once it holds `flush_rows` rows and the converter is idle, is
//          `flush_interval` old, holds `segment_max_bytes`, or a Flush() asks;
//   sync   fdatasync()s the spool every `sync_interval` or `sync_rows` rows (the fsync policy);
//   convert turns sealed segments, oldest first, into Parquet: per dataset and year/month
//          partition it runs COPY ... TO (FORMAT PARQUET, COMPRESSION ZSTD), reading the rows
//          straight from the mapped segment through a DuckDB table function that fills each
//          column's vector (duck::ScanFunction; no intermediate table, no per-value appends),
//          into a hidden temporary file, fsyncs it and renames it to
//            <data_dir>/lake/<dataset>/year=YYYY/month=MM/part-<segment ulid>.parquet
//          then deletes the segment. The name comes from the segment, so converting a segment
//          again (a crash between rename and delete) replaces the same files: no duplicates.
//          It runs at `convert_nice` so request threads win the core when both want it; when it
//          falls behind, sealed segments wait on disk (memory stays bounded, nothing is dropped).
//
// Durability: a row is durable once a sync has covered it (Sync() waits for that). A crash of the
// process (kill -9) loses only rows not yet handed to write(2) — at most the few ms of rows
// since the spool thread's last write; a crash of the machine loses at most the rows appended
// since the last fdatasync: `sync_interval` (default 200 ms) or `sync_rows` (default 10,000) rows,
// whichever comes first, plus the rows appended while that sync ran. On Open, segments left by a
// dead process (not flock()ed by a live one) are converted; a torn last record is detected by its
// size and CRC-32C and skipped (lake_spool_skipped_bytes_total).
//
// Memory: the buffer holds at most `queue_capacity` rows not yet written to the spool; the
// converter maps one segment (at most `segment_max_bytes`) at a time. A row is dropped only when
// the buffer is full because the spool cannot be written (disk full or failing): Append returns
// kOverloaded and counts lake_rows_dropped_total{dataset,reason="spool_full"}; the spool thread
// retries the write every 100 ms and keeps the rows it could not write.
//
// Batches (OpenBatch): rows of one job go to their own spool file named by a caller key (the job
// id), made visible to the converter only by Commit(), and converted to
// part-batch-<key>.parquet. A retried job that commits the same key again replaces the earlier
// attempt's file (in every partition), so each of its rows is in the lake once. A batch that is
// not committed (the job failed, the process died) is discarded.
//
// Several processes may share a lake: segment and batch files are flock()ed by their owner for as
// long as it has them, and Parquet names are ULIDs or keys.
//
// Metrics (when a Registry is given): lake_rows_written_total{dataset},
// lake_files_written_total{dataset}, lake_rows_dropped_total{dataset,reason},
// lake_write_errors_total{dataset} (failed conversions, retried), lake_queue_rows (gauge: rows in
// memory not yet written to the spool), lake_spool_rows / lake_spool_bytes / lake_spool_files
// (gauges: accepted rows and bytes in spool files not yet converted), lake_spool_syncs_total,
// lake_spool_recovered_rows_total, lake_spool_skipped_bytes_total.
//
// Thread-safety: every method is thread-safe (a Batch is used by one thread). Ownership: the
// writer owns its threads and its DuckDB database; the Registry and Clock must outlive it, and it
// must outlive its Batches. The destructor calls Shutdown().
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
  size_t queue_capacity = 100'000;  // rows in memory not yet written to the spool before drops
  size_t flush_rows = 50'000;       // a segment is sealed for conversion at this many rows
  std::chrono::milliseconds flush_interval{std::chrono::seconds(60)};  // or at this age
  // The fsync policy: the spool is fdatasync()ed this often while rows arrive...
  std::chrono::milliseconds sync_interval{200};
  size_t sync_rows = 10'000;  // ...and as soon as this many rows were written since the last sync
  // A segment is sealed at this size whatever else. The converter maps one segment at a time, and
  // its pages count in the process's RSS while they are read.
  size_t segment_max_bytes = 16u << 20;
  // Parquet row groups are closed at this many rows: DuckDB's Parquet writer holds a whole row
  // group in memory while it encodes it (~1.3 KB a lead_scores row).
  size_t row_group_rows = 2048;
  int convert_nice = 10;       // nice value of the convert thread (0 = as request threads)
  int duckdb_threads = 1;      // DuckDB threads used to encode Parquet (background work)
  int duckdb_memory_mb = 128;  // DuckDB buffer-pool limit of the writer
  // Tests only: called on the convert thread with the path of each complete temporary file,
  // before it is renamed into place.
  std::function<void(const std::string& temp_path)> on_temp_file_for_test;
};

class LakeWriter {
 public:
  class Batch;

  // Creates <data_dir>/lake, queues leftover spool files for conversion and starts the threads.
  // `registry` may be null (no metrics).
  static Result<std::unique_ptr<LakeWriter>> Open(LakeOptions options,
                                                  metrics::Registry* registry = nullptr,
                                                  const Clock& clock = SystemClock::Get());
  ~LakeWriter();
  LakeWriter(const LakeWriter&) = delete;
  LakeWriter& operator=(const LakeWriter&) = delete;

  // Declares a dataset. Declaring the same name again with the same schema is a no-op; with a
  // different schema it is kAlreadyExists. An invalid schema is kValidationFailed.
  Status Declare(DatasetSchema schema);

  // Accepts one row; never blocks on I/O. kNotFound for an undeclared dataset, kInvalidArgument
  // for a row that does not match the schema, kOverloaded when the spool cannot be written and
  // the buffer is full (the row is dropped and counted), kFailedPrecondition after Shutdown.
  Status Append(std::string_view dataset, Row row);

  // Opens a batch whose rows reach the lake only when it is committed, replacing whatever an
  // earlier batch with the same `key` ([A-Za-z0-9_-], 1..100 characters) committed.
  Result<std::unique_ptr<Batch>> OpenBatch(std::string_view dataset, std::string_view key);

  // Blocks until every row accepted before the call is durable on disk (in a synced spool file).
  // The returned Status is the spool's write or sync error, if one stopped that.
  Status Sync();

  // Blocks until every row accepted (and batch committed) before the call is in Parquet, or a
  // write error happened meanwhile (returned; the rows stay in the spool and are retried).
  Status Flush();

  // Writes the buffer to the spool, converts what it can (each segment is tried once more),
  // then stops the threads; segments that still fail stay on disk for the next Open. Appends
  // afterwards fail. Idempotent.
  void Shutdown();

  // DuckDB SQL over the lake (see query.h), declared datasets included.
  Result<duck::Rows> Query(const std::string& sql, size_t max_rows = 100'000) const;

  // Counters for tests and status pages (also exported as metrics).
  struct Stats {
    uint64_t rows_accepted = 0;  // Append()ed rows (batches not included)
    uint64_t rows_written = 0;   // rows in Parquet files written by this writer (recovered too)
    uint64_t rows_dropped = 0;   // spool full (disk full or failing)
    uint64_t files_written = 0;
    size_t queued = 0;          // rows in memory not yet written to the spool
    uint64_t rows_durable = 0;  // accepted rows covered by a sync
    uint64_t spool_rows = 0;    // rows in spool files not yet converted
    uint64_t spool_bytes = 0;
    uint64_t rows_recovered = 0;  // rows converted from files found at Open
    uint64_t skipped_bytes = 0;   // torn or damaged spool tails
  };
  Stats stats() const;

  const LakeOptions& options() const { return options_; }

 private:
  struct Dataset;
  // The declared dataset named `name` (never removed or moved); NotFound, or FailedPrecondition
  // after Shutdown.
  Result<const Dataset*> FindDataset(std::string_view name);
  struct SpoolFile;
  class SegmentRows;
  class MappedPages;
  static constexpr const char* kScanFunction = "signx_lake_rows";

  LakeWriter(LakeOptions options, metrics::Registry* registry, const Clock& clock,
             duck::Database db, duck::Connection conn, std::unique_ptr<duck::ScanFunction> scan);
  void Recover();
  void SpoolLoop();
  void SyncLoop();
  void ConvertLoop();
  // Sealing and queueing a segment for conversion (spool thread, with mu_ held).
  void SealLocked();
  // Converts one spool file (convert thread, without mu_); *out counts what was written per
  // dataset name (every dataset of the file has an entry, also on failure).
  struct ConvertCount {
    uint64_t rows = 0, files = 0;
  };
  Status Convert(SpoolFile& file, std::map<std::string, ConvertCount>* out);
  Status WritePartition(const DatasetSchema& schema, const std::string& stem, const Partition& part,
                        const std::vector<std::string_view>& cells, MappedPages& pages);
  void UpdateGaugesLocked();

  const LakeOptions options_;
  const std::string spool_dir_;
  metrics::Registry* const registry_;
  const Clock& clock_;
  metrics::Gauge* queue_gauge_ = nullptr;
  metrics::Gauge* spool_rows_gauge_ = nullptr;
  metrics::Gauge* spool_bytes_gauge_ = nullptr;
  metrics::Gauge* spool_files_gauge_ = nullptr;
  metrics::Counter* syncs_counter_ = nullptr;
  metrics::Counter* recovered_counter_ = nullptr;
  metrics::Counter* skipped_counter_ = nullptr;
  metrics::Family<metrics::Counter>* rows_written_family_ = nullptr;
  metrics::Family<metrics::Counter>* files_written_family_ = nullptr;
  metrics::Family<metrics::Counter>* dropped_family_ = nullptr;
  metrics::Family<metrics::Counter>* write_errors_family_ = nullptr;

  // Used by the convert thread only.
  duck::Database db_;
  duck::Connection conn_;
  std::unique_ptr<duck::ScanFunction> scan_;

  mutable std::mutex mu_;
  std::condition_variable spool_wake_;  // spool thread waits here
  std::condition_variable sync_wake_;   // sync thread waits here
  std::condition_variable convert_wake_;
  std::condition_variable done_;  // Sync() and Flush() callers wait here
  // All guarded by mu_.
  std::map<std::string, std::unique_ptr<Dataset>, std::less<>> datasets_;
  std::vector<Dataset*> by_id_;
  std::string buffer_;  // encoded records not yet written
  size_t buffer_rows_ = 0;
  uint64_t accepted_seq_ = 0;                         // rows accepted so far
  uint64_t written_seq_ = 0;                          // accepted rows handed to write(2)
  uint64_t durable_seq_ = 0;                          // accepted rows covered by an fdatasync
  uint64_t synced_rows_pending_ = 0;                  // rows written since the last sync
  std::shared_ptr<SpoolFile> current_;                // the segment being written
  std::vector<std::shared_ptr<SpoolFile>> unsynced_;  // written to since the last sync
  std::deque<std::shared_ptr<SpoolFile>> convert_queue_;
  bool converting_ = false;
  bool pausing_ = false;    // the convert thread waits before retrying a failed file
  bool retry_now_ = false;  // a Flush() cuts that pause short
  uint64_t seal_requested_ = 0, seal_done_ = 0;     // Flush() → spool thread
  uint64_t sync_requested_ = 0, sync_done_ = 0;     // Sync() → sync thread
  uint64_t tickets_queued_ = 0, tickets_done_ = 0;  // files queued for / done by conversion
  uint64_t error_gen_ = 0;
  Status last_error_;
  Status spool_error_;  // the spool's current write error (clears once a write succeeds)
  bool stopping_ = false;
  bool spool_stopped_ = false;
  bool stopped_ = false;
  uint64_t rows_written_ = 0, rows_dropped_ = 0, files_written_ = 0, rows_recovered_ = 0,
           skipped_bytes_ = 0, spool_rows_ = 0, spool_bytes_ = 0;

  std::mutex shutdown_mu_;  // serialises Shutdown()
  std::thread spool_thread_, sync_thread_, convert_thread_;
};

// Rows of one job on their way to the lake as a unit (LakeWriter::OpenBatch). Not thread-safe.
class LakeWriter::Batch {
 public:
  ~Batch();  // discards the batch unless it was committed
  Batch(const Batch&) = delete;
  Batch& operator=(const Batch&) = delete;

  // kInvalidArgument for a row that does not match the schema; I/O errors of the batch file.
  Status Append(Row row);
  // Makes the batch durable (fdatasync + rename) and queues it for conversion. Once.
  Status Commit();
  size_t rows() const { return rows_; }

 private:
  friend class LakeWriter;
  Batch(LakeWriter& writer, const Dataset& dataset, std::string key, std::string path, int fd);
  Status WriteOut();

  LakeWriter& writer_;
  const Dataset& dataset_;
  const std::string key_;
  const std::string path_;  // the .open file
  int fd_ = -1;
  std::string buffer_;
  size_t rows_ = 0;
  bool committed_ = false;
};

}  // namespace signx::lake
