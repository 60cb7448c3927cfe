#include "estimating/quote.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace signx::estimating {
namespace {

constexpr int64_t kBp = 10'000;                   // basis points per 1
constexpr int64_t kMilli = 1'000;                 // thousandths per unit
constexpr int32_t kMaxMarkupBp = 100'000;         // 1000 % — beyond that it is a typo
constexpr int64_t kMaxCents = 1'000'000'000'000;  // $10 billion: overflow guard for inputs
// The largest amount a quote may carry anywhere (a line, a total, the price): $1 trillion. Every
// amount is computed in 128 bits and checked against it before it becomes an int64, so no input
// can wrap a total around (a price below cost).
constexpr Int128 kMaxQuoteCents = Int128{100'000'000'000'000};

// num / den rounded half up, in 128 bits (num >= 0, den > 0); DivRoundHalfUp narrows it.
Int128 RoundDiv(Int128 num, Int128 den) {
  SIGNX_DCHECK(num >= 0 && den > 0, "RoundDiv needs num >= 0, den > 0");
  return (2 * num + den) / (2 * den);
}

std::string TooLarge() { return "makes the quote larger than $1,000,000,000,000"; }

int32_t RoundedBp(Int128 num, Int128 den) {
  if (den == 0) return 0;
  const bool neg = num < 0;
  const int64_t v = DivRoundHalfUp(neg ? -num : num, den);
  return static_cast<int32_t>(neg ? -v : v);
}

}  // namespace

int64_t DivRoundHalfUp(Int128 num, Int128 den) { return static_cast<int64_t>(RoundDiv(num, den)); }

std::string_view Name(PricingMethod v) { return v == PricingMethod::kMarkup ? "markup" : "margin"; }
std::string_view Name(PartKind v) {
  switch (v) {
    case PartKind::kMaterial:
      return "material";
    case PartKind::kLabor:
      return "labor";
    case PartKind::kMachine:
      return "machine";
    case PartKind::kFixed:
      return "fixed";
  }
  return "fixed";
}

