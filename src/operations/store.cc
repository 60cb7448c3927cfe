#include "operations/store.h"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

#include "base/id.h"
#include "http/json.h"

namespace signx::operations {
namespace {

using storage::Json;
using storage::Param;
using storage::Params;

constexpr std::string_view kItemColumns =
    "id, org_id, sku, name, unit, category, lead_time_days, reorder_point, safety_stock, "
    "cost_cents, version, created_at, updated_at";
constexpr std::string_view kProcessColumns =
    "id, org_id, code, name, item_id, steps, standard_hours, version, created_at, updated_at";
constexpr std::string_view kSnapshotColumns =
    "id, item_id, on_hand, on_order, allocated, at, source, batch_id";
constexpr std::string_view kBatchColumns =
    "id, org_id, source, entity, format, filename, checksum, size_bytes, partial, status, "
    "row_count, applied_rows, rejected_rows, error_count, changes, message, job_id, replays, "
    "created_by, created_at, updated_at, completed_at";

Result<Process> ProcessFrom(const storage::Row& r) {
  Process p;
  p.id = r.Text(0);
  p.org_id = r.Text(1);
  p.code = r.Text(2);
  p.name = r.Text(3);
  p.item_id = r.OptText(4);
  SIGNX_ASSIGN_OR_RETURN(p.steps, StepsFromJsonText(r.Text(5)));
  p.standard_hours = r.Double(6);
  p.version = r.Int(7);
  p.created_at = r.Time(8);
  p.updated_at = r.Time(9);
  return p;
}

Snapshot SnapshotFrom(const storage::Row& r) {
  return {.id = r.Text(0),
          .item_id = r.Text(1),
          .on_hand = r.Double(2),
          .on_order = r.Double(3),
          .allocated = r.Double(4),
          .at = r.Time(5),
          .source = r.Text(6),
          .batch_id = r.OptText(7)};
}

Batch BatchFrom(const storage::Row& r) {
  Batch b;
  b.id = r.Text(0);
  b.org_id = r.Text(1);
  b.source = r.Text(2);
  b.entity = ParseEntity(r.Text(3)).value_or(Entity::kItems);
  b.format = ParseFormat(r.Text(4)).value_or(Format::kCsv);
  b.filename = r.OptText(5);
  b.checksum = r.Text(6);
  b.size_bytes = r.Int(7);
  b.partial = r.Bool(8);
  b.status = r.Text(9);
  b.row_count = r.Int(10);
  b.applied_rows = r.Int(11);
  b.rejected_rows = r.Int(12);
  b.error_count = r.Int(13);
  b.changes = r.Int(14);
  b.message = r.OptText(15);
  b.job_id = r.OptText(16);
  b.replays = r.Int(17);
  b.created_by = r.OptText(18);
  b.created_at = r.Time(19);
  b.updated_at = r.Time(20);
  b.completed_at = r.OptTime(21);
  return b;
}

std::string StepsText(const std::vector<ProcessStep>& steps) {
  return http::ToJsonText(StepsJson(steps));
}

}  // namespace

// ---- items ----

Result<Item> OpsStore::ItemFromRow(const storage::Row& r) {
  Item i;
  i.id = r.Text(0);
  i.org_id = r.Text(1);
  i.sku = r.Text(2);
  i.name = r.Text(3);
  i.unit = r.Text(4);
  i.category = r.OptText(5);
  i.lead_time_days = r.Int(6);
  i.reorder_point = r.Double(7);
  i.safety_stock = r.Double(8);
  i.cost_cents = r.Int(9);
  i.version = r.Int(10);
  i.created_at = r.Time(11);
  i.updated_at = r.Time(12);
  return i;
}

Result<Item> OpsStore::GetItem(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM manufacturing_items WHERE org_id = $1 "
                                          "AND id = $2",
                                          kItemColumns),
                              {org_, id}));
  if (!row) return NotFound(fmt::format("item {} does not exist", id));
  return ItemFromRow(*row);
}

Result<std::optional<Item>> OpsStore::FindItemBySku(std::string_view sku) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM manufacturing_items WHERE org_id = $1 "
                                          "AND sku = $2",
                                          kItemColumns),
                              {org_, sku}));
  if (!row) return std::optional<Item>();
  SIGNX_ASSIGN_OR_RETURN(Item i, ItemFromRow(*row));
  return std::optional<Item>(std::move(i));
}

