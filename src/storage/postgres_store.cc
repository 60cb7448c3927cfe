#include "storage/postgres_store.h"

#include <fmt/format.h>
#include <libpq-fe.h>

#include <atomic>
#include <cstring>
#include <list>
#include <string_view>
#include <unordered_map>

#include "storage/connection_pool.h"
#include "storage/txn_retry.h"

namespace signx::storage {
namespace {

struct PgResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, PgResultDeleter>;

// Maps a failed result (or a connection error) to a Status by SQLSTATE class.
Status PgError(PGconn* conn, const PGresult* res, std::string_view what) {
  const char* state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  std::string msg(res ? PQresultErrorMessage(res) : PQerrorMessage(conn));
  while (!msg.empty() && (msg.back() == '\n' || msg.back() == ' ')) msg.pop_back();
  msg = fmt::format("{}: {}", what, msg);
  if (PQstatus(conn) != CONNECTION_OK) return Unavailable(msg);
  const std::string_view s = state ? state : "";
  if (s == "23505") return AlreadyExists(msg);
  if (s.substr(0, 2) == "23") return Status(ErrorCode::kConflict, msg);
  if (s == "40001" || s == "40P01" || s == "55P03") return Status(ErrorCode::kAborted, msg);
  if (s.substr(0, 2) == "08" || s.substr(0, 2) == "57" || s.substr(0, 2) == "53") {
    return Unavailable(msg);
  }
  if (s == "22P02" || s == "22003" || s == "22007" || s == "22008") return InvalidArgument(msg);
  return Internal(msg);
}

class PgConn {
 public:
  explicit PgConn(PGconn* c) : conn_(c) {}
  ~PgConn() { PQfinish(conn_); }
  PGconn* raw() const { return conn_; }
  bool broken() const { return PQstatus(conn_) != CONNECTION_OK; }

  // The server-side prepared statement name for `sql`, preparing it on first use. The pointer
  // stays valid until the next Prepare. At most kMaxPrepared statements stay prepared in the
  // session, the least recently used deallocated first: callers that build a multi-row INSERT
  // per row count make a new text per count, and the server keeps each until DEALLOCATE.
  Result<const std::string*> Prepare(std::string_view sql) {
    if (auto it = index_.find(sql); it != index_.end()) {
      lru_.splice(lru_.begin(), lru_, it->second);
      return &it->second->name;
    }
    std::string name = fmt::format("signx_{}", ++prepared_total_);
    PgResult r(PQprepare(conn_, name.c_str(), std::string(sql).c_str(), 0, nullptr));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
      return PgError(conn_, r.get(), fmt::format("prepare [{}]", sql));
    }
    lru_.push_front(Entry{std::string(sql), std::move(name)});
    index_.emplace(lru_.front().sql, lru_.begin());
    while (lru_.size() > kMaxPrepared) {
      const Entry& old = lru_.back();
      // Not transactional, so a later rollback does not bring it back. A failure (the
      // connection broke) keeps the entry; the next Prepare tries again.
      PgResult d(PQexec(conn_, fmt::format("DEALLOCATE {}", old.name).c_str()));
      if (PQresultStatus(d.get()) != PGRES_COMMAND_OK) break;
      index_.erase(old.sql);
      lru_.pop_back();
    }
    return &lru_.front().name;
  }

  Status Exec(const char* sql) {
    PgResult r(PQexec(conn_, sql));
    const auto st = PQresultStatus(r.get());
    if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK || st == PGRES_EMPTY_QUERY) {
      return Status::Ok();
    }
    return PgError(conn_, r.get(), fmt::format("exec [{}]", std::string_view(sql).substr(0, 200)));
  }

 private:
  struct Entry {
    std::string sql;   // the cache key
    std::string name;  // signx_<n>
  };

  static constexpr std::size_t kMaxPrepared = 256;
  PGconn* conn_;
  std::list<Entry> lru_;  // most recently used first
  std::unordered_map<std::string_view, std::list<Entry>::iterator> index_;  // keys: Entry::sql
  uint64_t prepared_total_ = 0;  // names are never reused within a session
};

