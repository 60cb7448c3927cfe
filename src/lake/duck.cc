#include "lake/duck.h"

#include <dlfcn.h>

#include <cctype>
#include <string>

namespace signx::lake::duck {
namespace {

// Owns a duckdb_result for the duration of one call.
struct ResultGuard {
  duckdb_result res{};
  ~ResultGuard() { duckdb_destroy_result(&res); }
};

std::string TypeName(duckdb_type type) {
  std::string name;
  {
    switch (type) {
      case DUCKDB_TYPE_BOOLEAN:
        name = "BOOLEAN";
        break;
      case DUCKDB_TYPE_TINYINT:
        name = "TINYINT";
        break;
      case DUCKDB_TYPE_SMALLINT:
        name = "SMALLINT";
        break;
      case DUCKDB_TYPE_INTEGER:
        name = "INTEGER";
        break;
      case DUCKDB_TYPE_BIGINT:
        name = "BIGINT";
        break;
      case DUCKDB_TYPE_UTINYINT:
        name = "UTINYINT";
        break;
      case DUCKDB_TYPE_USMALLINT:
        name = "USMALLINT";
        break;
      case DUCKDB_TYPE_UINTEGER:
        name = "UINTEGER";
        break;
      case DUCKDB_TYPE_UBIGINT:
        name = "UBIGINT";
        break;
      case DUCKDB_TYPE_HUGEINT:
        name = "HUGEINT";
        break;
      case DUCKDB_TYPE_UHUGEINT:
        name = "UHUGEINT";
        break;
      case DUCKDB_TYPE_FLOAT:
        name = "FLOAT";
        break;
      case DUCKDB_TYPE_DOUBLE:
        name = "DOUBLE";
        break;
      case DUCKDB_TYPE_DECIMAL:
        name = "DECIMAL";
        break;
      case DUCKDB_TYPE_VARCHAR:
        name = "VARCHAR";
        break;
      case DUCKDB_TYPE_BLOB:
        name = "BLOB";
        break;
      case DUCKDB_TYPE_DATE:
        name = "DATE";
        break;
      case DUCKDB_TYPE_TIME:
        name = "TIME";
        break;
      case DUCKDB_TYPE_TIMESTAMP:
        name = "TIMESTAMP";
        break;
      case DUCKDB_TYPE_TIMESTAMP_TZ:
        name = "TIMESTAMP WITH TIME ZONE";
        break;
      case DUCKDB_TYPE_INTERVAL:
        name = "INTERVAL";
        break;
      case DUCKDB_TYPE_LIST:
        name = "LIST";
        break;
      case DUCKDB_TYPE_STRUCT:
        name = "STRUCT";
        break;
      case DUCKDB_TYPE_MAP:
        name = "MAP";
        break;
      case DUCKDB_TYPE_UUID:
        name = "UUID";
        break;
      case DUCKDB_TYPE_ENUM:
        name = "ENUM";
        break;
      case DUCKDB_TYPE_ARRAY:
        name = "ARRAY";
        break;
      default:
        name = "OTHER";
        break;
    }
  }
  return name;
}

// Types the result accessor duckdb_value_varchar renders; others (TIMESTAMPTZ, LIST, STRUCT, MAP,
// UUID, ENUM, ...) come back as NULL pointers from it and must be cast to VARCHAR inside DuckDB.
bool AccessorRenders(duckdb_type type) {
  switch (type) {
    case DUCKDB_TYPE_BOOLEAN:
    case DUCKDB_TYPE_TINYINT:
    case DUCKDB_TYPE_SMALLINT:
    case DUCKDB_TYPE_INTEGER:
    case DUCKDB_TYPE_BIGINT:
    case DUCKDB_TYPE_UTINYINT:
    case DUCKDB_TYPE_USMALLINT:
    case DUCKDB_TYPE_UINTEGER:
    case DUCKDB_TYPE_UBIGINT:
    case DUCKDB_TYPE_HUGEINT:
    case DUCKDB_TYPE_FLOAT:
    case DUCKDB_TYPE_DOUBLE:
    case DUCKDB_TYPE_DECIMAL:
    case DUCKDB_TYPE_VARCHAR:
    case DUCKDB_TYPE_BLOB:
    case DUCKDB_TYPE_DATE:
    case DUCKDB_TYPE_TIME:
    case DUCKDB_TYPE_TIMESTAMP:
    case DUCKDB_TYPE_INTERVAL:
      return true;
    default:
      return false;
  }
}

// Owns a duckdb_extracted_statements.
struct ExtractedGuard {
  duckdb_extracted_statements ext = nullptr;
  ~ExtractedGuard() { duckdb_destroy_extracted(&ext); }
};

// Converts a materialised result to text. Uses DuckDB's value accessors, which cast every type
// (lists, structs, timestamps, ...) the same way DuckDB's own shell prints them.
Rows ToRows(duckdb_result* res, size_t max_rows,
            const std::vector<std::string>* type_names = nullptr) {
  Rows out;
  const idx_t ncols = duckdb_column_count(res);
  const idx_t nrows = duckdb_row_count(res);
  out.columns.reserve(ncols);
  out.types.reserve(ncols);
  for (idx_t c = 0; c < ncols; ++c) {
    const char* name = duckdb_column_name(res, c);
    out.columns.emplace_back(name ? name : "");
    out.types.push_back(type_names != nullptr && c < type_names->size()
                            ? (*type_names)[c]
                            : TypeName(duckdb_column_type(res, c)));
  }
  const idx_t keep = nrows < max_rows ? nrows : static_cast<idx_t>(max_rows);
  out.truncated = keep < nrows;
  out.rows.reserve(keep);
  for (idx_t r = 0; r < keep; ++r) {
    auto& row = out.rows.emplace_back();
    row.reserve(ncols);
    for (idx_t c = 0; c < ncols; ++c) {
      if (duckdb_value_is_null(res, c, r)) {
        row.emplace_back(std::nullopt);
        continue;
      }
      char* text = duckdb_value_varchar(res, c, r);
      row.emplace_back(text ? std::string(text) : std::string());
      duckdb_free(text);
    }
  }
  return out;
}

Status QueryError(duckdb_result* res, std::string_view what) {
  const char* err = duckdb_result_error(res);
  return Internal(std::string(what) + ": " + (err ? err : "unknown DuckDB error"));
}

}  // namespace

std::string LibraryVersion() { return duckdb_library_version(); }

std::string QuoteIdent(std::string_view name) {
  std::string out = "\"";
  for (char c : name) {
    if (c == '"') out += '"';
    out += c;
  }
  out += '"';
  return out;
}

std::string QuoteString(std::string_view text) {
  std::string out = "'";
  for (char c : text) {
    if (c == '\'') out += '\'';
    out += c;
  }
  out += '\'';
  return out;
}

AllocatorCtl DuckdbMallctl() {
  static const AllocatorCtl ctl =
      reinterpret_cast<AllocatorCtl>(dlsym(RTLD_DEFAULT, "duckdb_je_mallctl"));
  return ctl;
}

bool ReleaseFreeMemory() {
  const AllocatorCtl ctl = DuckdbMallctl();
  if (ctl == nullptr) return false;
  // "arena.4096.purge" is MALLCTL_ARENAS_ALL (jemalloc 5): every arena.
  const bool flushed = ctl("thread.tcache.flush", nullptr, nullptr, nullptr, 0) == 0;
  const bool purged = ctl("arena.4096.purge", nullptr, nullptr, nullptr, 0) == 0;
  return flushed && purged;
}

// ---- Database

Result<Database> Database::Open(const std::string& path,
                                const std::vector<std::pair<std::string, std::string>>& options) {
  duckdb_config config = nullptr;
  if (duckdb_create_config(&config) == DuckDBError) return Internal("duckdb: cannot create config");
  std::vector<std::pair<std::string, std::string>> all = {
      {"autoinstall_known_extensions", "false"}};
  all.insert(all.end(), options.begin(), options.end());
  for (const auto& [key, value] : all) {
    if (duckdb_set_config(config, key.c_str(), value.c_str()) == DuckDBError) {
      duckdb_destroy_config(&config);
      return InvalidArgument("duckdb: bad setting " + key + "=" + value);
    }
  }
  duckdb_database db = nullptr;
  char* error = nullptr;
  const duckdb_state state =
      duckdb_open_ext(path.empty() ? nullptr : path.c_str(), &db, config, &error);
  duckdb_destroy_config(&config);
  if (state == DuckDBError) {
    std::string msg = "duckdb: cannot open " + (path.empty() ? std::string(":memory:") : path) +
                      ": " + (error ? error : "unknown error");
    duckdb_free(error);
    return Unavailable(std::move(msg));
  }
  return Database(db);
}

Database& Database::operator=(Database&& other) noexcept {
  if (this != &other) {
    if (db_ != nullptr) duckdb_close(&db_);
    db_ = std::exchange(other.db_, nullptr);
  }
  return *this;
}

Database::~Database() {
  if (db_ != nullptr) duckdb_close(&db_);
}

// ---- Connection

Result<Connection> Connection::Open(const Database& db) {
  duckdb_connection conn = nullptr;
  if (db.get() == nullptr || duckdb_connect(db.get(), &conn) == DuckDBError) {
    return Unavailable("duckdb: cannot connect");
  }
  return Connection(conn);
}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    if (conn_ != nullptr) duckdb_disconnect(&conn_);
    conn_ = std::exchange(other.conn_, nullptr);
  }
  return *this;
}