Result<Page<Item>> OpsStore::ListItems(const ItemQuery& q) {
  std::string sql =
      fmt::format("SELECT {} FROM manufacturing_items WHERE org_id = $1", kItemColumns);
  Params params{org_};
  if (!q.cursor.empty()) {
    params.emplace_back(q.cursor);
    sql += fmt::format(" AND sku > ${}", params.size());
  }
  if (q.q) {
    // Prefix match without LIKE's wildcards: [q, q + U+FFFF).
    params.emplace_back(*q.q);
    const std::size_t a = params.size();
    params.emplace_back(*q.q + "\xef\xbf\xbf");
    sql += fmt::format(" AND ((sku >= ${0} AND sku < ${1}) OR (name >= ${0} AND name < ${1}))", a,
                       a + 1);
  }
  if (q.category) {
    params.emplace_back(*q.category);
    sql += fmt::format(" AND category = ${}", params.size());
  }
  sql += fmt::format(" ORDER BY sku LIMIT {}", q.limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<Item> items;
  for (const auto& r : rs.rows) {
    SIGNX_ASSIGN_OR_RETURN(Item i, ItemFromRow(r));
    items.push_back(std::move(i));
  }
  return TrimPage(std::move(items), q.limit, [](const Item& i) { return i.sku; });
}

Result<std::vector<Item>> OpsStore::ItemsAfter(std::string_view after, int limit) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query(fmt::format("SELECT {} FROM manufacturing_items WHERE org_id = $1 AND "
                                      "id > $2 ORDER BY id LIMIT {}",
                                      kItemColumns, limit),
                          {org_, after}));
  std::vector<Item> out;
  for (const auto& r : rs.rows) {
    SIGNX_ASSIGN_OR_RETURN(Item i, ItemFromRow(r));
    out.push_back(std::move(i));
  }
  return out;
}

Result<Item> OpsStore::InsertItem(Item item) {
  item.id = NewId("itm", clock_);
  item.org_id = org_;
  item.version = 1;
  item.created_at = item.updated_at = clock_.Now();
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec("INSERT INTO manufacturing_items (id, org_id, sku, name, unit, category, "
                "lead_time_days, reorder_point, safety_stock, cost_cents, version, created_at, "
                "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11, $11)",
                {item.id, org_, item.sku, item.name, item.unit, item.category, item.lead_time_days,
                 item.reorder_point, item.safety_stock, item.cost_cents, item.created_at})
          .status());
  return item;
}

Result<Item> OpsStore::UpdateItem(Item item, int64_t expected_version) {
  item.updated_at = clock_.Now();
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n,
      txn_.Exec(
          "UPDATE manufacturing_items SET sku = $1, name = $2, unit = $3, category = $4, "
          "lead_time_days = $5, reorder_point = $6, safety_stock = $7, cost_cents = $8, "
          "version = version + 1, updated_at = $9 WHERE org_id = $10 AND id = $11 AND "
          "version = $12",
          {item.sku, item.name, item.unit, item.category, item.lead_time_days, item.reorder_point,
           item.safety_stock, item.cost_cents, item.updated_at, org_, item.id, expected_version}));
  if (n == 0) {
    SIGNX_RETURN_IF_ERROR(GetItem(item.id).status());
    return Status(ErrorCode::kPreconditionFailed,
                  fmt::format("item {} changed since version {}", item.id, expected_version));
  }
  item.version = expected_version + 1;
  return item;
}

// ---- external ids ----

Result<std::optional<std::string>> OpsStore::FindMapped(std::string_view source,
                                                        std::string_view entity,
                                                        std::string_view external_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne("SELECT internal_id FROM external_id_mappings WHERE org_id = $1 AND "
                              "source_system = $2 AND entity = $3 AND external_id = $4",
                              {org_, source, entity, external_id}));
  if (!row) return std::optional<std::string>();
  return std::optional<std::string>(row->Text(0));
}

Result<bool> OpsStore::AddMapping(std::string_view source, std::string_view entity,
                                  std::string_view external_id, std::string_view internal_id) {
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n,
      txn_.Exec("INSERT INTO external_id_mappings (org_id, source_system, entity, external_id, "
                "internal_id, created_at) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING",
                {org_, source, entity, external_id, internal_id, clock_.Now()}));
  return n > 0;
}

Result<std::vector<std::pair<std::string, std::string>>> OpsStore::MappingsOf(
    std::string_view internal_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query("SELECT source_system, external_id FROM external_id_mappings WHERE "
                          "org_id = $1 AND internal_id = $2 ORDER BY source_system, external_id "
                          "LIMIT 100",
                          {org_, internal_id}));
  std::vector<std::pair<std::string, std::string>> out;
  for (const auto& r : rs.rows) out.emplace_back(r.Text(0), r.Text(1));
  return out;
}

