// LakeWriter (lake_writer.h), part 3 of 3: the convert thread. ConvertLoop takes sealed spool
// files oldest first (retrying a failed one with a growing pause); Convert maps one, groups its
// rows by dataset and year/month partition and, for a batch, removes an earlier attempt's files;
// WritePartition runs DuckDB's COPY ... TO Parquet reading the rows through the scan function
// (SegmentRows fills DuckDB's column vectors straight from the mapped file, MappedPages drops the
// pages read) into a temporary file, fsyncs it and renames it into place.
#include <fmt/format.h>
#include <spdlog/spdlog.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <map>
#include <set>
#include <system_error>
#include <utility>

#include "base/id.h"
#include "lake/lake_writer.h"
#include "lake/lake_writer_internal.h"
#include "lake/spool.h"
#include "runtime/background_thread.h"

namespace signx::lake {
namespace fs = std::filesystem;

using internal::Errno;
using internal::SyncPath;

namespace {

constexpr std::chrono::seconds kConvertRetryMax{30};  // longest pause before converting again
// Rows the scan function hands DuckDB at a time (at most its vector size, 2,048). DuckDB copies
// each chunk's strings into the vectors, ~1.3 KB a lead row: 512 rows hold a quarter of that.
// bench/lake_bench.cc "memory", 3,700 lead rows: peak 9.5 -> 7.9 MB; CPU per row unchanged
// (3.34-3.38 vs 3.24-3.29 µs in the drain phase).
constexpr size_t kRowsPerFill = 512;

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

}  // namespace

// The pages of a mapped spool file that the convert thread has read, dropped from the process's
// resident set once done with. The file is mapped read-only and never written, so MADV_DONTNEED
// only unmaps clean file pages: a later read faults the page back in from the page cache
// (dropping too much costs a page fault, never a wrong byte). Without it a segment stays resident
// whole (up to lake.segment_max_mb) while DuckDB encodes it; this way the file streams through,
// as with read() into a small buffer.
class LakeWriter::MappedPages {
 public:
  explicit MappedPages(std::string_view map) : map_(map) {}

  // Drops the whole pages between the last drop and `upto` (reading one partition's rows, which
  // are in file order).
  void DropBefore(const char* upto) {
    static const size_t kPage = static_cast<size_t>(::sysconf(_SC_PAGESIZE));
    const size_t end = static_cast<size_t>(upto - map_.data()) / kPage * kPage;
    if (end > dropped_) Drop(dropped_, end);
  }
  // Drops every page (after parsing, and after each partition: the next one starts over).
  void DropAll() { Drop(0, map_.size()); }

 private:
  void Drop(size_t begin, size_t end) {
    if (end <= begin) return;
    // Advice: an error only leaves the pages resident.
    (void)::madvise(const_cast<char*>(map_.data()) + begin, end - begin, MADV_DONTNEED);
    dropped_ = end == map_.size() ? 0 : end;
  }

  std::string_view map_;
  size_t dropped_ = 0;  // the current partition's rows before this offset were read and dropped
};

// The rows of one partition of a mapped spool file, read by COPY through the scan function: each
// Fill decodes up to kRowsPerFill rows straight into the column vectors, then drops the
// pages behind the rows it has read (rows of a partition are in file order).
class LakeWriter::SegmentRows final : public duck::ScanSource {
 public:
  SegmentRows(const DatasetSchema& schema, const std::vector<std::string_view>& cells,
              MappedPages& pages)
      : schema_(schema), cells_(cells), pages_(pages) {}

  std::vector<ColumnSpec> Columns() const override {
    std::vector<ColumnSpec> out;
    for (const Column& c : schema_.columns) out.push_back({c.name, DuckType(c.type)});
    return out;
  }

  size_t Fill(duckdb_data_chunk out) override {
    const size_t n =
        std::min({kRowsPerFill, static_cast<size_t>(duckdb_vector_size()), cells_.size() - next_});
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
    // DuckDB copied the strings into its vectors: the pages before the next row are done.
    if (n > 0) pages_.DropBefore(cells_[next_ - 1].data());
    return n;
  }

 private:
  const DatasetSchema& schema_;
  const std::vector<std::string_view>& cells_;
  MappedPages& pages_;
  size_t next_ = 0;
  std::vector<duckdb_vector> vectors_;
  std::vector<void*> data_;
};

void LakeWriter::ConvertLoop() {
  // Converting may lag (its input waits in the durable spool): at convert_nice it yields to
  // request handling, so a conversion does not hold a scoring thread off a core; sealed segments
  // wait on disk meanwhile. The name shows in top -H, perf and /proc.
  runtime::MarkAsBackgroundThread("signx-lake", options_.convert_nice);
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
  // Parsing read every page (checksums); the rows are read again one vector at a time below.
  MappedPages pages(bytes);
  pages.DropAll();
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
    SIGNX_RETURN_IF_ERROR(WritePartition(schema, file.stem, key.second, cells, pages));
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
                                  const Partition& part, const std::vector<std::string_view>& cells,
                                  MappedPages& pages) {
  const fs::path dir = fs::path(LakeRoot(options_.data_dir)) / schema.name / PartitionPath(part);
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Internal("lake: cannot create " + dir.string() + ": " + ec.message());
  const fs::path tmp =
      dir / (".part-" + stem + "-" + NewId("t", clock_).substr(2) + ".parquet.tmp");
  const fs::path final_path = dir / ("part-" + stem + ".parquet");

  SegmentRows source(schema, cells, pages);
  scan_->set_source(&source);
  // ZSTD level 1 instead of DuckDB's default 3: ZSTD was most of the writer's CPU; measured on
  // lead_scores rows (bench/lake_bench.cc) 4.2 -> 3.2 µs of CPU per row.
  // A string column's dictionary is given up past 64 KiB (DuckDB's default is 1 MB): columns of
  // mostly distinct strings (features, ids, reasons) are stored plain anyway, and building their
  // dictionaries up to 1 MB each was a third of what a conversion holds (bench/lake_bench.cc,
  // "memory": 3,700 lead rows in row groups of 2,048, 11.3 -> 9.4 MB peak; the files are the same
  // size). Columns of few values (model version, tier, a batch's request id) keep theirs.
  Status st = conn_.Execute(fmt::format(
      "COPY (SELECT * FROM {}()) TO {} (FORMAT PARQUET, COMPRESSION ZSTD, COMPRESSION_LEVEL 1, "
      "ROW_GROUP_SIZE {}, STRING_DICTIONARY_PAGE_SIZE_LIMIT 65536)",
      kScanFunction, duck::QuoteString(tmp.string()), options_.row_group_rows));
  scan_->set_source(nullptr);
  pages.DropAll();
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

}  // namespace signx::lake
