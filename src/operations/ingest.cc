#include "operations/ingest.h"

#include <fmt/format.h>

#include <boost/json.hpp>
#include <fstream>
#include <set>
#include <unordered_map>

#include "base/id.h"
#include "base/strings.h"
#include "csv/reader.h"
#include "events/event_types.h"
#include "http/json.h"
#include "operations/store.h"

namespace signx::operations {
namespace {

namespace json = boost::json;

std::string JsonText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "";
  return json::serialize(v);
}

RawRow RowOf(const json::object& o) {
  RawRow row;
  row.reserve(o.size());
  for (const auto& [k, v] : o) row.emplace_back(ToLower(Trim(k)), JsonText(v));
  return row;
}

int64_t FileSize(const std::filesystem::path& path) {
  std::error_code ec;
  const auto n = std::filesystem::file_size(path, ec);
  return ec ? 0 : static_cast<int64_t>(n);
}

class CsvSource final : public RowSource {
 public:
  static Result<std::unique_ptr<RowSource>> Open(const std::filesystem::path& path) {
    std::unique_ptr<CsvSource> s(new CsvSource(path));
    if (!s->in_) return NotFound("cannot open " + path.string());
    // The delimiter from the first line (up to 64 KB).
    std::string head(64 * 1024, '\0');
    s->in_.read(head.data(), static_cast<std::streamsize>(head.size()));
    head.resize(static_cast<std::size_t>(s->in_.gcount()));
    s->in_.clear();
    s->in_.seekg(0);
    csv::ReaderOptions o;
    o.delimiter = csv::DetectDelimiter(csv::StripBom(head));
    o.equal_width = false;  // a ragged row is that row's error, not the file's
    o.limits.max_records = 10'000'001;
    s->reader_ = std::make_unique<csv::Reader>(s->in_, o);
    std::vector<std::string> header;
    SIGNX_ASSIGN_OR_RETURN(bool any, s->reader_->Next(&header));
    if (!any) return InvalidArgument("the CSV file is empty (no header)");
    for (auto& h : header) s->header_.push_back(ToLower(Trim(h)));
    return std::unique_ptr<RowSource>(std::move(s));
  }

  Result<bool> Next(RawRow* row, int64_t* number, std::string* unreadable) override {
    SIGNX_ASSIGN_OR_RETURN(bool any, reader_->Next(&fields_));
    if (!any) return false;
    *number = static_cast<int64_t>(reader_->record_number()) - 1;
    unreadable->clear();
    row->clear();
    if (fields_.size() != header_.size()) {
      *unreadable = fmt::format("has {} fields, the header has {}", fields_.size(), header_.size());
      return true;
    }
    for (std::size_t i = 0; i < fields_.size(); ++i) row->emplace_back(header_[i], fields_[i]);
    return true;
  }

  double progress() const override {
    return size_ > 0 ? static_cast<double>(reader_->bytes_read()) / static_cast<double>(size_) : 1;
  }

 private:
  explicit CsvSource(const std::filesystem::path& path)
      : in_(path, std::ios::binary), size_(FileSize(path)) {}
  std::ifstream in_;
  int64_t size_;
  std::unique_ptr<csv::Reader> reader_;
  std::vector<std::string> header_;
  std::vector<std::string> fields_;
};

class NdjsonSource final : public RowSource {
 public:
  static Result<std::unique_ptr<RowSource>> Open(const std::filesystem::path& path) {
    std::unique_ptr<NdjsonSource> s(new NdjsonSource(path));
    if (!s->in_) return NotFound("cannot open " + path.string());
    return std::unique_ptr<RowSource>(std::move(s));
  }

  Result<bool> Next(RawRow* row, int64_t* number, std::string* unreadable) override {
    while (std::getline(in_, line_)) {
      read_ += static_cast<int64_t>(line_.size()) + 1;
      if (Trim(line_).empty()) continue;
      *number = ++rows_;
      unreadable->clear();
      row->clear();
      std::error_code ec;
      json::value v = json::parse(line_, ec);
      if (ec || !v.is_object()) {
        *unreadable = "not a JSON object";
      } else {
        *row = RowOf(v.get_object());
      }
      return true;
    }
    if (in_.bad()) return Internal("reading the batch file failed");
    return false;
  }

  double progress() const override {
    return size_ > 0 ? std::min(1.0, static_cast<double>(read_) / static_cast<double>(size_)) : 1;
  }