// ---- processes ----

Result<Process> OpsStore::GetProcess(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn_.QueryOne(fmt::format("SELECT {} FROM manufacturing_processes WHERE org_id = $1 AND "
                                "id = $2",
                                kProcessColumns),
                    {org_, id}));
  if (!row) return NotFound(fmt::format("process {} does not exist", id));
  return ProcessFrom(*row);
}

Result<std::optional<Process>> OpsStore::FindProcessByCode(std::string_view code) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn_.QueryOne(fmt::format("SELECT {} FROM manufacturing_processes WHERE org_id = $1 AND "
                                "code = $2",
                                kProcessColumns),
                    {org_, code}));
  if (!row) return std::optional<Process>();
  SIGNX_ASSIGN_OR_RETURN(Process p, ProcessFrom(*row));
  return std::optional<Process>(std::move(p));
}

Result<Page<Process>> OpsStore::ListProcesses(const ListQuery& q,
                                              const std::optional<std::string>& item_id) {
  std::string sql =
      fmt::format("SELECT {} FROM manufacturing_processes WHERE org_id = $1", kProcessColumns);
  Params params{org_};
  if (!q.cursor.empty()) {
    params.emplace_back(q.cursor);
    sql += fmt::format(" AND id < ${}", params.size());
  }
  if (item_id) {
    params.emplace_back(*item_id);
    sql += fmt::format(" AND item_id = ${}", params.size());
  }
  sql += fmt::format(" ORDER BY id DESC LIMIT {}", q.limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<Process> out;
  for (const auto& r : rs.rows) {
    SIGNX_ASSIGN_OR_RETURN(Process p, ProcessFrom(r));
    out.push_back(std::move(p));
  }
  return TrimPage(std::move(out), q.limit, [](const Process& p) { return p.id; });
}

Result<Process> OpsStore::InsertProcess(Process p) {
  p.id = NewId("prc", clock_);
  p.org_id = org_;
  p.version = 1;
  p.created_at = p.updated_at = clock_.Now();
  if (p.name.empty()) p.name = p.code;
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec("INSERT INTO manufacturing_processes (id, org_id, code, name, item_id, steps, "
                "standard_hours, version, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, "
                "$7, 1, $8, $8)",
                {p.id, org_, p.code, p.name, p.item_id, Json{StepsText(p.steps)}, p.standard_hours,
                 p.created_at})
          .status());
  return p;
}

Result<Process> OpsStore::UpdateProcess(Process p, int64_t expected_version) {
  p.updated_at = clock_.Now();
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n,
      txn_.Exec(
          "UPDATE manufacturing_processes SET code = $1, name = $2, item_id = $3, steps = $4, "
          "standard_hours = $5, version = version + 1, updated_at = $6 WHERE org_id = $7 "
          "AND id = $8 AND version = $9",
          {p.code, p.name, p.item_id, Json{StepsText(p.steps)}, p.standard_hours, p.updated_at,
           org_, p.id, expected_version}));
  if (n == 0) {
    SIGNX_RETURN_IF_ERROR(GetProcess(p.id).status());
    return Status(ErrorCode::kPreconditionFailed,
                  fmt::format("process {} changed since version {}", p.id, expected_version));
  }
  p.version = expected_version + 1;
  return p;
}

// ---- stock ----

Result<bool> OpsStore::InsertSnapshot(Snapshot& s, std::optional<int64_t> batch_row) {
  s.id = NewId("inv", clock_);
  SIGNX_ASSIGN_OR_RETURN(
      int64_t n,
      txn_.Exec("INSERT INTO inventory_snapshots (id, org_id, item_id, on_hand, on_order, "
                "allocated, at, source, batch_id, batch_row, created_at) VALUES ($1, $2, $3, $4, "
                "$5, $6, $7, $8, $9, $10, $11) ON CONFLICT DO NOTHING",
                {s.id, org_, s.item_id, s.on_hand, s.on_order, s.allocated, s.at, s.source,
                 s.batch_id, batch_row, clock_.Now()}));
  return n > 0;
}

