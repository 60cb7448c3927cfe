#include "storage/sqlite_store.h"

#include <fmt/format.h>
#include <sqlite3.h>

#include <atomic>
#include <filesystem>
#include <list>
#include <string_view>
#include <unordered_map>

#include "base/check.h"
#include "storage/connection_pool.h"
#include "storage/txn_retry.h"

namespace signx::storage {

std::string RewritePlaceholdersForSqlite(std::string_view sql) {
  std::string out;
  out.reserve(sql.size());
  char quote = 0;  // inside '...' or "..." when set
  for (std::size_t i = 0; i < sql.size(); ++i) {
    const char c = sql[i];
    if (quote) {
      out += c;
      if (c == quote) quote = 0;  // a doubled quote re-enters on the next char: still correct
      continue;
    }
    if (c == '\'' || c == '"') {
      quote = c;
      out += c;
    } else if (c == '$' && i + 1 < sql.size() && sql[i + 1] >= '1' && sql[i + 1] <= '9') {
      out += '?';
    } else {
      out += c;
    }
  }
  return out;
}

namespace {

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  const int ext = db ? sqlite3_extended_errcode(db) : rc;
  const std::string msg =
      fmt::format("{}: {}", what, db ? sqlite3_errmsg(db) : sqlite3_errstr(rc));
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return Status(ErrorCode::kAborted, msg);
    case SQLITE_CONSTRAINT:
      if (ext == SQLITE_CONSTRAINT_UNIQUE || ext == SQLITE_CONSTRAINT_PRIMARYKEY) {
        return AlreadyExists(msg);
      }
      return Status(ErrorCode::kConflict, msg);
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
      return Unavailable(msg);
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
      return Status(ErrorCode::kDataLoss, msg);
    default:
      return Internal(msg);
  }
}

struct CachedStmt {
  sqlite3_stmt* stmt = nullptr;
  std::shared_ptr<const std::vector<std::string>> columns;
};

class SqliteConn {
 public:
  explicit SqliteConn(sqlite3* db) : db_(db) {}
  ~SqliteConn() {
    while (!lru_.empty()) EvictOldest();
    sqlite3_close_v2(db_);
  }
  sqlite3* db() const { return db_; }

  // The prepared statement for `sql`, from this connection's cache or prepared now. The pointer
  // stays valid until the next Prepare. The cache keeps the most recently used statements within
  // kMaxCached statements and kMaxCachedBytes of SQLite memory (the statement just prepared stays
  // even when it alone is larger): callers that build a multi-row INSERT per row count make a new
  // text per count, and a 500-row INSERT of 10 columns holds ~0.6 MB once prepared; bounded only
  // by count, the cache held ~400 MB over the pool in issue 19's soak.
  Result<CachedStmt*> Prepare(std::string_view sql) {
    if (auto it = index_.find(sql); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);  // most recently used first
      return &it->second->cached;
    }
    const std::string rewritten = RewritePlaceholdersForSqlite(sql);
    sqlite3_stmt* stmt = nullptr;
    const int rc = sqlite3_prepare_v3(db_, rewritten.c_str(), static_cast<int>(rewritten.size()),
                                      SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, fmt::format("prepare [{}]", sql));
    if (!stmt) return InvalidArgument("empty SQL statement");
    auto names = std::make_shared<std::vector<std::string>>();
    for (int k = 0; k < sqlite3_column_count(stmt); ++k)
      names->emplace_back(sqlite3_column_name(stmt, k));
    const std::size_t bytes =
        static_cast<std::size_t>(sqlite3_stmt_status(stmt, SQLITE_STMTSTATUS_MEMUSED, 0)) +
        sql.size();
    lru_.push_front(Entry{std::string(sql), CachedStmt{stmt, std::move(names)}, bytes});
    index_.emplace(lru_.front().sql, lru_.begin());
    bytes_ += bytes;
    while (lru_.size() > 1 && (lru_.size() > kMaxCached || bytes_ > kMaxCachedBytes)) EvictOldest();
    return &lru_.front().cached;
  }

  Status Exec(const char* sql) {
    char* err = nullptr;
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, &err);
    if (rc == SQLITE_OK) return Status::Ok();
    std::string msg = err ? err : sqlite3_errstr(rc);
    sqlite3_free(err);
    return SqliteError(db_, rc, fmt::format("exec [{}]", std::string_view(sql).substr(0, 200)));
  }

 private:
  struct Entry {
    std::string sql;  // as given (before placeholder rewriting): the cache key
    CachedStmt cached;
    std::size_t bytes = 0;  // SQLITE_STMTSTATUS_MEMUSED at prepare time + the key
  };

  void EvictOldest() {
    Entry& e = lru_.back();
    sqlite3_finalize(e.cached.stmt);
    bytes_ -= e.bytes;
    index_.erase(e.sql);
    lru_.pop_back();
  }

  static constexpr std::size_t kMaxCached = 256;
  // Per connection (8 by default): statements a server prepares again and again are small
  // (a few KB each); this keeps them all while a few large one-off INSERTs come and go.
  static constexpr std::size_t kMaxCachedBytes = std::size_t{8} << 20;
  sqlite3* db_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // keys: Entry::sql
  std::size_t bytes_ = 0;
};

