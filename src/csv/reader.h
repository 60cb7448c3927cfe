// CSV reading with libcsv (RFC 4180: quoted fields, embedded delimiters, quotes and newlines),
// one record at a time.
//
// A Reader feeds its input (a string_view or an istream) to libcsv in chunks of kChunkBytes and
// hands out the records one by one, so memory stays bounded by the chunk, the limits and the
// record being read, whatever the size of the input. Every record is checked against Limits
// while it is being built: more fields, longer fields, longer records or more records than the
// limits allow stop the reader with an InvalidArgument that names the 1-based record number and
// the limit. A UTF-8 byte order mark is stripped; blank lines are skipped (not counted). With
// `equal_width`, every record must have as many fields as the first (the header).
//
// ReadTable builds a whole Table on top of a Reader (for small files: training data, tests).
//
// Thread-safety: a Reader is used by one thread at a time; the free functions are thread-safe.
// Ownership: a Reader does not own its input, which must outlive it.
#pragma once

#include <cstddef>
#include <istream>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::csv {

// Safe defaults for untrusted input; callers with other needs set their own.
struct Limits {
  std::size_t max_fields = 512;                // fields per record
  std::size_t max_field_bytes = 64 * 1024;     // bytes of one field (after unquoting)
  std::size_t max_record_bytes = 1024 * 1024;  // bytes of one record's fields together
  std::size_t max_records = 1'000'000;         // records, the header included
};

struct ReaderOptions {
  char delimiter = ',';
  // libcsv's CSV_STRICT | CSV_STRICT_FINI: a quote inside an unquoted field or an unterminated
  // quoted field at the end is a parse error. Off: such input is read leniently.
  bool strict = true;
  // Every record must have as many fields as the first one ("CSV record N has X fields, the
  // header has Y").
  bool equal_width = true;
  Limits limits;
};

// Bytes fed to libcsv at a time.
inline constexpr std::size_t kChunkBytes = 16 * 1024;

// The most frequent of , ; \t | in the first line (outside quotes); ',' when none occurs.
char DetectDelimiter(std::string_view text);

// `text` without a leading UTF-8 byte order mark.
std::string_view StripBom(std::string_view text);

class Reader {
 public:
  // Reads `text`.
  explicit Reader(std::string_view text, const ReaderOptions& options = {});
  // Reads `in` (binary) in chunks.
  explicit Reader(std::istream& in, const ReaderOptions& options = {});
  ~Reader();
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;

  // The next record into `*fields` (its previous content is replaced): true, or false at the
  // end of the input. An error (parse error, limit, ragged record, unreadable stream) is
  // returned once the records before it have been handed out, and again by every later call.
  Result<bool> Next(std::vector<std::string>* fields);

  // The 1-based number of the record last returned by Next (0 before the first).
  std::size_t record_number() const;
  // Bytes of input fed to the parser so far (for progress).
  std::size_t bytes_read() const;

 private:
  struct State;
  std::unique_ptr<State> state_;
};

// A whole file in memory; the first record is the header.
struct Table {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each has header.size() fields when equal_width

  // Index of the column named `name`, or -1.
  int ColumnIndex(std::string_view name) const;
};

// Reads all of `text` into a Table (InvalidArgument "CSV input is empty" without a header).
Result<Table> ReadTable(std::string_view text, const ReaderOptions& options = {});

// Reads a whole file into memory (NotFound when it cannot be opened). For small files; stream
// large ones with Reader(std::istream&).
Result<std::string> ReadFile(const std::string& path);

}  // namespace signx::csv
