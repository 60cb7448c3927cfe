#include "operations/service.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <chrono>

#include "blobs/blob_registry.h"
#include "events/event_types.h"
#include "http/json.h"
#include "operations/forecast_run.h"
#include "operations/ingest.h"
#include "storage/idempotency.h"

namespace signx::operations {
namespace {

namespace json = boost::json;
using identity::TenantScope;

constexpr auto kItemTtl = std::chrono::minutes(5);
constexpr std::string_view kIdemItems = "operations.items.create";
constexpr std::string_view kIdemProcesses = "operations.processes.create";
constexpr std::string_view kIdemRuns = "operations.forecast_runs.create";

std::optional<Item> ItemFromCachedJson(std::string_view text) {
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_object()) return std::nullopt;
  const auto& o = v.get_object();
  try {
    Item i;
    i.id = std::string(o.at("id").as_string());
    i.org_id = std::string(o.at("org_id").as_string());
    i.sku = std::string(o.at("sku").as_string());
    i.name = std::string(o.at("name").as_string());
    i.unit = std::string(o.at("unit").as_string());
    if (o.at("category").is_string()) i.category = std::string(o.at("category").as_string());
    i.lead_time_days = o.at("lead_time_days").to_number<int64_t>();
    i.reorder_point = o.at("reorder_point").to_number<double>();
    i.safety_stock = o.at("safety_stock").to_number<double>();
    i.cost_cents = o.at("cost_cents").to_number<int64_t>();
    i.version = o.at("version").to_number<int64_t>();
    i.created_at = FromUnixMicros(o.at("created_us").to_number<int64_t>());
    i.updated_at = FromUnixMicros(o.at("updated_us").to_number<int64_t>());
    return i;
  } catch (const std::exception&) {
    return std::nullopt;  // an entry of another layout: a miss
  }
}

std::string ItemCacheJson(const Item& i) {
  json::object o = ToJson(i);
  o["org_id"] = i.org_id;
  o["created_us"] = UnixMicros(i.created_at);
  o["updated_us"] = UnixMicros(i.updated_at);
  return http::ToJsonText(o);
}

std::string AuditText(const json::object& o) { return http::ToJsonText(o); }

}  // namespace

OperationsService::OperationsService(storage::Store& store, events::Outbox& outbox,
                                     jobs::Queue& queue,
                                     std::shared_ptr<const blobs::BlobStore> blobs,
                                     std::shared_ptr<cache::Cache> cache, const Clock& clock)
    : store_(store),
      outbox_(outbox),
      queue_(queue),
      blobs_(std::move(blobs)),
      cache_(std::move(cache)),
      clock_(clock) {}

template <typename T>
Result<T> OperationsService::InTxn(const TenantScope& scope,
                                   const std::function<Result<T>(OpsStore&)>& fn, bool read_only) {
  return store_.WithTxnResult<T>(
      [&](storage::Txn& txn) -> Result<T> {
        OpsStore ops(txn, scope.org_id, clock_);
        return fn(ops);
      },
      {.read_only = read_only});
}

std::string OperationsService::CacheKey(const TenantScope& scope, std::string_view id) const {
  return fmt::format("operations:item:{}:{}", scope.org_id, id);
}

void OperationsService::Forget(const TenantScope& scope, std::string_view id) {
  if (cache_) cache_->Delete(CacheKey(scope, id)).IgnoreError();
}

// ---- ingest ----

