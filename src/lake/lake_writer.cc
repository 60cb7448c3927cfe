#include "lake/lake_writer.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <set>
#include <system_error>
#include <utility>

#include "base/id.h"
#include "lake/spool.h"
#include "metrics/process_metrics.h"
#include "runtime/background_thread.h"

namespace signx::lake {
namespace fs = std::filesystem;
namespace {

using SteadyClock = std::chrono::steady_clock;

constexpr size_t kWriteRows = 512;  // the spool thread writes once this many rows are buffered...
constexpr std::chrono::milliseconds kWriteDelay{5};    // ...or this long after the first one
constexpr std::chrono::milliseconds kSpoolRetry{100};  // after a failed spool write
constexpr std::chrono::seconds kConvertRetryMax{30};   // longest pause before converting again
constexpr size_t kBatchWriteBytes = 1u << 20;          // a Batch writes its buffer at this size
// The spool thread keeps a buffer's allocation for the next rows up to this size (a write is
// usually kWriteRows rows, ~0.7 MB); a burst's larger buffer is freed once written.
constexpr size_t kKeepBufferBytes = 1u << 20;
constexpr const char* kSpoolDirName = "_spool";

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

// Writes all of `data` at the end of `fd`.
Status WriteAll(int fd, std::string_view data, const std::string& path) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return Unavailable(Errno("cannot write", path));
    }
    data.remove_prefix(static_cast<size_t>(n));
  }
  return Status::Ok();
}

duckdb_type DuckType(ColumnType type) {
  switch (type) {
    case ColumnType::kBool:
      return DUCKDB_TYPE_BOOLEAN;
    case ColumnType::kInt64:
      return DUCKDB_TYPE_BIGINT;
    case ColumnType::kDouble:
      return DUCKDB_TYPE_DOUBLE;
    case ColumnType::kTimestamp:
      return DUCKDB_TYPE_TIMESTAMP_TZ;
    case ColumnType::kString:
      break;
  }
  return DUCKDB_TYPE_VARCHAR;
}

bool ValidKey(std::string_view key) {
  if (key.empty() || key.size() > 100) return false;
  return std::all_of(key.begin(), key.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' ||
           c == '-';
  });
}

// Spool file names: seg-<ulid>.spool (Append), batch-<key>.<ulid>.spool (a committed batch),
// batch-<key>.<ulid>.open (a batch being written). Returns false for other names.
bool ParseSpoolName(const std::string& name, std::string* stem, std::string* ulid, bool* open) {
  std::string base;
  if (name.ends_with(".spool")) {
    base = name.substr(0, name.size() - 6);
    *open = false;
  } else if (name.ends_with(".open")) {
    base = name.substr(0, name.size() - 5);
    *open = true;
  } else {
    return false;
  }
  if (base.starts_with("seg-") && !*open) {
    *ulid = base.substr(4);
    *stem = *ulid;
    return !ulid->empty();
  }
  if (base.starts_with("batch-")) {
    const size_t dot = base.rfind('.');
    if (dot == std::string::npos || dot <= 6) return false;
    *ulid = base.substr(dot + 1);
    *stem = base.substr(0, dot);  // batch-<key>
    return ValidKey(stem->substr(6)) && !ulid->empty();
  }
  return false;
}

// Opens `path` for reading and writing and takes its exclusive flock without waiting; -1 if the
// file is gone or another live process holds it.
int OpenLocked(const std::string& path) {
  const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  if (fd < 0) return -1;
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

}  // namespace

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
  SteadyClock::time_point opened_at = SteadyClock::now();
  uint64_t rows = 0;    // rows written to it (0 for recovered files until converted)
  uint64_t bytes = 0;   // file size
  uint64_t ticket = 0;  // its place in the conversion queue
  ~SpoolFile() {
    if (fd >= 0) ::close(fd);
  }
};

// The rows of one partition of a mapped spool file, read by COPY through the scan function: each
// Fill decodes up to a vector's worth of rows straight into the column vectors.
class LakeWriter::SegmentRows final : public duck::ScanSource {
 public:
  SegmentRows(const DatasetSchema& schema, const std::vector<std::string_view>& cells)
      : schema_(schema), cells_(cells) {}

