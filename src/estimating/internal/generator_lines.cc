#include "estimating/internal/generator_lines.h"

#include <fmt/format.h>

#include <algorithm>
#include <utility>

namespace signx::estimating::internal {

void AddLabor(Context& c, const WorkCode& wc, double est_hrs, double act_factor, bool fab) {
  CostLine l;
  l.work_order = c.work_order;
  l.cost_type = "Labor";
  l.date = c.LineDate();
  l.work_dept = std::string(wc.dept);
  l.work_code = std::string(wc.code);
  l.seq = c.NextSeq();
  l.item = fmt::format("CREW-{}", wc.dept);
  l.um = "HR";
  l.description = std::string(wc.description);
  l.category = "labor";
  l.est_hrs = Round2(est_hrs);
  double act = est_hrs * act_factor * c.rng.LogNormal(0.0, kLineSigma);
  const double crew_wage = c.wage * c.rng.Uniform(1.0 - kCrewWageScatter, 1.0 + kCrewWageScatter);
  if (fab && c.overtime_share > 0) {
    const double ot = act * c.overtime_share;
    act -= ot;
    c.overtime_hours += ot;
    c.overtime_wage_sum += ot * crew_wage;
  }
  l.act_hrs = Round2(act);
  l.var_hrs = Round2(l.act_hrs - l.est_hrs);
  const int64_t est_lab = Cents(l.est_hrs * c.wage);
  l.est_bur_cents = Cents(static_cast<double>(est_lab) * kBurdenRate / 100.0);
  l.est_cost_cents = est_lab + l.est_bur_cents;
  l.act_lab_cents = Cents(l.act_hrs * crew_wage);
  l.act_bur_cents = Cents(static_cast<double>(l.act_lab_cents) * kBurdenRate / 100.0);
  c.rec.lines.push_back(std::move(l));
}

// A purchased-material line; use tax is charged on it (category "material").
void AddMaterial(Context& c, const WorkCode& wc, std::string item, std::string um, double est_qty,
                 double est_dollars, std::string description) {
  if (est_dollars <= 0) return;
  CostLine l;
  l.work_order = c.work_order;
  l.cost_type = "Material";
  l.date = c.LineDate();
  l.work_dept = std::string(wc.dept);
  l.work_code = std::string(wc.code);
  l.seq = c.NextSeq();
  l.item = std::move(item);
  l.um = std::move(um);
  l.description = std::move(description);
  l.category = "material";
  const double f = std::max(0.8, c.rng.Normal(1.0, kMaterialSd));
  l.est_qty = Round2(est_qty);
  l.act_qty = Round2(est_qty * f);
  l.var_qty = Round2(l.act_qty - l.est_qty);
  const int64_t est_mat = Cents(est_dollars);
  const int64_t est_tax = Cents(est_dollars * c.use_tax);
  l.est_use_tax_cents = est_tax;
  l.est_cost_cents = est_mat + est_tax;
  l.act_mat_cents = Cents(est_dollars * f);
  l.use_tax_cents = Cents(static_cast<double>(l.act_mat_cents) * c.use_tax / 100.0);
  c.material_est_total += est_dollars;
  c.rec.lines.push_back(std::move(l));
}

// A bought-in service line (category outside / equipment / shipping), no use tax.
void AddOutside(Context& c, const WorkCode& wc, std::string item, std::string um, double est_qty,
                double est_dollars, double act_factor, std::string description,
                std::string category) {
  if (est_dollars <= 0) return;
  CostLine l;
  l.work_order = c.work_order;
  l.cost_type = "Material";
  l.date = c.LineDate();
  l.work_dept = std::string(wc.dept);
  l.work_code = std::string(wc.code);
  l.seq = c.NextSeq();
  l.item = std::move(item);
  l.um = std::move(um);
  l.description = std::move(description);
  l.category = std::move(category);
  l.est_qty = Round2(est_qty);
  l.act_qty = Round2(est_qty * act_factor);
  l.var_qty = Round2(l.act_qty - l.est_qty);
  l.est_cost_cents = Cents(est_dollars);
  l.act_out_cents = Cents(est_dollars * act_factor);
  c.rec.lines.push_back(std::move(l));
}

void FinishLines(CostRecord& rec) {
  CostBreakdown& a = rec.actual;
  CostBreakdown& e = rec.estimate;
  a = {};
  e = {};
  for (auto& l : rec.lines) {
    l.job_cost_cents =
        l.act_lab_cents + l.act_bur_cents + l.act_mat_cents + l.act_out_cents + l.use_tax_cents;
    l.var_cost_cents = l.job_cost_cents - l.est_cost_cents;
    a.total_cost_cents += l.job_cost_cents;
    a.labor_cost_cents += l.act_lab_cents;
    a.overhead_cost_cents += l.act_bur_cents;
    a.tax_cents += l.use_tax_cents;
    a.labor_hours += l.act_hrs;
    e.total_cost_cents += l.est_cost_cents;
    e.labor_hours += l.est_hrs;
    if (l.category == "labor") {
      e.labor_cost_cents += l.est_cost_cents - l.est_bur_cents;
      e.overhead_cost_cents += l.est_bur_cents;
    } else if (l.category == "material") {
      a.material_cost_cents += l.act_mat_cents;
      e.material_cost_cents += l.est_cost_cents - l.est_use_tax_cents;
      e.tax_cents += l.est_use_tax_cents;
    } else if (l.category == "outside") {
      a.material_cost_cents += l.act_out_cents;
      e.material_cost_cents += l.est_cost_cents;
    } else if (l.category == "equipment") {
      a.equipment_cost_cents += l.act_out_cents;
      e.equipment_cost_cents += l.est_cost_cents;
    } else if (l.category == "shipping") {
      a.shipping_cents += l.act_out_cents;
      e.shipping_cents += l.est_cost_cents;
    }
  }
  a.labor_hours = Round2(a.labor_hours);
  e.labor_hours = Round2(e.labor_hours);
}

}  // namespace signx::estimating::internal