Result<Submitted> OperationsService::SubmitBatch(const TenantScope& scope, const Submission& s,
                                                 std::string_view body) {
  if (body.empty()) return ValidationFailed({{"body", "the batch is empty"}});
  if (static_cast<int64_t>(body.size()) > kMaxBatchBytes) {
    return Status(ErrorCode::kPayloadTooLarge,
                  fmt::format("a batch is at most {} bytes", kMaxBatchBytes));
  }
  SIGNX_ASSIGN_OR_RETURN(auto put, blobs_->Put(body));
  blobs::BlobRegistry registry(*blobs_, clock_);
  bool duplicate = false;
  SIGNX_ASSIGN_OR_RETURN(
      Batch batch, InTxn<Batch>(scope, [&](OpsStore& ops) -> Result<Batch> {
        duplicate = false;
        SIGNX_ASSIGN_OR_RETURN(auto earlier, ops.FindBatchByChecksum(put.info.sha256));
        if (earlier) {
          duplicate = true;
          return *earlier;
        }
        SIGNX_RETURN_IF_ERROR(registry.Register(ops.txn(), put.info,
                                                s.format == Format::kCsv ? "text/csv"
                                                : s.format == Format::kNdjson
                                                    ? "application/x-ndjson"
                                                    : "application/json"));
        SIGNX_RETURN_IF_ERROR(registry.AddRef(ops.txn(), put.info.sha256));
        Batch b;
        b.source = s.source;
        b.entity = s.entity;
        b.format = s.format;
        b.filename = s.filename;
        b.checksum = put.info.sha256;
        b.size_bytes = put.info.size_bytes;
        b.partial = s.partial;
        b.status = std::string(kReceived);
        b.created_by = scope.actor;
        SIGNX_ASSIGN_OR_RETURN(b, ops.InsertBatch(std::move(b)));
        SIGNX_ASSIGN_OR_RETURN(
            auto job, queue_.Enqueue(ops.txn(), {.type = std::string(kIngestJob),
                                                 .payload_json = http::ToJsonText(json::object{
                                                     {"batch_id", b.id}, {"replay", 0}}),
                                                 .org_id = scope.org_id,
                                                 .max_attempts = 3}));
        b.job_id = job.id;
        SIGNX_RETURN_IF_ERROR(ops.SaveBatch(b));
        return b;
      }));
  return Submitted{std::move(batch), duplicate};
}

Result<Batch> OperationsService::Replay(const TenantScope& scope, std::string_view batch_id) {
  return InTxn<Batch>(scope, [&](OpsStore& ops) -> Result<Batch> {
    SIGNX_ASSIGN_OR_RETURN(Batch b, ops.GetBatch(batch_id));
    if (b.status == kReceived || b.status == kValidated) {
      // Still being processed — unless its job has ended without finishing it (failed, dead or
      // cancelled): then a replay is the way to process it.
      bool job_ended = false;
      if (b.job_id) {
        auto job = queue_.Get(*b.job_id);
        job_ended =
            job.ok() ? jobs::IsTerminal(job->state) : job.status().code() == ErrorCode::kNotFound;
      }
      if (!job_ended) {
        return Status(ErrorCode::kConflict,
                      fmt::format("batch {} is still being processed ({})", b.id, b.status));
      }
    }
    b.status = std::string(kReceived);
    b.replays += 1;
    b.completed_at.reset();
    b.message.reset();
    SIGNX_ASSIGN_OR_RETURN(
        auto job, queue_.Enqueue(ops.txn(), {.type = std::string(kIngestJob),
                                             .payload_json = http::ToJsonText(json::object{
                                                 {"batch_id", b.id}, {"replay", b.replays}}),
                                             .org_id = scope.org_id,
                                             .max_attempts = 3}));
    b.job_id = job.id;
    SIGNX_RETURN_IF_ERROR(ops.SaveBatch(b));
    return b;
  });
}

Result<Batch> OperationsService::GetBatch(const TenantScope& scope, std::string_view id) {
  return InTxn<Batch>(
      scope, [&](OpsStore& ops) { return ops.GetBatch(id); }, true);
}

Result<Page<Batch>> OperationsService::ListBatches(const TenantScope& scope, const BatchQuery& q) {
  return InTxn<Page<Batch>>(
      scope, [&](OpsStore& ops) { return ops.ListBatches(q); }, true);
}

Result<Page<RowError>> OperationsService::ListErrors(const TenantScope& scope, std::string_view id,
                                                     int limit, int64_t after_seq) {
  return InTxn<Page<RowError>>(
      scope, [&](OpsStore& ops) { return ops.ListErrors(id, limit, after_seq); }, true);
}

Result<Page<Audit>> OperationsService::ListAudits(
    const TenantScope& scope, const std::optional<std::pair<std::string, std::string>>& subject,
    const std::optional<std::string>& batch_id, const ListQuery& q) {
  return InTxn<Page<Audit>>(
      scope, [&](OpsStore& ops) { return ops.ListAudits(subject, batch_id, q); }, true);
}