  std::vector<ColumnSpec> Columns() const override {
    std::vector<ColumnSpec> out;
    for (const Column& c : schema_.columns) out.push_back({c.name, DuckType(c.type)});
    return out;
  }

  size_t Fill(duckdb_data_chunk out) override {
    const size_t n = std::min<size_t>(duckdb_vector_size(), cells_.size() - next_);
    const size_t ncols = schema_.columns.size();
    vectors_.resize(ncols);
    data_.resize(ncols);
    for (size_t c = 0; c < ncols; ++c) {
      vectors_[c] = duckdb_data_chunk_get_vector(out, c);
      data_[c] = duckdb_vector_get_data(vectors_[c]);
    }
    for (size_t r = 0; r < n; ++r) {
      // spool::Parse checked every row's cells against the schema.
      spool::CellReader in(cells_[next_ + r]);
      for (size_t c = 0; c < ncols; ++c) {
        if (!in.Present()) {
          duck::SetNull(vectors_[c], r);
          continue;
        }
        switch (schema_.columns[c].type) {
          case ColumnType::kBool:
            static_cast<bool*>(data_[c])[r] = in.Bool();
            break;
          case ColumnType::kInt64:
          case ColumnType::kTimestamp:
            static_cast<int64_t*>(data_[c])[r] = in.Int64();
            break;
          case ColumnType::kDouble:
            static_cast<double*>(data_[c])[r] = in.Double();
            break;
          case ColumnType::kString:
            duck::SetString(vectors_[c], r, in.String());
            break;
        }
      }
    }
    next_ += n;
    return n;
  }

 private:
  const DatasetSchema& schema_;
  const std::vector<std::string_view>& cells_;
  size_t next_ = 0;
  std::vector<duckdb_vector> vectors_;
  std::vector<void*> data_;
};

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

void LakeWriter::Recover() {
  struct Found {
    std::string ulid;
    std::shared_ptr<SpoolFile> file;
  };
  std::vector<Found> found;
  std::error_code ec;
  for (fs::directory_iterator it(spool_dir_, ec), end; !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    std::string stem, ulid;
    bool open = false;
    if (!ParseSpoolName(name, &stem, &ulid, &open)) continue;
    const int fd = OpenLocked(it->path().string());
    if (fd < 0) continue;  // a live process owns it
    if (open) {
      // An uncommitted batch of a dead process: its job did not finish and will run again.
      std::error_code rm;
      fs::remove(it->path(), rm);
      ::close(fd);
      continue;
    }
    auto f = std::make_shared<SpoolFile>();
    f->path = it->path().string();
    f->stem = stem;
    f->batch = stem.starts_with("batch-");
    f->recovered = true;
    f->dir_synced = true;
    f->fd = fd;
    struct stat st {};
    if (::fstat(fd, &st) == 0) f->bytes = static_cast<uint64_t>(st.st_size);
    found.push_back({ulid, std::move(f)});
  }
  std::sort(found.begin(), found.end(),
            [](const Found& a, const Found& b) { return a.ulid < b.ulid; });
  std::lock_guard lock(mu_);
  for (Found& f : found) {
    f.file->ticket = ++tickets_queued_;
    spool_bytes_ += f.file->bytes;
    convert_queue_.push_back(std::move(f.file));
  }
  if (!found.empty())
    spdlog::info("lake: converting {} spool files left by an earlier run", found.size());
  UpdateGaugesLocked();
}

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

