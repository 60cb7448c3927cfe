#include "operations/types.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>
#include <chrono>
#include <cmath>

#include "base/strings.h"

namespace signx::operations {
namespace {

namespace json = boost::json;

constexpr std::size_t kMaxKeyBytes = 64;    // sku, code, external ids
constexpr std::size_t kMaxTextBytes = 500;  // names, descriptions
constexpr double kMaxQuantity = 1e12;

bool IsKeyText(std::string_view s) {
  if (s.empty() || s.size() > kMaxKeyBytes) return false;
  for (char c : s) {
    if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) return false;
  }
  return IsValidUtf8(s);
}

std::string KeyRule() {
  return fmt::format("1 to {} visible characters without spaces", kMaxKeyBytes);
}

bool IsText(std::string_view s) { return s.size() <= kMaxTextBytes && IsValidUtf8(s); }

json::value OptJson(const std::optional<std::string>& s) {
  return s ? json::value(*s) : json::value(nullptr);
}

// A JSON value as row text: strings as they are, numbers and booleans as their JSON text.
std::string JsonText(const json::value& v) {
  if (v.is_string()) return std::string(v.get_string());
  if (v.is_null()) return "";
  return json::serialize(v);
}

// Numeric field parsers that report into `errors` and return nullopt on a failure.
std::optional<double> Quantity(const RawRow& row, std::string_view field, int64_t n,
                               std::vector<RowError>& errors, bool required) {
  auto v = FieldOf(row, field);
  if (!v) {
    if (required) errors.push_back({n, std::string(field), "required"});
    return std::nullopt;
  }
  auto d = ParseDouble(*v);
  if (!d || !std::isfinite(*d) || *d < 0 || *d > kMaxQuantity) {
    errors.push_back(
        {n, std::string(field), fmt::format("a number >= 0 and <= {:g}", kMaxQuantity)});
    return std::nullopt;
  }
  return *d;
}

std::optional<int64_t> Integer(const RawRow& row, std::string_view field, int64_t n,
                               std::vector<RowError>& errors, int64_t min, int64_t max) {
  auto v = FieldOf(row, field);
  if (!v) return std::nullopt;
  auto i = ParseInt(*v);
  if (!i || *i < min || *i > max) {
    errors.push_back({n, std::string(field), fmt::format("an integer from {} to {}", min, max)});
    return std::nullopt;
  }
  return static_cast<int64_t>(*i);
}

std::optional<std::string> Key(const RawRow& row, std::string_view field, int64_t n,
                               std::vector<RowError>& errors, bool required) {
  auto v = FieldOf(row, field);
  if (!v) {
    if (required) errors.push_back({n, std::string(field), "required"});
    return std::nullopt;
  }
  if (!IsKeyText(*v)) {
    errors.push_back({n, std::string(field), KeyRule()});
    return std::nullopt;
  }
  return std::string(*v);
}

std::optional<std::string> Text(const RawRow& row, std::string_view field, int64_t n,
                                std::vector<RowError>& errors) {
  auto v = FieldOf(row, field);
  if (!v) return std::nullopt;
  if (!IsText(*v)) {
    errors.push_back(
        {n, std::string(field), fmt::format("at most {} bytes of UTF-8", kMaxTextBytes)});
    return std::nullopt;
  }
  return std::string(*v);
}

std::optional<Timestamp> At(const RawRow& row, int64_t n, std::vector<RowError>& errors) {
  auto v = FieldOf(row, "at");
  if (!v) {
    errors.push_back({n, "at", "required"});
    return std::nullopt;
  }
  auto t = ParseInstant(*v);
  if (!t.ok()) {
    errors.push_back({n, "at", "an RFC 3339 time or a YYYY-MM-DD date"});
    return std::nullopt;
  }
  return *t;
}

// A JSON body as a RawRow (for the API paths that share the row rules).
RawRow RowOf(const json::object& body) {
  RawRow row;
  for (const auto& [k, v] : body) row.emplace_back(std::string(k), JsonText(v));
  return row;
}

}  // namespace