 private:
  explicit NdjsonSource(const std::filesystem::path& path)
      : in_(path, std::ios::binary), size_(FileSize(path)) {}
  std::ifstream in_;
  int64_t size_;
  int64_t read_ = 0;
  int64_t rows_ = 0;
  std::string line_;
};

// A JSON push: {"rows": [...]} or [...] (bounded by the route's body limit).
class JsonSource final : public RowSource {
 public:
  static Result<std::unique_ptr<RowSource>> Open(const std::filesystem::path& path) {
    SIGNX_ASSIGN_OR_RETURN(std::string text, csv::ReadFile(path.string()));
    std::error_code ec;
    json::value v = json::parse(text, ec);
    if (ec) return InvalidArgument("the JSON push is not valid JSON");
    std::unique_ptr<JsonSource> s(new JsonSource());
    if (v.is_array()) {
      s->rows_ = std::move(v.get_array());
    } else if (v.is_object() && v.get_object().contains("rows") &&
               v.get_object().at("rows").is_array()) {
      s->rows_ = std::move(v.get_object().at("rows").get_array());
    } else {
      return InvalidArgument("a JSON push is an array of rows or an object with \"rows\": [...]");
    }
    return std::unique_ptr<RowSource>(std::move(s));
  }

  Result<bool> Next(RawRow* row, int64_t* number, std::string* unreadable) override {
    if (next_ >= rows_.size()) return false;
    const json::value& v = rows_[next_++];
    *number = static_cast<int64_t>(next_);
    unreadable->clear();
    row->clear();
    if (!v.is_object()) {
      *unreadable = "not a JSON object";
    } else {
      *row = RowOf(v.get_object());
    }
    return true;
  }

  double progress() const override {
    return rows_.empty() ? 1 : static_cast<double>(next_) / static_cast<double>(rows_.size());
  }

 private:
  json::array rows_;
  std::size_t next_ = 0;
};

// sku / external id → item id, cached for the pass (bounded by the org's items).
class ItemResolver {
 public:
  ItemResolver(std::string org, std::string source)
      : org_(std::move(org)), source_(std::move(source)) {}

  // The item id, nullopt when no item matches. `query` runs one statement.
  template <typename Q>
  Result<std::optional<std::string>> Resolve(const ItemRef& ref, Q&& query) {
    if (ref.external_id) {
      auto it = by_ext_.find(*ref.external_id);
      if (it != by_ext_.end()) return it->second;
      SIGNX_ASSIGN_OR_RETURN(
          storage::ResultSet rs,
          query("SELECT internal_id FROM external_id_mappings WHERE org_id = $1 AND "
                "source_system = $2 AND entity = 'item' AND external_id = $3",
                storage::Params{org_, source_, *ref.external_id}));
      std::optional<std::string> id;
      if (!rs.rows.empty()) id = rs.rows[0].Text(0);
      by_ext_.emplace(*ref.external_id, id);
      return id;
    }
    auto it = by_sku_.find(*ref.sku);
    if (it != by_sku_.end()) return it->second;
    SIGNX_ASSIGN_OR_RETURN(
        storage::ResultSet rs,
        query("SELECT id FROM manufacturing_items WHERE org_id = $1 AND sku = $2",
              storage::Params{org_, *ref.sku}));
    std::optional<std::string> id;
    if (!rs.rows.empty()) id = rs.rows[0].Text(0);
    by_sku_.emplace(*ref.sku, id);
    return id;
  }