Status LakeWriter::Append(std::string_view dataset, Row row) {
  const Timestamp now = clock_.Now();
  const Dataset* ds = nullptr;
  {
    std::lock_guard lock(mu_);
    auto it = datasets_.find(dataset);
    if (it == datasets_.end()) {
      return NotFound("lake dataset '" + std::string(dataset) + "' is not declared");
    }
    if (stopping_) return FailedPrecondition("lake writer is shut down");
    ds = it->second.get();  // never removed, never moved
  }
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

void LakeWriter::SealLocked() {
  if (!current_) return;
  current_->ticket = ++tickets_queued_;
  convert_queue_.push_back(std::move(current_));
  current_.reset();
  convert_wake_.notify_one();
}

void LakeWriter::SpoolLoop() {
  pthread_setname_np(pthread_self(), "signx-lake-spool");
  std::unique_lock lock(mu_);
  std::string out;
  while (true) {
    auto ready = [&] {
      return stopping_ || seal_requested_ > seal_done_ || buffer_rows_ >= kWriteRows ||
             (current_ && current_->rows >= options_.flush_rows && !converting_ &&
              convert_queue_.empty());
    };
    if (!spool_error_.ok() && !stopping_) {
      spool_wake_.wait_for(lock, kSpoolRetry, [&] { return stopping_; });
    } else if (buffer_rows_ > 0) {
      spool_wake_.wait_for(lock, kWriteDelay, ready);
    } else if (current_) {
      spool_wake_.wait_until(lock, current_->opened_at + options_.flush_interval,
                             [&] { return ready() || buffer_rows_ > 0; });
    } else {
      spool_wake_.wait(lock, [&] { return ready() || buffer_rows_ > 0; });
    }

    const uint64_t seal = seal_requested_;
    const uint64_t seq = accepted_seq_;
    const size_t rows = buffer_rows_;
    out.clear();
    out.swap(buffer_);
    buffer_rows_ = 0;
    std::shared_ptr<SpoolFile> file = current_;
    std::string header;
    const bool has_rows = rows > 0;
    if (!file && has_rows) {
      header.assign(spool::kMagic);
      for (const Dataset* ds : by_id_) spool::AppendDatasetRecord(ds->id, ds->schema, &header);
    }
    lock.unlock();

    Status st;
    uint64_t written = 0;
    if (!file && has_rows) {
      auto f = std::make_shared<SpoolFile>();
      f->stem = NewId("s", clock_).substr(2);
      f->path = (fs::path(spool_dir_) / ("seg-" + f->stem + ".spool")).string();
      f->fd = ::open(f->path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_APPEND | O_CLOEXEC, 0644);
      if (f->fd < 0) {
        st = Unavailable(Errno("cannot create", f->path));
      } else if (::flock(f->fd, LOCK_EX | LOCK_NB) != 0) {
        st = Internal(Errno("cannot lock", f->path));
      } else {
        st = WriteAll(f->fd, header, f->path);
        if (st.ok()) {
          f->bytes = header.size();
          file = std::move(f);
        } else {
          ::unlink(f->path.c_str());
        }
      }
    }
    if (st.ok() && file && !out.empty()) {
      st = WriteAll(file->fd, out, file->path);
      if (st.ok()) {
        written = out.size();
      } else if (::ftruncate(file->fd, static_cast<off_t>(file->bytes)) != 0) {
        // The file may now end in a partial record: seal it (conversion stops at the torn
        // record) and write the rows again into a new segment.
        st = st.WithContext("cannot truncate the spool after a failed write");
        file->bytes = ~uint64_t{0};
      }
    }

    // A burst grew the buffer: give the memory back instead of keeping it for the next one (two
    // buffers take turns: `out` becomes buffer_ at the next swap).
    if (st.ok() && out.capacity() > kKeepBufferBytes) std::string().swap(out);
    lock.lock();
    if (!st.ok()) {
      // Keep the rows (ahead of those appended meanwhile) and try again shortly; Append drops
      // rows once the buffer is full.
      out.append(buffer_);
      buffer_.swap(out);
      buffer_rows_ += rows;
      if (spool_error_.ok()) spdlog::error("lake: spool write failed: {}", st.ToString());
      spool_error_ = st;
      last_error_ = st;
      ++error_gen_;
      if (file && file->bytes == ~uint64_t{0}) {
        current_ = file;
        SealLocked();
      }
      if (stopping_) {
        // Giving up: the rows that never reached the disk are dropped and counted.
        rows_dropped_ += buffer_rows_;
        buffer_.clear();
        buffer_rows_ = 0;
      }
      seal_done_ = seal;
      done_.notify_all();
    } else {
      spool_error_ = Status::Ok();
      if (file) {
        current_ = file;
        if (written > 0) {
          file->rows += rows;
          file->bytes += written;
          spool_rows_ += rows;
          spool_bytes_ += written;
          written_seq_ = seq;
          synced_rows_pending_ += rows;
          if (std::find(unsynced_.begin(), unsynced_.end(), file) == unsynced_.end()) {
            unsynced_.push_back(file);
          }
          if (synced_rows_pending_ >= options_.sync_rows)
            sync_wake_.notify_one();
          else if (synced_rows_pending_ == rows)
            sync_wake_.notify_one();  // starts its clock
        }
        const bool idle_converter = !converting_ && convert_queue_.empty();
        if (current_->rows > 0 &&
            (seal > seal_done_ || stopping_ || current_->bytes >= options_.segment_max_bytes ||
             (current_->rows >= options_.flush_rows && idle_converter) ||
             SteadyClock::now() - current_->opened_at >= options_.flush_interval)) {
          SealLocked();
        }
      } else {
        written_seq_ = seq;  // nothing was buffered but dataset records
      }
      seal_done_ = seal;
      done_.notify_all();
    }
    UpdateGaugesLocked();
    if (stopping_ && buffer_rows_ == 0) {
      SealLocked();
      spool_stopped_ = true;
      sync_wake_.notify_all();
      convert_wake_.notify_all();
      return;
    }
  }
}

void LakeWriter::SyncLoop() {
  pthread_setname_np(pthread_self(), "signx-lake-sync");
  std::unique_lock lock(mu_);
  auto last_sync = SteadyClock::now();
  while (true) {
    const bool pending = !unsynced_.empty() || written_seq_ > durable_seq_;
    if (!pending) {
      if (spool_stopped_) return;
      if (sync_requested_ > sync_done_) {
        sync_done_ = sync_requested_;
        durable_seq_ = written_seq_;
        done_.notify_all();
      }
      sync_wake_.wait(lock, [&] {
        return !unsynced_.empty() || written_seq_ > durable_seq_ || sync_requested_ > sync_done_ ||
               spool_stopped_;
      });
      continue;
    }
    sync_wake_.wait_until(lock, last_sync + options_.sync_interval, [&] {
      return synced_rows_pending_ >= options_.sync_rows || sync_requested_ > sync_done_ ||
             spool_stopped_;
    });
    const uint64_t target = written_seq_;
    const uint64_t request = sync_requested_;
    std::vector<std::shared_ptr<SpoolFile>> files;
    files.swap(unsynced_);
    synced_rows_pending_ = 0;
    lock.unlock();

    Status st;
    bool new_file = false;
    for (const auto& f : files) {
      if (::fdatasync(f->fd) != 0 && st.ok()) st = Unavailable(Errno("cannot sync", f->path));
      new_file = new_file || !f->dir_synced;
    }
    // A new segment exists after a machine crash only once its folder entry is synced.
    if (st.ok() && new_file) st = SyncPath(spool_dir_, true);
    last_sync = SteadyClock::now();

    lock.lock();
    if (st.ok()) {
      for (const auto& f : files) f->dir_synced = true;
      durable_seq_ = std::max(durable_seq_, target);
    } else {
      spdlog::error("lake: spool sync failed: {}", st.ToString());
      last_error_ = st;
      ++error_gen_;
      // Try these files again at the next sync.
      for (auto& f : files) {
        if (std::find(unsynced_.begin(), unsynced_.end(), f) == unsynced_.end()) {
          unsynced_.push_back(std::move(f));
        }
      }
    }
    sync_done_ = std::max(sync_done_, request);
    if (syncs_counter_ != nullptr) syncs_counter_->Inc();
    done_.notify_all();
    if (spool_stopped_ && !st.ok()) return;  // shutting down: the files stay for the next Open
  }
}

void LakeWriter::ConvertLoop() {
  // Converting may lag (its input waits in the durable spool): it yields to request handling.
  runtime::MarkAsBackgroundThread("signx-lake");  // visible in top -H, perf and /proc
  // Background work: below request threads, so a conversion does not hold a scoring thread off a
  // core. It can fall behind; sealed segments then wait on disk.
  if (options_.convert_nice > 0) {
    (void)::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)),
                        options_.convert_nice);
  }
  std::unique_lock lock(mu_);
  auto pause = std::chrono::seconds(1);
  while (true) {
    convert_wake_.wait(lock, [&] { return !convert_queue_.empty() || spool_stopped_; });
    if (convert_queue_.empty()) return;  // spool stopped, nothing left
    std::shared_ptr<SpoolFile> file = convert_queue_.front();
    converting_ = true;
    lock.unlock();

    std::map<std::string, ConvertCount> counts;
    const Status st = Convert(*file, &counts);
    if (st.ok()) {
      // The file's rows are in Parquet: the spool copy goes.
      ::unlink(file->path.c_str());
      SyncPath(spool_dir_, true).IgnoreError();
    }

    lock.lock();
    converting_ = false;
    const bool give_up = !st.ok() && stopping_;
    if (st.ok() || give_up) {
      convert_queue_.pop_front();
      tickets_done_ = std::max(tickets_done_, file->ticket);
      if (!file->recovered) spool_rows_ -= std::min(spool_rows_, file->rows);
      spool_bytes_ -= std::min(spool_bytes_, file->bytes);
    }
    if (st.ok()) {
      pause = std::chrono::seconds(1);
      uint64_t total = 0;
      for (const auto& [name, n] : counts) {
        total += n.rows;
        files_written_ += n.files;
        if (registry_ != nullptr) {
          rows_written_family_->WithLabels({name}).Inc(static_cast<double>(n.rows));
          files_written_family_->WithLabels({name}).Inc(static_cast<double>(n.files));
        }
      }
      rows_written_ += total;
      if (file->recovered) {
        rows_recovered_ += total;
        if (recovered_counter_ != nullptr) recovered_counter_->Inc(static_cast<double>(total));
      }
    } else {
      spdlog::error("lake: converting {} failed{}: {}", file->path,
                    give_up ? " (kept for the next start)" : ", will retry", st.ToString());
      last_error_ = st;
      ++error_gen_;
      if (registry_ != nullptr) {
        for (const auto& [name, n] : counts) write_errors_family_->WithLabels({name}).Inc();
      }
    }
    UpdateGaugesLocked();
    done_.notify_all();
    spool_wake_.notify_one();  // an idle converter may let the spool seal early
    if (!st.ok() && !give_up) {
      pausing_ = true;
      convert_wake_.wait_for(lock, pause, [&] { return stopping_ || retry_now_; });
      pausing_ = false;
      retry_now_ = false;
      pause = std::min<std::chrono::seconds>(pause * 2, kConvertRetryMax);
    }
  }
}