Status OperationsService::RunIngestJob(jobs::JobContext& ctx) {
  std::error_code ec;
  json::value payload = json::parse(ctx.payload(), ec);
  if (ec || !payload.is_object() || !payload.get_object().contains("batch_id") ||
      !payload.get_object().at("batch_id").is_string() || !ctx.org_id()) {
    return InvalidArgument("operations.ingest: payload needs batch_id and the job an org");
  }
  const std::string batch_id(payload.get_object().at("batch_id").get_string());
  const TenantScope scope{.org_id = *ctx.org_id(), .actor = ctx.id()};
  SIGNX_ASSIGN_OR_RETURN(Batch batch, GetBatch(scope, batch_id));
  if (batch.job_id != ctx.id()) {
    // A later replay owns the batch now; this (older) job has nothing to do.
    ctx.SetResult(http::ToJsonText(json::object{{"batch_id", batch.id}, {"skipped", true}}));
    return Status::Ok();
  }
  if (batch.status != kReceived && batch.status != kValidated) {
    // An earlier attempt of this job finished the batch (crash before Complete).
    ctx.SetResult(http::ToJsonText(ToJson(batch)));
    return Status::Ok();
  }
  SIGNX_ASSIGN_OR_RETURN(auto path, blobs_->PathOf(batch.checksum));
  IngestHooks hooks;
  hooks.progress = [&](int percent) { ctx.SetProgress(percent).IgnoreError(); };
  hooks.cancelled = [&] { return ctx.cancelled(); };
  SIGNX_ASSIGN_OR_RETURN(IngestOutcome out, RunIngest(store_, outbox_, clock_, batch, path, hooks));
  outbox_.Notify();
  for (const auto& id : out.updated_items) Forget(scope, id);
  if (!out.consumed_items.empty()) {
    // Actuals arrived: score the latest forecasts of these items now (best effort — the next
    // forecast run scores them again).
    auto scored = ScoreLatestForecasts(store_, clock_, scope.org_id, out.consumed_items);
    if (!scored.ok()) {
      spdlog::warn("operations.ingest {}: scoring forecasts: {}", batch.id,
                   scored.status().ToString());
    }
  }
  ctx.SetResult(http::ToJsonText(ToJson(out.batch)));
  return Status::Ok();
}

// ---- items ----

Result<Item> OperationsService::CreateItem(const TenantScope& scope, const ItemFields& fields,
                                           const std::optional<std::string>& key, bool* replayed) {
  bool again = false;
  auto item = InTxn<Item>(scope, [&](OpsStore& ops) -> Result<Item> {
    again = false;
    if (key) {
      SIGNX_ASSIGN_OR_RETURN(auto earlier,
                             storage::FindIdempotent(ops.txn(), scope.org_id, kIdemItems, *key));
      if (earlier) {
        again = true;
        return ops.GetItem(*earlier);
      }
    }
    SIGNX_ASSIGN_OR_RETURN(auto existing, ops.FindItemBySku(*fields.sku));
    if (existing) {
      return Status(ErrorCode::kAlreadyExists, fmt::format("sku {} is taken", *fields.sku),
                    {{"sku", "must be unique in the org"}});
    }
    SIGNX_ASSIGN_OR_RETURN(Item created, ops.InsertItem(ApplyItemFields(Item{}, fields)));
    const std::string after = AuditText(ToJson(created));
    SIGNX_RETURN_IF_ERROR(ops.AppendAudit("item", created.id, "create", std::nullopt, after,
                                          std::nullopt, scope.actor));
    SIGNX_RETURN_IF_ERROR(
        outbox_
            .Append(ops.txn(), {.type = std::string(events::kOperationsItemCreated),
                                .org_id = scope.org_id,
                                .subject_id = created.id,
                                .payload_json = after})
            .status());
    if (key) {
      SIGNX_RETURN_IF_ERROR(storage::RememberIdempotent(ops.txn(), scope.org_id, kIdemItems, *key,
                                                        created.id, clock_.Now()));
    }
    return created;
  });
  if (replayed) *replayed = again;
  if (item.ok() && !again) outbox_.Notify();
  return item;
}