Connection::~Connection() {
  if (conn_ != nullptr) duckdb_disconnect(&conn_);
}

Status Connection::Execute(const std::string& sql) {
  ResultGuard g;
  if (duckdb_query(conn_, sql.c_str(), &g.res) == DuckDBError) return QueryError(&g.res, "duckdb");
  return Status::Ok();
}

Result<Rows> Connection::Query(const std::string& sql, size_t max_rows) {
  ExtractedGuard ext;
  const idx_t n = duckdb_extract_statements(conn_, sql.c_str(), &ext.ext);
  if (n == 0) {
    const char* err = ext.ext ? duckdb_extract_statements_error(ext.ext) : nullptr;
    return InvalidArgument(std::string("query failed: ") + (err ? err : "no statement"));
  }
  for (idx_t i = 0; i < n; ++i) {
    duckdb_prepared_statement raw = nullptr;
    const duckdb_state prepared = duckdb_prepare_extracted_statement(conn_, ext.ext, i, &raw);
    Prepared stmt(raw);
    if (prepared == DuckDBError) {
      const char* err = raw ? duckdb_prepare_error(raw) : nullptr;
      return InvalidArgument(std::string("query failed: ") + (err ? err : "cannot prepare"));
    }
    if (i + 1 < n) {
      SIGNX_RETURN_IF_ERROR(stmt.Execute(0).status());
      continue;
    }
    // The last statement's rows are returned. Columns the accessor cannot render are cast to
    // VARCHAR by DuckDB itself, which needs the statement as text: possible for a single SELECT.
    const idx_t ncols = duckdb_prepared_statement_column_count(raw);
    std::vector<std::string> types;
    bool renderable = true;
    for (idx_t c = 0; c < ncols; ++c) {
      const duckdb_type t = duckdb_prepared_statement_column_type(raw, c);
      types.push_back(TypeName(t));
      renderable = renderable && AccessorRenders(t);
    }
    if (renderable || n != 1 ||
        duckdb_prepared_statement_type(raw) != DUCKDB_STATEMENT_TYPE_SELECT) {
      return stmt.Execute(max_rows);
    }
    std::string_view text = sql;
    while (!text.empty() &&
           (text.back() == ';' || std::isspace(static_cast<unsigned char>(text.back())))) {
      text.remove_suffix(1);
    }
    ResultGuard g;
    const std::string wrapped =
        "SELECT CAST(COLUMNS(*) AS VARCHAR) FROM query(" + QuoteString(text) + ")";
    if (duckdb_query(conn_, wrapped.c_str(), &g.res) == DuckDBError) {
      return InvalidArgument(std::string(QueryError(&g.res, "query failed").message()));
    }
    return ToRows(&g.res, max_rows, &types);
  }
  return InvalidArgument("query failed: no statement");
}

