#include <fmt/format.h>

#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "base/strings.h"
#include "estimating/pages/estimating_pages.h"
#include "estimating/pages/json_fields.h"
#include "identity/scope.h"
#include "web/views.h"

namespace signx::estimating {

namespace json = boost::json;
using web::Flash;
using web::FormatDollars;
using web::FormatWhen;
using web::Humanize;
using web::PageContext;
using web::ServiceErrorPage;
using web::SetJobStateView;
using web::View;
using web::ViewList;

namespace {

// A percentage with at most two decimals in [0, max], or nullopt.
std::optional<double> ParsePercent(std::string_view text, double max) {
  text = Trim(text);
  double d = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  if (ec != std::errc() || ptr != text.data() + text.size() || !std::isfinite(d) || d < 0 ||
      d > max) {
    return std::nullopt;
  }
  if (std::abs(d * 100 - std::round(d * 100)) > 1e-9) return std::nullopt;
  return d;
}

std::optional<int64_t> ParsePositiveInt(std::string_view text, int64_t max) {
  text = Trim(text);
  int64_t n = 0;
  auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), n);
  if (ec != std::errc() || ptr != text.data() + text.size() || n < 1 || n > max) return std::nullopt;
  return n;
}

web::Page QuoteFormError(std::vector<FieldError> errors) {
  std::string message = "The quote was not created: ";
  for (std::size_t i = 0; i < errors.size(); ++i) {
    if (i > 0) message += "; ";
    message += errors[i].field + " " + errors[i].message;
  }
  return web::Page::Redirect("/estimating", Flash{"error", message});
}

web::Page CreateQuote(PageContext& ctx, EstimatingService& estimating) {
  std::vector<FieldError> errors;
  auto cost = ParsePositiveInt(ctx.Field("cost_cents"), int64_t{1} << 40);
  if (!cost) errors.push_back({"cost_cents", "must be a positive whole number of cents"});
  auto quantity = ParsePositiveInt(ctx.Field("quantity"), 100000);
  if (!quantity) errors.push_back({"quantity", "must be a whole number from 1 to 100000"});
  const std::string method = ctx.Field("method") == "margin" ? "margin" : "markup";
  auto rate = ParsePercent(ctx.Field("rate_pct"), method == "margin" ? 99.99 : 1000);
  if (!rate) {
    errors.push_back({"rate_pct", method == "margin" ? "must be 0 to 99.99 (two decimals at most)"
                                                     : "must be 0 to 1000 (two decimals at most)"});
  }
  auto contingency = ParsePercent(ctx.Field("contingency_pct"), 100);
  if (!contingency) errors.push_back({"contingency_pct", "must be 0 to 100 (two decimals at most)"});
  if (!errors.empty()) return QuoteFormError(std::move(errors));
  auto scope = identity::OrgScope(ctx.principal);
  if (!scope.ok()) return ServiceErrorPage(scope.status(), "Creating the quote", ctx.request.request_id);
  std::string description(Trim(ctx.Field("description")));
  if (description.size() > 200) description.resize(200);
  json::object from{{"cost_cents", *cost}};
  if (!description.empty()) from["description"] = description;
  // A string, not a view: ctx.Field returns a temporary that ends with the init-statement.
  if (std::string mv(Trim(ctx.Field("model_version"))); !mv.empty() && mv.size() <= 128) {
    from["model_version"] = std::move(mv);
  }
  // The quick price list of the web form: no parts, only the basis, the rate and contingency.
  json::object body{{"price_list",
                     json::object{{"id", "web-quick"},
                                  {"version", "1"},
                                  {"method", method},
                                  {"rate_pct", *rate},
                                  {"contingency_pct", *contingency},
                                  {"materials", json::object{}},
                                  {"labor", json::object{}},
                                  {"machines", json::object{}}}},
                    {"from_prediction", std::move(from)},
                    {"quantity", *quantity},
                    {"contingency_pct", *contingency}};
  bool replayed = false;
  // The form carries a random key made when the prediction was shown, so submitting the same
  // form twice returns the first quote.
  std::optional<std::string> idem;
  const std::string key = ctx.Field("form_key");
  if (key.size() >= 16 && key.size() <= 64 &&
      key.find_first_not_of("0123456789abcdef") == std::string::npos) {
    idem = "web:" + key;
  }
  auto quote = estimating.CreateQuote(*scope, body, idem, &replayed);
  if (!quote.ok()) {
    if (quote.status().code() == ErrorCode::kValidationFailed) {
      return QuoteFormError(quote.status().details());
    }
    return ServiceErrorPage(quote.status(), "Creating the quote", ctx.request.request_id);
  }
  return web::Page::Redirect("/estimating/quotes/" + quote->id,
                        Flash{"ok", replayed ? "This quote was already created."
                                             : "Quote created; its PDF is being rendered."});
}

