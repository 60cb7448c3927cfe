#include "csv/reader.h"

#include <csv.h>
#include <fmt/format.h>

#include <array>
#include <deque>
#include <fstream>
#include <sstream>
#include <utility>

namespace signx::csv {

struct Reader::State {
  ReaderOptions options;
  csv_parser parser{};
  bool parser_ready = false;
  std::string_view text;  // the string input (unread rest)
  std::istream* in = nullptr;
  std::string chunk;  // stream input buffer
  bool first_chunk = true;
  bool input_done = false;
  std::deque<std::vector<std::string>> ready;  // complete records not handed out yet
  std::vector<std::string> current;            // the record being built
  std::size_t current_bytes = 0;
  std::size_t records = 0;   // records completed by the parser
  std::size_t returned = 0;  // records handed out
  std::size_t bytes_read = 0;
  std::size_t width = 0;  // fields of the first record
  bool failed = false;
  Status error;

  void Init(const ReaderOptions& opts) {
    options = opts;
    const unsigned char flags = opts.strict ? (CSV_STRICT | CSV_STRICT_FINI) : 0;
    if (csv_init(&parser, flags) != 0) {
      Fail(Internal("csv_init failed"));
      return;
    }
    parser_ready = true;
    csv_set_delim(&parser, static_cast<unsigned char>(opts.delimiter));
  }

  void Fail(Status status) {
    if (failed) return;
    failed = true;
    error = std::move(status);
    current.clear();
    current.shrink_to_fit();
  }

  static void OnField(void* s, std::size_t len, void* data) {
    auto* st = static_cast<State*>(data);
    if (st->failed) return;
    const Limits& limits = st->options.limits;
    const std::size_t record = st->records + 1;
    if (st->current.empty() && st->records >= limits.max_records) {
      return st->Fail(InvalidArgument(fmt::format("CSV record {} exceeds the limit of {} records",
                                                  record, limits.max_records)));
    }
    if (st->current.size() >= limits.max_fields) {
      return st->Fail(InvalidArgument(fmt::format(
          "CSV record {} exceeds the limit of {} fields per record", record, limits.max_fields)));
    }
    if (s == nullptr) len = 0;
    if (len > limits.max_field_bytes) {
      return st->Fail(InvalidArgument(
          fmt::format("CSV record {} has a field longer than the limit of {} bytes per field",
                      record, limits.max_field_bytes)));
    }
    if (st->current_bytes + len > limits.max_record_bytes) {
      return st->Fail(
          InvalidArgument(fmt::format("CSV record {} exceeds the limit of {} bytes per record",
                                      record, limits.max_record_bytes)));
    }
    st->current.emplace_back(s ? static_cast<const char*>(s) : "", len);
    st->current_bytes += len;
  }

  static void OnRecord(int /*terminator*/, void* data) {
    auto* st = static_cast<State*>(data);
    if (st->failed) return;
    const std::size_t record = ++st->records;
    if (record == 1) {
      st->width = st->current.size();
    } else if (st->options.equal_width && st->current.size() != st->width) {
      return st->Fail(InvalidArgument(fmt::format("CSV record {} has {} fields, the header has {}",
                                                  record, st->current.size(), st->width)));
    }
    st->ready.push_back(std::move(st->current));
    st->current.clear();
    st->current_bytes = 0;
  }

  // A field or record still being built may already be over a limit.
  void CheckPartial() {
    if (failed) return;
    const Limits& limits = options.limits;
    const std::size_t pending = parser.entry_pos;
    if (pending > limits.max_field_bytes) {
      Fail(InvalidArgument(
          fmt::format("CSV record {} has a field longer than the limit of {} bytes per field",
                      records + 1, limits.max_field_bytes)));
    } else if (current_bytes + pending > limits.max_record_bytes) {
      Fail(InvalidArgument(fmt::format("CSV record {} exceeds the limit of {} bytes per record",
                                       records + 1, limits.max_record_bytes)));
    }
  }

  // The next chunk of input ("" at the end).
  std::string_view NextChunk() {
    if (in == nullptr) {
      const std::string_view piece = text.substr(0, kChunkBytes);
      text.remove_prefix(piece.size());
      return piece;
    }
    chunk.resize(kChunkBytes);
    in->read(chunk.data(), static_cast<std::streamsize>(chunk.size()));
    if (in->bad()) {
      Fail(Internal("error reading the CSV input"));
      return {};
    }
    chunk.resize(static_cast<std::size_t>(in->gcount()));
    std::string_view piece = chunk;
    if (first_chunk) piece = StripBom(piece);
    first_chunk = false;
    return piece;
  }

  // Parses chunks until a record is ready, the input ends or an error occurs.
  void Fill() {
    while (ready.empty() && !failed && !input_done) {
      const std::string_view piece = NextChunk();
      if (failed) return;
      if (piece.empty()) {
        input_done = true;
        if (csv_fini(&parser, OnField, OnRecord, this) != 0) {
          Fail(InvalidArgument(fmt::format("CSV parse error at end of input: {}",
                                           csv_strerror(csv_error(&parser)))));
        }
        return;
      }
      const std::size_t parsed =
          csv_parse(&parser, piece.data(), piece.size(), OnField, OnRecord, this);
      bytes_read += piece.size();
      if (failed) return;
      if (parsed != piece.size()) {
        Fail(InvalidArgument(fmt::format("CSV parse error near record {}: {}", records + 1,
                                         csv_strerror(csv_error(&parser)))));
        return;
      }
      CheckPartial();
    }
  }
};

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

std::string_view StripBom(std::string_view text) {
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  return text;
}

Reader::Reader(std::string_view text, const ReaderOptions& options)
    : state_(std::make_unique<State>()) {
  state_->Init(options);
  state_->text = StripBom(text);
}

Reader::Reader(std::istream& in, const ReaderOptions& options) : state_(std::make_unique<State>()) {
  state_->Init(options);
  state_->in = &in;
}

Reader::~Reader() {
  if (state_->parser_ready) csv_free(&state_->parser);
}

Result<bool> Reader::Next(std::vector<std::string>* fields) {
  State& st = *state_;
  if (st.ready.empty()) st.Fill();
  if (!st.ready.empty()) {
    *fields = std::move(st.ready.front());
    st.ready.pop_front();
    ++st.returned;
    return true;
  }
  if (st.failed) return st.error;
  return false;
}

std::size_t Reader::record_number() const { return state_->returned; }

std::size_t Reader::bytes_read() const { return state_->bytes_read; }

int Table::ColumnIndex(std::string_view name) const {
  for (std::size_t i = 0; i < header.size(); ++i) {
    if (header[i] == name) return static_cast<int>(i);
  }
  return -1;
}

Result<Table> ReadTable(std::string_view text, const ReaderOptions& options) {
  Reader reader(text, options);
  Table table;
  SIGNX_ASSIGN_OR_RETURN(const bool has_header, reader.Next(&table.header));
  if (!has_header) return InvalidArgument("CSV input is empty");
  std::vector<std::string> row;
  while (true) {
    SIGNX_ASSIGN_OR_RETURN(const bool more, reader.Next(&row));
    if (!more) break;
    table.rows.push_back(std::move(row));
  }
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

}  // namespace signx::csv
