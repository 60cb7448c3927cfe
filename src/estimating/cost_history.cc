// Cost history: the dated jobs the cost model learns from, read from cost records or from the
// NDJSON that `signx demo generate` writes.
#include <fmt/format.h>

#include <boost/json.hpp>
#include <utility>

#include "base/strings.h"
#include "estimating/cost_model.h"

namespace signx::estimating {
namespace json = boost::json;

std::optional<int> YearOf(std::string_view date) {
  if (date.size() != 10 || date[4] != '-' || date[7] != '-') return std::nullopt;
  int y = 0, m = 0, d = 0;
  for (int i = 0; i < 4; ++i) {
    if (date[i] < '0' || date[i] > '9') return std::nullopt;
    y = y * 10 + (date[i] - '0');
  }
  for (int i : {5, 6}) {
    if (date[i] < '0' || date[i] > '9') return std::nullopt;
    m = m * 10 + (date[i] - '0');
  }
  for (int i : {8, 9}) {
    if (date[i] < '0' || date[i] > '9') return std::nullopt;
    d = d * 10 + (date[i] - '0');
  }
  if (m < 1 || m > 12 || d < 1 || d > 31) return std::nullopt;
  return y;
}

HistoryJob JobFromRecord(const CostRecord& r) {
  HistoryJob j;
  j.id = r.id;
  j.project_date = r.project_date;
  j.spec = r.spec;
  j.region_index = r.region_index;
  j.actual = r.actual;
  j.estimate_total_cents = r.estimate.total_cost_cents;
  j.estimator_id = r.estimator_id;
  return j;
}

Result<std::vector<HistoryJob>> ParseHistoryNdjson(std::string_view text, int64_t* skipped) {
  std::vector<HistoryJob> out;
  int64_t bad = 0;
  std::size_t pos = 0;
  int64_t line_no = 0;
  auto get_int = [](const json::object& o, std::string_view k) -> int64_t {
    const auto* v = o.if_contains(k);
    return v && v->is_int64() ? v->get_int64() : 0;
  };
  while (pos < text.size()) {
    std::size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    const std::string_view line = Trim(text.substr(pos, end - pos));
    pos = end + 1;
    ++line_no;
    if (line.empty()) continue;
    boost::system::error_code ec;
    json::value v = json::parse(line, ec);
    if (ec || !v.is_object()) {
      return InvalidArgument(fmt::format("line {}: not a JSON object", line_no));
    }
    const auto& o = v.get_object();
    const auto* drivers = o.if_contains("drivers");
    if (!drivers || !drivers->is_object()) {
      ++bad;
      continue;
    }
    auto spec = sign::ParseSignSpec(drivers->get_object(), {.reject_unknown_fields = false});
    if (!spec.ok()) {
      ++bad;
      continue;
    }
    HistoryJob j;
    j.spec = std::move(spec).value();
    if (const auto* id = o.if_contains("id"); id && id->is_string()) j.id = id->get_string();
    if (const auto* d = o.if_contains("project_date"); d && d->is_string()) {
      j.project_date = d->get_string();
    }
    if (const auto* ri = drivers->get_object().if_contains("region_index"); ri && ri->is_number()) {
      j.region_index = ri->to_number<double>();
    }
    j.actual.total_cost_cents = get_int(o, "total_cost_cents");
    j.actual.labor_cost_cents = get_int(o, "labor_cost_cents");
    j.actual.material_cost_cents = get_int(o, "material_cost_cents");
    j.actual.equipment_cost_cents = get_int(o, "equipment_cost_cents");
    j.actual.overhead_cost_cents = get_int(o, "overhead_cost_cents");
    j.actual.tax_cents = get_int(o, "tax_cents");
    j.actual.shipping_cents = get_int(o, "shipping_cents");
    if (const auto* e = o.if_contains("estimate"); e && e->is_object()) {
      j.estimate_total_cents = get_int(e->get_object(), "total_cost_cents");
    }
    if (const auto* ei = drivers->get_object().if_contains("estimator_id"); ei && ei->is_string()) {
      j.estimator_id = ei->get_string();
    }
    if (j.actual.total_cost_cents <= 0 || !YearOf(j.project_date)) {
      ++bad;
      continue;
    }
    out.push_back(std::move(j));
  }
  if (skipped) *skipped = bad;
  return out;
}

}  // namespace signx::estimating