Result<Quote> PriceQuote(const PriceList& list, const QuoteRequest& request) {
  std::vector<FieldError> errors;
  if (request.quantity < 1 || request.quantity > 1'000'000) {
    errors.push_back(
        {"quantity", fmt::format("must be between 1 and 1000000 (got {})", request.quantity)});
  }
  const int32_t contingency_bp = request.contingency_bp.value_or(list.contingency_bp);
  if (contingency_bp < 0 || contingency_bp > kBp) {
    errors.push_back({"contingency_pct", "must be between 0 and 100 %"});
  }
  // The rate: the price list's, replaced by the quantity break with the highest minimum <= qty.
  int32_t rate_bp = list.rate_bp;
  int64_t best_min = std::numeric_limits<int64_t>::min();
  for (const auto& b : list.quantity_breaks) {
    if (b.min_quantity <= request.quantity && b.min_quantity > best_min) {
      best_min = b.min_quantity;
      rate_bp = b.rate_bp;
    }
  }
  if (list.method == PricingMethod::kMargin && (rate_bp < 0 || rate_bp >= kBp)) {
    errors.push_back({"price_list.rate_pct",
                      fmt::format("margin must be at least 0 % and below 100 % (price list {} "
                                  "gives {} bp)",
                                  list.VersionId(), rate_bp)});
  }
  if (list.method == PricingMethod::kMarkup && (rate_bp < 0 || rate_bp > kMaxMarkupBp)) {
    errors.push_back({"price_list.rate_pct",
                      fmt::format("markup must be between 0 % and 1000 % (price list {} gives {} "
                                  "bp)",
                                  list.VersionId(), rate_bp)});
  }

  Quote q;
  q.price_list_version = list.VersionId();
  q.quantity = request.quantity;
  q.method = list.method;
  q.rate_bp = rate_bp;
  q.contingency_bp = contingency_bp;
  const Int128 qty = std::max<int64_t>(request.quantity, 1);

  Int128 subtotal = 0;
  for (size_t i = 0; i < request.parts.size(); ++i) {
    const Part& p = request.parts[i];
    const std::string field = fmt::format("parts[{}]", i);
    Int128 line_cost = 0;
    QuoteLine line;
    line.kind = p.kind;
    line.key = p.key;
    line.description = p.description;
    if (p.kind != PartKind::kFixed && (p.usage_milli < 0 || p.usage_milli > kMaxCents)) {
      errors.push_back({field + ".usage", "must be between 0 and 1e12"});
      continue;
    }
    switch (p.kind) {
      case PartKind::kMaterial: {
        auto it = list.materials.find(p.key);
        if (it == list.materials.end()) {
          errors.push_back({field + ".key", fmt::format("no material '{}' in price list {}", p.key,
                                                        list.VersionId())});
          continue;
        }
        const MaterialRate& m = it->second;
        line.waste_bp = p.waste_bp.value_or(m.waste_bp);
        if (line.waste_bp < 0 || line.waste_bp > kBp) {
          errors.push_back({field + ".waste_pct", "must be between 0 and 100 %"});
          continue;
        }
        if (line.description.empty()) line.description = m.name;
        line.unit = m.unit;
        line.rate_cents = m.cost_cents_per_unit;
        line.usage_milli = static_cast<int64_t>(p.usage_milli * qty);
        // usage(milli) × (1 + waste)(bp) × rate(cents) / (1000 × 10000)
        line_cost = RoundDiv(
            Int128(p.usage_milli) * qty * (kBp + line.waste_bp) * m.cost_cents_per_unit,
            Int128(kMilli) * kBp);
        break;
      }
      case PartKind::kLabor: {
        auto it = list.labor.find(p.key);
        if (it == list.labor.end()) {
          errors.push_back({field + ".key", fmt::format("no labor rate '{}' in price list {}",
                                                        p.key, list.VersionId())});
          continue;
        }
        if (line.description.empty()) line.description = it->second.name;
        line.unit = "h";
        line.rate_cents = it->second.cost_cents_per_hour;
        line.usage_milli = static_cast<int64_t>(p.usage_milli * qty);
        line_cost = RoundDiv(Int128(p.usage_milli) * qty * line.rate_cents, Int128(kMilli));
        break;
      }
      case PartKind::kMachine: {
        auto it = list.machines.find(p.key);
        if (it == list.machines.end()) {
          errors.push_back({field + ".key", fmt::format("no machine rate '{}' in price list {}",
                                                        p.key, list.VersionId())});
          continue;
        }
        if (line.description.empty()) line.description = it->second.name;
        line.unit = "h";
        line.rate_cents = it->second.cost_cents_per_hour;
        line.setup_cents = it->second.setup_cents;
        line.usage_milli = static_cast<int64_t>(p.usage_milli * qty);
        line_cost = RoundDiv(Int128(p.usage_milli) * qty * line.rate_cents, Int128(kMilli)) +
                    line.setup_cents;
        break;
      }
      case PartKind::kFixed:
        if (p.fixed_cents < 0 || p.fixed_cents > kMaxCents) {
          errors.push_back({field + ".fixed_cents", "must be between 0 and 1e12"});
          continue;
        }
        if (line.description.empty()) {
          errors.push_back({field + ".description", "is required for a fixed line"});
          continue;
        }
        line.unit = "job";
        line.usage_milli = kMilli;
        line_cost = p.fixed_cents;
        break;
    }
    subtotal += line_cost;
    if (line_cost > kMaxQuoteCents || subtotal > kMaxQuoteCents) {
      errors.push_back({field, TooLarge()});
      continue;
    }
    line.cost_cents = static_cast<int64_t>(line_cost);
    q.cost_subtotal_cents = static_cast<int64_t>(subtotal);
    q.lines.push_back(std::move(line));
  }
  if (request.parts.empty()) errors.push_back({"parts", "must list at least one part"});
  if (!errors.empty()) return ValidationFailed(std::move(errors));

  const Int128 contingency = RoundDiv(Int128(q.cost_subtotal_cents) * contingency_bp, kBp);
  const Int128 total = Int128(q.cost_subtotal_cents) + contingency;
  if (total > kMaxQuoteCents) return ValidationFailed({{"contingency_pct", TooLarge()}});
  q.contingency_cents = static_cast<int64_t>(contingency);
  q.total_cost_cents = static_cast<int64_t>(total);
  // Exact job price as a fraction num/den, then the unit price rounded half up to the cent.
  Int128 num = 0, den = 1;
  if (q.method == PricingMethod::kMarkup) {
    num = Int128(q.total_cost_cents) * (kBp + rate_bp);  // cost × (1 + markup)
    den = kBp;
  } else {
    num = Int128(q.total_cost_cents) * kBp;  // cost / (1 − margin)
    den = kBp - rate_bp;
  }
  const Int128 unit_price = RoundDiv(num, den * qty);
  const Int128 price = unit_price * q.quantity;
  if (price > kMaxQuoteCents) {
    return ValidationFailed({{"price_list.rate_pct", TooLarge()}});
  }
  q.unit_price_cents = static_cast<int64_t>(unit_price);
  q.price_cents = static_cast<int64_t>(price);
  const Int128 profit = Int128(q.price_cents) - q.total_cost_cents;
  q.effective_markup_bp = RoundedBp(profit * kBp, q.total_cost_cents);
  q.effective_margin_bp = RoundedBp(profit * kBp, q.price_cents);
  return q;
}