Result<Page<Snapshot>> OpsStore::ListSnapshots(std::string_view item_id, const ListQuery& q) {
  std::string sql = fmt::format(
      "SELECT {} FROM inventory_snapshots WHERE org_id = $1 AND item_id = $2", kSnapshotColumns);
  Params params{org_, item_id};
  if (!q.cursor.empty()) {
    params.emplace_back(q.cursor);
    sql += fmt::format(" AND id < ${}", params.size());
  }
  sql += fmt::format(" ORDER BY id DESC LIMIT {}", q.limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<Snapshot> out;
  for (const auto& r : rs.rows) out.push_back(SnapshotFrom(r));
  return TrimPage(std::move(out), q.limit, [](const Snapshot& s) { return s.id; });
}

Result<Stock> OpsStore::StockOf(std::string_view item_id) {
  Stock st;
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn_.QueryOne(fmt::format("SELECT {} FROM inventory_snapshots WHERE org_id = $1 AND "
                                "item_id = $2 ORDER BY at DESC, id DESC LIMIT 1",
                                kSnapshotColumns),
                    {org_, item_id}));
  int64_t after = std::numeric_limits<int64_t>::min();
  if (row) {
    st.snapshot = SnapshotFrom(*row);
    st.on_hand = st.snapshot->on_hand;
    st.on_order = st.snapshot->on_order;
    st.allocated = st.snapshot->allocated;
    after = UnixMicros(st.snapshot->at);
  }
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query("SELECT kind, COALESCE(SUM(quantity), 0) FROM inventory_movements WHERE "
                          "org_id = $1 AND item_id = $2 AND at > $3 GROUP BY kind",
                          {org_, item_id, after}));
  for (const auto& r : rs.rows) {
    (r.Text(0) == "receipt" ? st.received_since : st.consumed_since) = r.Double(1);
  }
  st.on_hand += st.received_since - st.consumed_since;
  st.on_order = std::max(0.0, st.on_order - st.received_since);
  return st;
}

Result<std::vector<std::string>> OpsStore::InsertMovements(
    std::string_view batch_id, const std::vector<MovementInsert>& rows) {
  std::vector<std::string> inserted;
  if (rows.empty()) return inserted;
  std::string sql =
      "INSERT INTO inventory_movements (id, org_id, item_id, kind, quantity, at, day, batch_id, "
      "batch_row, created_at) VALUES ";
  Params params{org_, batch_id, clock_.Now()};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::size_t b = params.size();
    sql += fmt::format("{}(${}, $1, ${}, ${}, ${}, ${}, ${}, $2, ${}, $3)", i ? ", " : "", b + 1,
                       b + 2, b + 3, b + 4, b + 5, b + 6, b + 7);
    params.emplace_back(r.id);
    params.emplace_back(r.item_id);
    params.emplace_back(r.kind);
    params.emplace_back(r.quantity);
    params.emplace_back(r.at);
    params.emplace_back(DayOf(r.at));
    params.emplace_back(r.batch_row);
  }
  sql += " ON CONFLICT DO NOTHING RETURNING id";
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  for (const auto& row : rs.rows) inserted.push_back(row.Text(0));
  return inserted;
}

Result<std::vector<std::string>> OpsStore::InsertSnapshots(
    const std::vector<std::pair<Snapshot, int64_t>>& rows) {
  std::vector<std::string> inserted;
  if (rows.empty()) return inserted;
  std::string sql =
      "INSERT INTO inventory_snapshots (id, org_id, item_id, on_hand, on_order, allocated, at, "
      "source, batch_id, batch_row, created_at) VALUES ";
  Params params{org_, clock_.Now()};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& [s, batch_row] = rows[i];
    const std::size_t b = params.size();
    sql += fmt::format("{}(${}, $1, ${}, ${}, ${}, ${}, ${}, ${}, ${}, ${}, $2)", i ? ", " : "",
                       b + 1, b + 2, b + 3, b + 4, b + 5, b + 6, b + 7, b + 8, b + 9);
    params.emplace_back(s.id);
    params.emplace_back(s.item_id);
    params.emplace_back(s.on_hand);
    params.emplace_back(s.on_order);
    params.emplace_back(s.allocated);
    params.emplace_back(s.at);
    params.emplace_back(s.source);
    params.emplace_back(s.batch_id);
    params.emplace_back(batch_row);
  }
  sql += " ON CONFLICT DO NOTHING RETURNING id";
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  for (const auto& row : rs.rows) inserted.push_back(row.Text(0));
  return inserted;
}

