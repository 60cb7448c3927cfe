// RAII wrappers over the DuckDB C API (duckdb.h, DuckDB 1.4): a Database owns a duckdb_database, a
// Connection a duckdb_connection, a Prepared a duckdb_prepared_statement, a ScanFunction the
// state of a table function fed from C++, and Rows is a fully materialised query result converted
// to strings. Failures
// come back as Status values carrying DuckDB's message; nothing throws.
//
// Ownership: each wrapper is move-only and releases its handle in the destructor. A Connection
// must not outlive its Database, a Prepared not its Connection.
// Thread-safety (DuckDB's rules): a Database may be shared by many threads, each using its own
// Connection; one Connection (and whatever was created from it) is used by one thread at a time.
#pragma once

#include <duckdb.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace signx::lake::duck {

// The DuckDB library version the process loaded, e.g. "v1.4.4".
std::string LibraryVersion();

// DuckDB's own allocator. DuckDB's Linux builds link a private jemalloc (symbols `duckdb_je_*`)
// that serves its buffer pool and operator state (Parquet row groups being encoded, scan chunks);
// those pages are in the process's RSS but not in the process allocator's statistics.
// Its `mallctl`, looked up at run time, or null when the loaded DuckDB has no jemalloc of its own.
using AllocatorCtl = int (*)(const char*, void*, size_t*, void*, size_t);
AllocatorCtl DuckdbMallctl();

// Returns what DuckDB's own allocator holds but does not use to the kernel: flushes the calling
// thread's cache of freed blocks and purges the dirty pages of every arena. Without it those pages
// stay resident until DuckDB allocates again (its allocator has no background thread). False when
// the loaded DuckDB has no allocator of its own or it refused.
bool ReleaseFreeMemory();

// `"name"` with embedded quotes doubled: a safe SQL identifier.
std::string QuoteIdent(std::string_view name);
// `'text'` with embedded quotes doubled: a safe SQL string literal.
std::string QuoteString(std::string_view text);

// A query result, materialised and converted to text (DuckDB's own VARCHAR cast of each value).
struct Rows {
  std::vector<std::string> columns;                           // column names
  std::vector<std::string> types;                             // DuckDB type names ("BIGINT", ...)
  std::vector<std::vector<std::optional<std::string>>> rows;  // nullopt = SQL NULL
  bool truncated = false;  // more rows existed than the caller's max_rows
};

class Database {
 public:
  // Opens `path` (empty = a private in-memory database). `options` are DuckDB configuration
  // settings ("threads" = "1", ...). Extension auto-install is always off: SignX never reaches
  // the network through DuckDB.
  static Result<Database> Open(
      const std::string& path,
      const std::vector<std::pair<std::string, std::string>>& options = {});

  Database(Database&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}
  Database& operator=(Database&& other) noexcept;
  Database(const Database&) = delete;
  Database& operator=(const Database&) = delete;
  ~Database();

  duckdb_database get() const { return db_; }

 private:
  explicit Database(duckdb_database db) : db_(db) {}
  duckdb_database db_ = nullptr;
};

class Connection {
 public:
  static Result<Connection> Open(const Database& db);

  Connection(Connection&& other) noexcept : conn_(std::exchange(other.conn_, nullptr)) {}
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Runs one or more statements and discards any result.
  Status Execute(const std::string& sql);
  // Runs `sql` (one or more statements; the last one's rows are returned) as text, at most
  // `max_rows` rows (the rest are dropped and `truncated` is set). Every type renders as DuckDB's
  // VARCHAR cast when the SQL is a single SELECT; otherwise nested, TIMESTAMPTZ, UUID and ENUM
  // values render as empty strings. SQL errors are kInvalidArgument.
  Result<Rows> Query(const std::string& sql, size_t max_rows = SIZE_MAX);

  duckdb_connection get() const { return conn_; }

 private:
  explicit Connection(duckdb_connection conn) : conn_(conn) {}
  duckdb_connection conn_ = nullptr;
};

class Prepared {
 public:
  static Result<Prepared> Create(Connection& conn, const std::string& sql);

  Prepared(Prepared&& other) noexcept : stmt_(std::exchange(other.stmt_, nullptr)) {}
  Prepared& operator=(Prepared&& other) noexcept;
  Prepared(const Prepared&) = delete;
  Prepared& operator=(const Prepared&) = delete;
  ~Prepared();

  // Parameters are 1-based, as in DuckDB ($1, $2, ... or ?).
  Status BindNull(size_t index);
  Status Bind(size_t index, bool v);
  Status Bind(size_t index, int64_t v);
  Status Bind(size_t index, double v);
  Status Bind(size_t index, std::string_view v);
  Status Bind(size_t index, Timestamp v);
  // Runs the statement with the current bindings. Nested, TIMESTAMPTZ, UUID and ENUM columns
  // render as empty strings: cast them to VARCHAR in the SQL.
  Result<Rows> Execute(size_t max_rows = SIZE_MAX);

 private:
  friend class Connection;
  explicit Prepared(duckdb_prepared_statement stmt) : stmt_(stmt) {}
  Status BindResult(duckdb_state state, size_t index);
  duckdb_prepared_statement stmt_ = nullptr;
};

// Rows produced by C++ code, read by SQL as a table function: `SELECT * FROM <name>()`. The lake
// writer uses it to COPY its queued rows straight into Parquet, without an intermediate table.
class ScanSource {
 public:
  struct ColumnSpec {
    std::string name;
    duckdb_type type = DUCKDB_TYPE_VARCHAR;  // BOOLEAN, BIGINT, DOUBLE, VARCHAR or TIMESTAMP_TZ
  };
  virtual ~ScanSource() = default;
  virtual std::vector<ColumnSpec> Columns() const = 0;
  // Writes the next rows (at most duckdb_vector_size()) into `out`, whose vector i holds
  // Columns()[i]; returns how many were written, 0 once the source is exhausted.
  virtual size_t Fill(duckdb_data_chunk out) = 0;
};

// A table function registered on one connection; it reads whichever ScanSource is installed when
// the SQL runs (none: the statement fails). Scans run on one DuckDB thread, in the caller's thread
// when the database has threads=1. Same threading rule as its Connection; must outlive the
// statements that scan it.
class ScanFunction {
 public:
  static Result<std::unique_ptr<ScanFunction>> Register(Connection& conn, const std::string& name);
  ScanFunction(const ScanFunction&) = delete;
  ScanFunction& operator=(const ScanFunction&) = delete;

  void set_source(ScanSource* source) { source_ = source; }
  ScanSource* source() const { return source_; }

 private:
  ScanFunction() = default;
  ScanSource* source_ = nullptr;
};

// Writers for ScanSource::Fill: a value at `row` of a chunk's vector.
void SetNull(duckdb_vector vector, size_t row);
void SetString(duckdb_vector vector, size_t row, std::string_view value);
template <typename T>  // bool, int64_t, double; Timestamp as int64_t Unix microseconds
void SetValue(duckdb_vector vector, size_t row, T value) {
  static_cast<T*>(duckdb_vector_get_data(vector))[row] = value;
}

}  // namespace signx::lake::duck
