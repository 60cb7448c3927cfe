#include "leads/kserve_routes.h"

#include <fmt/format.h>

#include <algorithm>
#include <bit>
#include <chrono>
#include <cstring>
#include <limits>

#include "base/strings.h"
#include "http/handler.h"
#include "http/json.h"
#include "leads/remote.h"

namespace signx::leads {
namespace {

namespace json = boost::json;
using http::Request;
using http::Response;

std::string_view DatatypeFor(FieldType t) {
  switch (t) {
    case FieldType::kNumber:
    case FieldType::kInteger:
      return "FP64";
    case FieldType::kBoolean:
      return "BOOL";
    default:
      return "BYTES";
  }
}

Status NotLoaded() {
  return Status(ErrorCode::kUnavailable, "model leads is not loaded (no production version yet)");
}

// Turns the v2 columnar request into lead objects, one per row.
Result<json::array> RowsFrom(const json::object& body) {
  const json::value* inputs = body.if_contains("inputs");
  if (!inputs || !inputs->is_array() || inputs->as_array().empty()) {
    return ValidationFailed({{"inputs", "must be a non-empty array of tensors"}});
  }
  std::vector<FieldError> errors;
  std::size_t rows = 0;
  bool first = true;
  json::array out;
  for (std::size_t i = 0; i < inputs->as_array().size(); ++i) {
    const auto& t = inputs->as_array()[i];
    const std::string where = fmt::format("inputs[{}]", i);
    const json::object* tensor = t.if_object();
    const json::value* name_value = tensor ? tensor->if_contains("name") : nullptr;
    const json::string* name = name_value ? name_value->if_string() : nullptr;
    const json::value* data = tensor ? tensor->if_contains("data") : nullptr;
    if (!name || !data || !data->is_array()) {
      errors.push_back({where, "must be an object with a string name and a data array"});
      continue;
    }
    const auto& values = data->as_array();
    if (first) {
      rows = values.size();
      first = false;
      if (rows == 0 || rows > 10000) {
        errors.push_back({where + ".data", "must hold 1 to 10000 values"});
        break;
      }
      out.resize(rows, json::object());
    } else if (values.size() != rows) {
      errors.push_back({where + ".data", fmt::format("has {} values; every input must have {}",
                                                     values.size(), rows)});
      continue;
    }
    for (std::size_t r = 0; r < rows; ++r) out[r].as_object()[*name] = values[r];
  }
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid inference request");
  return out;
}

// A request with exactly one FP32 input of shape [N, width] carries rows already encoded with the
// model's encoder (what remote-mode clients and generic v2 tooling send).
bool IsEncoded(const json::object& body) {
  const json::value* inputs = body.if_contains("inputs");
  if (!inputs || !inputs->is_array() || inputs->as_array().size() != 1) return false;
  const json::object* t = inputs->as_array()[0].if_object();
  if (!t) return false;
  const json::value* type = t->if_contains("datatype");
  const json::value* shape = t->if_contains("shape");
  return type && type->is_string() && type->get_string() == "FP32" && shape &&
         shape->is_array() && shape->as_array().size() == 2;
}

// A v2 request body: JSON, or with the binary tensor data extension (header
// Inference-Header-Content-Length) a JSON header followed by raw tensor bytes.
struct InferInput {
  json::object body;
  std::string_view binary;  // the bytes after the JSON header; empty without the extension
};
Result<InferInput> ReadInferInput(const Request& req) {
  InferInput in;
  const auto header = req.Header(kInferHeaderLength);
  if (!header) {
    SIGNX_ASSIGN_OR_RETURN(in.body, http::ParseJsonObject(req));
    return in;
  }
  const auto n = ParseInt(Trim(*header));
  if (!n || *n < 2 || static_cast<std::size_t>(*n) > req.body.size()) {
    return ValidationFailed(
        {{std::string(kInferHeaderLength),
          fmt::format("must be the JSON header's length, 2 to {} bytes", req.body.size())}});
  }
  const std::string_view json_text(req.body.data(), static_cast<std::size_t>(*n));
  boost::system::error_code ec;
  json::value v = json::parse(json_text, ec);
  if (ec || !v.is_object()) {
    return Status(ErrorCode::kMalformedJson,
                  fmt::format("the first {} bytes are not a JSON object", *n));
  }
  in.body = std::move(v.get_object());
  in.binary = std::string_view(req.body).substr(static_cast<std::size_t>(*n));
  return in;
}

// The encoded rows of an IsEncoded request, validated against the model's width: from "data"
// (null = missing), or from the binary tensor data (little-endian FP32, NaN = missing).
Result<std::vector<float>> EncodedRowsFrom(const json::object& body, std::string_view binary,
                                           std::size_t width, std::size_t* rows) {
  const json::object& t = body.at("inputs").as_array()[0].as_object();
  const auto& shape = t.at("shape").as_array();
  std::vector<FieldError> errors;
  const auto dim = [](const json::value& v) -> int64_t {
    if (v.is_int64()) return v.get_int64();
    if (v.is_uint64()) return static_cast<int64_t>(std::min<uint64_t>(v.get_uint64(), 1u << 30));
    return -1;
  };
  const int64_t n = dim(shape[0]), w = dim(shape[1]);
  if (n < 1 || n > 10000) errors.push_back({"inputs[0].shape[0]", "must be 1 to 10000 rows"});
  if (w != static_cast<int64_t>(width)) {
    errors.push_back({"inputs[0].shape[1]",
                      fmt::format("must be {} (the model's encoded width), got {}", width, w)});
  }
  const json::value* data = t.if_contains("data");
  const json::value* params = t.if_contains("parameters");
  const json::value* binary_size = params && params->is_object()
                                       ? params->get_object().if_contains("binary_data_size")
                                       : nullptr;
  if (binary_size) {
    if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid inference request");
    const std::size_t want = static_cast<std::size_t>(n * w) * sizeof(float);
    if (!binary_size->is_number() ||
        binary_size->to_number<double>() != static_cast<double>(want) || binary.size() != want) {
      return ValidationFailed(
          {{"inputs[0].parameters.binary_data_size",
            fmt::format("must be {} bytes (shape × 4) and match the {} bytes after the JSON "
                        "header",
                        want, binary.size())}},
          "invalid inference request");
    }
    static_assert(std::endian::native == std::endian::little,
                  "the binary tensor extension carries little-endian floats");
    std::vector<float> x(static_cast<std::size_t>(n * w));
    std::memcpy(x.data(), binary.data(), want);
    *rows = static_cast<std::size_t>(n);
    return x;
  }
  if (!binary.empty()) {
    errors.push_back({"inputs[0].parameters.binary_data_size",
                      "is required with binary data (Inference-Header-Content-Length)"});
  }
  if (!data || !data->is_array()) errors.push_back({"inputs[0].data", "must be an array"});
  if (!errors.empty()) return ValidationFailed(std::move(errors), "invalid inference request");
  const auto& values = data->as_array();
  if (values.size() != static_cast<std::size_t>(n * w)) {
    return ValidationFailed({{"inputs[0].data", fmt::format("has {} values; shape says {}",
                                                            values.size(), n * w)}},
                            "invalid inference request");
  }
  std::vector<float> x(values.size());
  for (std::size_t i = 0; i < values.size(); ++i) {
    const auto& v = values[i];
    if (v.is_null()) {
      x[i] = std::numeric_limits<float>::quiet_NaN();  // JSON has no NaN: null is missing
    } else if (v.is_number()) {
      x[i] = static_cast<float>(v.to_number<double>());
    } else {
      return ValidationFailed({{fmt::format("inputs[0].data[{}]", i), "must be a number or null"}},
                              "invalid inference request");
    }
  }
  *rows = static_cast<std::size_t>(n);
  return x;
}

// The caller's org ("" without a principal: the platform default): its own lead model scores its
// requests, else the platform default.
std::string ModelOrgOf(const Request& req) { return req.principal ? req.principal->org_id : ""; }

Result<Response> InferEncoded(LeadsService& service, const Scorer& scorer, const json::object& body,
                              std::string_view binary, const Request& req,
                              std::chrono::steady_clock::time_point started) {
  auto booster = service.CurrentBooster(ModelOrgOf(req));
  const ModelBundle& bundle = scorer.bundle();
  if (!booster) return NotLoaded();
  std::size_t n = 0;
  SIGNX_ASSIGN_OR_RETURN(auto x, EncodedRowsFrom(body, binary, bundle.encoder.width(), &n));
  SIGNX_ASSIGN_OR_RETURN(auto matrix, ml::DMatrix::FromDense(x, n, bundle.encoder.width()));
  SIGNX_ASSIGN_OR_RETURN(auto probs, booster->Predict(matrix));
  std::vector<LeadScore> scores(n);
  json::array probability, score, bucket, tier;
  for (std::size_t i = 0; i < n; ++i) {
    LeadScore& s = scores[i];
    s.score = bundle.calibrator.Apply(probs[i]);
    s.bucket = BucketFor(s.score, bundle.thresholds);
    s.tier = TierFor(s.bucket);
    s.model_version = bundle.model_version;
    probability.push_back(static_cast<double>(probs[i]));
    score.push_back(s.score);
    bucket.push_back(s.bucket);
    tier.push_back(json::value(std::string(1, s.tier)));
  }
  service.Record(scores, std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                             .count());
  const auto rows = static_cast<int64_t>(n);
  auto tensor = [rows](const char* name, const char* type, json::array data) {
    return json::object{{"name", name},
                        {"datatype", type},
                        {"shape", json::array{rows}},
                        {"data", std::move(data)}};
  };
  json::object out{{"model_name", "leads"},
                   {"model_version", bundle.model_version},
                   {"outputs", json::array{tensor("probability", "FP32", std::move(probability)),
                                           tensor("score", "FP64", std::move(score)),
                                           tensor("bucket", "INT32", std::move(bucket)),
                                           tensor("tier", "BYTES", std::move(tier))}}};
  if (const auto* id = body.if_contains("id")) out["id"] = *id;
  return http::JsonResponse(200, out);
}

}  // namespace

void AddKServeRoutes(http::Router& router, LeadsService& service) {
  router.Add("GET", "/v2/health/live",
             {.summary = "Open Inference Protocol: server live",
              .tags = {"inference"},
              .permission = std::string(http::kPublic),
              .execution = http::Execution::kInline},
             [](Request&) { return Response::Json(200, R"({"live":true})"); });
  router.Add("GET", "/v2/health/ready",
             {.summary = "Open Inference Protocol: server ready (a lead model is loaded)",
              .tags = {"inference"},
              .permission = std::string(http::kPublic),
              .execution = http::Execution::kInline},
             [&service](Request&) {
               const bool ready = service.Current("") != nullptr;  // the platform default
               return Response::Json(ready ? 200 : 503,
                                     ready ? R"({"ready":true})" : R"({"ready":false})");
             });
  router.Add("GET", "/v2/models/leads",
             {.summary = "Open Inference Protocol: lead model metadata (inputs and outputs)",
              .tags = {"inference"},
              .permission = "leads:read",
              .execution = http::Execution::kInline},
             http::Handle([&service](Request& req) -> Result<Response> {
               auto scorer = service.Current(ModelOrgOf(req));
               if (!scorer) return NotLoaded();
               json::array inputs;
               for (const auto& f : scorer->bundle().schema.fields) {
                 if (f.role != FieldRole::kId && f.role != FieldRole::kFeature) continue;
                 inputs.push_back(json::object{{"name", f.name},
                                               {"datatype", DatatypeFor(f.type)},
                                               {"shape", json::array{-1}}});
               }
               json::array outputs{
                   json::object{{"name", "lead_id"}, {"datatype", "BYTES"}, {"shape", {-1}}},
                   json::object{{"name", "score"}, {"datatype", "FP64"}, {"shape", {-1}}},
                   json::object{{"name", "bucket"}, {"datatype", "INT32"}, {"shape", {-1}}},
                   json::object{{"name", "tier"}, {"datatype", "BYTES"}, {"shape", {-1}}}};
               return http::JsonResponse(
                   200, json::object{{"name", "leads"},
                                     {"versions", json::array{scorer->bundle().model_version}},
                                     {"platform", "xgboost"},
                                     {"inputs", std::move(inputs)},
                                     {"outputs", std::move(outputs)}});
             }));
  router.Add("GET", "/v2/models/leads/ready",
             {.summary = "Open Inference Protocol: lead model ready",
              .tags = {"inference"},
              .permission = "leads:read",
              .execution = http::Execution::kInline},
             http::Handle([&service](Request& req) -> Result<Response> {
               if (!service.Current(ModelOrgOf(req))) {
                 return NotLoaded();
               }
               return Response::Json(200, R"({"name":"leads","ready":true})");
             }));
  router.Add("POST", "/v2/models/leads/infer",
             {.summary = "Open Inference Protocol: score leads given as columnar tensors",
              .description = "Either one tensor per schema field (outputs lead_id, score, bucket, "
                             "tier) or one FP32 tensor [N, width] of rows already encoded with "
                             "the model's encoder, null for missing, or as binary tensor data "
                             "(Triton's extension: parameters.binary_data_size and header "
                             "Inference-Header-Content-Length; NaN for missing) (outputs "
                             "probability — "
                             "uncalibrated, as any XGBoost server — score, bucket, tier).",
              .tags = {"inference"},
              .permission = "leads:score",
              .max_body_bytes = 16 << 20},
             http::Handle([&service](Request& req) -> Result<Response> {
               const auto started = std::chrono::steady_clock::now();
               auto scorer = service.Current(ModelOrgOf(req));
               if (!scorer) return NotLoaded();
               SIGNX_ASSIGN_OR_RETURN(auto in, ReadInferInput(req));
               const json::object& body = in.body;
               if (IsEncoded(body)) {
                 return InferEncoded(service, *scorer, body, in.binary, req, started);
               }
               if (!in.binary.empty()) {
                 return ValidationFailed({{"inputs",
                                           "binary tensor data is accepted only for "
                                           "one encoded FP32 input [N, width]"}});
               }
               SIGNX_ASSIGN_OR_RETURN(auto rows, RowsFrom(body));
               SIGNX_ASSIGN_OR_RETURN(
                   auto scores,
                   service.ScoreJsonBatch(*scorer, rows, {.explain = false}, req.request_id));
               service.Record(
                   scores, std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                               .count());
               json::array ids, score, bucket, tier;
               for (std::size_t i = 0; i < scores.size(); ++i) {
                 const auto& s = scores[i];
                 service.LogToLake(req, scorer->bundle().schema, rows[i].as_object(), s);
                 ids.push_back(json::value(s.lead_id));
                 score.push_back(s.score);
                 bucket.push_back(s.bucket);
                 tier.push_back(json::value(std::string(1, s.tier)));
               }
               const auto n = static_cast<int64_t>(scores.size());
               auto tensor = [n](const char* name, const char* type, json::array data) {
                 return json::object{{"name", name},
                                     {"datatype", type},
                                     {"shape", json::array{n}},
                                     {"data", std::move(data)}};
               };
               json::object out{
                   {"model_name", "leads"},
                   {"model_version", scorer->bundle().model_version},
                   {"outputs", json::array{tensor("lead_id", "BYTES", std::move(ids)),
                                           tensor("score", "FP64", std::move(score)),
                                           tensor("bucket", "INT32", std::move(bucket)),
                                           tensor("tier", "BYTES", std::move(tier))}}};
               if (const auto* id = body.if_contains("id")) out["id"] = *id;
               return http::JsonResponse(200, out);
             }));
}

}  // namespace signx::leads
