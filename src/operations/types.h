// The operations domain, pure: the shop's items, processes (routings), stock snapshots and
// movements, ingest batches and their row errors — types, validation of one input row, and JSON.
//
// An input row is a list of (field, text) pairs whatever its format (a CSV record under its
// header, an NDJSON line or an element of a JSON push, numbers written as text), so every format is
// validated by the same rules. A rule failure is a RowError naming the row, the field and the rule.
//
// Thread-safety: pure functions over value types.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace signx::operations {

// What a batch carries; one batch holds one entity.
enum class Entity { kItems, kProcesses, kInventory, kReceipts, kConsumption };
std::string_view EntityName(Entity e);  // "items", ...
std::optional<Entity> ParseEntity(std::string_view name);
inline constexpr std::string_view kEntityList =
    "items, processes, inventory, receipts, consumption";

enum class Format { kCsv, kNdjson, kJson };
std::string_view FormatName(Format f);  // "csv", "ndjson", "json"
std::optional<Format> ParseFormat(std::string_view name);

// received → validated → normalized | rejected (received → rejected when validation fails).
inline constexpr std::string_view kReceived = "received";
inline constexpr std::string_view kValidated = "validated";
inline constexpr std::string_view kNormalized = "normalized";
inline constexpr std::string_view kRejected = "rejected";

struct RowError {
  int64_t row = 0;  // 1-based data row (a CSV header is not a row)
  std::string field;
  std::string rule;
  bool operator==(const RowError&) const = default;
};

// One input row: (field, value) pairs; an absent or empty value means "not given".
using RawRow = std::vector<std::pair<std::string, std::string>>;
// The value of `field` in `row`, nullopt when absent or blank.
std::optional<std::string_view> FieldOf(const RawRow& row, std::string_view field);

// ---- items ----
struct Item {
  std::string id;  // itm_<ulid>
  std::string org_id;
  std::string sku;
  std::string name;
  std::string unit;
  std::optional<std::string> category;
  int64_t lead_time_days = 0;
  double reorder_point = 0;
  double safety_stock = 0;
  int64_t cost_cents = 0;
  int64_t version = 1;
  Timestamp created_at;
  Timestamp updated_at;
};

// The fields an input gives (unset = keep the current value; defaults apply on create).
struct ItemFields {
  std::optional<std::string> sku;
  std::optional<std::string> name;
  std::optional<std::string> unit;
  std::optional<std::optional<std::string>> category;  // inner nullopt clears it
  std::optional<int64_t> lead_time_days;
  std::optional<double> reorder_point;
  std::optional<double> safety_stock;
  std::optional<int64_t> cost_cents;
  std::optional<std::string> external_id;  // ingest: the item's id in the source system
};
// `base` with `fields` applied (sku, name and unit default on create: name = sku, unit = "ea").
Item ApplyItemFields(Item base, const ItemFields& fields);
// Rules shared by every input path. `creating`: sku is required.
std::vector<FieldError> CheckItemFields(const ItemFields& fields, bool creating);
// Parses an ingest row (sku, name, unit, category, lead_time_days, reorder_point, safety_stock,
// cost_cents, external_id).
ItemFields ItemFieldsFromRow(const RawRow& row, int64_t row_number, std::vector<RowError>& errors);
// Parses a JSON body (POST/PATCH /v1/items); kValidationFailed naming each bad field.
Result<ItemFields> ItemFieldsFromJson(const boost::json::object& body, bool creating);
boost::json::object ToJson(const Item& item);

// ---- processes ----
struct ProcessStep {
  int64_t seq = 0;
  std::string work_centre;
  double standard_hours = 0;
  std::optional<std::string> description;
  bool operator==(const ProcessStep&) const = default;
};
struct Process {
  std::string id;  // prc_<ulid>
  std::string org_id;
  std::string code;
  std::string name;
  std::optional<std::string> item_id;
  std::vector<ProcessStep> steps;  // ordered by seq
  double standard_hours = 0;       // sum of the steps
  int64_t version = 1;
  Timestamp created_at;
  Timestamp updated_at;
};
// One routing step of an ingest row (code, name, item_sku, seq, work_centre, standard_hours,
// description).
struct ProcessRow {
  std::string code;
  std::optional<std::string> name;
  std::optional<std::string> item_sku;
  ProcessStep step;
};
std::optional<ProcessRow> ProcessRowFrom(const RawRow& row, int64_t row_number,
                                         std::vector<RowError>& errors);
// Adds or replaces the step with `step.seq`, keeps the steps ordered and the total in step.
void UpsertStep(Process& p, const ProcessStep& step);
struct ProcessInput {
  std::optional<std::string> code;
  std::optional<std::string> name;
  std::optional<std::optional<std::string>> item_id;
  std::optional<std::vector<ProcessStep>> steps;
};
Result<ProcessInput> ProcessInputFromJson(const boost::json::object& body, bool creating);
boost::json::array StepsJson(const std::vector<ProcessStep>& steps);
Result<std::vector<ProcessStep>> StepsFromJsonText(std::string_view text);
boost::json::object ToJson(const Process& p);

// ---- stock ----
struct Snapshot {
  std::string id;  // inv_<ulid>
  std::string item_id;
  double on_hand = 0;
  double on_order = 0;
  double allocated = 0;
  Timestamp at;
  std::string source;
  std::optional<std::string> batch_id;
};
boost::json::object ToJson(const Snapshot& s);

// The item an ingest row refers to: `sku`, or `item_external_id` in the batch's source system.
struct ItemRef {
  std::optional<std::string> sku;
  std::optional<std::string> external_id;
  std::string Label() const;  // for messages
};
ItemRef ItemRefFromRow(const RawRow& row, int64_t row_number, std::vector<RowError>& errors);

// An inventory count row (sku | item_external_id, on_hand, on_order, allocated, at).
struct SnapshotRow {
  ItemRef item;
  double on_hand = 0;
  double on_order = 0;
  double allocated = 0;
  Timestamp at;
};
std::optional<SnapshotRow> SnapshotRowFrom(const RawRow& row, int64_t row_number,
                                           std::vector<RowError>& errors);

// A receipt or consumption row (sku | item_external_id, quantity >= 0, at).
struct MovementRow {
  ItemRef item;
  double quantity = 0;
  Timestamp at;
};
std::optional<MovementRow> MovementRowFrom(const RawRow& row, int64_t row_number,
                                           std::vector<RowError>& errors);

// "2026-12-07T10:00:00Z" or "2026-12-07" (midnight UTC).
Result<Timestamp> ParseInstant(std::string_view text);
// The UTC day of `t`, "YYYY-MM-DD".
std::string DayOf(Timestamp t);

// ---- batches ----
struct Batch {
  std::string id;  // bat_<ulid>
  std::string org_id;
  std::string source;
  Entity entity = Entity::kItems;
  Format format = Format::kCsv;
  std::optional<std::string> filename;
  std::string checksum;
  int64_t size_bytes = 0;
  bool partial = false;
  std::string status;
  int64_t row_count = 0;
  int64_t applied_rows = 0;
  int64_t rejected_rows = 0;
  int64_t error_count = 0;
  int64_t changes = 0;
  std::optional<std::string> message;
  std::optional<std::string> job_id;
  int64_t replays = 0;
  std::optional<std::string> created_by;
  Timestamp created_at;
  Timestamp updated_at;
  std::optional<Timestamp> completed_at;
};
boost::json::object ToJson(const Batch& b);
boost::json::object ToJson(const RowError& e);

}  // namespace signx::operations
