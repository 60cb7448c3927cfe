// Relational storage: one small API over SQLite (embedded default) and PostgreSQL (scale-out).
//
// A thin query helper, not an ORM. SQL is written once with PostgreSQL-style numbered
// placeholders ($1, $2, ...); the SQLite backend rewrites them to ?1, ?2. Where the dialects
// differ (SKIP LOCKED, JSON operators), callers branch on Txn::dialect().
//
// Column conventions shared by both dialects (see docs/adr/0004-storage.md):
//   ids            TEXT (prefixed ULIDs from base/id.h)
//   money          BIGINT cents (`_cents` suffix)
//   timestamps     BIGINT microseconds since the Unix epoch, UTC (`_at` suffix); bind Timestamp
//   booleans       INTEGER 0/1 on SQLite, BOOLEAN on PostgreSQL; bind bool, read Row::Bool
//   JSON           TEXT on SQLite, JSONB on PostgreSQL; bind Json{...}, read Row::Text
//   bytes          BLOB on SQLite, BYTEA on PostgreSQL; bind Bytes{...}, read Row::Bytes
//
// Thread-safety: Store is thread-safe (a pool of connections). A Txn belongs to the thread that
// runs the WithTxn callback and must not escape it. Every call blocks: call from a blocking route
// (http::Execution::kBlocking), a job, or a CLI command — never from an io thread.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "base/clock.h"
#include "base/status.h"
#include "config/config.h"

namespace signx::storage {

enum class Dialect { kSqlite, kPostgres };
std::string_view DialectName(Dialect d);  // "sqlite" / "postgres"

struct Bytes {
  std::string data;
};
struct Json {
  std::string text;  // must be valid JSON; PostgreSQL checks it, SQLite stores it as is
};

// One bound parameter. Implicit constructors so calls read naturally:
//   txn.Exec("UPDATE t SET n = $1, at = $2 WHERE id = $3", {n, clock.Now(), id});
class Param {
 public:
  using Value = std::variant<std::monostate, int64_t, double, std::string, Bytes, bool, Timestamp,
                             Json>;
  Param() = default;                       // NULL
  Param(std::nullopt_t) {}                 // NULL
  Param(int v) : v_(int64_t{v}) {}
  Param(int64_t v) : v_(v) {}
  Param(double v) : v_(v) {}
  Param(bool v) : v_(v) {}
  Param(const char* v) : v_(std::string(v)) {}
  Param(std::string_view v) : v_(std::string(v)) {}
  Param(std::string v) : v_(std::move(v)) {}
  Param(Bytes v) : v_(std::move(v)) {}
  Param(Json v) : v_(std::move(v)) {}
  Param(Timestamp v) : v_(v) {}
  template <typename T>
  Param(const std::optional<T>& v) {
    if (v) *this = Param(*v);
  }
  const Value& value() const { return v_; }

 private:
  Value v_;
};
using Params = std::vector<Param>;

// One cell as the driver returned it: SQLite gives native types, PostgreSQL gives text that the
// accessors convert.
using Cell = std::variant<std::monostate, int64_t, double, std::string>;

// A result row. Accessors take the 0-based column index and SIGNX_CHECK the type: reading a
// column as the wrong type is a programming error, not user input. Nullable columns: check
// IsNull first or use the Opt* accessors.
class Row {
 public:
  Row(const std::vector<std::string>* names, std::vector<Cell> cells, Dialect dialect)
      : names_(names), cells_(std::move(cells)), dialect_(dialect) {}

  std::size_t size() const { return cells_.size(); }
  bool IsNull(std::size_t i) const;
  int64_t Int(std::size_t i) const;
  double Double(std::size_t i) const;
  std::string Text(std::size_t i) const;
  std::string Bytes(std::size_t i) const;  // decodes PostgreSQL's bytea hex text
  bool Bool(std::size_t i) const;
  Timestamp Time(std::size_t i) const;

  std::optional<int64_t> OptInt(std::size_t i) const;
  std::optional<double> OptDouble(std::size_t i) const;
  std::optional<std::string> OptText(std::size_t i) const;
  std::optional<Timestamp> OptTime(std::size_t i) const;