 private:
  const std::string org_;
  const std::string source_;
  std::unordered_map<std::string, std::optional<std::string>> by_sku_;
  std::unordered_map<std::string, std::optional<std::string>> by_ext_;
};

std::string ItemRefField(const ItemRef& ref) {
  return ref.external_id ? "item_external_id" : "sku";
}

bool SameItem(const Item& a, const Item& b) {
  return a.sku == b.sku && a.name == b.name && a.unit == b.unit && a.category == b.category &&
         a.lead_time_days == b.lead_time_days && a.reorder_point == b.reorder_point &&
         a.safety_stock == b.safety_stock && a.cost_cents == b.cost_cents;
}

std::string Text(const json::object& o) { return http::ToJsonText(o); }

// Collects errors: counts all, keeps the first kMaxStoredErrors.
struct ErrorLog {
  std::vector<RowError> kept;
  int64_t count = 0;
  void Add(RowError e) {
    ++count;
    if (kept.size() < static_cast<std::size_t>(kMaxStoredErrors)) kept.push_back(std::move(e));
  }
};

// A key that did not exist when this transaction looked was inserted by a concurrent one (two
// batches creating the same SKU): kAborted makes WithTxn run the whole apply again, which then
// finds and updates the row instead of rejecting the batch.
template <typename T>
Result<T> RetryOnRace(Result<T> r) {
  if (!r.ok() && r.status().code() == ErrorCode::kAlreadyExists) {
    return Status(ErrorCode::kAborted, "a concurrent batch inserted the same key; retrying");
  }
  return r;
}

// A row error raised while applying: aborts the transaction, rejects the batch.
struct ApplyAbort {
  RowError error;
};

class Applier {
 public:
  Applier(OpsStore& ops, const Batch& batch, std::string actor, const Clock& clock)
      : ops_(ops),
        batch_(batch),
        actor_(std::move(actor)),
        clock_(clock),
        resolver_(ops.org_id(), batch.source) {}

  int64_t changes() const { return changes_; }
  std::vector<std::string> consumed() const { return {consumed_.begin(), consumed_.end()}; }
  std::vector<std::string> updated() const { return {updated_.begin(), updated_.end()}; }
  const std::optional<ApplyAbort>& abort() const { return abort_; }

  // Writes the stock rows still buffered (call once after the last row).
  Status Finish(int64_t last_row) {
    Status st = Flush();
    if (!st.ok() && !abort_ && st.code() == ErrorCode::kConflict) {
      abort_ = ApplyAbort{{last_row, "", std::string(st.message())}};
    }
    return st;
  }

  // Applies one valid row. A data conflict sets abort() and returns its status.
  Status Apply(const RawRow& row, int64_t n) {
    Status st = ApplyRow(row, n);
    if (!st.ok() && !abort_) {
      switch (st.code()) {
        case ErrorCode::kAlreadyExists:
        case ErrorCode::kConflict:
        case ErrorCode::kNotFound:
        case ErrorCode::kPreconditionFailed:
        case ErrorCode::kFailedPrecondition:
          abort_ = ApplyAbort{{n, "", std::string(st.message())}};
          break;
        default:
          break;
      }
    }
    return st;
  }

 private:
  Status Audit(std::string_view entity, std::string_view id, std::string_view action,
               const std::optional<std::string>& before, const std::optional<std::string>& after) {
    ++changes_;
    return ops_.AppendAudit(entity, id, action, before, after, batch_.id, actor_);
  }

  Result<std::string> ResolveItem(const ItemRef& ref, int64_t n) {
    SIGNX_ASSIGN_OR_RETURN(
        auto id, resolver_.Resolve(ref, [&](std::string_view sql, const storage::Params& p) {
          return ops_.txn().Query(sql, p);
        }));
    if (!id) {
      abort_ = ApplyAbort{{n, ItemRefField(ref), "no item with " + ref.Label()}};
      return FailedPrecondition("no item with " + ref.Label());
    }
    return *id;
  }

  Status ApplyRow(const RawRow& row, int64_t n) {
    std::vector<RowError> scratch;
    switch (batch_.entity) {
      case Entity::kItems:
        return ApplyItem(ItemFieldsFromRow(row, n, scratch));
      case Entity::kProcesses: {
        auto pr = ProcessRowFrom(row, n, scratch);
        if (!pr) return Internal("a validated process row no longer parses");
        return ApplyProcess(*pr, n);
      }
      case Entity::kInventory: {
        auto sr = SnapshotRowFrom(row, n, scratch);
        if (!sr) return Internal("a validated inventory row no longer parses");
        SIGNX_ASSIGN_OR_RETURN(std::string item_id, ResolveItem(sr->item, n));
        Snapshot s{.id = NewId("inv", clock_),
                   .item_id = item_id,
                   .on_hand = sr->on_hand,
                   .on_order = sr->on_order,
                   .allocated = sr->allocated,
                   .at = sr->at,
                   .source = batch_.source,
                   .batch_id = batch_.id};
        pending_audits_.emplace(s.id, Text(ToJson(s)));
        pending_snapshots_.emplace_back(std::move(s), n);
        return MaybeFlush();
      }
      case Entity::kReceipts:
      case Entity::kConsumption: {
        auto mr = MovementRowFrom(row, n, scratch);
        if (!mr) return Internal("a validated movement row no longer parses");
        SIGNX_ASSIGN_OR_RETURN(std::string item_id, ResolveItem(mr->item, n));
        const std::string kind = batch_.entity == Entity::kReceipts ? "receipt" : "consumption";
        const std::string id = NewId("mov", clock_);
        if (kind == "consumption") consumed_.insert(item_id);
        pending_audits_.emplace(id, Text(json::object{{"id", id},
                                                      {"item_id", item_id},
                                                      {"kind", kind},
                                                      {"quantity", mr->quantity},
                                                      {"at", FormatRfc3339(mr->at)}}));
        pending_movements_.push_back({.id = id,
                                      .item_id = item_id,
                                      .kind = kind,
                                      .quantity = mr->quantity,
                                      .at = mr->at,
                                      .batch_row = n});
        return MaybeFlush();
      }
    }
    return Internal("unknown entity");
  }

