#include "leads/csv.h"

#include <csv.h>

#include <array>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

namespace signx::leads {
namespace {

struct ParseState {
  CsvTable* table = nullptr;
  std::vector<std::string> current;
  std::size_t record = 0;  // 1-based number of the record being built
  std::size_t max_rows = 0;
  bool done = false;
  Status error;
};

void OnField(void* s, std::size_t len, void* data) {
  auto* st = static_cast<ParseState*>(data);
  if (st->done) return;
  st->current.emplace_back(s ? static_cast<const char*>(s) : "", s ? len : 0);
}

void OnRecordEnd(int /*terminator*/, void* data) {
  auto* st = static_cast<ParseState*>(data);
  if (st->done) return;
  ++st->record;
  if (st->table->header.empty() && st->record == 1) {
    st->table->header = std::move(st->current);
  } else if (st->current.size() != st->table->header.size()) {
    st->error = InvalidArgument(fmt::format("CSV record {} has {} fields, the header has {}",
                                            st->record, st->current.size(),
                                            st->table->header.size()));
    st->done = true;
  } else {
    st->table->rows.push_back(std::move(st->current));
    if (st->max_rows && st->table->rows.size() >= st->max_rows) st->done = true;
  }
  st->current.clear();
}

}  // namespace

int CsvTable::ColumnIndex(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

char DetectDelimiter(std::string_view text) {
  constexpr std::array<char, 4> kCandidates = {',', ';', '\t', '|'};
  std::array<int, 4> counts{};
  bool quoted = false;
  for (const char c : text) {
    if (c == '"') quoted = !quoted;
    if (quoted) continue;
    if (c == '\n' || c == '\r') break;
    for (std::size_t i = 0; i < kCandidates.size(); ++i) counts[i] += c == kCandidates[i];
  }
  std::size_t best = 0;
  for (std::size_t i = 1; i < kCandidates.size(); ++i) {
    if (counts[i] > counts[best]) best = i;
  }
  return counts[best] > 0 ? kCandidates[best] : ',';
}

Result<CsvTable> ParseCsv(std::string_view text, char delimiter, std::size_t max_rows) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  csv_parser parser;
  if (csv_init(&parser, CSV_STRICT | CSV_STRICT_FINI) != 0) return Internal("csv_init failed");
  csv_set_delim(&parser, static_cast<unsigned char>(delimiter));
  CsvTable table;
  ParseState st;
  st.table = &table;
  st.max_rows = max_rows;
  const std::size_t parsed = csv_parse(&parser, text.data(), text.size(), OnField, OnRecordEnd, &st);
  Status status;
  if (parsed != text.size() && !st.done) {
    status = InvalidArgument(fmt::format("CSV parse error near record {}: {}", st.record + 1,
                                         csv_strerror(csv_error(&parser))));
  } else if (!st.done && csv_fini(&parser, OnField, OnRecordEnd, &st) != 0) {
    status = InvalidArgument(fmt::format("CSV parse error at end of input: {}",
                                         csv_strerror(csv_error(&parser))));
  }
  csv_free(&parser);
  if (!status.ok()) return status;
  if (!st.error.ok()) return st.error;
  if (table.header.empty()) return InvalidArgument("CSV input is empty");
  return table;
}

Result<std::string> ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(fmt::format("cannot open '{}'", path));
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return Internal(fmt::format("error reading '{}'", path));
  return ss.str();
}

}  // namespace signx::leads
