// CSV reading with libcsv (RFC 4180: quoted fields, embedded delimiters, quotes and newlines).
//
// The whole file is parsed into memory as strings; the first record is the header. A UTF-8 byte
// order mark is stripped. Pure functions apart from ReadCsvFile (reads one file); thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::leads {

struct CsvTable {
  std::vector<std::string> header;
  std::vector<std::vector<std::string>> rows;  // each has header.size() fields

  // Index of the column named `name`, or -1.
  int ColumnIndex(std::string_view name) const;
};

// The most frequent of , ; \t | in the first line (outside quotes); ',' when none occurs.
char DetectDelimiter(std::string_view text);

// Parses `text`. Rows with a different field count than the header are an InvalidArgument naming
// the 1-based record number. Blank lines are skipped. At most `max_rows` data rows (0 = all).
Result<CsvTable> ParseCsv(std::string_view text, char delimiter = ',', std::size_t max_rows = 0);

// Reads a file into memory (NotFound when it cannot be opened).
Result<std::string> ReadFile(const std::string& path);

}  // namespace signx::leads