class PgTxn final : public Txn {
 public:
  explicit PgTxn(PgConn& conn) : conn_(conn) {}
  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<ResultSet> Query(std::string_view sql, const Params& params) override {
    SIGNX_ASSIGN_OR_RETURN(const std::string* name, conn_.Prepare(sql));
    // Text format for everything but bytes (binary, so no escaping).
    std::vector<std::string> storage(params.size());
    std::vector<const char*> values(params.size(), nullptr);
    std::vector<int> lengths(params.size(), 0);
    std::vector<int> formats(params.size(), 0);
    for (std::size_t k = 0; k < params.size(); ++k) {
      std::visit(
          [&](const auto& v) {
            using T = std::decay_t<decltype(v)>;
            if constexpr (std::is_same_v<T, std::monostate>) {
              return;  // NULL
            } else if constexpr (std::is_same_v<T, int64_t>) {
              storage[k] = std::to_string(v);
            } else if constexpr (std::is_same_v<T, double>) {
              storage[k] = fmt::format("{}", v);  // shortest round-trip
            } else if constexpr (std::is_same_v<T, bool>) {
              storage[k] = v ? "true" : "false";
            } else if constexpr (std::is_same_v<T, std::string>) {
              storage[k] = v;
            } else if constexpr (std::is_same_v<T, signx::storage::Bytes>) {
              storage[k] = v.data;
              formats[k] = 1;
            } else if constexpr (std::is_same_v<T, Json>) {
              storage[k] = v.text;
            } else if constexpr (std::is_same_v<T, Timestamp>) {
              storage[k] = std::to_string(UnixMicros(v));
            }
            values[k] = storage[k].c_str();
            lengths[k] = static_cast<int>(storage[k].size());
          },
          params[k].value());
    }
    PgResult r(PQexecPrepared(conn_.raw(), name->c_str(), static_cast<int>(params.size()),
                              values.data(), lengths.data(), formats.data(), 0));
    const auto status = PQresultStatus(r.get());
    if (status != PGRES_TUPLES_OK && status != PGRES_COMMAND_OK) {
      return PgError(conn_.raw(), r.get(), fmt::format("query [{}]", sql));
    }
    ResultSet rs;
    const int nf = PQnfields(r.get());
    auto cols = std::make_shared<std::vector<std::string>>();
    cols->reserve(static_cast<std::size_t>(nf));
    for (int f = 0; f < nf; ++f) cols->emplace_back(PQfname(r.get(), f));
    rs.columns = std::move(cols);
    const int nt = PQntuples(r.get());
    rs.rows.reserve(static_cast<std::size_t>(nt));
    for (int t = 0; t < nt; ++t) {
      std::vector<Cell> cells;
      cells.reserve(static_cast<std::size_t>(nf));
      for (int f = 0; f < nf; ++f) {
        if (PQgetisnull(r.get(), t, f)) {
          cells.emplace_back(std::monostate{});
        } else {
          cells.emplace_back(std::string(PQgetvalue(r.get(), t, f),
                                         static_cast<std::size_t>(PQgetlength(r.get(), t, f))));
        }
      }
      rs.rows.emplace_back(rs.columns.get(), std::move(cells), Dialect::kPostgres);
    }
    const char* affected = PQcmdTuples(r.get());
    rs.affected = affected && *affected ? std::stoll(affected) : 0;
    return rs;
  }

  Status ExecScript(std::string_view sql) override { return conn_.Exec(std::string(sql).c_str()); }

 private:
  PgConn& conn_;
};

class PostgresStore final : public Store {
 public:
  explicit PostgresStore(const config::DatabaseConfig& cfg)
      : cfg_(cfg), pool_(std::max(1, cfg.pool_size), [this] { return Connect(); }) {}

  Dialect dialect() const override { return Dialect::kPostgres; }

