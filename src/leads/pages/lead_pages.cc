#include "leads/pages/lead_pages.h"

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <boost/json.hpp>
#include <cctype>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "identity/audit.h"
#include "leads/outcome.h"
#include "leads/schema.h"
#include "leads/training.h"
#include "web/views.h"

namespace signx::leads {

namespace json = boost::json;
using web::BarChartView;
using web::ChartBar;
using web::ErrorsByField;
using web::Flash;
using web::FormatDecimal;
using web::FormatWhen;
using web::Humanize;
using web::OtherErrors;
using web::Page;
using web::PageContext;
using web::ServiceErrorPage;
using web::SetOptionalText;
using web::Shorten;
using web::UrlEncode;
using web::View;
using web::ViewList;

namespace {

constexpr std::string_view kLeadModel = kModelName;

// The signed-in org's own lead models (the platform default is managed through the API by a
// super_admin). A principal without an org gets an owner id no org has, so it sees nothing.
ml::Owner ModelOwnerOf(const PageContext& ctx) {
  const std::string org = ctx.principal ? ctx.principal->org_id : "";
  return ml::Owner::Org(org.empty() ? "(no org)" : org);
}

// The form shows the lead's id and the features a salesperson knows before first contact: leaky
// fields (written after contact) and the label are left out.
bool OnLeadForm(const FieldSpec& f) {
  return f.role == FieldRole::kId || (f.role == FieldRole::kFeature && !f.leaky);
}

View LeadFieldsView(const Schema& schema, const PageContext& ctx,
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
    const bool is_select = f.type == FieldType::kCategory || f.type == FieldType::kBoolean;
    o.set("is_select", is_select);
    if (f.type == FieldType::kNumber || f.type == FieldType::kInteger) {
      o.set("inputmode", f.type == FieldType::kInteger ? "numeric" : "decimal");
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
      if (f.type == FieldType::kBoolean) {
        add("yes", "Yes");
        add("no", "No");
      } else {
        for (const auto& c : f.categories) add(c, c);
      }
      // A submitted value the list does not have stays selected (the model counts it as unknown).
      bool known = value.empty();
      for (const auto& c : f.categories) known = known || c == value;
      if (f.type == FieldType::kBoolean) known = known || value == "yes" || value == "no";
      if (!known) add(value, value);
      o.set("options", options);
    }
    if (auto it = errors.find(f.name); it != errors.end()) o.set("error", it->second);
    fields.push_back(o);
  }
  return View(fields);
}

View LeadsIndexView(const PageContext& ctx, const std::shared_ptr<const Scorer>& scorer,
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

Page ScoreLead(PageContext& ctx, LeadsService& leads) {
  auto scorer = leads.Current(ctx.principal ? ctx.principal->org_id : "");
  if (!scorer) {
    return Page::Render("Leads", "leads_index", LeadsIndexView(ctx, nullptr, {}), 503);
  }
  const Schema& schema = scorer->bundle().schema;
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
    return ServiceErrorPage(score.status(), "Scoring the lead", ctx.request.request_id);
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
  return CardSummary(card.get_object());
}

Page LeadModelsPage(PageContext& ctx, LeadsService& leads) {
  // The org's own versions only (the platform default's are managed through the API).
  auto versions = leads.registry().List(ModelOwnerOf(ctx), std::string(kLeadModel));
  if (!versions.ok()) {
    return ServiceErrorPage(versions.status(), "Listing the lead models", ctx.request.request_id);
  }
  auto scorer = leads.Current(ctx.principal ? ctx.principal->org_id : "");
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
    o.set("created_at", FormatWhen(m.created_at));
    o.set("created_by", m.created_by);
    if (m.promoted_at) o.set("promoted_at", FormatWhen(*m.promoted_at));
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
  // Without a production version of its own, the org's leads are scored with the platform
  // default (managed by the platform's administrators): show which one.
  if (!has_production) {
    auto platform = leads.registry().Production(ml::Owner::Platform(), std::string(kLeadModel));
    if (platform.ok() && platform->has_value()) {
      const ml::ModelVersion& m = **platform;
      View o(View::type::object);
      o.set("version", m.version);
      o.set("state", m.state);
      o.set("in_use", m.version == in_use);
      if (m.promoted_at) o.set("promoted_at", FormatWhen(*m.promoted_at));
      const std::string summary = CardSummaryOf(m.card_json);
      if (!summary.empty()) o.set("card_summary", summary);
      v.set("platform_default", o);
      v.set("has_platform_default", true);
    } else if (!platform.ok()) {
      spdlog::warn("web: reading the platform lead model: {}", platform.status().ToString());
    }
  }
  return Page::Render("Lead models", "leads_models", std::move(v));
}

Page ModelChangeResult(const Result<ml::ModelVersion>& changed, LeadsService& leads,
                       const ml::Owner& owner, std::string_view verb, std::string_view request_id) {
  if (!changed.ok()) {
    const auto code = changed.status().code();
    if (code == ErrorCode::kNotFound || code == ErrorCode::kFailedPrecondition ||
        code == ErrorCode::kInvalidArgument || code == ErrorCode::kConflict) {
      return Page::Redirect(
          "/leads/models",
          Flash{"error", fmt::format("Could not {}: {}", verb, changed.status().message())});
    }
    return ServiceErrorPage(changed.status(), "Changing the production lead model", request_id);
  }
  if (Status st = leads.Reload(owner); !st.ok()) {
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

Page WorklistPageOf(PageContext& ctx, storage::Store& store) {
  auto query = ParseWorklistQuery(ctx.request);
  if (!query.ok()) {
    return Page::Error(400, "Bad link",
                       "That page link is not valid. Open the worklist from the Leads page.");
  }
  // The page lists the leads still to be worked unless asked otherwise (the API's default is any).
  if (!ctx.request.Query("outcome")) query->outcome = "none";
  WorklistPage page;
  bool any_scored = false;
  if (ctx.principal && !ctx.principal->org_id.empty()) {
    auto listed = ListWorklist(store, ctx.principal->org_id, *query);
    if (!listed.ok()) {
      return ServiceErrorPage(listed.status(), "Listing scored leads", ctx.request.request_id);
    }
    page = std::move(listed).value();
    any_scored = !page.items.empty();
    if (!any_scored) {  // empty because of the filters, or nothing scored yet?
      auto any = ListWorklist(store, ctx.principal->org_id, {.limit = 1});
      any_scored = any.ok() && !any->items.empty();
    }
  }
  return Page::Render("Lead worklist", "leads_worklist",
                      LeadWorklistView(*query, page, any_scored));
}

// "Ada Lovelace · Acme Corp · Web form": the lead's display values in schema order, or "".
std::string DisplaySummary(const json::object& display) {
  std::string out;
  for (const auto& [key, value] : display) {
    if (!value.is_string() || value.get_string().empty()) continue;
    if (!out.empty()) out += " · ";
    out += value.get_string();
  }
  return out;
}

// The CSS class suffix of a stored tier ("A" -> "a"; "e" when missing).
std::string TierClass(std::string_view tier) {
  return std::string(
      1, tier.empty() ? 'e' : static_cast<char>(std::tolower(static_cast<unsigned char>(tier[0]))));
}

std::string OutcomeText(const WorklistItem& it) {
  return !it.converted ? "open" : *it.converted ? "converted" : "lost";
}

Page LeadPageOf(PageContext& ctx, storage::Store& store) {
  const std::string lead_id(ctx.request.PathParam("lead_id"));
  auto detail = GetLead(store, ctx.who().org_id, lead_id);
  if (!detail.ok()) {
    if (detail.status().code() == ErrorCode::kNotFound) {
      return Page::Error(404, "Lead not found",
                         "Your organisation has not scored this lead. Open it from the worklist.");
    }
    return ServiceErrorPage(detail.status(), "Reading the lead", ctx.request.request_id);
  }
  return Page::Render(detail->lead.lead_id, "leads_lead",
                      LeadView(*detail, ctx.Can("leads:score")));
}

Page RecordOutcomePage(PageContext& ctx, storage::Store& store) {
  const std::string lead_id(ctx.request.PathParam("lead_id"));
  const std::string converted = ctx.Field("converted");
  if (converted != "true" && converted != "false") {
    // Another org's lead (or an unknown one) is a 404 whatever the form says.
    auto known = GetLead(store, ctx.who().org_id, lead_id);
    if (!known.ok()) {
      return Page::Error(404, "Lead not found", "Your organisation has not scored this lead.");
    }
    return Page::Error(400, "Bad form", "Choose converted or lost.");
  }
  OutcomeInput input{.converted = converted == "true"};
  const auto actor = identity::Actor::Of(ctx.who(), ctx.request.request_id);
  auto recorded = RecordOutcome(store, ctx.who().org_id, lead_id, input, actor, SystemClock::Get());
  if (!recorded.ok()) {
    if (recorded.status().code() == ErrorCode::kNotFound) {
      return Page::Error(404, "Lead not found", "Your organisation has not scored this lead.");
    }
    return ServiceErrorPage(recorded.status(), "Recording the outcome", ctx.request.request_id);
  }
  return Page::Redirect(
      "/leads/worklist/" + UrlEncode(lead_id),
      Flash{.kind = "ok",
            .message = fmt::format("Recorded: {}.", input.converted ? "converted" : "lost")});
}

}  // namespace

View LeadView(const LeadDetail& detail, bool can_record) {
  const WorklistItem& it = detail.lead;
  View v(View::type::object);
  v.set("lead_id", it.lead_id);
  v.set("lead_id_url", UrlEncode(it.lead_id));
  SetOptionalText(v, "summary", DisplaySummary(it.display));
  ViewList fields;
  for (const auto& [key, value] : it.display) {
    if (!value.is_string()) continue;
    View f(View::type::object);
    f.set("name", Humanize(std::string(key)));
    f.set("value", std::string(value.get_string()));
    fields.push_back(f);
  }
  v.set("fields", fields);
  v.set("has_fields", !fields.empty());
  v.set("tier", it.tier);
  v.set("tier_class", TierClass(it.tier));
  v.set("score_percent", FormatDecimal(it.score * 100, 1));
  v.set("scored_at", FormatWhen(it.scored_at));
  v.set("model_version", it.model_version);
  v.set("outcome", OutcomeText(it));
  v.set("open", !it.converted.has_value());
  if (it.outcome_at) v.set("outcome_at", FormatWhen(*it.outcome_at));
  ViewList reasons;
  for (const auto& r : it.reasons) {
    if (!r.is_object() || !r.as_object().if_contains("text")) continue;
    const auto* text = r.as_object().if_contains("text");
    if (!text->is_string()) continue;
    View o(View::type::object);
    o.set("text", std::string(text->get_string()));
    reasons.push_back(o);
  }
  v.set("reasons", reasons);
  v.set("has_reasons", !reasons.empty());
  ViewList history;
  for (const LeadHistoryPoint& h : detail.history) {
    View o(View::type::object);
    o.set("scored_at", FormatWhen(h.scored_at));
    o.set("scored_at_iso", FormatRfc3339(h.scored_at));
    o.set("score_percent", FormatDecimal(h.score * 100, 1));
    o.set("tier", h.tier);
    o.set("model_version", h.model_version);
    history.push_back(o);
  }
  v.set("history", history);
  v.set("has_history", !history.empty());
  v.set("can_record", can_record);
  return v;
}

View LeadResultView(const LeadScore& score) {
  View v(View::type::object);
  v.set("lead_id", score.lead_id);
  v.set("has_lead_id", !score.lead_id.empty());
  v.set("score_percent", FormatDecimal(score.score * 100, 1));
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

View LeadWorklistView(const WorklistQuery& query, const WorklistPage& page, bool any_scored) {
  std::string tier_param;  // "A,B"
  for (char t : query.tiers) tier_param += (tier_param.empty() ? "" : ",") + std::string(1, t);
  View v(View::type::object);
  ViewList rows;
  for (const auto& it : page.items) {
    View o(View::type::object);
    o.set("lead_id", it.lead_id);
    o.set("lead_url", "/leads/worklist/" + UrlEncode(it.lead_id));
    SetOptionalText(o, "summary", DisplaySummary(it.display));
    if (!it.reasons.empty() && it.reasons[0].is_object()) {
      if (const auto* t = it.reasons[0].as_object().if_contains("text"); t && t->is_string()) {
        o.set("top_reason", std::string(t->get_string()));
      }
    }
    o.set("tier", it.tier);
    o.set("tier_class", TierClass(it.tier));
    o.set("score_percent", FormatDecimal(it.score * 100, 1));
    o.set("scored_at", FormatWhen(it.scored_at));
    o.set("scored_at_iso", FormatRfc3339(it.scored_at));
    o.set("outcome", OutcomeText(it));
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
  if (query.limit != kDefaultWorklistPage) filters += "&limit=" + std::to_string(query.limit);
  v.set("first_url", "/leads/worklist?" + filters);
  v.set("next_url", "/leads/worklist?" + filters + "&cursor=" + UrlEncode(page.next_cursor));
  v.set("has_next", !page.next_cursor.empty());
  v.set("is_later_page", query.after.has_value());
  v.set("has_pager", !page.next_cursor.empty() || query.after.has_value());
  return v;
}

void AddLeadPages(web::Shell& shell, LeadsService& leads, storage::Store& store) {
  shell.AddSection({.label = "Leads",
                    .href = "/leads",
                    .permission = "leads:read",
                    .description = "Score inbound leads and manage the lead-scoring model"});
  shell.AddPage(
      "GET", "/leads", {.summary = "Lead scoring", .permission = "leads:read", .section = "/leads"},
      [&leads](PageContext& ctx) {
        return Page::Render(
            "Leads", "leads_index",
            LeadsIndexView(ctx, leads.Current(ctx.principal ? ctx.principal->org_id : ""), {}));
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
      [&store](PageContext& ctx) { return WorklistPageOf(ctx, store); });
  shell.AddPage("GET", "/leads/worklist/{lead_id}",
                {.summary = "One lead: who, score history, reasons, outcome",
                 .permission = "leads:read",
                 .section = "/leads"},
                [&store](PageContext& ctx) { return LeadPageOf(ctx, store); });
  shell.AddPage("POST", "/leads/worklist/{lead_id}/outcome",
                {.summary = "Record that a lead converted or was lost",
                 .permission = "leads:score",
                 .section = "/leads",
                 .max_body_bytes = 4 * 1024},
                [&store](PageContext& ctx) { return RecordOutcomePage(ctx, store); });
  shell.AddPage("GET", "/leads/models",
                {.summary = "Lead model versions", .permission = "leads:read", .section = "/leads"},
                [&leads](PageContext& ctx) { return LeadModelsPage(ctx, leads); });
  shell.AddPage("POST", "/leads/models/{version}/promote",
                {.summary = "Make a lead model version production",
                 .permission = "leads:admin",
                 .section = "/leads"},
                [&leads](PageContext& ctx) {
                  const std::string version(ctx.request.PathParam("version"));
                  const ml::Owner owner = ModelOwnerOf(ctx);
                  return ModelChangeResult(
                      leads.registry().Promote(owner, std::string(kLeadModel), version), leads,
                      owner, "promote " + Shorten(version, 64), ctx.request.request_id);
                });
  shell.AddPage("POST", "/leads/models/rollback",
                {.summary = "Return to the previous production lead model",
                 .permission = "leads:admin",
                 .section = "/leads"},
                [&leads](PageContext& ctx) {
                  const ml::Owner owner = ModelOwnerOf(ctx);
                  return ModelChangeResult(
                      leads.registry().Rollback(owner, std::string(kLeadModel)), leads, owner,
                      "roll back", ctx.request.request_id);
                });
}

}  // namespace signx::leads
