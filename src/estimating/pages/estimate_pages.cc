#include <fmt/format.h>

#include <boost/json.hpp>
#include <cmath>
#include <map>
#include <string>
#include <vector>

#include "base/strings.h"
#include "estimating/pages/estimating_pages.h"
#include "sign/spec.h"
#include "web/views.h"

namespace signx::estimating {

namespace json = boost::json;
using web::BarChartView;
using web::ChartBar;
using web::ErrorsByField;
using web::FormatDecimal;
using web::FormatDollars;
using web::Humanize;
using web::OtherErrors;
using web::PageContext;
using web::ParseNumber;
using web::ServiceErrorPage;
using web::Shorten;
using web::View;
using web::ViewList;

namespace {

enum class SpecKind { kNumber, kInteger, kChoice, kBool, kToken, kDate };

struct SpecField {
  std::string name;
  std::string label;
  SpecKind kind;
  std::vector<std::string> choices;  // kChoice
  bool required = false;
  std::string default_value;  // shown on the empty form
  std::string hint;
};

template <typename E, std::size_t N>
std::vector<std::string> Names(const E (&values)[N]) {
  std::vector<std::string> out;
  for (E v : values) out.emplace_back(Name(v));
  return out;
}

const std::vector<SpecField>& SpecFields() {
  static const std::vector<SpecField> fields = [] {
    const sign::SignType sign_types[] = {
        sign::SignType::kPylon, sign::SignType::kMonument, sign::SignType::kChannelLetters,
        sign::SignType::kWallCabinet, sign::SignType::kPostAndPanel};
    const sign::Material materials[] = {sign::Material::kAluminum, sign::Material::kAcm,
                                        sign::Material::kSteel, sign::Material::kHdpe};
    const sign::MountingType mountings[] = {sign::MountingType::kPole, sign::MountingType::kGround,
                                            sign::MountingType::kWall, sign::MountingType::kPost};
    const sign::FoundationType foundations[] = {
        sign::FoundationType::kDrilledPier, sign::FoundationType::kDirectEmbed,
        sign::FoundationType::kSpreadFooting, sign::FoundationType::kWallMount};
    const sign::Illumination lights[] = {sign::Illumination::kNone,
                                         sign::Illumination::kInternalLed,
                                         sign::Illumination::kHalo, sign::Illumination::kExternal};
    const sign::Exposure exposures[] = {sign::Exposure::kB, sign::Exposure::kC, sign::Exposure::kD};
    const sign::BaseMaterial bases[] = {sign::BaseMaterial::kNone, sign::BaseMaterial::kMasonry,
                                        sign::BaseMaterial::kHduFoam,
                                        sign::BaseMaterial::kAluminum};
    const sign::InstallMethod installs[] = {sign::InstallMethod::kHandSet,
                                            sign::InstallMethod::kBucketTruck,
                                            sign::InstallMethod::kCrane};
    const sign::Complexity complexities[] = {sign::Complexity::kLow, sign::Complexity::kMedium,
                                             sign::Complexity::kHigh};
    return std::vector<SpecField>{
        {"sign_type", "Sign type", SpecKind::kChoice, Names(sign_types), false, "monument", ""},
        {"width_in", "Face width (in)", SpecKind::kNumber, {}, true, "96", "Over 0, at most 600"},
        {"height_in", "Face height (in)", SpecKind::kNumber, {}, true, "48", "Over 0, at most 600"},
        {"wind_speed_mph",
         "Design wind speed (mph)",
         SpecKind::kNumber,
         {},
         true,
         "115",
         "ASCE 7 basic wind speed, 90 to 200"},
        {"material", "Face material", SpecKind::kChoice, Names(materials), true, "aluminum", ""},
        {"mounting_type", "Mounting", SpecKind::kChoice, Names(mountings), false, "", ""},
        {"foundation_type", "Foundation", SpecKind::kChoice, Names(foundations), false, "", ""},
        {"illumination", "Illumination", SpecKind::kChoice, Names(lights), false, "", ""},
        {"faces", "Faces", SpecKind::kInteger, {}, false, "1", "1 or 2"},
        {"quantity", "Quantity", SpecKind::kInteger, {}, false, "1", "Identical signs on the job"},
        {"sign_height_ft",
         "Overall height (ft)",
         SpecKind::kNumber,
         {},
         false,
         "",
         "Top of the sign above grade"},
        {"exposure_category", "Exposure category", SpecKind::kChoice, Names(exposures), false, "",
         "ASCE 7; C when not given"},
        {"base_material", "Base material", SpecKind::kChoice, Names(bases), false, "",
         "Monuments only"},
        {"install_method", "Install method", SpecKind::kChoice, Names(installs), false, "", ""},
        {"install_complexity", "Install complexity", SpecKind::kChoice, Names(complexities), false,
         "", ""},
        {"soil_class", "Soil class", SpecKind::kInteger, {}, false, "", "IBC class 1 to 5"},
        {"travel_miles", "Travel (miles, one way)", SpecKind::kNumber, {}, false, "", ""},
        {"letter_count", "Letter count", SpecKind::kInteger, {}, false, "", "Channel letters only"},
        {"permit_required", "Permit required", SpecKind::kBool, {}, false, "yes", ""},
        {"custom_engineering", "Custom engineering", SpecKind::kBool, {}, false, "no", ""},
        {"finish", "Finish", SpecKind::kToken, {}, false, "", "e.g. powder_coat"},
        {"site_conditions",
         "Site conditions",
         SpecKind::kToken,
         {},
         false,
         "",
         "e.g. flat_terrain"},
        {"region_index",
         "Region cost index",
         SpecKind::kNumber,
         {},
         false,
         "",
         "0.5 to 2.0; the typical region when not given"},
        {"project_date",
         "Project date",
         SpecKind::kDate,
         {},
         false,
         "",
         "YYYY-MM-DD; the model's as-of date when not given"},
    };
  }();
  return fields;
}

// The request body the cost model validates, from the form. Text that is not a number is passed
// on as text, so the validator names the field ("must be a number").
json::object SpecFromForm(const PageContext& ctx) {
  json::object body;
  for (const auto& f : SpecFields()) {
    const std::string value(Trim(ctx.Field(f.name)));
    if (value.empty()) continue;
    switch (f.kind) {
      case SpecKind::kNumber:
      case SpecKind::kInteger:
        if (auto d = ParseNumber(value)) {
          if (f.kind == SpecKind::kInteger && *d == std::floor(*d) && std::abs(*d) < 1e15) {
            body[f.name] = static_cast<int64_t>(*d);
          } else {
            body[f.name] = *d;
          }
        } else {
          body[f.name] = value;
        }
        break;
      case SpecKind::kBool:
        if (value == "yes") {
          body[f.name] = true;
        } else if (value == "no") {
          body[f.name] = false;
        } else {
          body[f.name] = value;
        }
        break;
      case SpecKind::kChoice:
      case SpecKind::kToken:
      case SpecKind::kDate:
        body[f.name] = value;
        break;
    }
  }
  return body;
}

View SpecFormView(const PageContext& ctx, bool submitted,
                  const std::map<std::string, std::string>& errors, ViewList* other_errors) {
  ViewList fields;
  std::vector<std::string> shown;
  for (const auto& f : SpecFields()) {
    shown.push_back(f.name);
    const std::string value = submitted ? std::string(Trim(ctx.Field(f.name))) : f.default_value;
    View o(View::type::object);
    o.set("name", f.name);
    o.set("input_id", "spec-" + f.name);
    o.set("label", f.label);
    o.set("value", value);
    o.set("required", f.required);
    if (!f.hint.empty()) o.set("hint", f.hint);
    const bool is_select = f.kind == SpecKind::kChoice || f.kind == SpecKind::kBool;
    o.set("is_select", is_select);
    o.set("inputmode", f.kind == SpecKind::kInteger  ? "numeric"
                       : f.kind == SpecKind::kNumber ? "decimal"
                                                     : "text");
    if (is_select) {
      ViewList options;
      auto add = [&](std::string v, std::string text) {
        View opt(View::type::object);
        opt.set("selected", v == value);
        opt.set("value", std::move(v));
        opt.set("text", std::move(text));
        options.push_back(opt);
      };
      if (!f.required) add("", "Not given");
      std::vector<std::string> choices = f.choices;
      if (f.kind == SpecKind::kBool) choices = {"yes", "no"};
      bool known = value.empty();
      for (const auto& c : choices) {
        add(c, Humanize(c));
        known = known || c == value;
      }
      if (!known) add(value, value);
      o.set("options", options);
    }
    if (auto it = errors.find(f.name); it != errors.end()) o.set("error", it->second);
    fields.push_back(o);
  }
  *other_errors = OtherErrors(errors, shown);
  return View(fields);
}

View EstimatingView(const PageContext& ctx, bool has_model, bool submitted,
                    const std::map<std::string, std::string>& errors) {
  View v(View::type::object);
  v.set("has_model", has_model);
  ViewList other;
  v.set("fields", SpecFormView(ctx, submitted, errors, &other));
  v.set("has_errors", !errors.empty());
  v.set("has_other_errors", !other.empty());
  v.set("other_errors", other);
  return v;
}

web::Page PredictCost(PageContext& ctx, CostService& cost) {
  const std::string org = ctx.principal ? ctx.principal->org_id : "";
  auto predictor = cost.Current(org);
  if (!predictor) {
    return web::Page::Render("Estimating", "estimating_index", EstimatingView(ctx, false, true, {}),
                        503);
  }
  auto request = ParseCostRequest(SpecFromForm(ctx));
  if (!request.ok()) {
    return web::Page::Render("Estimating", "estimating_index",
                        EstimatingView(ctx, true, true, ErrorsByField(request.status())), 422);
  }
  auto prediction = cost.Predict(org, *request);  // the org's model; tenant rules applied
  if (!prediction.ok()) {
    if (prediction.status().code() == ErrorCode::kValidationFailed) {
      return web::Page::Render("Estimating", "estimating_index",
                          EstimatingView(ctx, true, true, ErrorsByField(prediction.status())), 422);
    }
    return ServiceErrorPage(prediction.status(), "Predicting the cost",
                                      ctx.request.request_id);
  }
  View v = EstimatingView(ctx, true, true, {});
  v.set("has_result", true);
  v.set("result", CostResultView(*prediction));
  // "Create quote" from this prediction (the quote pages are in internal/work_pages.cc).
  v.set("can_quote", ctx.Can("quotes:write"));
  v.set("quote_cost_cents", std::to_string(prediction->cost_cents));
  v.set("quote_model_version", prediction->model_version);
  {
    std::string description = Humanize(Trim(ctx.Field("sign_type")));
    if (description.empty()) description = "Sign";
    description += fmt::format(" sign, {} × {} in", std::string(Trim(ctx.Field("width_in"))),
                               std::string(Trim(ctx.Field("height_in"))));
    v.set("quote_description", Shorten(description, 120));
  }
  v.set("quote_form_key", web::NewFormKey());
  return web::Page::Render("Estimating", "estimating_index", std::move(v));
}

}  // namespace

View CostResultView(const CostPrediction& p) {
  View v(View::type::object);
  v.set("cost", FormatDollars(p.cost_cents));
  v.set("p10", FormatDollars(p.p10_cents));
  v.set("p90", FormatDollars(p.p90_cents));
  v.set("confidence_percent", FormatDecimal(p.confidence * 100, 0));
  v.set("anomaly_score", FormatDecimal(p.anomaly_score, 2));
  v.set("anomalous", p.anomalous);
  v.set("model_version", p.model_version);
  v.set("requires_engineering_review", p.requires_engineering_review);
  v.set("engineering_review_reason", p.engineering_review_reason);
  ViewList breakdown;
  auto add_part = [&](std::string label, int64_t cents) {
    View o(View::type::object);
    o.set("label", std::move(label));
    o.set("amount", FormatDollars(cents));
    breakdown.push_back(o);
  };
  add_part("Labor", p.breakdown.labor_cents);
  add_part("Material", p.breakdown.material_cents);
  add_part("Equipment", p.breakdown.equipment_cents);
  add_part("Overhead", p.breakdown.overhead_cents);
  add_part("Other (tax, shipping)", p.breakdown.other_cents);
  v.set("breakdown", breakdown);
  std::vector<ChartBar> bars;
  for (const auto& d : p.drivers) {
    const std::string amount = FormatDollars(d.contribution_cents);
    bars.push_back({Humanize(d.driver) + " = " + d.value, static_cast<double>(d.contribution_cents),
                    d.contribution_cents >= 0 ? "+" + amount : amount});
  }
  v.set("chart", BarChartView(bars));
  v.set("has_drivers", !bars.empty());
  ViewList similar;
  for (const auto& s : p.similar) {
    View o(View::type::object);
    o.set("id", s.id);
    o.set("project_date", s.project_date);
    o.set("sign_type", Humanize(s.sign_type));
    o.set("size", fmt::format("{:g} × {:g} in", s.width_in, s.height_in));
    o.set("actual_cost", FormatDollars(s.actual_cost_cents));
    o.set("distance", FormatDecimal(s.distance, 2));
    similar.push_back(o);
  }
  v.set("similar", similar);
  v.set("has_similar", !p.similar.empty());
  ViewList assumptions;
  for (const auto& a : p.assumptions) assumptions.push_back(View(a));
  v.set("assumptions", assumptions);
  v.set("has_assumptions", !p.assumptions.empty());
  return v;
}

void AddEstimatePages(web::Shell& shell, CostService& cost) {
  shell.AddSection({.label = "Estimating",
                    .href = "/estimating",
                    .permission = "estimates:predict",
                    .description = "Predict the cost of a sign from its spec"});
  shell.AddPage(
      "GET", "/estimating",
      {.summary = "Cost prediction form",
       .permission = "estimates:predict",
       .section = "/estimating"},
      [&cost](PageContext& ctx) {
        return web::Page::Render(
            "Estimating", "estimating_index",
            EstimatingView(ctx, cost.Current(ctx.principal ? ctx.principal->org_id : "") != nullptr,
                           false, {}));
      });
  shell.AddPage("POST", "/estimating",
                {.summary = "Predict the cost of one sign from the form",
                 .permission = "estimates:predict",
                 .section = "/estimating",
                 .max_body_bytes = 64 * 1024,
                 .rate_limit_group = "predict"},  // the same work as POST /v1/estimates/predict
                [&cost](PageContext& ctx) { return PredictCost(ctx, cost); });
}

}  // namespace signx::estimating