class SqliteTxn final : public Txn {
 public:
  explicit SqliteTxn(SqliteConn& conn) : conn_(conn) {}
  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<ResultSet> Query(std::string_view sql, const Params& params) override {
    SIGNX_ASSIGN_OR_RETURN(CachedStmt * cs, conn_.Prepare(sql));
    sqlite3_stmt* st = cs->stmt;
    struct Reset {
      sqlite3_stmt* s;
      ~Reset() {
        sqlite3_reset(s);
        sqlite3_clear_bindings(s);
      }
    } reset{st};
    const int expected = sqlite3_bind_parameter_count(st);
    if (expected != static_cast<int>(params.size())) {
      return InvalidArgument(fmt::format("statement expects {} parameters, got {}: [{}]", expected,
                                         params.size(), sql));
    }
    for (int k = 0; k < expected; ++k) {
      SIGNX_RETURN_IF_ERROR(Bind(st, k + 1, params[static_cast<std::size_t>(k)]));
    }
    ResultSet rs;
    rs.columns = cs->columns;
    const int ncol = sqlite3_column_count(st);
    for (;;) {
      const int rc = sqlite3_step(st);
      if (rc == SQLITE_DONE) break;
      if (rc != SQLITE_ROW) return SqliteError(conn_.db(), rc, fmt::format("step [{}]", sql));
      std::vector<Cell> cells;
      cells.reserve(static_cast<std::size_t>(ncol));
      for (int k = 0; k < ncol; ++k) {
        switch (sqlite3_column_type(st, k)) {
          case SQLITE_INTEGER: cells.emplace_back(int64_t{sqlite3_column_int64(st, k)}); break;
          case SQLITE_FLOAT: cells.emplace_back(sqlite3_column_double(st, k)); break;
          case SQLITE_NULL: cells.emplace_back(std::monostate{}); break;
          default: {
            const auto* p = static_cast<const char*>(sqlite3_column_blob(st, k));
            cells.emplace_back(std::string(p ? p : "", static_cast<std::size_t>(sqlite3_column_bytes(st, k))));
          }
        }
      }
      rs.rows.emplace_back(rs.columns.get(), std::move(cells), Dialect::kSqlite);
    }
    rs.affected = sqlite3_stmt_readonly(st) ? 0 : sqlite3_changes64(conn_.db());
    return rs;
  }

  Status ExecScript(std::string_view sql) override { return conn_.Exec(std::string(sql).c_str()); }