// ---- Prepared

Result<Prepared> Prepared::Create(Connection& conn, const std::string& sql) {
  duckdb_prepared_statement stmt = nullptr;
  if (duckdb_prepare(conn.get(), sql.c_str(), &stmt) == DuckDBError) {
    const char* err = stmt ? duckdb_prepare_error(stmt) : nullptr;
    std::string msg = std::string("duckdb: prepare failed: ") + (err ? err : "unknown error");
    duckdb_destroy_prepare(&stmt);
    return InvalidArgument(std::move(msg));
  }
  return Prepared(stmt);
}

Prepared& Prepared::operator=(Prepared&& other) noexcept {
  if (this != &other) {
    if (stmt_ != nullptr) duckdb_destroy_prepare(&stmt_);
    stmt_ = std::exchange(other.stmt_, nullptr);
  }
  return *this;
}

Prepared::~Prepared() {
  if (stmt_ != nullptr) duckdb_destroy_prepare(&stmt_);
}

Status Prepared::BindResult(duckdb_state state, size_t index) {
  if (state == DuckDBError) {
    return InvalidArgument("duckdb: cannot bind parameter " + std::to_string(index));
  }
  return Status::Ok();
}

Status Prepared::BindNull(size_t index) {
  return BindResult(duckdb_bind_null(stmt_, index), index);
}
Status Prepared::Bind(size_t index, bool v) {
  return BindResult(duckdb_bind_boolean(stmt_, index, v), index);
}
Status Prepared::Bind(size_t index, int64_t v) {
  return BindResult(duckdb_bind_int64(stmt_, index, v), index);
}
Status Prepared::Bind(size_t index, double v) {
  return BindResult(duckdb_bind_double(stmt_, index, v), index);
}
Status Prepared::Bind(size_t index, std::string_view v) {
  return BindResult(duckdb_bind_varchar_length(stmt_, index, v.data(), v.size()), index);
}
Status Prepared::Bind(size_t index, Timestamp v) {
  return BindResult(duckdb_bind_timestamp(stmt_, index, duckdb_timestamp{UnixMicros(v)}), index);
}