Result<StoredQuote> LoadQuote(PageContext& ctx, EstimatingService& estimating) {
  SIGNX_ASSIGN_OR_RETURN(auto scope, identity::OrgScope(ctx.principal));
  return estimating.GetQuote(scope, ctx.request.PathParam("id"));
}

std::string Bp(int64_t bp) { return fmt::format("{:.2f} %", static_cast<double>(bp) / 100.0); }

web::Page QuotePage(PageContext& ctx, EstimatingService& estimating) {
  auto quote = LoadQuote(ctx, estimating);
  if (!quote.ok()) return ServiceErrorPage(quote.status(), "Loading the quote", ctx.request.request_id);
  View v(View::type::object);
  v.set("id", quote->id);
  v.set("created_at", FormatWhen(quote->created_at));
  v.set("price_list_version", quote->price_list_version);
  v.set("quantity", std::to_string(quote->quantity));
  v.set("total_cost", FormatDollars(quote->total_cost_cents));
  v.set("price", FormatDollars(quote->price_cents));
  boost::system::error_code ec;
  json::value q = json::parse(quote->quote_json, ec);
  ViewList lines;
  if (!ec && q.is_object()) {
    const auto& o = q.get_object();
    if (const auto* ls = o.if_contains("lines"); ls && ls->is_array()) {
      for (const auto& l : ls->get_array()) {
        if (!l.is_object()) continue;
        View line(View::type::object);
        line.set("kind", Humanize(StrOf(l.get_object(), "kind")));
        line.set("description", StrOf(l.get_object(), "description"));
        line.set("cost", FormatDollars(IntOf(l.get_object(), "cost_cents")));
        lines.push_back(line);
      }
    }
    v.set("subtotal", FormatDollars(IntOf(o, "cost_subtotal_cents")));
    v.set("contingency_rate", Bp(IntOf(o, "contingency_bp")));
    v.set("contingency", FormatDollars(IntOf(o, "contingency_cents")));
    v.set("method", Humanize(StrOf(o, "method")));
    v.set("rate", Bp(IntOf(o, "rate_bp")));
    v.set("unit_price", FormatDollars(IntOf(o, "unit_price_cents")));
  }
  v.set("lines", lines);
  v.set("pdf_ready", quote->pdf_blob_sha256.has_value());
  v.set("pdf_url", "/estimating/quotes/" + quote->id + "/pdf");
  bool working = false;
  if (!quote->pdf_blob_sha256 && quote->pdf_job_id) {
    auto job = estimating.queue().Get(*quote->pdf_job_id);
    if (job.ok()) {
      View j(View::type::object);
      SetJobStateView(j, *job);
      working = !jobs::IsTerminal(job->state);
      v.set("job", j);
      v.set("has_job", true);
    }
  }
  v.set("pdf_working", working || (!quote->pdf_blob_sha256 && !quote->pdf_job_id));
  v.set("self_url", "/estimating/quotes/" + quote->id);
  return web::Page::Render("Quote", "estimating_quote", std::move(v));
}

web::Page QuotePdf(PageContext& ctx, EstimatingService& estimating) {
  auto quote = LoadQuote(ctx, estimating);
  if (!quote.ok()) return ServiceErrorPage(quote.status(), "Loading the quote", ctx.request.request_id);
  if (!quote->pdf_blob_sha256) {
    return web::Page::Error(409, "Not ready yet",
                       "The PDF is still being rendered. The link appears on the quote page "
                       "when it is ready.");
  }
  auto bytes = estimating.blobs().Read(*quote->pdf_blob_sha256);
  if (!bytes.ok()) return ServiceErrorPage(bytes.status(), "Reading the PDF", ctx.request.request_id);
  http::Response r = http::Response::Text(200, std::move(*bytes), "application/pdf");
  r.headers.Set("Content-Disposition", "inline; filename=\"" + quote->id + ".pdf\"");
  return web::Page::Raw(std::move(r));
}


}  // namespace

void AddQuotePages(web::Shell& shell, EstimatingService& estimating) {
  shell.AddPage("POST", "/estimating/quotes",
                {.summary = "Create a quote from a cost prediction",
                 .permission = "quotes:write",
                 .section = "/estimating",
                 .max_body_bytes = 16 * 1024},
                [&estimating](PageContext& ctx) { return CreateQuote(ctx, estimating); });
  shell.AddPage("GET", "/estimating/quotes/{id}",
                {.summary = "A quote with its lines and PDF",
                 .permission = "projects:read",
                 .section = "/estimating"},
                [&estimating](PageContext& ctx) { return QuotePage(ctx, estimating); });
  shell.AddPage("GET", "/estimating/quotes/{id}/pdf",
                {.summary = "A quote's PDF", .permission = "projects:read", .section = "/estimating"},
                [&estimating](PageContext& ctx) { return QuotePdf(ctx, estimating); });
}


}  // namespace signx::estimating