std::string_view EntityName(Entity e) {
  switch (e) {
    case Entity::kItems:
      return "items";
    case Entity::kProcesses:
      return "processes";
    case Entity::kInventory:
      return "inventory";
    case Entity::kReceipts:
      return "receipts";
    case Entity::kConsumption:
      return "consumption";
  }
  return "items";
}

std::optional<Entity> ParseEntity(std::string_view name) {
  for (Entity e : {Entity::kItems, Entity::kProcesses, Entity::kInventory, Entity::kReceipts,
                   Entity::kConsumption}) {
    if (EntityName(e) == name) return e;
  }
  return std::nullopt;
}

std::string_view FormatName(Format f) {
  switch (f) {
    case Format::kCsv:
      return "csv";
    case Format::kNdjson:
      return "ndjson";
    case Format::kJson:
      return "json";
  }
  return "csv";
}

std::optional<Format> ParseFormat(std::string_view name) {
  for (Format f : {Format::kCsv, Format::kNdjson, Format::kJson}) {
    if (FormatName(f) == name) return f;
  }
  return std::nullopt;
}

std::optional<std::string_view> FieldOf(const RawRow& row, std::string_view field) {
  for (const auto& [k, v] : row) {
    if (k == field) {
      std::string_view t = Trim(v);
      if (t.empty()) return std::nullopt;
      return t;
    }
  }
  return std::nullopt;
}

Result<Timestamp> ParseInstant(std::string_view text) {
  text = Trim(text);
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    auto y = ParseInt(text.substr(0, 4));
    auto m = ParseInt(text.substr(5, 2));
    auto d = ParseInt(text.substr(8, 2));
    if (y && m && d) {
      const std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(*y)),
                                            std::chrono::month(static_cast<unsigned>(*m)),
                                            std::chrono::day(static_cast<unsigned>(*d))};
      if (ymd.ok() && *y >= 1970 && *y <= 9999) {
        return Timestamp(std::chrono::sys_days(ymd).time_since_epoch());
      }
    }
    return InvalidArgument("not a date: " + std::string(text));
  }
  return ParseRfc3339(text);
}