  // Stock rows are written kFlushRows at a time: one INSERT … RETURNING and one audit INSERT
  // instead of two statements a row (the round trips dominate on PostgreSQL).
  static constexpr std::size_t kFlushRows = 400;

  Status MaybeFlush() {
    if (pending_movements_.size() + pending_snapshots_.size() < kFlushRows) return Status::Ok();
    return Flush();
  }

  Status Flush() {
    std::vector<std::string> inserted;
    if (!pending_movements_.empty()) {
      SIGNX_ASSIGN_OR_RETURN(inserted, ops_.InsertMovements(batch_.id, pending_movements_));
    } else if (!pending_snapshots_.empty()) {
      SIGNX_ASSIGN_OR_RETURN(inserted, ops_.InsertSnapshots(pending_snapshots_));
    }
    const std::string entity = pending_movements_.empty() ? "inventory_snapshot" : "movement";
    std::vector<OpsStore::AuditInsert> audits;
    audits.reserve(inserted.size());
    for (auto& id : inserted) {
      auto it = pending_audits_.find(id);
      audits.push_back({.entity = entity,
                        .entity_id = id,
                        .after_json = it == pending_audits_.end()
                                          ? std::optional<std::string>()
                                          : std::optional<std::string>(std::move(it->second))});
    }
    SIGNX_RETURN_IF_ERROR(ops_.AppendCreateAudits(audits, batch_.id, actor_));
    changes_ += static_cast<int64_t>(audits.size());
    pending_movements_.clear();
    pending_snapshots_.clear();
    pending_audits_.clear();
    return Status::Ok();
  }

  Status ApplyItem(const ItemFields& f) {
    std::optional<Item> existing;
    if (f.external_id) {
      SIGNX_ASSIGN_OR_RETURN(auto mapped, ops_.FindMapped(batch_.source, "item", *f.external_id));
      if (mapped) {
        SIGNX_ASSIGN_OR_RETURN(Item i, ops_.GetItem(*mapped));
        existing = std::move(i);
      }
    }
    if (!existing) {
      SIGNX_ASSIGN_OR_RETURN(existing, ops_.FindItemBySku(*f.sku));
    }
    std::string item_id;
    if (existing) {
      Item updated = ApplyItemFields(*existing, f);
      item_id = existing->id;
      if (!SameItem(updated, *existing)) {
        SIGNX_ASSIGN_OR_RETURN(Item saved, ops_.UpdateItem(updated, existing->version));
        updated_.insert(saved.id);
        SIGNX_RETURN_IF_ERROR(
            Audit("item", saved.id, "update", Text(ToJson(*existing)), Text(ToJson(saved))));
      }
    } else {
      SIGNX_ASSIGN_OR_RETURN(Item created,
                             RetryOnRace(ops_.InsertItem(ApplyItemFields(Item{}, f))));
      item_id = created.id;
      SIGNX_RETURN_IF_ERROR(
          Audit("item", created.id, "create", std::nullopt, Text(ToJson(created))));
    }
    if (f.external_id) {
      SIGNX_ASSIGN_OR_RETURN(bool added,
                             ops_.AddMapping(batch_.source, "item", *f.external_id, item_id));
      if (added) {
        SIGNX_RETURN_IF_ERROR(Audit("external_id", item_id, "create", std::nullopt,
                                    Text(json::object{{"source_system", batch_.source},
                                                      {"entity", "item"},
                                                      {"external_id", *f.external_id},
                                                      {"internal_id", item_id}})));
      }
    }
    return Status::Ok();
  }

