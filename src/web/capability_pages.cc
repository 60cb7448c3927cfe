#include "web/capability_pages.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json.hpp>
#include <cctype>
#include <charconv>
#include <cmath>
#include <map>
#include <random>
#include <span>
#include <string_view>
#include <utility>

#include "base/strings.h"
#include "estimating/repository.h"
#include "estimating/spec.h"
#include "leads/schema.h"
#include "leads/training.h"
#include "web/internal/pages.h"
#include "web/internal/work_pages.h"

namespace signx::web {

namespace json = boost::json;

namespace {

constexpr std::string_view kLeadModel = leads::kModelName;
constexpr int kProjectPageSize = 25;

// ---- small helpers -----------------------------------------------------------------------

std::string Num(double v, int decimals) { return fmt::format("{:.{}f}", v, decimals); }

// At most `max` bytes, cut at a UTF-8 character boundary, with "…" when shortened.
std::string Shorten(std::string_view text, std::size_t max) {
  if (text.size() <= max) return std::string(text);
  std::size_t cut = max;
  while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
  return std::string(text.substr(0, cut)) + "…";
}

// "channel_letters" → "Channel letters".
std::string Humanize(std::string_view token) {
  std::string out(token);
  std::replace(out.begin(), out.end(), '_', ' ');
  if (!out.empty() && out[0] >= 'a' && out[0] <= 'z') out[0] = static_cast<char>(out[0] - 32);
  return out;
}

std::string UrlEncode(std::string_view s) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

// A strict decimal number (the whole text), or nullopt.
std::optional<double> ParseNumber(std::string_view text) {
  double d = 0;
  const char* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, d);
  if (ec != std::errc() || ptr != end || !std::isfinite(d)) return std::nullopt;
  return d;
}

// Field errors of a ValidationFailed status keyed by field name ("spec.width_in" → "width_in");
// the first message per field wins.
std::map<std::string, std::string> ErrorsByField(const Status& status) {
  std::map<std::string, std::string> out;
  for (const auto& e : status.details()) {
    std::string field = e.field;
    if (field.starts_with("spec.")) field = field.substr(5);
    out.try_emplace(field, e.message);
  }
  return out;
}

// Errors not shown beside a field (fields the form does not have), for the summary above it.
ViewList OtherErrors(const std::map<std::string, std::string>& errors,
                     const std::vector<std::string>& shown) {
  ViewList out;
  for (const auto& [field, message] : errors) {
    if (std::find(shown.begin(), shown.end(), field) != shown.end()) continue;
    View o(View::type::object);
    o.set("field", field);
    o.set("message", message);
    out.push_back(o);
  }
  return out;
}

// ---- leads -------------------------------------------------------------------------------

// The form shows the lead's id and the features a salesperson knows before first contact: leaky
// fields (written after contact) and the label are left out.
bool OnLeadForm(const leads::FieldSpec& f) {
  return f.role == leads::FieldRole::kId || (f.role == leads::FieldRole::kFeature && !f.leaky);
}

View LeadFieldsView(const leads::Schema& schema, const PageContext& ctx,
                    const std::map<std::string, std::string>& errors,
                    std::vector<std::string>* shown) {
  ViewList fields;
  for (const auto& f : schema.fields) {
    if (!OnLeadForm(f)) continue;
    shown->push_back(f.name);
    const std::string value(Trim(ctx.Field(f.name)));
    View o(View::type::object);
    o.set("name", f.name);
    o.set("input_id", "lead-" + f.name);
    std::string label = f.label.empty() ? Humanize(f.name) : f.label;
    o.set("label", label);
    o.set("required", f.required);
    o.set("description", f.description);
    o.set("value", value);
    const bool is_select =
        f.type == leads::FieldType::kCategory || f.type == leads::FieldType::kBoolean;
    o.set("is_select", is_select);
    if (f.type == leads::FieldType::kNumber || f.type == leads::FieldType::kInteger) {
      o.set("inputmode", f.type == leads::FieldType::kInteger ? "numeric" : "decimal");
      std::string hint;
      if (f.min && f.max) {
        hint = fmt::format("{} to {}", *f.min, *f.max);
      } else if (f.min) {
        hint = fmt::format("at least {}", *f.min);
      }
      if (!hint.empty()) o.set("hint", hint);
    } else {
      o.set("inputmode", "text");
    }
    if (is_select) {
      ViewList options;
      auto add = [&](std::string v, std::string text) {
        View opt(View::type::object);
        opt.set("selected", v == value);
        opt.set("value", std::move(v));
        opt.set("text", std::move(text));
        options.push_back(opt);
      };
      add("", "Not given");
      if (f.type == leads::FieldType::kBoolean) {
        add("yes", "Yes");
        add("no", "No");
      } else {
        for (const auto& c : f.categories) add(c, c);
      }
      // A submitted value the list does not have stays selected (the model counts it as unknown).
      bool known = value.empty();
      for (const auto& c : f.categories) known = known || c == value;
      if (f.type == leads::FieldType::kBoolean) known = known || value == "yes" || value == "no";
      if (!known) add(value, value);
      o.set("options", options);
    }
    if (auto it = errors.find(f.name); it != errors.end()) o.set("error", it->second);
    fields.push_back(o);
  }
  return View(fields);
}

View LeadsIndexView(const PageContext& ctx, const std::shared_ptr<const leads::Scorer>& scorer,
                    const std::map<std::string, std::string>& errors) {
  View v(View::type::object);
  v.set("can_score", ctx.Can("leads:score"));
  v.set("can_admin", ctx.Can("leads:admin"));
  v.set("has_model", scorer != nullptr);
  if (scorer) {
    const auto& bundle = scorer->bundle();
    v.set("model_version", bundle.model_version);
    v.set("schema_name", bundle.schema.name);
    std::vector<std::string> shown;
    v.set("fields", LeadFieldsView(bundle.schema, ctx, errors, &shown));
    ViewList other = OtherErrors(errors, shown);
    v.set("has_errors", !errors.empty());
    v.set("has_other_errors", !other.empty());
    v.set("other_errors", other);
  }
  return v;
}

Page ScoreLead(PageContext& ctx, leads::LeadsService& leads) {
  auto scorer = leads.Current();
  if (!scorer) {
    return Page::Render("Leads", "leads_index", LeadsIndexView(ctx, nullptr, {}), 503);
  }
  const leads::Schema& schema = scorer->bundle().schema;
  json::object lead;
  for (const auto& f : schema.fields) {
    if (!OnLeadForm(f)) continue;
    const std::string value(Trim(ctx.Field(f.name)));
    if (!value.empty()) lead[f.name] = value;
  }
  auto score = scorer->ScoreJson(lead, {.explain = true, .max_reasons = 5});
  if (!score.ok()) {
    if (score.status().code() == ErrorCode::kValidationFailed ||
        score.status().code() == ErrorCode::kInvalidArgument) {
      return Page::Render("Leads", "leads_index",
                          LeadsIndexView(ctx, scorer, ErrorsByField(score.status())), 422);
    }
    return internal::ServiceErrorPage(score.status(), "Scoring the lead", ctx.request.request_id);
  }
  View v = LeadsIndexView(ctx, scorer, {});
  v.set("has_result", true);
  v.set("result", LeadResultView(*score));
  return Page::Render("Leads", "leads_index", std::move(v));
}

std::string CardSummaryOf(const std::string& card_json) {
  boost::system::error_code ec;
  json::value card = json::parse(card_json, ec);
  if (ec || !card.is_object()) return "";
  return leads::CardSummary(card.get_object());
}

Page LeadModelsPage(PageContext& ctx, leads::LeadsService& leads) {
  auto versions = leads.registry().List(std::string(kLeadModel));
  if (!versions.ok()) {
    return internal::ServiceErrorPage(versions.status(), "Listing the lead models",
                                      ctx.request.request_id);
  }
  auto scorer = leads.Current();
  const std::string in_use = scorer ? scorer->bundle().model_version : "";
  const bool can_admin = ctx.Can("leads:admin");
  View v(View::type::object);
  v.set("can_admin", can_admin);
  v.set("in_use", in_use);
  v.set("has_in_use", !in_use.empty());
  bool has_production = false;
  int archived = 0;
  ViewList list;
  for (const auto& m : *versions) {
    View o(View::type::object);
    o.set("version", m.version);
    o.set("state", m.state);
    o.set("is_production", m.state == "production");
    o.set("in_use", m.version == in_use);
    o.set("created_at", internal::FormatWhen(m.created_at));
    o.set("created_by", m.created_by);
    if (m.promoted_at) o.set("promoted_at", internal::FormatWhen(*m.promoted_at));
    o.set("size_kb", fmt::format("{:.0f}", static_cast<double>(m.size_bytes) / 1024.0));
    const std::string summary = CardSummaryOf(m.card_json);
    if (!summary.empty()) o.set("card_summary", summary);
    o.set("can_promote", can_admin && m.state != "production");
    has_production = has_production || m.state == "production";
    archived += m.state == "archived" ? 1 : 0;
    list.push_back(o);
  }
  v.set("versions", list);
  v.set("has_versions", !versions->empty());
  v.set("can_rollback", can_admin && has_production && archived > 0);
  return Page::Render("Lead models", "leads_models", std::move(v));
}

Page ModelChangeResult(const Result<ml::ModelVersion>& changed, leads::LeadsService& leads,
                       std::string_view verb, std::string_view request_id) {
  if (!changed.ok()) {
    const auto code = changed.status().code();
    if (code == ErrorCode::kNotFound || code == ErrorCode::kFailedPrecondition ||
        code == ErrorCode::kInvalidArgument || code == ErrorCode::kConflict) {
      return Page::Redirect(
          "/leads/models",
          Flash{"error", fmt::format("Could not {}: {}", verb, changed.status().message())});
    }
    return internal::ServiceErrorPage(changed.status(), "Changing the production lead model",
                                      request_id);
  }
  if (Status st = leads.Reload(); !st.ok()) {
    spdlog::warn("web: reloading the lead model: {}", st.ToString());
    return Page::Redirect(
        "/leads/models",
        Flash{"error", fmt::format("{} is now production, but this server could not load it yet: "
                                   "{}",
                                   changed->version, st.message())});
  }
  return Page::Redirect(
      "/leads/models",
      Flash{"ok", fmt::format("{} is now the production lead model.", changed->version)});
}

// ---- estimating --------------------------------------------------------------------------

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
  for (E v : values) out.emplace_back(estimating::Name(v));
  return out;
}