namespace {

// Reads typed values from a JSON object, collecting FieldErrors under a path prefix.
class JsonReader {
 public:
  JsonReader(const boost::json::object& o, std::string prefix, std::vector<FieldError>& errors)
      : o_(o), prefix_(std::move(prefix)), errors_(errors) {}

  std::string Path(std::string_view key) const {
    return prefix_.empty() ? std::string(key) : prefix_ + "." + std::string(key);
  }
  void Add(std::string_view key, std::string message) {
    errors_.push_back({Path(key), std::move(message)});
  }
  const boost::json::value* Get(std::string_view key) const {
    const auto* v = o_.if_contains(key);
    return v == nullptr || v->is_null() ? nullptr : v;
  }

  std::optional<std::string> Str(std::string_view key, bool required) {
    const auto* v = Get(key);
    if (v == nullptr) {
      if (required) Add(key, "is required");
      return std::nullopt;
    }
    if (!v->is_string()) {
      Add(key, "must be a string");
      return std::nullopt;
    }
    return std::string(v->get_string());
  }

  std::optional<double> Num(std::string_view key, bool required) {
    const auto* v = Get(key);
    if (v == nullptr) {
      if (required) Add(key, "is required");
      return std::nullopt;
    }
    double d = 0;
    if (v->is_int64()) {
      d = static_cast<double>(v->get_int64());
    } else if (v->is_uint64()) {
      d = static_cast<double>(v->get_uint64());
    } else if (v->is_double()) {
      d = v->get_double();
    } else {
      Add(key, "must be a number");
      return std::nullopt;
    }
    if (!std::isfinite(d)) {
      Add(key, "must be a finite number");
      return std::nullopt;
    }
    return d;
  }

  // An integer in [lo, hi] (cents, quantities).
  std::optional<int64_t> Int(std::string_view key, bool required, int64_t lo, int64_t hi) {
    const auto* v = Get(key);
    if (v == nullptr) {
      if (required) Add(key, "is required");
      return std::nullopt;
    }
    if (!v->is_int64() && !v->is_uint64()) {
      Add(key, "must be an integer");
      return std::nullopt;
    }
    if (v->is_uint64() && v->get_uint64() > static_cast<uint64_t>(hi)) {
      Add(key, fmt::format("must be between {} and {}", lo, hi));
      return std::nullopt;
    }
    const int64_t i = v->is_int64() ? v->get_int64() : static_cast<int64_t>(v->get_uint64());
    if (i < lo || i > hi) {
      Add(key, fmt::format("must be between {} and {} (got {})", lo, hi, i));
      return std::nullopt;
    }
    return i;
  }

  // A percentage with at most two decimals, in [lo, hi] percent, as basis points.
  std::optional<int32_t> Pct(std::string_view key, bool required, double lo, double hi) {
    auto d = Num(key, required);
    if (!d) return std::nullopt;
    if (*d < lo || *d > hi) {
      Add(key, fmt::format("must be between {} and {} % (got {})", lo, hi, *d));
      return std::nullopt;
    }
    const double bp = *d * 100.0;
    if (std::abs(bp - std::round(bp)) > 1e-6) {
      Add(key, fmt::format("must have at most two decimals (got {})", *d));
      return std::nullopt;
    }
    return static_cast<int32_t>(std::llround(bp));
  }

