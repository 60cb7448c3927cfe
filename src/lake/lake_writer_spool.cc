// LakeWriter (lake_writer.h), part 2 of 3: rows on their way into the spool. Recover (spool
// files left by a dead process, queued for conversion at Open), the spool thread (SpoolLoop:
// writes the buffer to the current segment and seals segments for conversion), the sync thread
// (SyncLoop: the fsync policy, rows become durable) and batches (OpenBatch, Batch: a job's rows
// in their own spool file, queued for conversion by Commit).
#include <fcntl.h>
#include <fmt/format.h>
#include <pthread.h>
#include <spdlog/spdlog.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <system_error>
#include <utility>

#include "base/id.h"
#include "lake/lake_writer.h"
#include "lake/lake_writer_internal.h"
#include "lake/spool.h"

namespace signx::lake {
namespace fs = std::filesystem;

using internal::Errno;
using internal::kWriteDelay;
using internal::kWriteRows;
using internal::SteadyClock;
using internal::SyncPath;

namespace {

constexpr std::chrono::milliseconds kSpoolRetry{100};  // after a failed spool write
constexpr size_t kBatchWriteBytes = 1u << 20;          // a Batch writes its buffer at this size
// The spool thread keeps a buffer's allocation for the next rows up to this size (a write is
// usually kWriteRows rows, ~0.7 MB); a burst's larger buffer is freed once written.
constexpr size_t kKeepBufferBytes = 1u << 20;

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
      // The first row after a pause: gather for kWriteDelay like any other (written at once,
      // a steady stream of single rows made this thread write one or two rows thousands of times
      // a second, with a wake-up each: 6 % of the server's CPU under single-lead load).
      if (buffer_rows_ > 0 && !ready()) continue;
    } else {
      spool_wake_.wait(lock, [&] { return ready() || buffer_rows_ > 0; });
      if (!ready()) continue;  // the first row: gather for kWriteDelay (above)
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

// ---- Batch

Result<std::unique_ptr<LakeWriter::Batch>> LakeWriter::OpenBatch(std::string_view dataset,
                                                                 std::string_view key) {
  if (!ValidKey(key)) {
    return InvalidArgument("lake batch key must be 1..100 characters of [A-Za-z0-9_-]");
  }
  SIGNX_ASSIGN_OR_RETURN(const Dataset* ds, FindDataset(dataset));
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