Status LakeWriter::Convert(SpoolFile& file, std::map<std::string, ConvertCount>* out) {
  struct stat st {};
  if (::fstat(file.fd, &st) != 0) return Internal(Errno("cannot stat", file.path));
  const size_t size = static_cast<size_t>(st.st_size);
  void* map = nullptr;
  if (size > 0) {
    map = ::mmap(nullptr, size, PROT_READ, MAP_PRIVATE, file.fd, 0);
    if (map == MAP_FAILED) return Internal(Errno("cannot map", file.path));
  }
  struct Unmap {
    void* p;
    size_t n;
    ~Unmap() {
      if (p != nullptr) ::munmap(p, n);
    }
  } unmap{map, size};
  const std::string_view bytes(static_cast<const char*>(map), size);
  Result<spool::Contents> parsed = spool::Parse(bytes);
  if (!parsed.ok()) {
    // Not ours: set it aside instead of deleting or retrying it forever.
    std::error_code ec;
    fs::rename(file.path, file.path + ".bad", ec);
    spdlog::error("lake: {} is not a spool file; renamed to .bad", file.path);
    return Status::Ok();
  }
  spool::Contents& c = *parsed;
  if (c.skipped_bytes > 0) {
    spdlog::warn("lake: {}: skipped {} bytes ({})", file.path, c.skipped_bytes, c.skipped_reason);
    std::lock_guard lock(mu_);
    skipped_bytes_ += c.skipped_bytes;
    if (skipped_counter_ != nullptr) skipped_counter_->Inc(static_cast<double>(c.skipped_bytes));
  }
  // Rows per (dataset, partition), in file order.
  std::map<std::pair<uint32_t, Partition>, std::vector<std::string_view>> groups;
  for (const spool::RowRef& r : c.rows) groups[{r.dataset_id, r.partition}].push_back(r.cells);
  std::map<std::string, std::set<std::string>> written;  // dataset -> partition folders
  for (const auto& [id, schema] : c.datasets) (*out)[schema.name];
  for (const auto& [key, cells] : groups) {
    const DatasetSchema& schema = c.datasets.at(key.first);
    SIGNX_RETURN_IF_ERROR(WritePartition(schema, file.stem, key.second, cells));
    ConvertCount& n = (*out)[schema.name];
    n.rows += cells.size();
    ++n.files;
    written[schema.name].insert(PartitionPath(key.second));
  }
  if (file.batch) {
    // A batch replaces the files an earlier attempt with the same key wrote, in every partition
    // (an attempt in another month wrote elsewhere; an empty attempt writes nothing).
    // Only the year=/month= folders are listed, not their files.
    const std::string name = "part-" + file.stem + ".parquet";
    for (const auto& [id, schema] : c.datasets) {
      const fs::path dataset_dir = fs::path(LakeRoot(options_.data_dir)) / schema.name;
      std::error_code ec;
      for (fs::directory_iterator year(dataset_dir, ec), end; !ec && year != end;
           year.increment(ec)) {
        if (!year->path().filename().string().starts_with("year=")) continue;
        std::error_code ec2;
        for (fs::directory_iterator month(year->path(), ec2); !ec2 && month != end;
             month.increment(ec2)) {
          const fs::path stale = month->path() / name;
          const std::string rel =
              year->path().filename().string() + "/" + month->path().filename().string();
          std::error_code rm;
          if (written[schema.name].contains(rel) || !fs::exists(stale, rm)) continue;
          fs::remove(stale, rm);
          if (rm) return Internal("lake: cannot remove " + stale.string() + ": " + rm.message());
          SyncPath(month->path(), true).IgnoreError();
        }
      }
    }
  }
  return Status::Ok();
}

