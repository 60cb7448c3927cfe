// RAII wrappers over the DuckDB C API (duckdb.h, DuckDB 1.4): a Database owns a duckdb_database, a
// Connection a duckdb_connection, a Prepared a duckdb_prepared_statement, an Appender a
// duckdb_appender, and Rows is a fully materialised query result converted to strings. Failures
// come back as Status values carrying DuckDB's message; nothing throws.
//
// Ownership: each wrapper is move-only and releases its handle in the destructor. A Connection
// must not outlive its Database, a Prepared or an Appender not its Connection.
// Thread-safety (DuckDB's rules): a Database may be shared by many threads, each using its own
// Connection; one Connection (and whatever was created from it) is used by one thread at a time.
#pragma once

#include <duckdb.h>

#include <cstdint>
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

// Appends rows into one table, bypassing SQL parsing. Values of a row are given in column order,
// then EndRow(). Close() flushes and reports the first error; the destructor closes silently.
class Appender {
 public:
  static Result<Appender> Create(Connection& conn, const std::string& table);

  Appender(Appender&& other) noexcept : app_(std::exchange(other.app_, nullptr)) {}
  Appender& operator=(Appender&& other) noexcept;
  Appender(const Appender&) = delete;
  Appender& operator=(const Appender&) = delete;
  ~Appender();

  Status AppendNull();
  Status Append(bool v);
  Status Append(int64_t v);
  Status Append(double v);
  Status Append(std::string_view v);
  Status Append(Timestamp v);
  Status EndRow();
  // Flushes every appended row into the table and releases the appender.
  Status Close();

 private:
  explicit Appender(duckdb_appender app) : app_(app) {}
  Status Check(duckdb_state state, std::string_view what);
  duckdb_appender app_ = nullptr;
};

}  // namespace signx::lake::duck