  Result<std::unique_ptr<PgConn>> Connect() {
    PGconn* c = PQconnectdb(cfg_.url.c_str());
    auto conn = std::make_unique<PgConn>(c);
    if (!c || PQstatus(c) != CONNECTION_OK) {
      std::string msg = c ? PQerrorMessage(c) : "out of memory";
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      return Unavailable(fmt::format("cannot connect to PostgreSQL: {}", msg));
    }
    // Server NOTICEs ("relation already exists, skipping") are not errors: keep them off stderr.
    PQsetNoticeProcessor(c, [](void*, const char*) {}, nullptr);
    SIGNX_RETURN_IF_ERROR(conn->Exec("SET TIME ZONE 'UTC'; SET application_name = 'signx'"));
    return conn;
  }

  Status WithTxn(const std::function<Status(Txn&)>& fn, TxnOptions options) override {
    transactions_.fetch_add(1, std::memory_order_relaxed);
    const std::string begin =
        fmt::format("BEGIN ISOLATION LEVEL {}{}",
                    options.serializable ? "SERIALIZABLE" : "READ COMMITTED",
                    options.read_only ? " READ ONLY" : "");
    return RunWithRetries(
        options.max_attempts,
        [&]() -> Status {
          SIGNX_ASSIGN_OR_RETURN(
              auto lease, pool_.Acquire(std::chrono::milliseconds(cfg_.busy_timeout_ms)));
          Status st = Attempt(*lease, begin, fn);
          if (lease->broken()) lease.Discard();
          return st;
        },
        retries_);
  }

  Result<ResultSet> Query(std::string_view sql, const Params& params) override {
    ResultSet out;
    SIGNX_RETURN_IF_ERROR(RunWithRetries(
        TxnOptions{}.max_attempts,
        [&]() -> Status {
          SIGNX_ASSIGN_OR_RETURN(
              auto lease, pool_.Acquire(std::chrono::milliseconds(cfg_.busy_timeout_ms)));
          PgTxn txn(*lease);
          auto rs = txn.Query(sql, params);
          if (lease->broken()) lease.Discard();
          if (!rs.ok()) return rs.status();
          out = std::move(rs).value();
          return Status::Ok();
        },
        retries_));
    return out;
  }

  Status Ping() override { return Query("SELECT 1", {}).status(); }

  StoreStats Stats() const override {
    return {.pool_size = pool_.max_size(),
            .in_use = pool_.in_use(),
            .transactions = transactions_.load(),
            .retries = retries_.load()};
  }

 private:
  static Status Attempt(PgConn& conn, const std::string& begin,
                        const std::function<Status(Txn&)>& fn) {
    SIGNX_RETURN_IF_ERROR(conn.Exec(begin.c_str()));
    PgTxn txn(conn);
    Status st;
    try {
      st = fn(txn);
    } catch (...) {
      (void)conn.Exec("ROLLBACK");
      throw;
    }
    if (!st.ok()) {
      (void)conn.Exec("ROLLBACK");
      return st;
    }
    // COMMIT of a failed transaction reports success but rolls back: check the command tag.
    PgResult r(PQexec(conn.raw(), "COMMIT"));
    if (PQresultStatus(r.get()) != PGRES_COMMAND_OK) return PgError(conn.raw(), r.get(), "commit");
    if (std::strcmp(PQcmdStatus(r.get()), "ROLLBACK") == 0) {
      return Status(ErrorCode::kAborted, "the transaction was rolled back by the server");
    }
    return Status::Ok();
  }

  const config::DatabaseConfig cfg_;
  ConnectionPool<PgConn> pool_;
  std::atomic<int64_t> transactions_{0};
  std::atomic<int64_t> retries_{0};
};

}  // namespace

Result<std::unique_ptr<Store>> OpenPostgresStore(const config::DatabaseConfig& config) {
  auto store = std::make_unique<PostgresStore>(config);
  SIGNX_RETURN_IF_ERROR(store->Ping());
  return std::unique_ptr<Store>(std::move(store));
}

}  // namespace signx::storage