Result<std::vector<DayQuantity>> OpsStore::DailyDemand(std::string_view item_id,
                                                       std::string_view from_day,
                                                       std::string_view to_day) {
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query("SELECT day, SUM(quantity) FROM inventory_movements WHERE org_id = $1 "
                          "AND item_id = $2 AND kind = 'consumption' AND day >= $3 AND day <= $4 "
                          "GROUP BY day ORDER BY day",
                          {org_, item_id, from_day, to_day}));
  std::vector<DayQuantity> out;
  for (const auto& r : rs.rows) out.push_back({r.Text(0), r.Double(1)});
  return out;
}

Result<std::optional<std::string>> OpsStore::FirstDemandDay(std::string_view item_id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne("SELECT MIN(day) FROM inventory_movements WHERE org_id = $1 AND "
                              "item_id = $2 AND kind = 'consumption'",
                              {org_, item_id}));
  if (!row || row->IsNull(0)) return std::optional<std::string>();
  return std::optional<std::string>(row->Text(0));
}

// ---- audit ----

Status OpsStore::AppendAudit(std::string_view entity, std::string_view entity_id,
                             std::string_view action, const std::optional<std::string>& before_json,
                             const std::optional<std::string>& after_json,
                             const std::optional<std::string>& batch_id, std::string_view actor) {
  std::optional<Json> before, after;
  if (before_json) before = Json{*before_json};
  if (after_json) after = Json{*after_json};
  return txn_
      .Exec(
          "INSERT INTO prim_master_audits (id, org_id, entity, entity_id, action, before_json, "
          "after_json, batch_id, actor, at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
          {NewId("pma", clock_), org_, entity, entity_id, action, before, after, batch_id, actor,
           clock_.Now()})
      .status();
}

Status OpsStore::AppendCreateAudits(const std::vector<AuditInsert>& rows,
                                    const std::string& batch_id, std::string_view actor) {
  if (rows.empty()) return Status::Ok();
  std::string sql =
      "INSERT INTO prim_master_audits (id, org_id, entity, entity_id, action, before_json, "
      "after_json, batch_id, actor, at) VALUES ";
  Params params{org_, batch_id, actor, clock_.Now()};
  for (std::size_t i = 0; i < rows.size(); ++i) {
    const auto& r = rows[i];
    const std::size_t b = params.size();
    sql += fmt::format("{}(${}, $1, ${}, ${}, 'create', NULL, ${}, $2, $3, $4)", i ? ", " : "",
                       b + 1, b + 2, b + 3, b + 4);
    params.emplace_back(NewId("pma", clock_));
    params.emplace_back(r.entity);
    params.emplace_back(r.entity_id);
    std::optional<Json> after;
    if (r.after_json) after = Json{*r.after_json};
    params.emplace_back(after);
  }
  return txn_.Exec(sql, params).status();
}

Result<Page<Audit>> OpsStore::ListAudits(
    const std::optional<std::pair<std::string, std::string>>& subject,
    const std::optional<std::string>& batch_id, const ListQuery& q) {
  std::string sql =
      "SELECT id, entity, entity_id, action, before_json, after_json, batch_id, actor, at FROM "
      "prim_master_audits WHERE org_id = $1";
  Params params{org_};
  if (subject) {
    params.emplace_back(subject->first);
    params.emplace_back(subject->second);
    sql += fmt::format(" AND entity = ${} AND entity_id = ${}", params.size() - 1, params.size());
  }
  if (batch_id) {
    params.emplace_back(*batch_id);
    sql += fmt::format(" AND batch_id = ${}", params.size());
  }
  if (!q.cursor.empty()) {
    params.emplace_back(q.cursor);
    sql += fmt::format(" AND id < ${}", params.size());
  }
  sql += fmt::format(" ORDER BY id DESC LIMIT {}", q.limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<Audit> out;
  for (const auto& r : rs.rows) {
    out.push_back({.id = r.Text(0),
                   .entity = r.Text(1),
                   .entity_id = r.Text(2),
                   .action = r.Text(3),
                   .before_json = r.OptText(4),
                   .after_json = r.OptText(5),
                   .batch_id = r.OptText(6),
                   .actor = r.Text(7),
                   .at = r.Time(8)});
  }
  return TrimPage(std::move(out), q.limit, [](const Audit& a) { return a.id; });
}

// ---- batches ----

Result<Batch> OpsStore::InsertBatch(Batch b) {
  b.id = NewId("bat", clock_);
  b.org_id = org_;
  b.created_at = b.updated_at = clock_.Now();
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec(
              "INSERT INTO raw_data_batches (id, org_id, source, entity, format, filename, "
              "checksum, size_bytes, partial, status, job_id, created_by, created_at, "
              "updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13)",
              {b.id, org_, b.source, EntityName(b.entity), FormatName(b.format), b.filename,
               b.checksum, b.size_bytes, b.partial, b.status, b.job_id, b.created_by, b.created_at})
          .status());
  return b;
}