  Status ApplyProcess(const ProcessRow& pr, int64_t n) {
    std::optional<std::string> item_id;
    if (pr.item_sku) {
      SIGNX_ASSIGN_OR_RETURN(item_id, ResolveItem(ItemRef{.sku = pr.item_sku}, n));
    }
    SIGNX_ASSIGN_OR_RETURN(auto existing, ops_.FindProcessByCode(pr.code));
    if (existing) {
      Process p = *existing;
      UpsertStep(p, pr.step);
      if (pr.name) p.name = *pr.name;
      if (item_id) p.item_id = item_id;
      if (p.steps == existing->steps && p.name == existing->name &&
          p.item_id == existing->item_id) {
        return Status::Ok();
      }
      SIGNX_ASSIGN_OR_RETURN(Process saved, ops_.UpdateProcess(p, existing->version));
      return Audit("process", saved.id, "update", Text(ToJson(*existing)), Text(ToJson(saved)));
    }
    Process p;
    p.code = pr.code;
    p.name = pr.name.value_or(pr.code);
    p.item_id = item_id;
    UpsertStep(p, pr.step);
    SIGNX_ASSIGN_OR_RETURN(Process created, RetryOnRace(ops_.InsertProcess(p)));
    return Audit("process", created.id, "create", std::nullopt, Text(ToJson(created)));
  }

  OpsStore& ops_;
  const Batch& batch_;
  const std::string actor_;
  const Clock& clock_;
  ItemResolver resolver_;
  int64_t changes_ = 0;
  std::optional<ApplyAbort> abort_;
  std::vector<OpsStore::MovementInsert> pending_movements_;
  std::vector<std::pair<Snapshot, int64_t>> pending_snapshots_;
  std::unordered_map<std::string, std::string> pending_audits_;  // id → after JSON
  std::set<std::string> consumed_;  // items with consumption rows (bounded by the org's items)
  std::set<std::string> updated_;   // items whose fields changed
};

// The columns each entity reads; others are reported as not used.
bool KnownColumn(Entity e, std::string_view c) {
  static const std::set<std::string, std::less<>> kItems = {
      "sku",           "name",         "unit",       "category",   "lead_time_days",
      "reorder_point", "safety_stock", "cost_cents", "external_id"};
  static const std::set<std::string, std::less<>> kProcesses = {
      "code", "name", "item_sku", "seq", "work_centre", "standard_hours", "description"};
  static const std::set<std::string, std::less<>> kInventory = {
      "sku", "item_external_id", "on_hand", "on_order", "allocated", "at"};
  static const std::set<std::string, std::less<>> kMovements = {"sku", "item_external_id",
                                                                "quantity", "at"};
  switch (e) {
    case Entity::kItems:
      return kItems.contains(c);
    case Entity::kProcesses:
      return kProcesses.contains(c);
    case Entity::kInventory:
      return kInventory.contains(c);
    case Entity::kReceipts:
    case Entity::kConsumption:
      return kMovements.contains(c);
  }
  return false;
}

// Pass 1 for one row: the rules and the references.
Status ValidateRow(storage::Store& store, const Batch& batch, ItemResolver& resolver,
                   const RawRow& row, int64_t n, std::vector<RowError>& errors) {
  auto query = [&](std::string_view sql, const storage::Params& p) { return store.Query(sql, p); };
  auto check_ref = [&](const ItemRef& ref) -> Status {
    SIGNX_ASSIGN_OR_RETURN(auto id, resolver.Resolve(ref, query));
    if (!id) errors.push_back({n, ItemRefField(ref), "no item with " + ref.Label()});
    return Status::Ok();
  };
  switch (batch.entity) {
    case Entity::kItems:
      (void)ItemFieldsFromRow(row, n, errors);
      return Status::Ok();
    case Entity::kProcesses: {
      auto pr = ProcessRowFrom(row, n, errors);
      if (pr && pr->item_sku) return check_ref(ItemRef{.sku = pr->item_sku});
      return Status::Ok();
    }
    case Entity::kInventory: {
      auto sr = SnapshotRowFrom(row, n, errors);
      if (sr) return check_ref(sr->item);
      return Status::Ok();
    }
    case Entity::kReceipts:
    case Entity::kConsumption: {
      auto mr = MovementRowFrom(row, n, errors);
      if (mr) return check_ref(mr->item);
      return Status::Ok();
    }
  }
  return Status::Ok();
}

Status AppendBatchEvent(events::Outbox& outbox, storage::Txn& txn, const Batch& b) {
  const bool ok = b.status == kNormalized;
  json::object payload{{"batch_id", b.id},
                       {"entity", EntityName(b.entity)},
                       {"source", b.source},
                       {"row_count", b.row_count}};
  if (ok) {
    payload["applied_rows"] = b.applied_rows;
    payload["rejected_rows"] = b.rejected_rows;
    payload["changes"] = b.changes;
    payload["replays"] = b.replays;
  } else {
    payload["error_count"] = b.error_count;
    payload["message"] = b.message ? json::value(*b.message) : json::value(nullptr);
  }
  return outbox
      .Append(txn, {.type = std::string(ok ? events::kOperationsBatchNormalized
                                           : events::kOperationsBatchRejected),
                    .org_id = b.org_id,
                    .subject_id = b.id,
                    .payload_json = http::ToJsonText(payload)})
      .status();
}

Result<Batch> SaveRejected(storage::Store& store, events::Outbox& outbox, const Clock& clock,
                           Batch b, const std::vector<RowError>& errors) {
  b.status = std::string(kRejected);
  b.applied_rows = 0;
  b.changes = 0;
  b.completed_at = clock.Now();
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    OpsStore ops(txn, b.org_id, clock);
    SIGNX_RETURN_IF_ERROR(ops.SaveBatch(b));
    SIGNX_RETURN_IF_ERROR(ops.ReplaceErrors(b.id, errors));
    return AppendBatchEvent(outbox, txn, b);
  }));
  return b;
}

}  // namespace