Status LakeWriter::WritePartition(const DatasetSchema& schema, const std::string& stem,
                                  const Partition& part,
                                  const std::vector<std::string_view>& cells) {
  const fs::path dir = fs::path(LakeRoot(options_.data_dir)) / schema.name / PartitionPath(part);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Internal("lake: cannot create " + dir.string() + ": " + ec.message());
  const fs::path tmp =
      dir / (".part-" + stem + "-" + NewId("t", clock_).substr(2) + ".parquet.tmp");
  const fs::path final_path = dir / ("part-" + stem + ".parquet");

  SegmentRows source(schema, cells);
  scan_->set_source(&source);
  // ZSTD level 1 instead of DuckDB's default 3: ZSTD was most of the writer's CPU; measured on
  // lead_scores rows (bench/lake_bench.cc) 4.2 -> 3.2 µs of CPU per row.
  Status st = conn_.Execute(fmt::format(
      "COPY (SELECT * FROM {}()) TO {} (FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1, "
      "ROW_GROUP_SIZE {})",
      kScanFunction, duck::QuoteString(tmp.string()), options_.row_group_rows));
  scan_->set_source(nullptr);
  // DuckDB's allocator keeps the pages of the Parquet encoding (a row group, ~1.3 KB a row)
  // resident until it allocates again: return them now, before the fsyncs, not at the next COPY.
  duck::ReleaseFreeMemory();
  if (st.ok()) st = SyncPath(tmp, false);
  if (st.ok() && options_.on_temp_file_for_test) options_.on_temp_file_for_test(tmp.string());
  if (st.ok()) {
    fs::rename(tmp, final_path, ec);
    if (ec) st = Internal("lake: cannot rename " + tmp.string() + ": " + ec.message());
  }
  if (!st.ok()) {
    fs::remove(tmp, ec);
    return st;
  }
  return SyncPath(dir, true);  // the rename is durable once the folder is synced
}