Result<Batch> OpsStore::GetBatch(std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM raw_data_batches WHERE org_id = $1 AND "
                                          "id = $2",
                                          kBatchColumns),
                              {org_, id}));
  if (!row) return NotFound(fmt::format("batch {} does not exist", id));
  return BatchFrom(*row);
}

Result<std::optional<Batch>> OpsStore::FindBatchByChecksum(std::string_view checksum) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn_.QueryOne(fmt::format("SELECT {} FROM raw_data_batches WHERE org_id = $1 AND "
                                          "checksum = $2",
                                          kBatchColumns),
                              {org_, checksum}));
  if (!row) return std::optional<Batch>();
  return std::optional<Batch>(BatchFrom(*row));
}

Result<Page<Batch>> OpsStore::ListBatches(const BatchQuery& q) {
  std::string sql = fmt::format("SELECT {} FROM raw_data_batches WHERE org_id = $1", kBatchColumns);
  Params params{org_};
  if (q.status) {
    params.emplace_back(*q.status);
    sql += fmt::format(" AND status = ${}", params.size());
  }
  if (q.entity) {
    params.emplace_back(EntityName(*q.entity));
    sql += fmt::format(" AND entity = ${}", params.size());
  }
  if (!q.cursor.empty()) {
    params.emplace_back(q.cursor);
    sql += fmt::format(" AND id < ${}", params.size());
  }
  sql += fmt::format(" ORDER BY id DESC LIMIT {}", q.limit + 1);
  SIGNX_ASSIGN_OR_RETURN(auto rs, txn_.Query(sql, params));
  std::vector<Batch> out;
  for (const auto& r : rs.rows) out.push_back(BatchFrom(r));
  return TrimPage(std::move(out), q.limit, [](const Batch& b) { return b.id; });
}

Status OpsStore::SaveBatch(const Batch& b) {
  return txn_
      .Exec(
          "UPDATE raw_data_batches SET status = $1, row_count = $2, applied_rows = $3, "
          "rejected_rows = $4, error_count = $5, changes = $6, message = $7, job_id = $8, "
          "replays = $9, completed_at = $10, updated_at = $11 WHERE org_id = $12 AND id = $13",
          {b.status, b.row_count, b.applied_rows, b.rejected_rows, b.error_count, b.changes,
           b.message, b.job_id, b.replays, b.completed_at, clock_.Now(), org_, b.id})
      .status();
}

Status OpsStore::ReplaceErrors(std::string_view batch_id, const std::vector<RowError>& errors) {
  SIGNX_RETURN_IF_ERROR(
      txn_.Exec("DELETE FROM raw_data_batch_errors WHERE batch_id = $1", {batch_id}).status());
  int64_t seq = 0;
  for (const auto& e : errors) {
    SIGNX_RETURN_IF_ERROR(txn_.Exec("INSERT INTO raw_data_batch_errors (batch_id, seq, row_number, "
                                    "field, rule) VALUES ($1, $2, $3, $4, $5)",
                                    {batch_id, ++seq, e.row, e.field, e.rule})
                              .status());
  }
  return Status::Ok();
}

Result<Page<RowError>> OpsStore::ListErrors(std::string_view batch_id, int limit,
                                            int64_t after_seq) {
  // The batch must be this org's (errors carry no org of their own).
  SIGNX_RETURN_IF_ERROR(GetBatch(batch_id).status());
  SIGNX_ASSIGN_OR_RETURN(
      auto rs, txn_.Query(fmt::format("SELECT seq, row_number, field, rule FROM "
                                      "raw_data_batch_errors WHERE batch_id = $1 AND seq > $2 "
                                      "ORDER BY seq LIMIT {}",
                                      limit + 1),
                          {batch_id, after_seq}));
  std::vector<std::pair<int64_t, RowError>> rows;
  for (const auto& r : rs.rows) {
    rows.push_back({r.Int(0), {.row = r.Int(1), .field = r.Text(2), .rule = r.Text(3)}});
  }
  auto page =
      TrimPage(std::move(rows), limit, [](const auto& p) { return std::to_string(p.first); });
  Page<RowError> out;
  out.next_cursor = page.next_cursor;
  for (auto& [seq, e] : page.items) out.items.push_back(std::move(e));
  return out;
}

}  // namespace signx::operations