 private:
  Status Bind(sqlite3_stmt* st, int idx, const Param& p) {
    int rc = SQLITE_OK;
    std::visit(
        [&](const auto& v) {
          using T = std::decay_t<decltype(v)>;
          if constexpr (std::is_same_v<T, std::monostate>) {
            rc = sqlite3_bind_null(st, idx);
          } else if constexpr (std::is_same_v<T, int64_t>) {
            rc = sqlite3_bind_int64(st, idx, v);
          } else if constexpr (std::is_same_v<T, double>) {
            rc = sqlite3_bind_double(st, idx, v);
          } else if constexpr (std::is_same_v<T, bool>) {
            rc = sqlite3_bind_int64(st, idx, v ? 1 : 0);
          } else if constexpr (std::is_same_v<T, std::string>) {
            rc = sqlite3_bind_text64(st, idx, v.data(), v.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
          } else if constexpr (std::is_same_v<T, signx::storage::Bytes>) {
            rc = sqlite3_bind_blob64(st, idx, v.data.data(), v.data.size(), SQLITE_TRANSIENT);
          } else if constexpr (std::is_same_v<T, Json>) {
            rc = sqlite3_bind_text64(st, idx, v.text.data(), v.text.size(), SQLITE_TRANSIENT,
                                     SQLITE_UTF8);
          } else if constexpr (std::is_same_v<T, Timestamp>) {
            rc = sqlite3_bind_int64(st, idx, UnixMicros(v));
          }
        },
        p.value());
    if (rc != SQLITE_OK) return SqliteError(conn_.db(), rc, "bind");
    return Status::Ok();
  }

  SqliteConn& conn_;
};

class SqliteStore final : public Store {
 public:
  SqliteStore(std::string path, const config::DatabaseConfig& cfg, int pool_size)
      : path_(std::move(path)),
        cfg_(cfg),
        pool_(pool_size, [this] { return Connect(); }) {}

  Dialect dialect() const override { return Dialect::kSqlite; }

  Result<std::unique_ptr<SqliteConn>> Connect() {
    sqlite3* db = nullptr;
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX |
                      (path_.rfind("file:", 0) == 0 ? SQLITE_OPEN_URI : 0);
    const int rc = sqlite3_open_v2(path_.c_str(), &db, flags, nullptr);
    if (rc != SQLITE_OK) {
      Status st = Unavailable(fmt::format("cannot open SQLite database '{}': {}", path_,
                                          db ? sqlite3_errmsg(db) : sqlite3_errstr(rc)));
      sqlite3_close_v2(db);
      return st;
    }
    auto conn = std::make_unique<SqliteConn>(db);
    sqlite3_busy_timeout(db, cfg_.busy_timeout_ms);
    SIGNX_RETURN_IF_ERROR(conn->Exec("PRAGMA journal_mode=WAL"));
    SIGNX_RETURN_IF_ERROR(conn->Exec("PRAGMA foreign_keys=ON"));
    SIGNX_RETURN_IF_ERROR(
        conn->Exec(fmt::format("PRAGMA synchronous={}", cfg_.sqlite_synchronous).c_str()));
    // Each connection has its own page cache; the pool's worst case is pool_size times this.
    SIGNX_RETURN_IF_ERROR(
        conn->Exec(fmt::format("PRAGMA cache_size=-{}", cfg_.sqlite_cache_kib).c_str()));
    return conn;
  }