Result<Item> OperationsService::UpdateItem(const TenantScope& scope, std::string_view id,
                                           int64_t expected_version, const ItemFields& fields) {
  auto item = InTxn<Item>(scope, [&](OpsStore& ops) -> Result<Item> {
    SIGNX_ASSIGN_OR_RETURN(Item before, ops.GetItem(id));
    if (before.version != expected_version) {
      return Status(ErrorCode::kPreconditionFailed,
                    fmt::format("item {} is at version {}, not {}", before.id, before.version,
                                expected_version));
    }
    if (fields.sku && *fields.sku != before.sku) {
      SIGNX_ASSIGN_OR_RETURN(auto taken, ops.FindItemBySku(*fields.sku));
      if (taken) {
        return Status(ErrorCode::kAlreadyExists, fmt::format("sku {} is taken", *fields.sku),
                      {{"sku", "must be unique in the org"}});
      }
    }
    SIGNX_ASSIGN_OR_RETURN(Item saved,
                           ops.UpdateItem(ApplyItemFields(before, fields), expected_version));
    const std::string after = AuditText(ToJson(saved));
    SIGNX_RETURN_IF_ERROR(ops.AppendAudit("item", saved.id, "update", AuditText(ToJson(before)),
                                          after, std::nullopt, scope.actor));
    SIGNX_RETURN_IF_ERROR(
        outbox_
            .Append(ops.txn(), {.type = std::string(events::kOperationsItemUpdated),
                                .org_id = scope.org_id,
                                .subject_id = saved.id,
                                .payload_json = after})
            .status());
    return saved;
  });
  Forget(scope, id);
  if (item.ok()) outbox_.Notify();
  return item;
}

Result<Item> OperationsService::GetItem(const TenantScope& scope, std::string_view id) {
  const std::string key = CacheKey(scope, id);
  if (cache_) {
    auto hit = cache_->Get(key);
    if (hit.ok() && *hit) {
      if (auto item = ItemFromCachedJson(**hit); item && item->org_id == scope.org_id) return *item;
    }
  }
  SIGNX_ASSIGN_OR_RETURN(Item item,
                         InTxn<Item>(
                             scope, [&](OpsStore& ops) { return ops.GetItem(id); }, true));
  if (cache_) cache_->Set(key, ItemCacheJson(item), kItemTtl).IgnoreError();
  return item;
}

Result<ItemDetail> OperationsService::GetItemDetail(const TenantScope& scope, std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(Item item, GetItem(scope, id));
  return InTxn<ItemDetail>(
      scope,
      [&](OpsStore& ops) -> Result<ItemDetail> {
        ItemDetail d{.item = item};
        SIGNX_ASSIGN_OR_RETURN(d.stock, ops.StockOf(item.id));
        SIGNX_ASSIGN_OR_RETURN(d.external_ids, ops.MappingsOf(item.id));
        return d;
      },
      true);
}

Result<Page<Item>> OperationsService::ListItems(const TenantScope& scope, const ItemQuery& q) {
  return InTxn<Page<Item>>(
      scope, [&](OpsStore& ops) { return ops.ListItems(q); }, true);
}

Result<std::vector<Stock>> OperationsService::StockOfItems(const TenantScope& scope,
                                                           const std::vector<std::string>& ids) {
  return InTxn<std::vector<Stock>>(
      scope,
      [&](OpsStore& ops) -> Result<std::vector<Stock>> {
        std::vector<Stock> out;
        out.reserve(ids.size());
        for (const auto& id : ids) {
          SIGNX_ASSIGN_OR_RETURN(Stock st, ops.StockOf(id));
          out.push_back(std::move(st));
        }
        return out;
      },
      true);
}