Result<std::unique_ptr<RowSource>> OpenRowSource(Format format, const std::filesystem::path& path) {
  switch (format) {
    case Format::kCsv:
      return CsvSource::Open(path);
    case Format::kNdjson:
      return NdjsonSource::Open(path);
    case Format::kJson:
      return JsonSource::Open(path);
  }
  return InvalidArgument("unknown format");
}

Result<IngestOutcome> RunIngest(storage::Store& store, events::Outbox& outbox, const Clock& clock,
                                Batch batch, const std::filesystem::path& path,
                                const IngestHooks& hooks) {
  auto report = [&](double share) {
    if (hooks.progress) hooks.progress(static_cast<int>(share * 100));
  };
  // ---- pass 1: validate ----
  ErrorLog log;
  std::vector<int64_t> bad_rows;  // ascending
  std::set<std::string> unused;   // columns no rule reads (at most 20 named)
  int64_t rows = 0;
  std::optional<std::string> fatal;
  {
    auto source = OpenRowSource(batch.format, path);
    if (!source.ok()) {
      if (source.status().code() != ErrorCode::kInvalidArgument) return source.status();
      fatal = std::string(source.status().message());
      log.Add({0, "", *fatal});
    } else {
      ItemResolver resolver(batch.org_id, batch.source);
      RawRow row;
      int64_t n = 0;
      std::string unreadable;
      std::vector<RowError> errors;
      int last_percent = -1;
      for (;;) {
        auto more = (*source)->Next(&row, &n, &unreadable);
        if (!more.ok()) {
          if (more.status().code() != ErrorCode::kInvalidArgument) return more.status();
          fatal = std::string(more.status().message());
          log.Add({rows + 1, "", *fatal});
          break;
        }
        if (!*more) break;
        ++rows;
        errors.clear();
        for (const auto& [column, value] : row) {
          if (unused.size() < 20 && !KnownColumn(batch.entity, column)) unused.insert(column);
        }
        if (!unreadable.empty()) {
          errors.push_back({n, "", unreadable});
        } else {
          SIGNX_RETURN_IF_ERROR(ValidateRow(store, batch, resolver, row, n, errors));
        }
        if (!errors.empty()) {
          bad_rows.push_back(n);
          for (auto& e : errors) log.Add(std::move(e));
        }
        if ((rows & 1023) == 0) {
          if (hooks.cancelled && hooks.cancelled()) {
            return Status(ErrorCode::kCancelled, "ingest cancelled during validation");
          }
          const int percent = static_cast<int>((*source)->progress() * 50);
          if (percent != last_percent) {
            last_percent = percent;
            report((*source)->progress() * 0.5);
          }
        }
      }
    }
  }
  batch.row_count = rows;
  batch.error_count = log.count;
  batch.rejected_rows = static_cast<int64_t>(bad_rows.size());
  if (fatal || (!bad_rows.empty() && !batch.partial) || rows == 0) {
    if (!fatal && rows == 0) log.Add({0, "", "the batch has no rows"});
    batch.error_count = log.count;
    batch.message = fatal       ? *fatal
                    : rows == 0 ? std::string("the batch has no rows")
                                : fmt::format(
                                      "{} of {} rows broke a rule; nothing was applied "
                                      "(send partial=true to apply the valid rows)",
                                      bad_rows.size(), rows);
    SIGNX_ASSIGN_OR_RETURN(Batch saved, SaveRejected(store, outbox, clock, batch, log.kept));
    report(1);
    return IngestOutcome{std::move(saved)};
  }
  batch.status = std::string(kValidated);
  SIGNX_RETURN_IF_ERROR(store.WithTxn([&](storage::Txn& txn) -> Status {
    OpsStore ops(txn, batch.org_id, clock);
    SIGNX_RETURN_IF_ERROR(ops.SaveBatch(batch));
    return ops.ReplaceErrors(batch.id, log.kept);
  }));
  report(0.5);

  // ---- pass 2: apply, all or nothing ----
  std::optional<ApplyAbort> aborted;
  Batch done = batch;
  std::vector<std::string> consumed, updated;
  const std::string actor = batch.created_by.value_or("system");
  const bool live_progress = store.dialect() == storage::Dialect::kPostgres;
  Status st = store.WithTxn([&](storage::Txn& txn) -> Status {
    done = batch;
    aborted.reset();
    OpsStore ops(txn, batch.org_id, clock);
    Applier applier(ops, batch, actor, clock);
    SIGNX_ASSIGN_OR_RETURN(auto source, OpenRowSource(batch.format, path));
    RawRow row;
    int64_t n = 0;
    std::string unreadable;
    std::size_t next_bad = 0;
    int64_t applied = 0;
    for (;;) {
      SIGNX_ASSIGN_OR_RETURN(bool more, source->Next(&row, &n, &unreadable));
      if (!more) break;
      while (next_bad < bad_rows.size() && bad_rows[next_bad] < n) ++next_bad;
      if (next_bad < bad_rows.size() && bad_rows[next_bad] == n) continue;
      if (Status s = applier.Apply(row, n); !s.ok()) {
        aborted = applier.abort();
        return s;
      }
      ++applied;
      // PostgreSQL: the job row is written on another connection while this transaction runs.
      // SQLite would wait for this transaction's write lock: progress jumps at the commit there.
      if (live_progress && (applied & 1023) == 0) report(0.5 + 0.5 * source->progress());
    }
    if (Status s = applier.Finish(n); !s.ok()) {
      aborted = applier.abort();
      return s;
    }
    consumed = applier.consumed();
    updated = applier.updated();
    done.status = std::string(kNormalized);
    done.applied_rows = applied;
    done.changes = applier.changes();
    done.completed_at = clock.Now();
    std::string message;
    if (!bad_rows.empty()) {
      message = fmt::format("partial: {} of {} rows applied, {} rejected", applied, rows,
                            bad_rows.size());
    }
    if (!unused.empty()) {
      message += fmt::format("{}columns not used: {}", message.empty() ? "" : "; ",
                             Join(std::vector<std::string>(unused.begin(), unused.end()), ", "));
    }
    done.message = message.empty() ? std::optional<std::string>() : std::move(message);
    SIGNX_RETURN_IF_ERROR(ops.SaveBatch(done));
    return AppendBatchEvent(outbox, txn, done);
  });
  if (!st.ok()) {
    if (!aborted) return st;
    log.Add(aborted->error);
    batch.error_count = log.count;
    batch.message = "applying row " + std::to_string(aborted->error.row) +
                    " failed: " + aborted->error.rule + "; nothing was applied";
    SIGNX_ASSIGN_OR_RETURN(Batch saved, SaveRejected(store, outbox, clock, batch, log.kept));
    report(1);
    return IngestOutcome{std::move(saved)};
  }
  report(1);
  return IngestOutcome{std::move(done), std::move(consumed), std::move(updated)};
}

}  // namespace signx::operations