Result<Rows> Prepared::Execute(size_t max_rows) {
  ResultGuard g;
  if (duckdb_execute_prepared(stmt_, &g.res) == DuckDBError) {
    return InvalidArgument(std::string(QueryError(&g.res, "execute failed").message()));
  }
  return ToRows(&g.res, max_rows);
}

// ---- ScanFunction

namespace {

ScanFunction* ScanOf(void* extra) { return static_cast<ScanFunction*>(extra); }

void ScanBind(duckdb_bind_info info) {
  ScanSource* source = ScanOf(duckdb_bind_get_extra_info(info))->source();
  if (source == nullptr) {
    duckdb_bind_set_error(info, "no rows are installed for this scan");
    return;
  }
  for (const ScanSource::ColumnSpec& c : source->Columns()) {
    duckdb_logical_type type = duckdb_create_logical_type(c.type);
    duckdb_bind_add_result_column(info, c.name.c_str(), type);
    duckdb_destroy_logical_type(&type);
  }
}

void ScanInit(duckdb_init_info info) { duckdb_init_set_max_threads(info, 1); }

void ScanRows(duckdb_function_info info, duckdb_data_chunk out) {
  ScanSource* source = ScanOf(duckdb_function_get_extra_info(info))->source();
  if (source == nullptr) {
    duckdb_function_set_error(info, "the rows of this scan were removed while it ran");
    return;
  }
  duckdb_data_chunk_set_size(out, source->Fill(out));
}

}  // namespace

Result<std::unique_ptr<ScanFunction>> ScanFunction::Register(Connection& conn,
                                                             const std::string& name) {
  std::unique_ptr<ScanFunction> fn(new ScanFunction());
  duckdb_table_function tf = duckdb_create_table_function();
  duckdb_table_function_set_name(tf, name.c_str());
  duckdb_table_function_set_extra_info(tf, fn.get(), nullptr);
  duckdb_table_function_set_bind(tf, ScanBind);
  duckdb_table_function_set_init(tf, ScanInit);
  duckdb_table_function_set_function(tf, ScanRows);
  const duckdb_state state = duckdb_register_table_function(conn.get(), tf);
  duckdb_destroy_table_function(&tf);
  if (state == DuckDBError) return Internal("duckdb: cannot register table function " + name);
  return fn;
}

void SetNull(duckdb_vector vector, size_t row) {
  duckdb_vector_ensure_validity_writable(vector);
  duckdb_validity_set_row_invalid(duckdb_vector_get_validity(vector), row);
}

void SetString(duckdb_vector vector, size_t row, std::string_view value) {
  duckdb_vector_assign_string_element_len(vector, row, value.data(), value.size());
}

}  // namespace signx::lake::duck
