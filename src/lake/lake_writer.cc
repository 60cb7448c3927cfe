// LakeWriter (lake_writer.h), part 1 of 3: options, DuckDB and metrics set-up (Open, the
// constructor), what the callers' threads run (Declare, Append, Sync, Flush, Shutdown, Query,
// stats, the gauges) and the file helpers the other parts share. The spool and sync threads and
// batches are in lake_writer_spool.cc, the convert thread in lake_writer_convert.cc;
// lake_writer_internal.h holds what they share.
#include "lake/lake_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <system_error>
#include <utility>

#include "lake/lake_writer_internal.h"
#include "lake/spool.h"
#include "metrics/process_metrics.h"

namespace signx::lake {
namespace fs = std::filesystem;
namespace {

constexpr const char* kSpoolDirName = "_spool";

}  // namespace

namespace internal {

Status SyncPath(const fs::path& path, bool directory) {
  const int fd = ::open(path.c_str(), (directory ? O_DIRECTORY : 0) | O_RDONLY | O_CLOEXEC);
  if (fd < 0) return Internal("lake: cannot open " + path.string() + " to sync");
  const int rc = ::fsync(fd);
  ::close(fd);
  if (rc != 0) return Internal("lake: fsync failed on " + path.string());
  return Status::Ok();
}

std::string Errno(std::string_view what, const std::string& path) {
  return fmt::format("lake: {} {}: {}", what, path, std::strerror(errno));
}

}  // namespace internal

using internal::kWriteRows;

Result<std::unique_ptr<LakeWriter>> LakeWriter::Open(LakeOptions options,
                                                     metrics::Registry* registry,
                                                     const Clock& clock) {
  std::vector<FieldError> errors;
  if (options.data_dir.empty()) errors.push_back({"data_dir", "must not be empty"});
  if (options.queue_capacity == 0) errors.push_back({"queue_capacity", "must be at least 1"});
  if (options.flush_rows == 0) errors.push_back({"flush_rows", "must be at least 1"});
  if (options.flush_interval.count() <= 0) errors.push_back({"flush_interval", "must be > 0"});
  if (options.sync_interval.count() <= 0) errors.push_back({"sync_interval", "must be > 0"});
  if (options.sync_rows == 0) errors.push_back({"sync_rows", "must be at least 1"});
  if (options.segment_max_bytes < (1u << 16)) {
    errors.push_back({"segment_max_bytes", "must be at least 64 KiB"});
  }
  if (options.convert_nice < 0 || options.convert_nice > 19) {
    errors.push_back({"convert_nice", "must be 0..19"});
  }
  if (options.duckdb_threads < 1) errors.push_back({"duckdb_threads", "must be at least 1"});
  // The Parquet writer holds a row group in DuckDB's buffer pool: 20,000 rows of ~1.3 KB did not
  // fit the server's 32 MB.
  if (options.row_group_rows < 1) errors.push_back({"row_group_rows", "must be at least 1"});
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid lake options");

  std::error_code ec;
  const fs::path spool_dir = fs::path(LakeRoot(options.data_dir)) / kSpoolDirName;
  fs::create_directories(spool_dir, ec);
  if (ec) return Unavailable("lake: cannot create " + spool_dir.string() + ": " + ec.message());
  SIGNX_ASSIGN_OR_RETURN(
      duck::Database db,
      duck::Database::Open("",
                           {{"threads", std::to_string(options.duckdb_threads)},
                            // A background writer: keep its buffer pool small (DuckDB's
                            // default is 80% of RAM, which it then keeps).
                            {"memory_limit", std::to_string(options.duckdb_memory_mb) + "MB"}}));
  SIGNX_ASSIGN_OR_RETURN(duck::Connection conn, duck::Connection::Open(db));
  SIGNX_RETURN_IF_ERROR(conn.Execute("SET TimeZone = 'UTC'"));
  SIGNX_ASSIGN_OR_RETURN(std::unique_ptr<duck::ScanFunction> scan,
                         duck::ScanFunction::Register(conn, kScanFunction));
  std::unique_ptr<LakeWriter> w(new LakeWriter(std::move(options), registry, clock, std::move(db),
                                               std::move(conn), std::move(scan)));
  w->Recover();
  w->spool_thread_ = std::thread([raw = w.get()] { raw->SpoolLoop(); });
  w->sync_thread_ = std::thread([raw = w.get()] { raw->SyncLoop(); });
  w->convert_thread_ = std::thread([raw = w.get()] { raw->ConvertLoop(); });
  return w;
}

LakeWriter::LakeWriter(LakeOptions options, metrics::Registry* registry, const Clock& clock,
                       duck::Database db, duck::Connection conn,
                       std::unique_ptr<duck::ScanFunction> scan)
    : options_(std::move(options)),
      spool_dir_((fs::path(LakeRoot(options_.data_dir)) / kSpoolDirName).string()),
      registry_(registry),
      clock_(clock),
      db_(std::move(db)),
      conn_(std::move(conn)),
      scan_(std::move(scan)) {
  if (registry_ != nullptr) {
    const std::vector<std::string> none;
    queue_gauge_ = &registry_
                        ->AddGauge("lake_queue_rows",
                                   "Rows accepted by the lake writer, in memory, not yet written "
                                   "to the spool")
                        .WithLabels(none);
    spool_rows_gauge_ =
        &registry_
             ->AddGauge("lake_spool_rows",
                        "Rows in lake spool files not yet converted to Parquet (this process)")
             .WithLabels(none);
    spool_bytes_gauge_ =
        &registry_->AddGauge("lake_spool_bytes", "Bytes of lake spool files not yet converted")
             .WithLabels(none);
    spool_files_gauge_ = &registry_
                              ->AddGauge("lake_spool_files",
                                         "Lake spool files being written or waiting for conversion")
                              .WithLabels(none);
    syncs_counter_ =
        &registry_->AddCounter("lake_spool_syncs_total", "fdatasync calls of the lake spool")
             .WithLabels(none);
    recovered_counter_ =
        &registry_
             ->AddCounter("lake_spool_recovered_rows_total",
                          "Rows converted from spool files left by an earlier process")
             .WithLabels(none);
    skipped_counter_ =
        &registry_
             ->AddCounter("lake_spool_skipped_bytes_total",
                          "Bytes of torn or damaged spool tails skipped during conversion")
             .WithLabels(none);
    rows_written_family_ = &registry_->AddCounter(
        "lake_rows_written_total", "Rows written to lake Parquet files", {"dataset"});
    files_written_family_ = &registry_->AddCounter(
        "lake_files_written_total", "Parquet files written to the lake", {"dataset"});
    dropped_family_ = &registry_->AddCounter(
        "lake_rows_dropped_total",
        "Rows the lake writer dropped (spool_full: the spool could not be written)",
        {"dataset", "reason"});
    write_errors_family_ =
        &registry_->AddCounter("lake_write_errors_total",
                               "Lake spool files that failed to convert (retried)", {"dataset"});
    // DuckDB's private allocator (duck::DuckdbMallctl): process-wide, read at scrape time.
    if (const duck::AllocatorCtl ctl = duck::DuckdbMallctl(); ctl != nullptr) {
      registry_->AddCollector([ctl](metrics::Writer& w) {
        const metrics::AllocatorStats a = metrics::ReadAllocatorStats(ctl);
        auto gauge = [&](const char* name, const char* help, double v) {
          if (v < 0) return;
          w.Header(name, help, metrics::Type::kGauge);
          w.Sample(name, v);
        };
        gauge("lake_duckdb_allocated_bytes",
              "DuckDB's own allocator: bytes DuckDB holds (buffer pool, Parquet encoding)",
              a.allocated);
        gauge("lake_duckdb_resident_bytes",
              "DuckDB's own allocator: resident bytes (allocated, metadata, freed pages not yet "
              "returned to the kernel)",
              a.resident);
      });
    }
  }
}

LakeWriter::~LakeWriter() { Shutdown(); }

Status LakeWriter::Declare(DatasetSchema schema) {
  SIGNX_RETURN_IF_ERROR(ValidateSchema(schema));
  auto ds = std::make_unique<Dataset>();
  for (size_t i = 0; i < schema.columns.size(); ++i) {
    if (schema.columns[i].name == schema.partition_by) ds->time_column = static_cast<int>(i);
  }
  ds->schema = std::move(schema);
  const std::string& name = ds->schema.name;

  std::lock_guard lock(mu_);
  if (auto it = datasets_.find(name); it != datasets_.end()) {
    const DatasetSchema& old = it->second->schema;
    const bool same = old.partition_by == ds->schema.partition_by &&
                      old.columns.size() == ds->schema.columns.size() &&
                      std::equal(old.columns.begin(), old.columns.end(), ds->schema.columns.begin(),
                                 [](const Column& a, const Column& b) {
                                   return a.name == b.name && a.type == b.type;
                                 });
    if (same) return Status::Ok();
    return AlreadyExists("lake dataset '" + name + "' is already declared with another schema");
  }
  ds->id = static_cast<uint32_t>(by_id_.size());
  if (registry_ != nullptr) ds->dropped_full = &dropped_family_->WithLabels({name, "spool_full"});
  // The current segment learns the dataset before its first row; new segments start with every
  // declared dataset (SpoolLoop).
  spool::AppendDatasetRecord(ds->id, ds->schema, &buffer_);
  by_id_.push_back(ds.get());
  datasets_.emplace(name, std::move(ds));
  return Status::Ok();
}

Result<const LakeWriter::Dataset*> LakeWriter::FindDataset(std::string_view name) {
  std::lock_guard lock(mu_);
  auto it = datasets_.find(name);
  if (it == datasets_.end()) {
    return NotFound("lake dataset '" + std::string(name) + "' is not declared");
  }
  if (stopping_) return FailedPrecondition("lake writer is shut down");
  return it->second.get();  // never removed, never moved
}

Status LakeWriter::Append(std::string_view dataset, Row row) {
  const Timestamp now = clock_.Now();
  SIGNX_ASSIGN_OR_RETURN(const Dataset* ds, FindDataset(dataset));
  SIGNX_RETURN_IF_ERROR(ValidateRow(ds->schema, row));
  Timestamp t = now;
  if (ds->time_column >= 0) {
    if (const auto* ts = std::get_if<Timestamp>(&row[static_cast<size_t>(ds->time_column)])) {
      t = *ts;
    }
  }
  thread_local std::string record;
  record.clear();
  spool::AppendRowRecord(ds->id, PartitionOf(t), row, &record);
  if (record.capacity() > (1u << 20)) record.shrink_to_fit();

  bool wake = false;
  {
    std::lock_guard lock(mu_);
    if (stopping_) return FailedPrecondition("lake writer is shut down");
    if (buffer_rows_ >= options_.queue_capacity) {
      ++rows_dropped_;
      if (ds->dropped_full != nullptr) ds->dropped_full->Inc();
      return Status(ErrorCode::kOverloaded, "lake spool cannot be written: row dropped");
    }
    buffer_.append(record);
    ++buffer_rows_;
    ++accepted_seq_;
    wake = buffer_rows_ == 1 || buffer_rows_ == kWriteRows;
    if (queue_gauge_ != nullptr) queue_gauge_->Set(static_cast<double>(buffer_rows_));
  }
  if (wake) spool_wake_.notify_one();
  return Status::Ok();
}

Status LakeWriter::Sync() {
  std::unique_lock lock(mu_);
  const uint64_t target = accepted_seq_;
  const uint64_t errors_before = error_gen_;
  while (durable_seq_ < target && !stopped_ && error_gen_ == errors_before) {
    ++sync_requested_;
    spool_wake_.notify_one();
    sync_wake_.notify_one();
    done_.wait(lock);
  }
  if (durable_seq_ >= target) return Status::Ok();
  return error_gen_ != errors_before ? last_error_
                                     : Unavailable("lake writer stopped before the rows synced");
}

Status LakeWriter::Flush() {
  std::unique_lock lock(mu_);
  if (stopped_) return Status::Ok();
  const uint64_t errors_before = error_gen_;
  const uint64_t seal = ++seal_requested_;
  spool_wake_.notify_one();
  done_.wait(lock, [&] { return seal_done_ >= seal || stopped_ || error_gen_ != errors_before; });
  // Every row accepted before the call is now in a queued segment (or failed to reach one).
  const uint64_t ticket = tickets_queued_;
  if (pausing_) retry_now_ = true;  // cuts the pause after a failed conversion short
  convert_wake_.notify_one();
  done_.wait(lock,
             [&] { return tickets_done_ >= ticket || stopped_ || error_gen_ != errors_before; });
  if (error_gen_ != errors_before) return last_error_;
  return Status::Ok();
}

void LakeWriter::Shutdown() {
  std::lock_guard serial(shutdown_mu_);
  {
    std::lock_guard lock(mu_);
    if (stopped_) return;
    stopping_ = true;
  }
  spool_wake_.notify_all();
  sync_wake_.notify_all();
  convert_wake_.notify_all();
  if (spool_thread_.joinable()) spool_thread_.join();
  if (sync_thread_.joinable()) sync_thread_.join();
  if (convert_thread_.joinable()) convert_thread_.join();
  std::lock_guard lock(mu_);
  stopped_ = true;
  current_.reset();
  unsynced_.clear();
  convert_queue_.clear();  // files that failed stay on disk for the next Open
  done_.notify_all();
}

Result<duck::Rows> LakeWriter::Query(const std::string& sql, size_t max_rows) const {
  QueryOptions q;
  q.max_rows = max_rows;
  {
    std::lock_guard lock(mu_);
    for (const auto& [name, ds] : datasets_) q.declared.push_back(ds->schema);
  }
  return QueryLake(options_.data_dir, sql, q);
}

LakeWriter::Stats LakeWriter::stats() const {
  std::lock_guard lock(mu_);
  Stats s;
  s.rows_accepted = accepted_seq_;
  s.rows_written = rows_written_;
  s.rows_dropped = rows_dropped_;
  s.files_written = files_written_;
  s.queued = buffer_rows_;
  s.rows_durable = durable_seq_;
  s.spool_rows = spool_rows_;
  s.spool_bytes = spool_bytes_;
  s.rows_recovered = rows_recovered_;
  s.skipped_bytes = skipped_bytes_;
  return s;
}

void LakeWriter::UpdateGaugesLocked() {
  if (registry_ == nullptr) return;
  queue_gauge_->Set(static_cast<double>(buffer_rows_));
  spool_rows_gauge_->Set(static_cast<double>(spool_rows_));
  spool_bytes_gauge_->Set(static_cast<double>(spool_bytes_));
  spool_files_gauge_->Set(static_cast<double>(convert_queue_.size() + (current_ ? 1 : 0)));
}

}  // namespace signx::lake