Result<std::vector<DayQuantity>> OperationsService::DemandHistory(
    const TenantScope& scope, std::string_view item_id, int days,
    std::optional<std::string> to_day) {
  if (days < 1 || days > 3660) return ValidationFailed({{"days", "from 1 to 3660"}});
  const std::string last = to_day ? *to_day : DayOf(clock_.Now());
  SIGNX_ASSIGN_OR_RETURN(Timestamp last_t, ParseInstant(last));
  const std::string first = DayOf(last_t - std::chrono::days(days - 1));
  SIGNX_ASSIGN_OR_RETURN(auto sparse, InTxn<std::vector<DayQuantity>>(
                                          scope,
                                          [&](OpsStore& ops) -> Result<std::vector<DayQuantity>> {
                                            SIGNX_RETURN_IF_ERROR(ops.GetItem(item_id).status());
                                            return ops.DailyDemand(item_id, first, last);
                                          },
                                          true));
  std::vector<DayQuantity> out;
  out.reserve(static_cast<std::size_t>(days));
  std::size_t j = 0;
  for (int d = 0; d < days; ++d) {
    const std::string day = DayOf(last_t - std::chrono::days(days - 1 - d));
    double q = 0;
    if (j < sparse.size() && sparse[j].day == day) q = sparse[j++].quantity;
    out.push_back({day, q});
  }
  return out;
}

// ---- processes ----

Result<Process> OperationsService::CreateProcess(const TenantScope& scope, const ProcessInput& in,
                                                 const std::optional<std::string>& key,
                                                 bool* replayed) {
  bool again = false;
  auto out = InTxn<Process>(scope, [&](OpsStore& ops) -> Result<Process> {
    again = false;
    if (key) {
      SIGNX_ASSIGN_OR_RETURN(
          auto earlier, storage::FindIdempotent(ops.txn(), scope.org_id, kIdemProcesses, *key));
      if (earlier) {
        again = true;
        return ops.GetProcess(*earlier);
      }
    }
    SIGNX_ASSIGN_OR_RETURN(auto existing, ops.FindProcessByCode(*in.code));
    if (existing) {
      return Status(ErrorCode::kAlreadyExists, fmt::format("process code {} is taken", *in.code),
                    {{"code", "must be unique in the org"}});
    }
    Process p;
    p.code = *in.code;
    p.name = in.name.value_or(*in.code);
    if (in.item_id && *in.item_id) {
      if (!ops.GetItem(**in.item_id).ok()) {
        return ValidationFailed({{"item_id", "no such item"}});
      }
      p.item_id = **in.item_id;
    }
    for (const auto& s : in.steps.value_or(std::vector<ProcessStep>{})) UpsertStep(p, s);
    SIGNX_ASSIGN_OR_RETURN(Process created, ops.InsertProcess(p));
    SIGNX_RETURN_IF_ERROR(ops.AppendAudit("process", created.id, "create", std::nullopt,
                                          AuditText(ToJson(created)), std::nullopt, scope.actor));
    if (key) {
      SIGNX_RETURN_IF_ERROR(storage::RememberIdempotent(ops.txn(), scope.org_id, kIdemProcesses,
                                                        *key, created.id, clock_.Now()));
    }
    return created;
  });
  if (replayed) *replayed = again;
  return out;
}

Result<Process> OperationsService::UpdateProcess(const TenantScope& scope, std::string_view id,
                                                 int64_t expected_version, const ProcessInput& in) {
  return InTxn<Process>(scope, [&](OpsStore& ops) -> Result<Process> {
    SIGNX_ASSIGN_OR_RETURN(Process before, ops.GetProcess(id));
    if (before.version != expected_version) {
      return Status(ErrorCode::kPreconditionFailed,
                    fmt::format("process {} is at version {}, not {}", before.id, before.version,
                                expected_version));
    }
    Process p = before;
    if (in.code && *in.code != before.code) {
      SIGNX_ASSIGN_OR_RETURN(auto taken, ops.FindProcessByCode(*in.code));
      if (taken) {
        return Status(ErrorCode::kAlreadyExists, fmt::format("process code {} is taken", *in.code),
                      {{"code", "must be unique in the org"}});
      }
      p.code = *in.code;
    }
    if (in.name) p.name = *in.name;
    if (in.item_id) {
      if (*in.item_id && !ops.GetItem(**in.item_id).ok()) {
        return ValidationFailed({{"item_id", "no such item"}});
      }
      p.item_id = *in.item_id;
    }
    if (in.steps) {
      p.steps.clear();
      for (const auto& s : *in.steps) UpsertStep(p, s);
      if (in.steps->empty()) p.standard_hours = 0;
    }
    SIGNX_ASSIGN_OR_RETURN(Process saved, ops.UpdateProcess(p, expected_version));
    SIGNX_RETURN_IF_ERROR(ops.AppendAudit("process", saved.id, "update", AuditText(ToJson(before)),
                                          AuditText(ToJson(saved)), std::nullopt, scope.actor));
    return saved;
  });
}