const std::vector<SpecField>& SpecFields() {
  static const std::vector<SpecField> fields = [] {
    const estimating::SignType sign_types[] = {
        estimating::SignType::kPylon, estimating::SignType::kMonument,
        estimating::SignType::kChannelLetters, estimating::SignType::kWallCabinet,
        estimating::SignType::kPostAndPanel};
    const estimating::Material materials[] = {
        estimating::Material::kAluminum, estimating::Material::kAcm, estimating::Material::kSteel,
        estimating::Material::kHdpe};
    const estimating::MountingType mountings[] = {
        estimating::MountingType::kPole, estimating::MountingType::kGround,
        estimating::MountingType::kWall, estimating::MountingType::kPost};
    const estimating::FoundationType foundations[] = {
        estimating::FoundationType::kDrilledPier, estimating::FoundationType::kDirectEmbed,
        estimating::FoundationType::kSpreadFooting, estimating::FoundationType::kWallMount};
    const estimating::Illumination lights[] = {
        estimating::Illumination::kNone, estimating::Illumination::kInternalLed,
        estimating::Illumination::kHalo, estimating::Illumination::kExternal};
    const estimating::Exposure exposures[] = {estimating::Exposure::kB, estimating::Exposure::kC,
                                              estimating::Exposure::kD};
    const estimating::BaseMaterial bases[] = {
        estimating::BaseMaterial::kNone, estimating::BaseMaterial::kMasonry,
        estimating::BaseMaterial::kHduFoam, estimating::BaseMaterial::kAluminum};
    const estimating::InstallMethod installs[] = {estimating::InstallMethod::kHandSet,
                                                  estimating::InstallMethod::kBucketTruck,
                                                  estimating::InstallMethod::kCrane};
    const estimating::Complexity complexities[] = {estimating::Complexity::kLow,
                                                   estimating::Complexity::kMedium,
                                                   estimating::Complexity::kHigh};
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

Page PredictCost(PageContext& ctx, estimating::CostService& cost) {
  auto predictor = cost.Current();
  if (!predictor) {
    return Page::Render("Estimating", "estimating_index", EstimatingView(ctx, false, true, {}),
                        503);
  }
  auto request = estimating::ParseCostRequest(SpecFromForm(ctx));
  if (!request.ok()) {
    return Page::Render("Estimating", "estimating_index",
                        EstimatingView(ctx, true, true, ErrorsByField(request.status())), 422);
  }
  auto prediction = predictor->Predict(*request);
  if (!prediction.ok()) {
    if (prediction.status().code() == ErrorCode::kValidationFailed) {
      return Page::Render("Estimating", "estimating_index",
                          EstimatingView(ctx, true, true, ErrorsByField(prediction.status())), 422);
    }
    return internal::ServiceErrorPage(prediction.status(), "Predicting the cost",
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
  {
    static constexpr char kHex[] = "0123456789abcdef";
    std::random_device rd;
    std::string key;
    for (int i = 0; i < 32; ++i) key.push_back(kHex[rd() & 15]);
    v.set("quote_form_key", key);
  }
  return Page::Render("Estimating", "estimating_index", std::move(v));
}

Page WorklistPage(PageContext& ctx, storage::Store& store) {
  auto query = leads::ParseWorklistQuery(ctx.request);
  if (!query.ok()) {
    return Page::Error(400, "Bad link",
                       "That page link is not valid. Open the worklist from the Leads page.");
  }
  // The page lists the leads still to be worked unless asked otherwise (the API's default is any).
  if (!ctx.request.Query("outcome")) query->outcome = "none";
  leads::WorklistPage page;
  bool any_scored = false;
  if (ctx.principal && !ctx.principal->org_id.empty()) {
    auto listed = leads::ListWorklist(store, ctx.principal->org_id, *query);
    if (!listed.ok()) {
      return internal::ServiceErrorPage(listed.status(), "Listing scored leads",
                                        ctx.request.request_id);
    }
    page = std::move(listed).value();
    any_scored = !page.items.empty();
    if (!any_scored) {  // empty because of the filters, or nothing scored yet?
      auto any = leads::ListWorklist(store, ctx.principal->org_id, {.limit = 1});
      any_scored = any.ok() && !any->items.empty();
    }
  }
  return Page::Render("Lead worklist", "leads_worklist",
                      LeadWorklistView(*query, page, any_scored));
}

Page ProjectsPage(PageContext& ctx, estimating::EstimatingService& svc) {
  std::vector<FieldError> bad;
  estimating::ProjectListOptions options;
  options.limit = kProjectPageSize;
  options.cursor = estimating::ParseCursor(ctx.request.Query("cursor"), "prj", bad);
  std::string status;
  if (auto s = ctx.request.Query("status"); s && !s->empty()) {
    if (estimating::IsProjectStatus(*s)) {
      status = std::string(*s);
      options.status = status;
    } else {
      bad.push_back({"status", "unknown status"});
    }
  }
  if (!bad.empty()) {
    return Page::Error(400, "Bad link",
                       "That page link is not valid. Open the project list from the navigation.");
  }
  auto scope = estimating::ScopeFromPrincipal(ctx.principal);
  if (!scope.ok())
    return internal::ServiceErrorPage(scope.status(), "Listing projects", ctx.request.request_id);
  auto page = svc.store().WithTxnResult<estimating::Page<estimating::Project>>(
      [&](storage::Txn& txn) -> Result<estimating::Page<estimating::Project>> {
        estimating::Repository repo(txn, *scope, svc.clock());
        return repo.ListProjects(options);
      },
      {.read_only = true});
  if (!page.ok())
    return internal::ServiceErrorPage(page.status(), "Listing projects", ctx.request.request_id);

  View v(View::type::object);
  ViewList rows;
  for (const auto& p : page->items) {
    View o(View::type::object);
    o.set("id", p.id);
    o.set("name", p.name);
    o.set("customer", p.customer.value_or(""));
    o.set("location", p.location.value_or(""));
    o.set("status", Humanize(p.status));
    o.set("source", p.source);
    o.set("project_date", p.project_date.value_or(""));
    o.set("created_at", internal::FormatWhen(p.created_at));
    rows.push_back(o);
  }
  v.set("projects", rows);
  v.set("has_projects", !page->items.empty());
  v.set("filtered", !status.empty());
  ViewList statuses;
  {
    View all(View::type::object);
    all.set("value", "");
    all.set("text", "Any status");
    all.set("selected", status.empty());
    statuses.push_back(all);
  }
  for (std::string_view s : estimating::kProjectStatuses) {
    View o(View::type::object);
    o.set("value", std::string(s));
    o.set("text", Humanize(s));
    o.set("selected", s == status);
    statuses.push_back(o);
  }
  v.set("statuses", statuses);
  const std::string status_param = status.empty() ? "" : "&status=" + UrlEncode(status);
  v.set("has_next", !page->next_cursor.empty());
  v.set("next_url", "/estimating/projects?cursor=" + UrlEncode(page->next_cursor) + status_param);
  v.set("is_later_page", !options.cursor.empty());
  v.set("first_url", status.empty() ? std::string("/estimating/projects")
                                    : "/estimating/projects?status=" + UrlEncode(status));
  v.set("has_pager", !page->next_cursor.empty() || !options.cursor.empty());
  v.set("org_id", scope->org_id);
  return Page::Render("Projects", "estimating_projects", std::move(v));
}

}  // namespace

// ---- public helpers ------------------------------------------------------------------------

std::string FormatDollars(int64_t cents) {
  const bool negative = cents < 0;
  // Whole dollars, rounded half away from zero.
  const uint64_t abs_cents =
      negative ? static_cast<uint64_t>(-(cents + 1)) + 1 : static_cast<uint64_t>(cents);
  const uint64_t dollars = (abs_cents + 50) / 100;
  std::string digits = std::to_string(dollars);
  std::string grouped;
  for (std::size_t i = 0; i < digits.size(); ++i) {
    if (i > 0 && (digits.size() - i) % 3 == 0) grouped.push_back(',');
    grouped.push_back(digits[i]);
  }
  return (negative && dollars > 0 ? "-$" : "$") + grouped;
}

View BarChartView(const std::vector<ChartBar>& bars) {
  constexpr double kWidth = 760, kLabelRight = 300, kPlotLeft = 310, kPlotRight = 660;
  constexpr double kValueRoom = 70;  // room for a value text beside a bar
  constexpr double kRow = 32, kBar = 20, kTop = 8;
  bool any_negative = false, any_positive = false;
  double max_abs = 0;
  for (const auto& b : bars) {
    if (!std::isfinite(b.value)) continue;
    any_negative = any_negative || b.value < 0;
    any_positive = any_positive || b.value > 0;
    max_abs = std::max(max_abs, std::abs(b.value));
  }
  double zero = kPlotLeft, span = kPlotRight - kPlotLeft;
  if (any_negative && any_positive) {
    span /= 2;
    zero = kPlotLeft + span;
  } else if (any_negative) {
    zero = kPlotRight;
  }
  View v(View::type::object);
  ViewList rows;
  std::string summary;
  double y = kTop;
  for (const auto& b : bars) {
    const double value = std::isfinite(b.value) ? b.value : 0;
    const double length = max_abs > 0 ? std::abs(value) / max_abs * span : 0;
    const double bar_x = value < 0 ? zero - length : zero;
    View o(View::type::object);
    o.set("label", Shorten(b.label, 40));
    o.set("full_label", b.label);
    o.set("value_text", b.value_text);
    o.set("y", Num(y, 1));
    o.set("text_y", Num(y + kBar / 2 + 5, 1));
    o.set("bar_x", Num(bar_x, 1));
    o.set("bar_width", Num(std::max(length, 1.0), 1));
    o.set("bar_height", Num(kBar, 1));
    o.set("positive", value >= 0);
    if (value < 0 && bar_x - kValueRoom >= kPlotLeft) {
      o.set("value_x", Num(bar_x - 6, 1));  // left of the bar
      o.set("value_anchor", "end");
    } else if (value < 0) {
      // No room left of a long negative bar: right of the zero line, which is empty in its row.
      o.set("value_x", Num(zero + 6, 1));
      o.set("value_anchor", "start");
    } else {
      o.set("value_x", Num(bar_x + std::max(length, 1.0) + 6, 1));
      o.set("value_anchor", "start");
    }
    rows.push_back(o);
    if (!summary.empty()) summary += "; ";
    summary += b.label + ": " + b.value_text;
    y += kRow;
  }
  v.set("rows", rows);
  v.set("has_rows", !bars.empty());
  v.set("width", Num(kWidth, 0));
  v.set("height", Num(y + kTop, 0));
  v.set("label_x", Num(kLabelRight, 0));
  v.set("zero_x", Num(zero, 1));
  v.set("axis_bottom", Num(y, 1));
  v.set("summary", summary);
  return v;
}

View LeadResultView(const leads::LeadScore& score) {
  View v(View::type::object);
  v.set("lead_id", score.lead_id);
  v.set("has_lead_id", !score.lead_id.empty());
  v.set("score_percent", Num(score.score * 100, 1));
  v.set("tier", std::string(1, score.tier));
  v.set("tier_class", std::string(1, static_cast<char>(std::tolower(score.tier))));
  v.set("bucket", std::to_string(score.bucket));
  v.set("model_version", score.model_version);
  v.set("unknown_categories", std::to_string(score.unknown_categories));
  v.set("has_unknown_categories", score.unknown_categories > 0);
  std::vector<ChartBar> bars;
  for (const auto& r : score.reasons) {
    // "Lead Source = Reference: +0.84" → label "Lead Source = Reference", value "+0.84".
    std::string label = r.text;
    if (auto colon = label.rfind(": "); colon != std::string::npos) label.resize(colon);
    bars.push_back({label, r.contribution, fmt::format("{:+.2f}", r.contribution)});
  }
  v.set("chart", BarChartView(bars));
  v.set("has_reasons", !bars.empty());
  return v;
}

View LeadWorklistView(const leads::WorklistQuery& query, const leads::WorklistPage& page,
                      bool any_scored) {
  std::string tier_param;  // "A,B"
  for (char t : query.tiers) tier_param += (tier_param.empty() ? "" : ",") + std::string(1, t);
  View v(View::type::object);
  ViewList rows;
  for (const auto& it : page.items) {
    View o(View::type::object);
    o.set("lead_id", it.lead_id);
    o.set("tier", it.tier);
    o.set("tier_class",
          it.tier.empty()
              ? std::string("e")
              : std::string(
                    1, static_cast<char>(std::tolower(static_cast<unsigned char>(it.tier[0])))));
    o.set("score_percent", Num(it.score * 100, 1));
    o.set("scored_at", internal::FormatWhen(it.scored_at));
    o.set("scored_at_iso", FormatRfc3339(it.scored_at));
    o.set("outcome", !it.converted ? "open" : *it.converted ? "converted" : "lost");
    o.set("model_version", it.model_version);
    rows.push_back(o);
  }
  v.set("leads", rows);
  v.set("has_leads", !page.items.empty());
  ViewList tiers;
  for (const auto& [value, text] :
       std::vector<std::pair<std::string, std::string>>{{"", "All tiers"},
                                                        {"A", "A"},
                                                        {"A,B", "A and B"},
                                                        {"A,B,C", "A to C"},
                                                        {"D,E", "D and E"}}) {
    View o(View::type::object);
    o.set("value", value);
    o.set("text", text);
    o.set("selected", value == tier_param);
    tiers.push_back(o);
  }
  v.set("tiers", tiers);
  ViewList outcomes;
  for (const auto& [value, text] :
       std::vector<std::pair<std::string, std::string>>{{"none", "Open (no outcome yet)"},
                                                        {"converted", "Converted"},
                                                        {"lost", "Lost"},
                                                        {"any", "Any"}}) {
    View o(View::type::object);
    o.set("value", value);
    o.set("text", text);
    o.set("selected", value == query.outcome);
    outcomes.push_back(o);
  }
  v.set("outcomes", outcomes);
  v.set("filtered", any_scored);
  std::string filters = "outcome=" + UrlEncode(query.outcome);
  if (!tier_param.empty()) filters += "&tier=" + UrlEncode(tier_param);
  if (query.scored_since)
    filters += "&scored_since=" + UrlEncode(FormatRfc3339(*query.scored_since));
  if (query.limit != leads::kDefaultWorklistPage)
    filters += "&limit=" + std::to_string(query.limit);
  v.set("first_url", "/leads/worklist?" + filters);
  v.set("next_url", "/leads/worklist?" + filters + "&cursor=" + UrlEncode(page.next_cursor));
  v.set("has_next", !page.next_cursor.empty());
  v.set("is_later_page", query.after.has_value());
  v.set("has_pager", !page.next_cursor.empty() || query.after.has_value());
  return v;
}

View CostResultView(const estimating::CostPrediction& p) {
  View v(View::type::object);
  v.set("cost", FormatDollars(p.cost_cents));
  v.set("p10", FormatDollars(p.p10_cents));
  v.set("p90", FormatDollars(p.p90_cents));
  v.set("confidence_percent", Num(p.confidence * 100, 0));
  v.set("anomaly_score", Num(p.anomaly_score, 2));
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
    o.set("distance", Num(s.distance, 2));
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

void AddCapabilityPages(Shell& shell, storage::Store& store, leads::LeadsService& leads,
                        estimating::CostService& cost, estimating::EstimatingService& estimating,
                        events::Dispatcher* dispatcher) {
  shell.AddSection({.label = "Leads",
                    .href = "/leads",
                    .permission = "leads:read",
                    .description = "Score inbound leads and manage the lead-scoring model"});
  shell.AddSection({.label = "Estimating",
                    .href = "/estimating",
                    .permission = "estimates:predict",
                    .description = "Predict the cost of a sign from its spec"});
  shell.AddSection({.label = "Projects",
                    .href = "/estimating/projects",
                    .permission = "projects:read",
                    .description = "Past and current sign projects"});

  shell.AddPage(
      "GET", "/leads", {.summary = "Lead scoring", .permission = "leads:read", .section = "/leads"},
      [&leads](PageContext& ctx) {
        return Page::Render("Leads", "leads_index", LeadsIndexView(ctx, leads.Current(), {}));
      });
  shell.AddPage("POST", "/leads",
                {.summary = "Score one lead from the form",
                 .permission = "leads:score",
                 .section = "/leads",
                 .max_body_bytes = 64 * 1024},
                [&leads](PageContext& ctx) { return ScoreLead(ctx, leads); });
  shell.AddPage(
      "GET", "/leads/worklist",
      {.summary = "Scored leads, best first", .permission = "leads:read", .section = "/leads"},
      [&store](PageContext& ctx) { return WorklistPage(ctx, store); });
  shell.AddPage("GET", "/leads/models",
                {.summary = "Lead model versions", .permission = "leads:read", .section = "/leads"},
                [&leads](PageContext& ctx) { return LeadModelsPage(ctx, leads); });
  shell.AddPage("POST", "/leads/models/{version}/promote",
                {.summary = "Make a lead model version production",
                 .permission = "leads:admin",
                 .section = "/leads"},
                [&leads](PageContext& ctx) {
                  const std::string version(ctx.request.PathParam("version"));
                  return ModelChangeResult(
                      leads.registry().Promote(std::string(kLeadModel), version), leads,
                      "promote " + Shorten(version, 64), ctx.request.request_id);
                });
  shell.AddPage("POST", "/leads/models/rollback",
                {.summary = "Return to the previous production lead model",
                 .permission = "leads:admin",
                 .section = "/leads"},
                [&leads](PageContext& ctx) {
                  return ModelChangeResult(leads.registry().Rollback(std::string(kLeadModel)),
                                           leads, "roll back", ctx.request.request_id);
                });

  shell.AddPage("GET", "/estimating",
                {.summary = "Cost prediction form",
                 .permission = "estimates:predict",
                 .section = "/estimating"},
                [&cost](PageContext& ctx) {
                  return Page::Render("Estimating", "estimating_index",
                                      EstimatingView(ctx, cost.Current() != nullptr, false, {}));
                });
  shell.AddPage("POST", "/estimating",
                {.summary = "Predict the cost of one sign from the form",
                 .permission = "estimates:predict",
                 .section = "/estimating",
                 .max_body_bytes = 64 * 1024},
                [&cost](PageContext& ctx) { return PredictCost(ctx, cost); });
  shell.AddPage(
      "GET", "/estimating/projects",
      {.summary = "Projects", .permission = "projects:read", .section = "/estimating/projects"},
      [&estimating](PageContext& ctx) { return ProjectsPage(ctx, estimating); });
  internal::AddLeadCsvPages(shell, leads, estimating);
  internal::AddQuotePages(shell, estimating);
  internal::AddImportPages(shell, estimating);
  internal::AddActivityPages(shell, estimating.store(), dispatcher);
}

}  // namespace signx::web