// ---- Batch

Result<std::unique_ptr<LakeWriter::Batch>> LakeWriter::OpenBatch(std::string_view dataset,
                                                                 std::string_view key) {
  if (!ValidKey(key)) {
    return InvalidArgument("lake batch key must be 1..100 characters of [A-Za-z0-9_-]");
  }
  const Dataset* ds = nullptr;
  {
    std::lock_guard lock(mu_);
    auto it = datasets_.find(dataset);
    if (it == datasets_.end()) {
      return NotFound("lake dataset '" + std::string(dataset) + "' is not declared");
    }
    if (stopping_) return FailedPrecondition("lake writer is shut down");
    ds = it->second.get();
  }
  const std::string path =
      (fs::path(spool_dir_) / fmt::format("batch-{}.{}.open", key, NewId("b", clock_).substr(2)))
          .string();
  const int fd = ::open(path.c_str(), O_CREAT | O_EXCL | O_RDWR | O_APPEND | O_CLOEXEC, 0644);
  if (fd < 0) return Unavailable(Errno("cannot create", path));
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    ::close(fd);
    ::unlink(path.c_str());
    return Internal(Errno("cannot lock", path));
  }
  std::unique_ptr<Batch> b(new Batch(*this, *ds, std::string(key), path, fd));
  b->buffer_.assign(spool::kMagic);
  spool::AppendDatasetRecord(0, ds->schema, &b->buffer_);
  return b;
}

