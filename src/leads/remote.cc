#include "leads/remote.h"

#include <fmt/format.h>

#include <bit>
#include <cmath>
#include <cstdlib>
#include <limits>

namespace signx::leads {
namespace {

namespace json = boost::json;

Status Bad(std::string_view url, std::string_view what) {
  return Status(ErrorCode::kUnavailable, fmt::format("remote model {}: {}", url, what));
}

}  // namespace

Result<std::pair<MissingEncoding, float>> ParseMissingEncoding(std::string_view text) {
  if (text == "binary") return std::pair{MissingEncoding::kBinary, 0.0f};
  if (text == "null") return std::pair{MissingEncoding::kNull, 0.0f};
  const std::string s(text);
  char* end = nullptr;
  const double v = s.empty() ? 0 : std::strtod(s.c_str(), &end);
  if (s.empty() || *end != '\0' || !std::isfinite(v) ||
      std::abs(v) > std::numeric_limits<float>::max()) {
    return InvalidArgument(fmt::format(
        "'{}' is not binary, null or a finite number (the declared missing value)", text));
  }
  return std::pair{MissingEncoding::kValue, static_cast<float>(v)};
}

InferBody EncodedInferBody(std::string_view id, std::string_view input_name,
                           std::span<const float> data, std::size_t rows, std::size_t width,
                           MissingEncoding missing, float missing_value) {
  InferBody out;
  if (missing != MissingEncoding::kBinary) {
    out.body = json::serialize(EncodedInferRequest(
        id, input_name, data, rows, width,
        missing == MissingEncoding::kValue ? std::optional<float>(missing_value) : std::nullopt));
    out.content_type = "application/json";
    return out;
  }
  static_assert(std::endian::native == std::endian::little,
                "the binary tensor extension sends little-endian floats");
  const std::size_t bytes = data.size() * sizeof(float);
  json::object tensor{
      {"name", input_name},
      {"datatype", "FP32"},
      {"shape", json::array{static_cast<int64_t>(rows), static_cast<int64_t>(width)}},
      {"parameters", json::object{{"binary_data_size", bytes}}}};
  out.body = json::serialize(json::object{{"id", id}, {"inputs", json::array{std::move(tensor)}}});
  out.json_bytes = out.body.size();
  out.body.append(reinterpret_cast<const char*>(data.data()), bytes);
  out.content_type = "application/octet-stream";
  return out;
}

json::object EncodedInferRequest(std::string_view id, std::string_view input_name,
                                 std::span<const float> data, std::size_t rows, std::size_t width,
                                 std::optional<float> missing_value) {
  json::array values;
  values.reserve(data.size());
  for (const float v : data) {
    if (!std::isnan(v)) {
      values.emplace_back(static_cast<double>(v));
    } else if (missing_value) {
      values.emplace_back(static_cast<double>(*missing_value));
    } else {
      values.emplace_back(nullptr);
    }
  }
  json::object tensor{{"name", input_name},
                      {"datatype", "FP32"},
                      {"shape", json::array{static_cast<int64_t>(rows),
                                            static_cast<int64_t>(width)}},
                      {"data", std::move(values)}};
  return json::object{{"id", id}, {"inputs", json::array{std::move(tensor)}}};
}

Result<std::vector<float>> ProbabilitiesFromInferResponse(const json::value& response,
                                                          std::size_t rows) {
  const json::object* obj = response.if_object();
  const json::value* outputs = obj ? obj->if_contains("outputs") : nullptr;
  if (!outputs || !outputs->is_array() || outputs->as_array().empty()) {
    return InvalidArgument("the answer has no outputs");
  }
  const json::object* chosen = nullptr;
  for (const auto& o : outputs->as_array()) {
    const json::object* t = o.if_object();
    if (!t) continue;
    if (!chosen) chosen = t;
    const json::value* name = t->if_contains("name");
    if (name && name->is_string() && name->get_string() == "probability") {
      chosen = t;
      break;
    }
  }
  if (!chosen) return InvalidArgument("the outputs are not tensors");
  const json::value* type = chosen->if_contains("datatype");
  if (type && type->is_string() && type->get_string() != "FP32" && type->get_string() != "FP64") {
    return InvalidArgument(
        fmt::format("output datatype {} is not FP32/FP64", std::string_view(type->get_string())));
  }
  const json::value* data = chosen->if_contains("data");
  if (!data || !data->is_array()) return InvalidArgument("the output has no data array");
  const auto& values = data->as_array();
  std::size_t stride = 1, column = 0;
  if (values.size() == 2 * rows) {
    stride = 2;  // [N, 2] class probabilities: P(class 1) is column 1
    column = 1;
  } else if (values.size() != rows) {
    return InvalidArgument(
        fmt::format("the output has {} values for {} rows", values.size(), rows));
  }
  std::vector<float> out(rows);
  for (std::size_t i = 0; i < rows; ++i) {
    const json::value& v = values[i * stride + column];
    double p = 0;
    if (v.is_double()) {
      p = v.get_double();
    } else if (v.is_int64()) {
      p = static_cast<double>(v.get_int64());
    } else if (v.is_uint64()) {
      p = static_cast<double>(v.get_uint64());
    } else {
      return InvalidArgument(fmt::format("output value {} is not a number", i));
    }
    if (!(p >= 0.0 && p <= 1.0)) {
      return InvalidArgument(fmt::format("output value {} ({}) is not a probability", i, p));
    }
    out[i] = static_cast<float>(p);
  }
  return out;
}

RemoteModel::RemoteModel(const http::HttpClient& client, RemoteOptions options)
    : client_(client), options_(std::move(options)) {
  std::string base = options_.base_url;
  while (!base.empty() && base.back() == '/') base.pop_back();
  infer_url_ = fmt::format("{}/v2/models/{}/infer", base, options_.model);
}

Result<std::vector<LeadScore>> RemoteModel::Score(const ModelBundle& bundle,
                                                  std::span<const Lead> leads,
                                                  std::string_view request_id) const {
  std::vector<LeadScore> out;
  if (leads.empty()) return out;
  const std::size_t width = bundle.encoder.width();
  std::vector<float> x(leads.size() * width);
  std::vector<int> unknown(leads.size());
  for (std::size_t i = 0; i < leads.size(); ++i) {
    unknown[i] = bundle.encoder.Encode(leads[i], std::span<float>(x.data() + i * width, width));
  }
  http::ClientRequest req;
  req.method = "POST";
  req.url = infer_url_;
  req.timeout = options_.timeout;
  req.headers = options_.headers;
  InferBody body = EncodedInferBody(request_id, options_.input_name, x, leads.size(), width,
                                    options_.missing, options_.missing_value);
  req.headers.emplace_back("Content-Type", body.content_type);
  if (body.json_bytes > 0) {
    req.headers.emplace_back(std::string(kInferHeaderLength), std::to_string(body.json_bytes));
  }
  req.body = std::move(body.body);
  auto resp = client_.Send(req);
  if (!resp.ok()) {
    if (resp.status().code() == ErrorCode::kDeadlineExceeded) {
      return Status(ErrorCode::kDeadlineExceeded,
                    fmt::format("remote model {}: no answer within {} ms", infer_url_,
                                options_.timeout.count()));
    }
    return Bad(infer_url_, resp.status().message());
  }
  if (resp->status != 200) {
    return Bad(infer_url_, fmt::format("HTTP {}: {}", resp->status, resp->body.substr(0, 300)));
  }
  boost::system::error_code ec;
  json::value answer = json::parse(resp->body, ec);
  if (ec) return Bad(infer_url_, "the answer is not JSON");
  if (const auto* o = answer.if_object()) {
    if (const auto* v = o->if_contains("model_version"); v && v->is_string()) {
      const std::string_view remote_version = v->get_string();
      if (remote_version.rfind("leads-", 0) == 0 && remote_version != bundle.model_version) {
        return Bad(infer_url_, fmt::format("it serves {} but the production model here is {}",
                                           remote_version, bundle.model_version));
      }
    }
  }
  auto probs = ProbabilitiesFromInferResponse(answer, leads.size());
  if (!probs.ok()) return Bad(infer_url_, probs.status().message());
  out.reserve(leads.size());
  for (std::size_t i = 0; i < leads.size(); ++i) {
    LeadScore s;
    s.lead_id = leads[i].id;
    s.score = bundle.calibrator.Apply((*probs)[i]);
    s.bucket = BucketFor(s.score, bundle.thresholds);
    s.tier = TierFor(s.bucket);
    s.model_version = bundle.model_version;
    s.unknown_categories = unknown[i];
    out.push_back(std::move(s));
  }
  return out;
}

Result<LeadScore> RemoteModel::ScoreJson(const ModelBundle& bundle, const json::object& lead,
                                         std::string_view request_id) const {
  SIGNX_ASSIGN_OR_RETURN(Lead parsed, LeadFromJson(bundle.schema, lead));
  SIGNX_ASSIGN_OR_RETURN(auto scores, Score(bundle, std::span<const Lead>(&parsed, 1), request_id));
  return std::move(scores.front());
}

Result<std::vector<LeadScore>> RemoteModel::ScoreJsonBatch(const ModelBundle& bundle,
                                                           const json::array& leads,
                                                           std::string_view request_id) const {
  SIGNX_ASSIGN_OR_RETURN(const std::vector<Lead> parsed, LeadsFromJson(bundle.schema, leads));
  return Score(bundle, parsed, request_id);
}

}  // namespace signx::leads
