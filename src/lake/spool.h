// The lake's spool format: append-only files of checksummed records that hold rows on their way
// to Parquet (see lake_writer.h for how the writer uses them).
//
// A spool file is the 8-byte magic "SXSPOOL1" followed by records:
//   u32 payload_size (little-endian, 1..kMaxRecordBytes) | u32 CRC-32C of the payload | payload
// A payload is one of
//   'D' u32 dataset_id, str name, str partition_by, u16 column_count, {str name, u8 type}...
//   'R' u32 dataset_id, u16 year, u8 month, then per column: u8 0 (NULL) or 1 + the value
//       (bool: u8; int64, double, timestamp as Unix µs: 8 bytes; string: str)
// where str = u32 size + bytes. A file describes its own datasets ('D' before the dataset's
// first 'R'), so it can be converted without the process that wrote it. Dataset ids are local
// to a file.
//
// Reading stops at the first record that is incomplete, has an impossible size or a wrong
// checksum: that is the torn tail of a write cut by a crash (or a damaged file). Everything
// before it is returned, the rest is counted as skipped bytes.
//
// Pure functions and value types; no I/O. Thread-safety: distinct objects are independent.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "lake/schema.h"

namespace signx::lake::spool {

inline constexpr std::string_view kMagic = "SXSPOOL1";
inline constexpr uint32_t kMaxRecordBytes = 64u << 20;

// CRC-32C (Castagnoli), hardware-accelerated where the CPU has SSE 4.2.
uint32_t Crc32c(std::string_view data);

// Appends one framed record to `out`.
void AppendDatasetRecord(uint32_t dataset_id, const DatasetSchema& schema, std::string* out);
// `row` must have passed ValidateRow against the dataset's schema.
void AppendRowRecord(uint32_t dataset_id, const Partition& partition, const Row& row,
                     std::string* out);

// One row of a parsed file: its dataset, partition and encoded cells (pointing into the bytes
// given to Parse, which must outlive it).
struct RowRef {
  uint32_t dataset_id = 0;
  Partition partition;
  std::string_view cells;
};

struct Contents {
  std::map<uint32_t, DatasetSchema> datasets;
  std::vector<RowRef> rows;    // in file order
  size_t valid_bytes = 0;      // magic + complete, checksummed records
  size_t skipped_bytes = 0;    // the torn or damaged tail
  std::string skipped_reason;  // empty when nothing was skipped
};

// Parses a whole file. kInvalidArgument when the file does not start with the magic (a file cut
// before its magic was complete is an empty file, not an error). A row of an undeclared dataset
// or whose cells do not match its schema counts as damage (reading stops there).
Result<Contents> Parse(std::string_view bytes);

// Decodes the cells of a RowRef one column at a time, in schema order.
class CellReader {
 public:
  explicit CellReader(std::string_view cells)
      : p_(cells.data()), end_(cells.data() + cells.size()) {}
  // False when the cell is NULL. Otherwise call the getter of the column's type exactly once.
  bool Present() { return *p_++ != 0; }
  bool Bool() { return *p_++ != 0; }
  int64_t Int64();  // also a timestamp's Unix µs
  double Double();
  std::string_view String();

 private:
  const char* p_;
  const char* end_;
};

// Returns a Row from cells (tests and diagnostics; conversion reads CellReader directly).
Row DecodeRow(const DatasetSchema& schema, std::string_view cells);

}  // namespace signx::lake::spool