Result<Process> OperationsService::GetProcess(const TenantScope& scope, std::string_view id) {
  return InTxn<Process>(
      scope, [&](OpsStore& ops) { return ops.GetProcess(id); }, true);
}

Result<Page<Process>> OperationsService::ListProcesses(const TenantScope& scope, const ListQuery& q,
                                                       const std::optional<std::string>& item_id) {
  return InTxn<Page<Process>>(
      scope, [&](OpsStore& ops) { return ops.ListProcesses(q, item_id); }, true);
}

// ---- stock ----

Result<Snapshot> OperationsService::AddSnapshot(const TenantScope& scope, std::string_view item_id,
                                                Snapshot s) {
  return InTxn<Snapshot>(scope, [&](OpsStore& ops) -> Result<Snapshot> {
    SIGNX_RETURN_IF_ERROR(ops.GetItem(item_id).status());
    s.item_id = std::string(item_id);
    s.batch_id.reset();
    SIGNX_RETURN_IF_ERROR(ops.InsertSnapshot(s, std::nullopt).status());
    SIGNX_RETURN_IF_ERROR(ops.AppendAudit("inventory_snapshot", s.id, "create", std::nullopt,
                                          AuditText(ToJson(s)), std::nullopt, scope.actor));
    return s;
  });
}

Result<Page<Snapshot>> OperationsService::ListSnapshots(const TenantScope& scope,
                                                        std::string_view item_id,
                                                        const ListQuery& q) {
  return InTxn<Page<Snapshot>>(
      scope,
      [&](OpsStore& ops) -> Result<Page<Snapshot>> {
        SIGNX_RETURN_IF_ERROR(ops.GetItem(item_id).status());
        return ops.ListSnapshots(item_id, q);
      },
      true);
}

// ---- alerts, rules, runs ----

namespace {

template <typename T>
Result<T> InAlerts(storage::Store& store, const Clock& clock, const TenantScope& scope,
                   const std::function<Result<T>(AlertStore&)>& fn, bool read_only) {
  return store.WithTxnResult<T>(
      [&](storage::Txn& txn) -> Result<T> {
        AlertStore alerts(txn, scope.org_id, clock);
        return fn(alerts);
      },
      {.read_only = read_only});
}

}  // namespace

Result<Page<Alert>> OperationsService::ListAlerts(const TenantScope& scope, const AlertQuery& q) {
  return InAlerts<Page<Alert>>(
      store_, clock_, scope, [&](AlertStore& a) { return a.ListAlerts(q); }, true);
}

Result<Alert> OperationsService::GetAlert(const TenantScope& scope, std::string_view id) {
  return InAlerts<Alert>(
      store_, clock_, scope, [&](AlertStore& a) { return a.GetAlert(id); }, true);
}

Result<Alert> OperationsService::AcknowledgeAlert(const TenantScope& scope, std::string_view id) {
  auto alert = InAlerts<Alert>(
      store_, clock_, scope,
      [&](AlertStore& a) -> Result<Alert> {
        SIGNX_ASSIGN_OR_RETURN(Alert got, a.Acknowledge(id, scope.actor));
        SIGNX_RETURN_IF_ERROR(
            outbox_
                .Append(a.txn(), {.type = std::string(events::kOperationsAlertAcknowledged),
                                  .org_id = scope.org_id,
                                  .subject_id = got.id,
                                  .payload_json = http::ToJsonText(ToJson(got))})
                .status());
        return got;
      },
      false);
  if (alert.ok()) outbox_.Notify();
  return alert;
}

