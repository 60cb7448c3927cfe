#include "ai/inference.h"

#include <fmt/format.h>

#include "http/json.h"

namespace signx::ai {
namespace {

namespace json = boost::json;

json::value OptTime(const std::optional<Timestamp>& t) {
  if (!t) return nullptr;
  return json::value(FormatRfc3339(*t));
}

}  // namespace

std::string_view KindName(Kind kind) {
  switch (kind) {
    case Kind::kLead:
      return "lead";
    case Kind::kCost:
      return "cost";
    case Kind::kForecast:
      return "forecast";
  }
  return "lead";
}

std::optional<Kind> ParseKind(std::string_view name) {
  for (Kind k : kAllKinds) {
    if (KindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string_view RegistryName(Kind kind) {
  switch (kind) {
    case Kind::kLead:
      return "leads";
    case Kind::kCost:
      return "cost";
    case Kind::kForecast:
      return "forecast";
  }
  return "leads";
}

std::string_view RunPermission(Kind kind) {
  switch (kind) {
    case Kind::kLead:
      return "leads:score";
    case Kind::kCost:
      return "estimates:predict";
    case Kind::kForecast:
      return "operations:write";
  }
  return "leads:score";
}

std::string_view ReadPermission(Kind kind) {
  switch (kind) {
    case Kind::kLead:
      return "leads:read";
    case Kind::kCost:
      return "estimates:predict";
    case Kind::kForecast:
      return "operations:read";
  }
  return "leads:read";
}

Result<SubmitRequest> ParseSubmitRequest(Kind kind, const json::object& body) {
  std::vector<FieldError> bad;
  SubmitRequest out;
  if (const json::value* v = body.if_contains("version"); v && !v->is_null()) {
    if (!v->is_string() || v->get_string().empty() || v->get_string().size() > 128) {
      bad.push_back({"version", "must be a version id (a string of 1 to 128 characters)"});
    } else {
      out.version = std::string(v->get_string());
    }
  }
  if (const json::value* v = body.if_contains("explain"); v && !v->is_null()) {
    if (kind != Kind::kLead) {
      bad.push_back({"explain", "only lead models give reasons"});
    } else if (!v->is_bool()) {
      bad.push_back({"explain", "must be true or false"});
    } else {
      out.explain = v->get_bool();
    }
  }
  const json::value* input = body.if_contains("input");
  if (input == nullptr || !input->is_array()) {
    bad.push_back({"input", "required: an array of row objects"});
  } else {
    const json::array& rows = input->get_array();
    if (rows.empty()) {
      bad.push_back({"input", "must hold at least 1 row"});
    } else if (rows.size() > kMaxInputRows) {
      bad.push_back(
          {"input", fmt::format("at most {} rows per job ({} given)", kMaxInputRows, rows.size())});
    } else {
      std::size_t listed = 0;
      for (std::size_t i = 0; i < rows.size(); ++i) {
        if (rows[i].is_object()) continue;
        if (++listed <= 20) bad.push_back({fmt::format("input[{}]", i), "must be an object"});
      }
      if (listed == 0) {
        out.rows = rows.size();
        out.input_json = json::serialize(rows);
      }
    }
  }
  if (!bad.empty()) return ValidationFailed(std::move(bad));
  return out;
}

json::object ToJson(const InferenceJob& job, const std::vector<RowError>& errors) {
  json::object metrics{
      {"rows", job.rows_total}, {"rows_done", job.rows_done}, {"rows_failed", job.rows_failed}};
  metrics["wall_ms"] = job.wall_ms ? json::value(*job.wall_ms) : json::value(nullptr);
  if (job.wall_ms && *job.wall_ms > 0) {
    metrics["rows_per_s"] =
        static_cast<double>(job.rows_done) * 1000.0 / static_cast<double>(*job.wall_ms);
  } else {
    metrics["rows_per_s"] = nullptr;
  }
  json::array errs;
  for (const auto& e : errors) {
    errs.push_back(json::object{{"row", e.row}, {"field", e.field}, {"message", e.message}});
  }
  json::object o{{"id", job.id},
                 {"model", KindName(job.kind)},
                 {"model_version", job.model_version},
                 {"model_owner", job.model_owner.empty() ? "platform" : "org"},
                 {"status", job.status},
                 {"progress", job.progress},
                 {"attempts", job.attempts},
                 {"metrics", std::move(metrics)},
                 {"errors", std::move(errs)},
                 {"job_id", job.job_id},
                 {"input", json::object{{"sha256", job.input_sha256}, {"bytes", job.input_bytes}}},
                 {"created_by", job.created_by},
                 {"created_at", FormatRfc3339(job.created_at)},
                 {"started_at", OptTime(job.started_at)},
                 {"finished_at", OptTime(job.finished_at)},
                 {"results_url", fmt::format("/v1/ai/inference-jobs/{}/results", job.id)}};
  o["error"] = job.error ? json::value(*job.error) : json::value(nullptr);
  if (job.kind == Kind::kLead) o["explain"] = job.explain;
  return o;
}

json::object ToJson(const ResultRow& row) {
  json::object o{{"row", row.row}, {"ok", row.ok}};
  if (row.ok) {
    std::error_code ec;
    json::value v = json::parse(row.output_json, ec);
    o["output"] = ec ? json::value(nullptr) : std::move(v);
  } else {
    json::array errs;
    for (const auto& e : row.errors) {
      errs.push_back(json::object{{"field", e.field}, {"message", e.message}});
    }
    o["errors"] = std::move(errs);
  }
  return o;
}

json::object ToJson(const AiModel& model) {
  std::error_code ec;
  json::value card = json::parse(model.card_json, ec);
  if (ec) card = json::object{};
  json::object o{{"kind", KindName(model.kind)},
                 {"version", model.version},
                 {"owner", model.owner.empty() ? "platform" : "org"},
                 {"status", model.status},
                 {"in_use", model.in_use},
                 {"card", std::move(card)},
                 {"created_at", FormatRfc3339(model.created_at)},
                 {"promoted_at", OptTime(model.promoted_at)}};
  return o;
}

std::string ErrorsJson(const std::vector<FieldError>& errors) {
  json::array a;
  for (const auto& e : errors)
    a.push_back(json::object{{"field", e.field}, {"message", e.message}});
  return json::serialize(a);
}

std::vector<FieldError> ParseErrorsJson(std::string_view text) {
  std::vector<FieldError> out;
  std::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec || !v.is_array()) return out;
  for (const auto& e : v.get_array()) {
    if (!e.is_object()) continue;
    const auto* f = e.get_object().if_contains("field");
    const auto* m = e.get_object().if_contains("message");
    out.push_back({f && f->is_string() ? std::string(f->get_string()) : "",
                   m && m->is_string() ? std::string(m->get_string()) : ""});
  }
  return out;
}

std::vector<FieldError> ErrorsOf(const Status& status) {
  if (!status.details().empty()) return status.details();
  return {FieldError{"", std::string(status.message())}};
}

}  // namespace signx::ai
