// Deterministic quote pricing from parts (sign-domain.md §1.2, shopVOX / CoreBridge / Cyrious).
//
// A quote is priced from a versioned PriceList and a list of parts needed per unit:
//   material line = usage × quantity × (1 + waste) × cost per unit
//   labor line    = hours × quantity × cost per hour
//   machine line  = hours × quantity × cost per hour + setup (once per job)
//   fixed line    = an amount per job (a permit, or a predicted cost used as the basis)
// cost subtotal = Σ lines; contingency is its own line, a percentage of COST (not of price);
// total cost = subtotal + contingency; then ONE of the two conventions, kept distinct:
//   markup (shopVOX Cost+):        price = total cost × (1 + markup)   ($100, 50 % → $150)
//   margin (CoreBridge cost-based): price = total cost / (1 − margin)  ($100, 50 % → $200)
// Quantity breaks replace the markup/margin rate from a minimum quantity upward (CoreBridge
// "margins reduced at quantity breaks").
//
// Arithmetic is exact integer math: money in cents, rates in basis points (1 bp = 0.01 %),
// usages in thousandths (milli-units / milli-hours). Rounding rule: ROUND HALF UP to the cent,
// applied once per line, once for the contingency line and once for the unit price; the extended
// price is unit price × quantity so the customer's multiplication always checks. Half-up (not
// banker's) is what shop software and invoices show and what customers re-compute by hand.
//
// Thread-safety: pure functions over value types.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace signx::estimating {

// Exact intermediate products (cents × bp × milli-units) need more than 64 bits.
__extension__ typedef __int128 Int128;

enum class PricingMethod { kMarkup, kMargin };
enum class PartKind { kMaterial, kLabor, kMachine, kFixed };

struct MaterialRate {
  std::string name;  // "ACM 3 mm white"
  std::string unit;  // "sqft", "lb", "ea", "ft"
  int64_t cost_cents_per_unit = 0;
  int32_t waste_bp = 0;  // default waste allowance, 1000 = 10 %
};

struct LaborRate {
  std::string name;                 // "fabrication"
  int64_t cost_cents_per_hour = 0;  // loaded cost (wage + burden)
};

struct MachineRate {
  std::string name;  // "CNC router"
  int64_t cost_cents_per_hour = 0;
  int64_t setup_cents = 0;  // charged once per job
};

struct QuantityBreak {
  int64_t min_quantity = 1;
  int32_t rate_bp = 0;  // markup or margin (per the price list's method) from min_quantity up
};

struct PriceList {
  std::string id;       // "pl_standard"
  std::string version;  // "2025-01"; quotes cite "id@version" so old quotes re-price exactly
  std::map<std::string, MaterialRate, std::less<>> materials;
  std::map<std::string, LaborRate, std::less<>> labor;
  std::map<std::string, MachineRate, std::less<>> machines;
  PricingMethod method = PricingMethod::kMarkup;
  int32_t rate_bp = 0;  // markup (0..100000) or margin (0..9999) in basis points
  std::vector<QuantityBreak> quantity_breaks;  // any order; the highest min_quantity <= qty wins
  int32_t contingency_bp = 0;                  // default contingency, % of cost

  std::string VersionId() const { return id + "@" + version; }
};

struct Part {
  PartKind kind = PartKind::kMaterial;
  std::string key;                  // price-list key; unused for kFixed
  std::string description;          // optional; defaults to the price-list name
  int64_t usage_milli = 0;          // per unit: material units or hours, in thousandths
  std::optional<int32_t> waste_bp;  // kMaterial only: overrides the price list's waste
  int64_t fixed_cents = 0;          // kFixed only: amount for the whole job
};

struct QuoteRequest {
  std::vector<Part> parts;
  int64_t quantity = 1;
  std::optional<int32_t> contingency_bp;  // overrides the price list's
};

struct QuoteLine {
  PartKind kind = PartKind::kMaterial;
  std::string key;
  std::string description;
  std::string unit;         // "sqft", "h", "job"
  int64_t usage_milli = 0;  // total for the job incl. quantity, before waste
  int32_t waste_bp = 0;
  int64_t rate_cents = 0;  // cost per unit / hour (0 for kFixed)
  int64_t setup_cents = 0;
  int64_t cost_cents = 0;
};

struct Quote {
  std::string price_list_version;  // "id@version"
  std::vector<QuoteLine> lines;
  int64_t quantity = 1;
  int64_t cost_subtotal_cents = 0;
  int32_t contingency_bp = 0;
  int64_t contingency_cents = 0;  // the contingency line
  int64_t total_cost_cents = 0;   // subtotal + contingency
  PricingMethod method = PricingMethod::kMarkup;
  int32_t rate_bp = 0;  // the markup or margin applied (after quantity breaks)
  int64_t unit_price_cents = 0;
  int64_t price_cents = 0;          // unit_price_cents × quantity
  int32_t effective_markup_bp = 0;  // (price − cost) / cost, rounded half up
  int32_t effective_margin_bp = 0;  // (price − cost) / price, rounded half up
};

// Prices `request` against `list`. ValidationFailed (every problem at once) for unknown keys,
// negative usages, a margin of 100 % or more, quantity < 1.
Result<Quote> PriceQuote(const PriceList& list, const QuoteRequest& request);

// JSON forms (API / CLI). Percentages are given as numbers with at most two decimals
// ("markup_pct": 52.3); usages as numbers rounded half up to 0.001; money as integer cents.
//   price list: {"id","version","method":"markup"|"margin","rate_pct","contingency_pct",
//     "materials":{key:{"name","unit","cost_cents_per_unit","waste_pct"}},
//     "labor":{key:{"name","cost_cents_per_hour"}},
//     "machines":{key:{"name","cost_cents_per_hour","setup_cents"}},
//     "quantity_breaks":[{"min_quantity","rate_pct"}]}
//   request: {"quantity", "contingency_pct"?, "parts":[{"kind":"material"|"labor"|"machine"|
//     "fixed","key","description","usage","waste_pct","fixed_cents"}]}
Result<PriceList> ParsePriceList(const boost::json::object& json);
Result<QuoteRequest> ParseQuoteRequest(const boost::json::object& json);
boost::json::object ToJson(const Quote& quote);

std::string_view Name(PricingMethod v);
std::string_view Name(PartKind v);

// round(num / den) with halves rounded up; num >= 0, den > 0.
int64_t DivRoundHalfUp(Int128 num, Int128 den);

}  // namespace signx::estimating