Result<Alert> OperationsService::ResolveAlert(const TenantScope& scope, std::string_view id) {
  auto alert = InAlerts<Alert>(
      store_, clock_, scope,
      [&](AlertStore& a) -> Result<Alert> {
        SIGNX_ASSIGN_OR_RETURN(Alert got, a.Resolve(id, scope.actor));
        SIGNX_RETURN_IF_ERROR(
            outbox_
                .Append(a.txn(), {.type = std::string(events::kOperationsAlertResolved),
                                  .org_id = scope.org_id,
                                  .subject_id = got.id,
                                  .payload_json = http::ToJsonText(ToJson(got))})
                .status());
        return got;
      },
      false);
  if (alert.ok()) outbox_.Notify();
  return alert;
}

Result<std::vector<RuleConfig>> OperationsService::AlertRules(const TenantScope& scope) {
  return InAlerts<std::vector<RuleConfig>>(
      store_, clock_, scope, [&](AlertStore& a) { return a.Rules(); }, true);
}

Result<std::vector<RuleConfig>> OperationsService::SaveAlertRule(const TenantScope& scope,
                                                                 const RuleConfig& rule) {
  return InAlerts<std::vector<RuleConfig>>(
      store_, clock_, scope,
      [&](AlertStore& a) -> Result<std::vector<RuleConfig>> {
        SIGNX_RETURN_IF_ERROR(a.SaveRule(rule));
        return a.Rules();
      },
      false);
}

Result<ForecastRun> OperationsService::StartRun(const TenantScope& scope, int horizon, int period,
                                                double level, const std::optional<std::string>& key,
                                                bool* replayed) {
  bool again = false;
  auto run = store_.WithTxnResult<ForecastRun>([&](storage::Txn& txn) -> Result<ForecastRun> {
    again = false;
    if (key) {
      SIGNX_ASSIGN_OR_RETURN(auto earlier,
                             storage::FindIdempotent(txn, scope.org_id, kIdemRuns, *key));
      if (earlier) {
        again = true;
        AlertStore alerts(txn, scope.org_id, clock_);
        return alerts.GetRun(*earlier);
      }
    }
    SIGNX_ASSIGN_OR_RETURN(
        ForecastRun r,
        QueueForecastRun(
            txn, queue_, clock_, scope.org_id,
            {.horizon = horizon, .period = period, .level = level, .created_by = scope.actor}));
    if (key) {
      SIGNX_RETURN_IF_ERROR(
          storage::RememberIdempotent(txn, scope.org_id, kIdemRuns, *key, r.id, clock_.Now()));
    }
    return r;
  });
  if (replayed) *replayed = again;
  return run;
}

Status OperationsService::ScheduleForecastsJob(jobs::JobContext& ctx) {
  return ScheduleForecastRuns(store_, queue_, clock_, ctx);
}

Status OperationsService::RunForecastRunJob(jobs::JobContext& ctx) {
  return RunForecastJob(store_, outbox_, clock_, ctx);
}

Result<ForecastRun> OperationsService::GetRun(const TenantScope& scope, std::string_view id) {
  return InAlerts<ForecastRun>(
      store_, clock_, scope, [&](AlertStore& a) { return a.GetRun(id); }, true);
}

Result<Page<ForecastRun>> OperationsService::ListRuns(const TenantScope& scope,
                                                      const ListQuery& q) {
  return InAlerts<Page<ForecastRun>>(
      store_, clock_, scope, [&](AlertStore& a) { return a.ListRuns(q.limit, q.cursor); }, true);
}

Result<std::optional<ItemForecast>> OperationsService::LatestForecast(const TenantScope& scope,
                                                                      std::string_view item_id) {
  SIGNX_RETURN_IF_ERROR(GetItem(scope, item_id).status());
  return InAlerts<std::optional<ItemForecast>>(
      store_, clock_, scope, [&](AlertStore& a) { return a.LatestForecast(item_id); }, true);
}

Result<std::vector<AccuracyRow>> OperationsService::AccuracyHistory(const TenantScope& scope,
                                                                    std::string_view item_id,
                                                                    int limit) {
  SIGNX_RETURN_IF_ERROR(GetItem(scope, item_id).status());
  return InAlerts<std::vector<AccuracyRow>>(
      store_, clock_, scope, [&](AlertStore& a) { return a.AccuracyHistory(item_id, limit); },
      true);
}

}  // namespace signx::operations
