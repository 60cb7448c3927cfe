// Building a synthetic job's KeyedIn cost lines (generator.cc): labor, purchased material and
// bought-in service lines with their estimate and actual, dated within the job, and the record's
// estimate and actual totals summed from them.
//
// Internal to the estimating module. Thread-safety: a Context is used by one thread.
#pragma once

#include <algorithm>
#include <cstdint>
#include <string>

#include "estimating/generator.h"
#include "estimating/internal/generator_rng.h"
#include "estimating/internal/generator_tables.h"

namespace signx::estimating::internal {

// The job being built: its random stream, record and the draws shared by its lines.
struct Context {
  Rng& rng;
  CostRecord& rec;
  std::string work_order;
  int64_t start_day = 0, end_day = 0;
  double wage = 0;            // estimating wage, $/h
  double labor_factor = 1.0;  // job-level estimator bias draw
  double install_factor = 1.0;
  double overtime_share = 0;  // of actual fab hours moved to overtime
  double overtime_hours = 0;
  double overtime_wage_sum = 0;
  double use_tax = 0.06;
  double material_est_total = 0;

  std::string LineDate() {
    const int64_t span = std::max<int64_t>(1, end_day - start_day);
    return DateString(start_day + static_cast<int64_t>(rng.Below(static_cast<uint64_t>(span))));
  }
  int NextSeq() { return static_cast<int>(rec.lines.size()) + 1; }
};

// A labor line: estimate est_hrs at c.wage, actual est_hrs x act_factor x line noise at a crew
// wage; for fabrication (`fab`) c.overtime_share of the actual hours is moved to overtime.
void AddLabor(Context& c, const WorkCode& wc, double est_hrs, double act_factor, bool fab);
// A purchased-material line; use tax is charged on it (category "material").
void AddMaterial(Context& c, const WorkCode& wc, std::string item, std::string um, double est_qty,
                 double est_dollars, std::string description);
// A bought-in service line (category outside / equipment / shipping), no use tax.
void AddOutside(Context& c, const WorkCode& wc, std::string item, std::string um, double est_qty,
                double est_dollars, double act_factor, std::string description,
                std::string category);
// Sets each line's job and variance cost and the record's actual and estimate totals.
void FinishLines(CostRecord& rec);

}  // namespace signx::estimating::internal