LakeWriter::Batch::Batch(LakeWriter& writer, const Dataset& dataset, std::string key,
                         std::string path, int fd)
    : writer_(writer), dataset_(dataset), key_(std::move(key)), path_(std::move(path)), fd_(fd) {}

LakeWriter::Batch::~Batch() {
  if (committed_) return;
  if (fd_ >= 0) ::close(fd_);
  ::unlink(path_.c_str());
}

Status LakeWriter::Batch::Append(Row row) {
  if (committed_) return FailedPrecondition("lake batch is already committed");
  SIGNX_RETURN_IF_ERROR(ValidateRow(dataset_.schema, row));
  Timestamp t = writer_.clock_.Now();
  if (dataset_.time_column >= 0) {
    if (const auto* ts = std::get_if<Timestamp>(&row[static_cast<size_t>(dataset_.time_column)])) {
      t = *ts;
    }
  }
  spool::AppendRowRecord(0, PartitionOf(t), row, &buffer_);
  ++rows_;
  if (buffer_.size() >= kBatchWriteBytes) return WriteOut();
  return Status::Ok();
}

Status LakeWriter::Batch::WriteOut() {
  SIGNX_RETURN_IF_ERROR(WriteAll(fd_, buffer_, path_));
  buffer_.clear();
  return Status::Ok();
}

Status LakeWriter::Batch::Commit() {
  if (committed_) return FailedPrecondition("lake batch is already committed");
  SIGNX_RETURN_IF_ERROR(WriteOut());
  if (::fdatasync(fd_) != 0) return Unavailable(Errno("cannot sync", path_));
  const std::string final_path = path_.substr(0, path_.size() - 5) + ".spool";
  if (::rename(path_.c_str(), final_path.c_str()) != 0) {
    return Unavailable(Errno("cannot rename", path_));
  }
  SIGNX_RETURN_IF_ERROR(SyncPath(writer_.spool_dir_, true));
  committed_ = true;
  auto f = std::make_shared<SpoolFile>();
  f->path = final_path;
  f->stem = "batch-" + key_;
  f->batch = true;
  f->dir_synced = true;
  f->fd = std::exchange(fd_, -1);
  f->rows = rows_;
  struct stat st {};
  if (::fstat(f->fd, &st) == 0) f->bytes = static_cast<uint64_t>(st.st_size);
  std::lock_guard lock(writer_.mu_);
  if (writer_.stopped_) return Status::Ok();  // converted at the next Open
  f->ticket = ++writer_.tickets_queued_;
  writer_.spool_rows_ += f->rows;
  writer_.spool_bytes_ += f->bytes;
  writer_.convert_queue_.push_back(std::move(f));
  writer_.UpdateGaugesLocked();
  writer_.convert_wake_.notify_one();
  return Status::Ok();
}

}  // namespace signx::lake