  // Column index by name; SIGNX_CHECKs that it exists.
  std::size_t Index(std::string_view name) const;

 private:
  const std::vector<std::string>* names_;
  std::vector<Cell> cells_;
  Dialect dialect_;
};

// A fully read result (queries should bound their size with LIMIT).
struct ResultSet {
  std::shared_ptr<const std::vector<std::string>> columns;
  std::vector<Row> rows;
  int64_t affected = 0;  // rows changed by INSERT/UPDATE/DELETE
};

// Statements inside one transaction.
class Txn {
 public:
  virtual ~Txn() = default;
  virtual Dialect dialect() const = 0;
  // Runs one statement. Errors: kAlreadyExists for a unique violation, kConflict for a
  // foreign-key/check/not-null violation (the message names the constraint), kAborted when the
  // database is busy / the transaction must be retried (WithTxn retries it), kUnavailable when the
  // server is unreachable, kInternal otherwise (SQL errors are programming errors).
  virtual Result<ResultSet> Query(std::string_view sql, const Params& params = {}) = 0;

  // Rows changed.
  Result<int64_t> Exec(std::string_view sql, const Params& params = {});
  // The first row, or nullopt.
  Result<std::optional<Row>> QueryOne(std::string_view sql, const Params& params = {});
  // Runs a script of several statements without parameters (migrations).
  virtual Status ExecScript(std::string_view sql) = 0;
};

struct TxnOptions {
  // SQLite: a read-only transaction starts DEFERRED (does not take the write lock).
  // PostgreSQL: READ ONLY.
  bool read_only = false;
  // PostgreSQL SERIALIZABLE instead of READ COMMITTED (SQLite is always serializable).
  bool serializable = false;
  // Attempts in all when the transaction fails with a retryable error (SQLite busy,
  // PostgreSQL serialization failure or deadlock). The callback must be safe to re-run.
  int max_attempts = 5;
  // SQLite: the connection's page cache for this transaction only, in KiB, when larger than
  // database.sqlite_cache_kib (0 = the configured size). For a transaction that writes more
  // pages than the cache holds (thousands of rows at random keys): SQLite would write dirty pages
  // to the WAL mid-transaction and read them back. The cache shrinks back, freeing the excess,
  // when the transaction ends. PostgreSQL: ignored.
  int page_cache_kib = 0;
};

struct StoreStats {
  int pool_size = 0;
  int in_use = 0;
  int64_t transactions = 0;
  int64_t retries = 0;
};

class Store {
 public:
  virtual ~Store() = default;

  // Opens the database named by config.url ("sqlite:///path", "sqlite::memory:",
  // "postgres://..." / "postgresql://..."). SQLite: creates the parent directory, WAL, foreign
  // keys on, busy timeout, synchronous from config. kInvalidArgument for an unknown scheme,
  // kUnavailable when the server cannot be reached.
  static Result<std::unique_ptr<Store>> Open(const config::DatabaseConfig& config);

  virtual Dialect dialect() const = 0;

  // Runs `fn` in a transaction: commits when it returns OK, rolls back otherwise (and on
  // exception, which is rethrown). Retries the whole callback on kAborted (busy, serialization
  // failure, deadlock) with a short jittered backoff; when attempts run out returns kUnavailable.
  virtual Status WithTxn(const std::function<Status(Txn&)>& fn, TxnOptions options = {}) = 0;

  // Same, returning a value.
  template <typename T>
  Result<T> WithTxnResult(const std::function<Result<T>(Txn&)>& fn, TxnOptions options = {}) {
    std::optional<T> out;
    Status st = WithTxn(
        [&](Txn& txn) -> Status {
          auto r = fn(txn);
          if (!r.ok()) return r.status();
          out = std::move(*r);
          return Status::Ok();
        },
        options);
    if (!st.ok()) return st;
    return std::move(*out);
  }

  // One read-only statement on its own (PostgreSQL: autocommit, one round trip).
  virtual Result<ResultSet> Query(std::string_view sql, const Params& params = {});

  // Cheap liveness probe for /health/ready (SELECT 1).
  virtual Status Ping() = 0;

  virtual StoreStats Stats() const = 0;
};

}  // namespace signx::storage