std::string DayOf(Timestamp t) {
  const auto days = std::chrono::floor<std::chrono::days>(t);
  const std::chrono::year_month_day ymd{days};
  return fmt::format("{:04d}-{:02d}-{:02d}", static_cast<int>(ymd.year()),
                     static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
}

// ---- items ----

Item ApplyItemFields(Item base, const ItemFields& f) {
  if (f.sku) base.sku = *f.sku;
  if (f.name) base.name = *f.name;
  if (f.unit) base.unit = *f.unit;
  if (f.category) base.category = *f.category;
  if (f.lead_time_days) base.lead_time_days = *f.lead_time_days;
  if (f.reorder_point) base.reorder_point = *f.reorder_point;
  if (f.safety_stock) base.safety_stock = *f.safety_stock;
  if (f.cost_cents) base.cost_cents = *f.cost_cents;
  if (base.name.empty()) base.name = base.sku;
  if (base.unit.empty()) base.unit = "ea";
  return base;
}

std::vector<FieldError> CheckItemFields(const ItemFields& f, bool creating) {
  std::vector<FieldError> bad;
  if (creating && !f.sku) bad.push_back({"sku", "required"});
  if (f.sku && !IsKeyText(*f.sku)) bad.push_back({"sku", KeyRule()});
  if (f.name && (f.name->empty() || !IsText(*f.name)))
    bad.push_back({"name", fmt::format("1 to {} bytes of UTF-8", kMaxTextBytes)});
  if (f.unit && !IsKeyText(*f.unit)) bad.push_back({"unit", KeyRule()});
  if (f.category && *f.category && !IsText(**f.category))
    bad.push_back({"category", fmt::format("at most {} bytes of UTF-8", kMaxTextBytes)});
  if (f.lead_time_days && (*f.lead_time_days < 0 || *f.lead_time_days > 3650))
    bad.push_back({"lead_time_days", "an integer from 0 to 3650"});
  for (auto [name, v] :
       {std::pair{"reorder_point", f.reorder_point}, std::pair{"safety_stock", f.safety_stock}}) {
    if (v && (!std::isfinite(*v) || *v < 0 || *v > kMaxQuantity))
      bad.push_back({name, fmt::format("a number >= 0 and <= {:g}", kMaxQuantity)});
  }
  if (f.cost_cents && (*f.cost_cents < 0 || *f.cost_cents > int64_t{1} << 50))
    bad.push_back({"cost_cents", "an integer >= 0"});
  if (f.external_id && !IsKeyText(*f.external_id)) bad.push_back({"external_id", KeyRule()});
  return bad;
}

ItemFields ItemFieldsFromRow(const RawRow& row, int64_t n, std::vector<RowError>& errors) {
  ItemFields f;
  f.sku = Key(row, "sku", n, errors, true);
  f.name = Text(row, "name", n, errors);
  f.unit = Key(row, "unit", n, errors, false);
  if (auto c = Text(row, "category", n, errors)) f.category = std::optional<std::string>(*c);
  f.lead_time_days = Integer(row, "lead_time_days", n, errors, 0, 3650);
  f.reorder_point = Quantity(row, "reorder_point", n, errors, false);
  f.safety_stock = Quantity(row, "safety_stock", n, errors, false);
  f.cost_cents = Integer(row, "cost_cents", n, errors, 0, int64_t{1} << 50);
  f.external_id = Key(row, "external_id", n, errors, false);
  return f;
}

Result<ItemFields> ItemFieldsFromJson(const json::object& body, bool creating) {
  static const std::vector<std::string_view> kKnown = {
      "sku",           "name",         "unit",      "category", "lead_time_days",
      "reorder_point", "safety_stock", "cost_cents"};
  std::vector<FieldError> bad;
  ItemFields f;
  for (const auto& [k, v] : body) {
    if (std::find(kKnown.begin(), kKnown.end(), std::string_view(k)) == kKnown.end()) {
      bad.push_back({std::string(k), "unknown field"});
      continue;
    }
    const bool is_text_field = k == "sku" || k == "name" || k == "unit" || k == "category";
    if (k == "category" && v.is_null()) {
      f.category = std::optional<std::string>();
      continue;
    }
    if (is_text_field && !v.is_string()) {
      bad.push_back({std::string(k), "must be a string"});
      continue;
    }
    if (!is_text_field && !v.is_number()) {
      bad.push_back({std::string(k), "must be a number"});
      continue;
    }
    if (k == "sku") f.sku = std::string(v.get_string());
    if (k == "name") f.name = std::string(v.get_string());
    if (k == "unit") f.unit = std::string(v.get_string());
    if (k == "category") f.category = std::optional<std::string>(std::string(v.get_string()));
    if (k == "reorder_point") f.reorder_point = v.to_number<double>();
    if (k == "safety_stock") f.safety_stock = v.to_number<double>();
    if (k == "lead_time_days" || k == "cost_cents") {
      std::error_code ec;
      const int64_t i = v.to_number<int64_t>(ec);
      if (ec) {
        bad.push_back({std::string(k), "must be an integer"});
        continue;
      }
      (k == "lead_time_days" ? f.lead_time_days : f.cost_cents) = i;
    }
  }
  for (auto& e : CheckItemFields(f, creating)) bad.push_back(std::move(e));
  if (!bad.empty()) return ValidationFailed(std::move(bad));
  return f;
}

json::object ToJson(const Item& i) {
  return {{"id", i.id},
          {"sku", i.sku},
          {"name", i.name},
          {"unit", i.unit},
          {"category", OptJson(i.category)},
          {"lead_time_days", i.lead_time_days},
          {"reorder_point", i.reorder_point},
          {"safety_stock", i.safety_stock},
          {"cost_cents", i.cost_cents},
          {"version", i.version},
          {"created_at", FormatRfc3339(i.created_at)},
          {"updated_at", FormatRfc3339(i.updated_at)}};
}

// ---- processes ----

std::optional<ProcessRow> ProcessRowFrom(const RawRow& row, int64_t n,
                                         std::vector<RowError>& errors) {
  const std::size_t before = errors.size();
  ProcessRow out;
  auto code = Key(row, "code", n, errors, true);
  out.name = Text(row, "name", n, errors);
  out.item_sku = Key(row, "item_sku", n, errors, false);
  auto seq = Integer(row, "seq", n, errors, 1, 1000);
  if (!FieldOf(row, "seq")) errors.push_back({n, "seq", "required"});
  auto wc = Key(row, "work_centre", n, errors, true);
  auto hours = Quantity(row, "standard_hours", n, errors, true);
  out.step.description = Text(row, "description", n, errors);
  if (errors.size() != before) return std::nullopt;
  out.code = *code;
  out.step.seq = *seq;
  out.step.work_centre = *wc;
  out.step.standard_hours = *hours;
  return out;
}

void UpsertStep(Process& p, const ProcessStep& step) {
  auto it = std::find_if(p.steps.begin(), p.steps.end(),
                         [&](const ProcessStep& s) { return s.seq == step.seq; });
  if (it != p.steps.end()) {
    *it = step;
  } else {
    p.steps.push_back(step);
  }
  std::sort(p.steps.begin(), p.steps.end(),
            [](const ProcessStep& a, const ProcessStep& b) { return a.seq < b.seq; });
  p.standard_hours = 0;
  for (const auto& s : p.steps) p.standard_hours += s.standard_hours;
}

json::array StepsJson(const std::vector<ProcessStep>& steps) {
  json::array out;
  for (const auto& s : steps) {
    out.push_back({{"seq", s.seq},
                   {"work_centre", s.work_centre},
                   {"standard_hours", s.standard_hours},
                   {"description", OptJson(s.description)}});
  }
  return out;
}

namespace {

Result<std::vector<ProcessStep>> StepsFromJson(const json::value& v, std::vector<FieldError>& bad) {
  std::vector<ProcessStep> steps;
  if (!v.is_array()) {
    bad.push_back({"steps", "must be an array"});
    return steps;
  }
  if (v.get_array().size() > 200) bad.push_back({"steps", "at most 200 steps"});
  std::size_t i = 0;
  for (const auto& e : v.get_array()) {
    const std::string at = fmt::format("steps[{}]", i++);
    if (!e.is_object()) {
      bad.push_back({at, "must be an object"});
      continue;
    }
    std::vector<RowError> errors;
    auto r = ProcessRowFrom(
        [&] {
          RawRow row = RowOf(e.get_object());
          row.emplace_back("code", "x");
          return row;
        }(),
        0, errors);
    for (const auto& err : errors) bad.push_back({at + "." + err.field, err.rule});
    if (r) steps.push_back(r->step);
  }
  return steps;
}

}  // namespace

Result<ProcessInput> ProcessInputFromJson(const json::object& body, bool creating) {
  std::vector<FieldError> bad;
  ProcessInput in;
  for (const auto& [k, v] : body) {
    if (k == "code" || k == "name") {
      if (!v.is_string()) {
        bad.push_back({std::string(k), "must be a string"});
        continue;
      }
      std::string s(v.get_string());
      if (k == "code") {
        if (!IsKeyText(s)) bad.push_back({"code", KeyRule()});
        in.code = std::move(s);
      } else {
        if (s.empty() || !IsText(s)) bad.push_back({"name", "1 to 500 bytes of UTF-8"});
        in.name = std::move(s);
      }
    } else if (k == "item_id") {
      if (v.is_null()) {
        in.item_id = std::optional<std::string>();
      } else if (v.is_string()) {
        in.item_id = std::optional<std::string>(std::string(v.get_string()));
      } else {
        bad.push_back({"item_id", "must be a string or null"});
      }
    } else if (k == "steps") {
      auto steps = StepsFromJson(v, bad);
      if (steps.ok()) {
        Process p;
        for (const auto& s : *steps) UpsertStep(p, s);
        if (p.steps.size() != steps->size()) bad.push_back({"steps", "seq must be unique"});
        in.steps = std::move(p.steps);
      }
    } else {
      bad.push_back({std::string(k), "unknown field"});
    }
  }
  if (creating && !in.code) bad.push_back({"code", "required"});
  if (!bad.empty()) return ValidationFailed(std::move(bad));
  return in;
}

Result<std::vector<ProcessStep>> StepsFromJsonText(std::string_view text) {
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Internal("stored steps are not JSON");
  std::vector<FieldError> bad;
  auto steps = StepsFromJson(v, bad);
  if (!bad.empty()) return Internal("stored steps are malformed");
  return steps;
}

json::object ToJson(const Process& p) {
  return {{"id", p.id},
          {"code", p.code},
          {"name", p.name},
          {"item_id", OptJson(p.item_id)},
          {"steps", StepsJson(p.steps)},
          {"standard_hours", p.standard_hours},
          {"version", p.version},
          {"created_at", FormatRfc3339(p.created_at)},
          {"updated_at", FormatRfc3339(p.updated_at)}};
}

// ---- stock ----

json::object ToJson(const Snapshot& s) {
  return {{"id", s.id},
          {"item_id", s.item_id},
          {"on_hand", s.on_hand},
          {"on_order", s.on_order},
          {"allocated", s.allocated},
          {"at", FormatRfc3339(s.at)},
          {"source", s.source},
          {"batch_id", OptJson(s.batch_id)}};
}

std::string ItemRef::Label() const {
  if (sku) return "sku " + *sku;
  if (external_id) return "external id " + *external_id;
  return "no item";
}

ItemRef ItemRefFromRow(const RawRow& row, int64_t n, std::vector<RowError>& errors) {
  ItemRef ref;
  ref.sku = Key(row, "sku", n, errors, false);
  ref.external_id = Key(row, "item_external_id", n, errors, false);
  if (!FieldOf(row, "sku") && !FieldOf(row, "item_external_id")) {
    errors.push_back({n, "sku", "required (or item_external_id)"});
  }
  return ref;
}

std::optional<SnapshotRow> SnapshotRowFrom(const RawRow& row, int64_t n,
                                           std::vector<RowError>& errors) {
  const std::size_t before = errors.size();
  SnapshotRow out;
  out.item = ItemRefFromRow(row, n, errors);
  auto on_hand = Quantity(row, "on_hand", n, errors, true);
  auto on_order = Quantity(row, "on_order", n, errors, false);
  auto allocated = Quantity(row, "allocated", n, errors, false);
  auto at = At(row, n, errors);
  if (errors.size() != before) return std::nullopt;
  out.on_hand = *on_hand;
  out.on_order = on_order.value_or(0);
  out.allocated = allocated.value_or(0);
  out.at = *at;
  return out;
}

std::optional<MovementRow> MovementRowFrom(const RawRow& row, int64_t n,
                                           std::vector<RowError>& errors) {
  const std::size_t before = errors.size();
  MovementRow out;
  out.item = ItemRefFromRow(row, n, errors);
  auto q = Quantity(row, "quantity", n, errors, true);  // 0: a day without any
  auto at = At(row, n, errors);
  if (errors.size() != before) return std::nullopt;
  out.quantity = *q;
  out.at = *at;
  return out;
}

// ---- batches ----

json::object ToJson(const Batch& b) {
  return {{"id", b.id},
          {"source", b.source},
          {"entity", EntityName(b.entity)},
          {"format", FormatName(b.format)},
          {"filename", OptJson(b.filename)},
          {"checksum", b.checksum},
          {"size_bytes", b.size_bytes},
          {"partial", b.partial},
          {"status", b.status},
          {"row_count", b.row_count},
          {"applied_rows", b.applied_rows},
          {"rejected_rows", b.rejected_rows},
          {"error_count", b.error_count},
          {"changes", b.changes},
          {"message", OptJson(b.message)},
          {"job_id", OptJson(b.job_id)},
          {"replays", b.replays},
          {"created_by", OptJson(b.created_by)},
          {"created_at", FormatRfc3339(b.created_at)},
          {"updated_at", FormatRfc3339(b.updated_at)},
          {"completed_at",
           b.completed_at ? json::value(FormatRfc3339(*b.completed_at)) : json::value(nullptr)}};
}

json::object ToJson(const RowError& e) {
  return {{"row", e.row}, {"field", e.field}, {"rule", e.rule}};
}

}  // namespace signx::operations