  // A non-negative quantity rounded half up to thousandths.
  std::optional<int64_t> Milli(std::string_view key, bool required) {
    auto d = Num(key, required);
    if (!d) return std::nullopt;
    if (*d < 0 || *d > 1e9) {
      Add(key, fmt::format("must be between 0 and 1e9 (got {})", *d));
      return std::nullopt;
    }
    return static_cast<int64_t>(std::floor(*d * kMilli + 0.5));
  }

  const boost::json::object* Object(std::string_view key) {
    const auto* v = Get(key);
    if (v == nullptr) return nullptr;
    if (!v->is_object()) {
      Add(key, "must be an object");
      return nullptr;
    }
    return &v->get_object();
  }

 private:
  const boost::json::object& o_;
  std::string prefix_;
  std::vector<FieldError>& errors_;
};

}  // namespace

Result<PriceList> ParsePriceList(const boost::json::object& json) {
  std::vector<FieldError> errors;
  JsonReader r(json, "", errors);
  PriceList pl;
  pl.id = r.Str("id", true).value_or("");
  pl.version = r.Str("version", true).value_or("");
  if (auto m = r.Str("method", true)) {
    if (*m == "markup") {
      pl.method = PricingMethod::kMarkup;
    } else if (*m == "margin") {
      pl.method = PricingMethod::kMargin;
    } else {
      r.Add("method", fmt::format("must be one of markup, margin (got '{}')", *m));
    }
  }
  const double max_rate = pl.method == PricingMethod::kMargin ? 99.99 : 1000.0;
  pl.rate_bp = r.Pct("rate_pct", true, 0, max_rate).value_or(0);
  pl.contingency_bp = r.Pct("contingency_pct", false, 0, 100).value_or(0);
  if (const auto* mats = r.Object("materials")) {
    for (const auto& kv : *mats) {
      const std::string path = "materials." + std::string(kv.key());
      if (!kv.value().is_object()) {
        errors.push_back({path, "must be an object"});
        continue;
      }
      JsonReader m(kv.value().get_object(), path, errors);
      MaterialRate rate;
      rate.name = m.Str("name", false).value_or(std::string(kv.key()));
      rate.unit = m.Str("unit", true).value_or("");
      rate.cost_cents_per_unit = m.Int("cost_cents_per_unit", true, 0, kMaxCents).value_or(0);
      rate.waste_bp = m.Pct("waste_pct", false, 0, 100).value_or(0);
      pl.materials.emplace(std::string(kv.key()), std::move(rate));
    }
  }
  if (const auto* labor = r.Object("labor")) {
    for (const auto& kv : *labor) {
      const std::string path = "labor." + std::string(kv.key());
      if (!kv.value().is_object()) {
        errors.push_back({path, "must be an object"});
        continue;
      }
      JsonReader m(kv.value().get_object(), path, errors);
      LaborRate rate;
      rate.name = m.Str("name", false).value_or(std::string(kv.key()));
      rate.cost_cents_per_hour = m.Int("cost_cents_per_hour", true, 0, kMaxCents).value_or(0);
      pl.labor.emplace(std::string(kv.key()), std::move(rate));
    }
  }
  if (const auto* machines = r.Object("machines")) {
    for (const auto& kv : *machines) {
      const std::string path = "machines." + std::string(kv.key());
      if (!kv.value().is_object()) {
        errors.push_back({path, "must be an object"});
        continue;
      }
      JsonReader m(kv.value().get_object(), path, errors);
      MachineRate rate;
      rate.name = m.Str("name", false).value_or(std::string(kv.key()));
      rate.cost_cents_per_hour = m.Int("cost_cents_per_hour", true, 0, kMaxCents).value_or(0);
      rate.setup_cents = m.Int("setup_cents", false, 0, kMaxCents).value_or(0);
      pl.machines.emplace(std::string(kv.key()), std::move(rate));
    }
  }
  if (const auto* v = r.Get("quantity_breaks")) {
    if (!v->is_array()) {
      r.Add("quantity_breaks", "must be an array");
    } else {
      const auto& arr = v->get_array();
      for (size_t i = 0; i < arr.size(); ++i) {
        const std::string path = fmt::format("quantity_breaks[{}]", i);
        if (!arr[i].is_object()) {
          errors.push_back({path, "must be an object"});
          continue;
        }
        JsonReader b(arr[i].get_object(), path, errors);
        QuantityBreak qb;
        qb.min_quantity = b.Int("min_quantity", true, 1, 1'000'000).value_or(1);
        qb.rate_bp = b.Pct("rate_pct", true, 0, max_rate).value_or(0);
        pl.quantity_breaks.push_back(qb);
      }
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  return pl;
}

Result<QuoteRequest> ParseQuoteRequest(const boost::json::object& json) {
  std::vector<FieldError> errors;
  JsonReader r(json, "", errors);
  QuoteRequest req;
  req.quantity = r.Int("quantity", false, 1, 1'000'000).value_or(1);
  req.contingency_bp = r.Pct("contingency_pct", false, 0, 100);
  const auto* parts = r.Get("parts");
  if (parts == nullptr) {
    r.Add("parts", "is required");
  } else if (!parts->is_array()) {
    r.Add("parts", "must be an array");
  } else {
    const auto& arr = parts->get_array();
    for (size_t i = 0; i < arr.size(); ++i) {
      const std::string path = fmt::format("parts[{}]", i);
      if (!arr[i].is_object()) {
        errors.push_back({path, "must be an object"});
        continue;
      }
      JsonReader p(arr[i].get_object(), path, errors);
      Part part;
      const auto kind = p.Str("kind", true).value_or("");
      if (kind == "material") {
        part.kind = PartKind::kMaterial;
      } else if (kind == "labor") {
        part.kind = PartKind::kLabor;
      } else if (kind == "machine") {
        part.kind = PartKind::kMachine;
      } else if (kind == "fixed") {
        part.kind = PartKind::kFixed;
      } else if (!kind.empty()) {
        p.Add("kind",
              fmt::format("must be one of material, labor, machine, fixed (got '{}')", kind));
      }
      part.description = p.Str("description", false).value_or("");
      if (part.kind == PartKind::kFixed) {
        part.fixed_cents = p.Int("fixed_cents", true, 0, kMaxCents).value_or(0);
      } else {
        part.key = p.Str("key", true).value_or("");
        part.usage_milli = p.Milli("usage", true).value_or(0);
        if (part.kind == PartKind::kMaterial) part.waste_bp = p.Pct("waste_pct", false, 0, 100);
      }
      req.parts.push_back(std::move(part));
    }
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors));
  return req;
}

boost::json::object ToJson(const Quote& q) {
  boost::json::object o;
  o["price_list_version"] = q.price_list_version;
  boost::json::array lines;
  for (const auto& l : q.lines) {
    boost::json::object j;
    j["kind"] = Name(l.kind);
    if (!l.key.empty()) j["key"] = l.key;
    j["description"] = l.description;
    j["unit"] = l.unit;
    j["usage_milli"] = l.usage_milli;
    j["waste_bp"] = l.waste_bp;
    j["rate_cents"] = l.rate_cents;
    j["setup_cents"] = l.setup_cents;
    j["cost_cents"] = l.cost_cents;
    lines.push_back(std::move(j));
  }
  o["lines"] = std::move(lines);
  o["quantity"] = q.quantity;
  o["cost_subtotal_cents"] = q.cost_subtotal_cents;
  o["contingency"] = {{"rate_bp", q.contingency_bp}, {"cost_cents", q.contingency_cents}};
  o["total_cost_cents"] = q.total_cost_cents;
  o["method"] = Name(q.method);
  o["rate_bp"] = q.rate_bp;
  o["unit_price_cents"] = q.unit_price_cents;
  o["price_cents"] = q.price_cents;
  o["effective_markup_bp"] = q.effective_markup_bp;
  o["effective_margin_bp"] = q.effective_margin_bp;
  o["rounding"] = "half_up_to_cent";
  return o;
}

}  // namespace signx::estimating
