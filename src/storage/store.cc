#include "storage/store.h"

#include <fmt/format.h>

#include <charconv>
#include <cstdlib>

#include "base/check.h"
#include "storage/postgres_store.h"
#include "storage/sqlite_store.h"

namespace signx::storage {

std::string_view DialectName(Dialect d) { return d == Dialect::kSqlite ? "sqlite" : "postgres"; }

namespace {

const Cell& At(const std::vector<Cell>& cells, std::size_t i) {
  SIGNX_CHECK(i < cells.size(), "column index out of range");
  return cells[i];
}

int64_t ParseInt64(std::string_view s) {
  int64_t v = 0;
  auto [p, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  SIGNX_CHECK(ec == std::errc() && p == s.data() + s.size(),
              fmt::format("column is not an integer: '{}'", s));
  return v;
}

int HexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

}  // namespace

bool Row::IsNull(std::size_t i) const {
  return std::holds_alternative<std::monostate>(At(cells_, i));
}

int64_t Row::Int(std::size_t i) const {
  const Cell& c = At(cells_, i);
  if (auto* v = std::get_if<int64_t>(&c)) return *v;
  if (auto* s = std::get_if<std::string>(&c)) return ParseInt64(*s);
  if (auto* d = std::get_if<double>(&c)) return static_cast<int64_t>(*d);
  SIGNX_CHECK(false, "NULL column read as integer");
  return 0;
}

double Row::Double(std::size_t i) const {
  const Cell& c = At(cells_, i);
  if (auto* d = std::get_if<double>(&c)) return *d;
  if (auto* v = std::get_if<int64_t>(&c)) return static_cast<double>(*v);
  if (auto* s = std::get_if<std::string>(&c)) return std::strtod(s->c_str(), nullptr);
  SIGNX_CHECK(false, "NULL column read as double");
  return 0;
}

std::string Row::Text(std::size_t i) const {
  const Cell& c = At(cells_, i);
  if (auto* s = std::get_if<std::string>(&c)) return *s;
  if (auto* v = std::get_if<int64_t>(&c)) return std::to_string(*v);
  if (auto* d = std::get_if<double>(&c)) return fmt::format("{}", *d);
  SIGNX_CHECK(false, "NULL column read as text");
  return {};
}

std::string Row::Bytes(std::size_t i) const {
  const Cell& c = At(cells_, i);
  const auto* s = std::get_if<std::string>(&c);
  SIGNX_CHECK(s != nullptr, "column is not bytes");
  if (dialect_ == Dialect::kSqlite) return *s;
  // PostgreSQL text format for bytea: "\x" followed by hex digits.
  SIGNX_CHECK(s->size() >= 2 && (*s)[0] == '\\' && (*s)[1] == 'x', "bytea not in hex format");
  std::string out;
  out.reserve((s->size() - 2) / 2);
  for (std::size_t k = 2; k + 1 < s->size(); k += 2) {
    out.push_back(static_cast<char>(HexDigit((*s)[k]) * 16 + HexDigit((*s)[k + 1])));
  }
  return out;
}

bool Row::Bool(std::size_t i) const {
  const Cell& c = At(cells_, i);
  if (auto* v = std::get_if<int64_t>(&c)) return *v != 0;
  if (auto* s = std::get_if<std::string>(&c)) return *s == "t" || *s == "true" || *s == "1";
  SIGNX_CHECK(false, "NULL column read as bool");
  return false;
}

Timestamp Row::Time(std::size_t i) const { return FromUnixMicros(Int(i)); }

std::optional<int64_t> Row::OptInt(std::size_t i) const {
  return IsNull(i) ? std::nullopt : std::optional(Int(i));
}
std::optional<double> Row::OptDouble(std::size_t i) const {
  return IsNull(i) ? std::nullopt : std::optional(Double(i));
}
std::optional<std::string> Row::OptText(std::size_t i) const {
  return IsNull(i) ? std::nullopt : std::optional(Text(i));
}
std::optional<Timestamp> Row::OptTime(std::size_t i) const {
  return IsNull(i) ? std::nullopt : std::optional(Time(i));
}

std::size_t Row::Index(std::string_view name) const {
  SIGNX_CHECK(names_ != nullptr, "row has no column names");
  for (std::size_t k = 0; k < names_->size(); ++k) {
    if ((*names_)[k] == name) return k;
  }
  SIGNX_CHECK(false, fmt::format("no column named '{}'", name));
  return 0;
}

Result<int64_t> Txn::Exec(std::string_view sql, const Params& params) {
  SIGNX_ASSIGN_OR_RETURN(ResultSet rs, Query(sql, params));
  return rs.affected;
}

Result<std::optional<Row>> Txn::QueryOne(std::string_view sql, const Params& params) {
  SIGNX_ASSIGN_OR_RETURN(ResultSet rs, Query(sql, params));
  if (rs.rows.empty()) return std::optional<Row>();
  return std::optional<Row>(std::move(rs.rows.front()));
}

Result<ResultSet> Store::Query(std::string_view sql, const Params& params) {
  ResultSet out;
  SIGNX_RETURN_IF_ERROR(WithTxn(
      [&](Txn& txn) -> Status {
        SIGNX_ASSIGN_OR_RETURN(out, txn.Query(sql, params));
        return Status::Ok();
      },
      {.read_only = true}));
  return out;
}

Result<std::unique_ptr<Store>> Store::Open(const config::DatabaseConfig& config) {
  const std::string& url = config.url;
  if (url.rfind("sqlite:", 0) == 0) return OpenSqliteStore(config);
  if (url.rfind("postgres://", 0) == 0 || url.rfind("postgresql://", 0) == 0) {
    return OpenPostgresStore(config);
  }
  return InvalidArgument(fmt::format(
      "database.url: unsupported scheme in '{}' (use sqlite:///path or postgres://...)",
      url.substr(0, url.find(':'))));
}

}  // namespace signx::storage
