#include "estimating/price_lists.h"

#include <fmt/format.h>

#include <algorithm>
#include <boost/json.hpp>

#include "base/id.h"
#include "http/json.h"

namespace signx::estimating {
namespace {

namespace json = boost::json;

constexpr const char* kColumns =
    "id, org_id, name, version, body, active, created_by, created_at, activated_at";

StoredPriceList FromRow(const storage::Row& r) {
  StoredPriceList p;
  p.id = r.Text(0);
  p.org_id = r.Text(1);
  p.name = r.Text(2);
  p.version = r.Int(3);
  p.body_json = r.Text(4);
  p.active = r.Bool(5);
  p.created_by = r.OptText(6);
  p.created_at = r.Time(7);
  p.activated_at = r.OptTime(8);
  return p;
}

bool ValidName(std::string_view s) {
  if (s.empty() || s.size() > 100) return false;
  return std::all_of(s.begin(), s.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '-';
  });
}

}  // namespace

json::object ToJson(const StoredPriceList& p) {
  boost::system::error_code ec;
  json::value body = json::parse(p.body_json, ec);
  if (ec) body = json::object{};
  return json::object{
      {"id", p.id},
      {"name", p.name},
      {"version", p.version},
      {"version_ref", p.VersionRef()},
      {"active", p.active},
      {"price_list", std::move(body)},
      {"created_by", p.created_by ? json::value(*p.created_by) : json::value(nullptr)},
      {"created_at", FormatRfc3339(p.created_at)},
      {"activated_at", p.activated_at ? json::value(FormatRfc3339(*p.activated_at))
                                      : json::value(nullptr)}};
}

Result<StoredPriceList> CreatePriceList(storage::Txn& txn, const Scope& scope,
                                        const json::object& body, const Clock& clock) {
  std::vector<FieldError> errors;
  std::string name;
  if (const json::value* n = body.if_contains("name"); !n || !n->is_string()) {
    errors.push_back({"name", "is required: a string of 1..100 characters a-z, 0-9, _ or -"});
  } else if (!ValidName(n->get_string())) {
    errors.push_back({"name", "must be 1..100 characters a-z, 0-9, _ or -"});
  } else {
    name = std::string(n->get_string());
  }
  bool activate = false;
  if (const json::value* a = body.if_contains("activate")) {
    if (!a->is_bool()) {
      errors.push_back({"activate", "must be true or false"});
    } else {
      activate = a->get_bool();
    }
  }
  for (std::string_view k : {"id", "version"}) {
    if (body.contains(k)) {
      errors.push_back({std::string(k), "is assigned by the server (versions are immutable)"});
    }
  }
  int64_t version = 1;
  if (!name.empty()) {
    SIGNX_ASSIGN_OR_RETURN(auto row, txn.QueryOne("SELECT MAX(version) FROM price_lists WHERE "
                                                  "org_id = $1 AND name = $2",
                                                  {scope.org_id, name}));
    if (row && !row->IsNull(0)) version = row->Int(0) + 1;
  }
  json::object list = body;
  list.erase("name");
  list.erase("activate");
  list["id"] = name.empty() ? "unnamed" : name;
  list["version"] = std::to_string(version);
  auto parsed = ParsePriceList(list);
  if (!parsed.ok()) {
    for (const auto& e : parsed.status().details()) {
      if (e.field != "id" && e.field != "version") errors.push_back(e);
    }
    if (parsed.status().details().empty()) {
      errors.push_back({"price_list", std::string(parsed.status().message())});
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid price list");

  StoredPriceList p;
  p.id = NewId("pl", clock);
  p.org_id = scope.org_id;
  p.name = name;
  p.version = version;
  p.body_json = http::ToJsonText(list);
  p.created_by = scope.actor;
  p.created_at = clock.Now();
  SIGNX_RETURN_IF_ERROR(
      txn.Exec(fmt::format("INSERT INTO price_lists ({}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, "
                           "$9)",
                           kColumns),
               {p.id, p.org_id, p.name, p.version, storage::Json{p.body_json}, false, p.created_by,
                p.created_at, std::nullopt})
          .status());
  if (activate) return ActivatePriceList(txn, scope, p.id, clock);
  return p;
}

Result<StoredPriceList> GetPriceList(storage::Txn& txn, const Scope& scope, std::string_view id) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row, txn.QueryOne(fmt::format("SELECT {} FROM price_lists WHERE id = $1 AND org_id = $2",
                                         kColumns),
                             {std::string(id), scope.org_id}));
  if (!row) return NotFound(fmt::format("price list {} not found", id));
  return FromRow(*row);
}

Result<std::optional<StoredPriceList>> ActivePriceList(storage::Txn& txn, const Scope& scope) {
  SIGNX_ASSIGN_OR_RETURN(
      auto row,
      txn.QueryOne(fmt::format("SELECT {} FROM price_lists WHERE org_id = $1 AND active = $2",
                               kColumns),
                   {scope.org_id, true}));
  if (!row) return std::optional<StoredPriceList>();
  return std::optional<StoredPriceList>(FromRow(*row));
}

Result<Page<StoredPriceList>> ListPriceLists(storage::Txn& txn, const Scope& scope,
                                             const std::optional<std::string>& name, int limit,
                                             std::string_view cursor) {
  limit = std::clamp(limit, 1, kMaxPageSize);
  storage::Params params{scope.org_id};
  std::string sql = fmt::format("SELECT {} FROM price_lists WHERE org_id = $1", kColumns);
  if (name) {
    params.emplace_back(*name);
    sql += fmt::format(" AND name = ${}", params.size());
  }
  if (!cursor.empty()) {
    params.emplace_back(std::string(cursor));
    sql += fmt::format(" AND id < ${}", params.size());
  }
  params.emplace_back(static_cast<int64_t>(limit + 1));
  sql += fmt::format(" ORDER BY id DESC LIMIT ${}", params.size());
  SIGNX_ASSIGN_OR_RETURN(storage::ResultSet rs, txn.Query(sql, params));
  std::vector<StoredPriceList> items;
  for (const auto& r : rs.rows) items.push_back(FromRow(r));
  return TrimPage(std::move(items), limit, [](const StoredPriceList& x) { return x.id; });
}

Result<StoredPriceList> ActivatePriceList(storage::Txn& txn, const Scope& scope,
                                          std::string_view id, const Clock& clock) {
  SIGNX_ASSIGN_OR_RETURN(StoredPriceList p, GetPriceList(txn, scope, id));
  if (p.active) return p;
  SIGNX_RETURN_IF_ERROR(
      txn.Exec("UPDATE price_lists SET active = $1 WHERE org_id = $2 AND active = $3",
               {false, scope.org_id, true})
          .status());
  const Timestamp now = clock.Now();
  SIGNX_RETURN_IF_ERROR(
      txn.Exec("UPDATE price_lists SET active = $1, activated_at = $2 WHERE id = $3 AND "
               "org_id = $4",
               {true, now, p.id, scope.org_id})
          .status());
  p.active = true;
  p.activated_at = now;
  return p;
}

Result<PriceList> ParseStoredPriceList(const StoredPriceList& p) {
  boost::system::error_code ec;
  json::value v = json::parse(p.body_json, ec);
  if (ec || !v.is_object()) return Status(ErrorCode::kDataLoss, "stored price list is not JSON");
  return ParsePriceList(v.as_object());
}

}  // namespace signx::estimating
