// Seeded synthetic cost history for demos, tests and benchmarks (sign-domain.md §3.3).
//
// Per project: draw a spec (sign type mix, face area, height, wind, exposure, soil, foundation,
// illumination, install method, region, year) -> run a simplified engineering pass through
// sign/engineering.h (ASCE 7-16 velocity pressure, ASD moment, legacy-ASD pole size, IBC 1807.3
// Eq. 18-1 pier depth) with the generator's own documented assumptions -> price quantities into
// an ESTIMATE by KeyedIn work code (§1.4) -> draw noisy ACTUALS per line (estimator bias, install
// under-estimation, material scatter, change orders, overtime).
// Every constant (internal/generator_tables.h, internal/generator_structure.cc) carries its source
// row from sign-domain.md §3.1/§3.2 or is marked "assumption". Money is integer cents; hours have
// two decimals as in KeyedIn exports.
//
// Determinism: each project draws from its own std::mt19937_64 (fully specified by the standard)
// seeded from (seed, index); all distributions are written in internal/generator_rng.h (no
// std::*_distribution, whose output is implementation-defined). Same options -> byte-identical
// output on a given platform; libm's log/exp/cos feed the samplers, so a different libm could in
// rare cases move a cent.
// Project dates increase with the index (stratified over [first_year, last_year]) so a split by
// time is a split by id.
//
// Thread-safety: pure functions; GenerateProject may be called concurrently for different indexes.
#pragma once

#include <cstdint>
#include <map>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "sign/spec.h"

namespace signx::estimating {

inline constexpr std::string_view kGeneratorVersion = "signx-synth/1";

struct GeneratorOptions {
  int64_t projects = 1000;
  uint64_t seed = 42;
  int first_year = 2007;  // sign-domain.md §3.2: the 221-0200 work orders span 2007-2025
  int last_year = 2025;
};

// One row of a KeyedIn "COST SUMMARY REPORT" (sign-domain.md §1.4). Variances are actual minus
// estimate (positive = overrun). est_bur_cents / est_use_tax_cents are the burden (labor lines) and
// use-tax (material lines) parts of est_cost_cents; KeyedIn only exports the sum. `category` says
// which cost bucket the line feeds: labor, material, outside (permits, engineering, subcontract),
// equipment, shipping.
struct CostLine {
  std::string work_order;
  std::string cost_type;  // "Labor" | "Material"
  std::string date;       // YYYY-MM-DD
  std::string work_dept;
  std::string work_code;
  int seq = 0;
  std::string item;  // Emp/Part/Item
  std::string um;    // U/M: "HR", "SQFT", "EA", "LB", "CY", "JOB"
  double est_hrs = 0, act_hrs = 0, var_hrs = 0;
  double est_qty = 0, act_qty = 0, var_qty = 0;
  int64_t est_cost_cents = 0;
  int64_t est_bur_cents = 0;
  int64_t est_use_tax_cents = 0;
  int64_t act_lab_cents = 0, act_bur_cents = 0, act_mat_cents = 0, act_out_cents = 0;
  int64_t use_tax_cents = 0;
  int64_t job_cost_cents = 0;  // act_lab + act_bur + act_mat + act_out + use_tax
  int64_t var_cost_cents = 0;  // job_cost - est_cost
  std::string description;
  std::string category;
};

// The seed's cost_records money columns. total = labor + overhead + material + equipment + tax +
// shipping. overhead is the labor burden (KeyedIn Act Bur, 0.93 x direct wages, §3.2); material
// includes outside services (permits, engineering, subcontracted masonry).
struct CostBreakdown {
  int64_t total_cost_cents = 0;
  int64_t labor_cost_cents = 0;
  int64_t material_cost_cents = 0;
  int64_t equipment_cost_cents = 0;
  int64_t overhead_cost_cents = 0;
  int64_t tax_cents = 0;
  int64_t shipping_cents = 0;
  double labor_hours = 0;
};

struct CostRecord {
  std::string id;          // "cr_syn_00000001"
  std::string project_id;  // "prj_syn_00000001"
  std::string project_name;
  std::string customer_name;
  std::string location;
  std::string estimator_id;  // "est_3": whose estimate this is (estimators differ in bias)
  std::string project_date;  // YYYY-MM-DD (order date)
  std::string cost_date;     // YYYY-MM-DD (job closed)
  int year = 0;
  sign::SignSpec spec;        // the drivers; always passes ParseSignSpec
  double region_index = 1.0;  // labor/material cost level of the site, 0.85..1.25
  CostBreakdown estimate;     // the shop's own estimate (the baseline a model must beat)
  CostBreakdown actual;       // job cost
  int32_t contingency_bp = 0;
  int32_t markup_bp = 0;
  int64_t quoted_price_cents = 0;  // estimate x (1 + contingency) x (1 + markup)
  bool change_order = false;
  std::vector<CostLine> lines;
};

// Project `index` (0-based) of the history described by `options`.
CostRecord GenerateProject(const GeneratorOptions& options, int64_t index);

// Validates options (projects 1..10,000,000, 1990 <= first_year <= last_year <= 2100).
Status ValidateOptions(const GeneratorOptions& options);

enum class HistoryFormat {
  kNdjson,      // one JSON object per record, lines nested (the import format)
  kCsv,         // one row per record, drivers flattened into columns (RFC 4180)
  kKeyedInCsv,  // one row per cost line with the KeyedIn cost-summary header
};

// Writes one record (NDJSON: one line with '\n'; CSV: one row, or its lines for kKeyedInCsv).
void WriteRecord(const CostRecord& record, HistoryFormat format, std::ostream& out);
// The CSV header row for kCsv / kKeyedInCsv; empty for kNdjson.
std::string CsvHeader(HistoryFormat format);
// Generates and writes the whole history, streaming (memory stays O(one record)).
Status WriteHistory(const GeneratorOptions& options, HistoryFormat format, std::ostream& out);

// Summary statistics of a history, for reports and sanity checks.
class HistoryStats {
 public:
  void Add(const CostRecord& record);
  int64_t count() const { return count_; }
  // Mean absolute percentage error of the shop estimate against the actual total.
  double EstimateMape() const;
  // Per sign type: count, mean and median actual total in dollars.
  struct TypeStats {
    int64_t count = 0;
    double mean_usd = 0;
    double median_usd = 0;
    double mean_estimate_usd = 0;
    double estimate_mape = 0;
  };
  std::map<std::string, TypeStats> ByType() const;
  // A human-readable table.
  std::string Format() const;

 private:
  int64_t count_ = 0;
  double ape_sum_ = 0;
  std::map<std::string, std::vector<int64_t>> actual_by_type_;
  std::map<std::string, std::vector<int64_t>> estimate_by_type_;
};

}  // namespace signx::estimating