  Status WithTxn(const std::function<Status(Txn&)>& fn, TxnOptions options) override {
    SIGNX_ASSIGN_OR_RETURN(auto lease, pool_.Acquire(std::chrono::milliseconds(cfg_.busy_timeout_ms)));
    transactions_.fetch_add(1, std::memory_order_relaxed);
    // A larger page cache for this transaction only; the configured size (which frees the
    // excess pages) is set again however the transaction ends.
    struct PageCache {
      SqliteConn& conn;
      int configured_kib;
      bool grown = false;
      ~PageCache() {
        if (grown) {
          (void)conn.Exec(fmt::format("PRAGMA cache_size=-{}", configured_kib).c_str());
        }
      }
    } page_cache{*lease, cfg_.sqlite_cache_kib};
    if (options.page_cache_kib > cfg_.sqlite_cache_kib) {
      SIGNX_RETURN_IF_ERROR(
          lease->Exec(fmt::format("PRAGMA cache_size=-{}", options.page_cache_kib).c_str()));
      page_cache.grown = true;
    }
    return RunWithRetries(
        options.max_attempts,
        [&]() -> Status {
          // IMMEDIATE takes the write lock up front so a read-then-write transaction cannot fail
          // to upgrade (SQLITE_BUSY mid-transaction); readers never block in WAL mode.
          SIGNX_RETURN_IF_ERROR(lease->Exec(options.read_only ? "BEGIN" : "BEGIN IMMEDIATE"));
          SqliteTxn txn(*lease);
          Status st;
          try {
            st = fn(txn);
          } catch (...) {
            (void)lease->Exec("ROLLBACK");
            throw;
          }
          if (!st.ok()) {
            (void)lease->Exec("ROLLBACK");
            return st;
          }
          Status commit = lease->Exec("COMMIT");
          if (!commit.ok()) (void)lease->Exec("ROLLBACK");
          return commit;
        },
        retries_);
  }

  Status Ping() override {
    return WithTxn([](Txn& t) { return t.Query("SELECT 1").status(); }, {.read_only = true});
  }

  StoreStats Stats() const override {
    return {.pool_size = pool_.max_size(),
            .in_use = pool_.in_use(),
            .transactions = transactions_.load(),
            .retries = retries_.load()};
  }

 private:
  const std::string path_;
  const config::DatabaseConfig cfg_;
  ConnectionPool<SqliteConn> pool_;
  std::atomic<int64_t> transactions_{0};
  std::atomic<int64_t> retries_{0};
};

}  // namespace

Result<std::unique_ptr<Store>> OpenSqliteStore(const config::DatabaseConfig& config) {
  const std::string& url = config.url;
  std::string path;
  int pool_size = std::max(1, config.pool_size);
  if (url == "sqlite::memory:") {
    // One connection: every SQLite in-memory connection would be its own database.
    path = ":memory:";
    pool_size = 1;
  } else if (url.rfind("sqlite://", 0) == 0) {
    path = url.substr(std::string_view("sqlite://").size());  // sqlite:///abs or sqlite://rel
    if (path.empty()) return InvalidArgument("database.url: sqlite URL has no path");
    // "sqlite:///var/signx.db" is the documented relative default: a leading "/" followed by a
    // path that does not exist at the root but whose parent exists relative to the working
    // directory is ambiguous, so we follow the common convention: three slashes = relative,
    // four slashes = absolute ("sqlite:////abs/path.db").
    if (path.size() > 1 && path[0] == '/' && path[1] != '/') path = path.substr(1);
    else if (path.rfind("//", 0) == 0) path = path.substr(1);
  } else {
    return InvalidArgument("database.url: expected sqlite:///relative/path, "
                           "sqlite:////absolute/path or sqlite::memory:");
  }
  if (path != ":memory:") {
    std::error_code ec;
    const auto parent = std::filesystem::path(path).parent_path();
    if (!parent.empty()) std::filesystem::create_directories(parent, ec);
    if (ec) {
      return Unavailable(fmt::format("cannot create directory '{}' for the database: {}",
                                     parent.string(), ec.message()));
    }
  }
  if (sqlite3_threadsafe() == 0) return Internal("SQLite was built without thread support");
  auto store = std::make_unique<SqliteStore>(path, config, pool_size);
  SIGNX_RETURN_IF_ERROR(store->Ping());  // open one connection now: fail fast on a bad path
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace signx::storage
