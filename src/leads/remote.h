// Remote model mode: the lead model runs on an Open Inference Protocol (KServe v2 REST) server —
// Triton, KServe, or another SignX — and this process only validates, encodes and buckets.
//
// What stays local: the production bundle from our model registry supplies the schema (validation
// and its field-naming errors), the encoder, the calibrator and the bucket thresholds, exactly as
// in local mode, so promotion and rollback work the same. The remote server must serve that
// bundle's booster (the bundle's `booster`, XGBoost UBJSON; deploying it there is the operator's
// job — another SignX with the same registry serves it as is); when the answer carries a SignX
// model_version ("leads-…") that differs from ours the call fails rather than mixing models.
//
// Request: POST {base_url}/v2/models/{model}/infer with one FP32 tensor of encoded rows,
//   {"id": "<request id>", "inputs": [{"name": "<input>", "datatype": "FP32",
//    "shape": [N, width], "data": [row-major values]}]}
// Missing values are NaN in the encoding, and JSON has no NaN. RemoteOptions::missing says how
// they travel (config leads.remote_missing):
//   kBinary (default): the tensor goes as raw little-endian FP32 bytes after the JSON header —
//     the binary tensor data extension of Triton ("parameters": {"binary_data_size": bytes}
//     instead of "data", header Inference-Header-Content-Length: <JSON bytes>) — so NaN arrives
//     as NaN, which Triton's FIL and XGBoost backends read as missing; SignX's /v2 accepts it.
//   kValue: JSON data with RemoteOptions::missing_value in place of NaN, for a server whose model
//     declares that value as its missing value.
//   kNull: JSON null (SignX servers read null as missing; Triton rejects it).
// Response: the output named "probability" (else the first output), FP32 or
// FP64, shape [N] / [N, 1], or [N, 2] (class probabilities; column 1 is taken). Values are the
// model's uncalibrated probabilities; the bundle's calibrator and thresholds are applied here.
// Reasons are not available remotely: remote scores have no reasons (`reasons: []`), whatever
// `explain` says.
//
// Errors: a transport failure, a non-200 answer or a malformed answer → kUnavailable naming the
// remote; the HttpClient deadline → kDeadlineExceeded.
// Thread-safety: RemoteModel is immutable; Score* may run concurrently.
#pragma once

#include <boost/json.hpp>
#include <chrono>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "http/client.h"
#include "leads/bundle.h"
#include "leads/lead.h"
#include "leads/scorer.h"

namespace signx::leads {

enum class MissingEncoding { kBinary, kValue, kNull };

struct RemoteOptions {
  std::string base_url;               // http(s)://host[:port][/prefix]
  std::string model = "leads";        // {base_url}/v2/models/{model}/infer
  std::string input_name = "input-0";
  std::chrono::milliseconds timeout{2000};
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. X-API-Key for another SignX
  MissingEncoding missing = MissingEncoding::kBinary;
  float missing_value = 0;  // kValue: sent in place of a missing value
};

// Reads config leads.remote_missing: "binary", "null", or a finite number (kValue).
Result<std::pair<MissingEncoding, float>> ParseMissingEncoding(std::string_view text);

// Name of the header giving the JSON part's length in a binary-extension request.
inline constexpr std::string_view kInferHeaderLength = "Inference-Header-Content-Length";

// A v2 inference request body: JSON, or (binary) the JSON header followed by the raw tensor.
struct InferBody {
  std::string body;
  std::string content_type;
  std::size_t json_bytes = 0;  // binary: the JSON header's length (kInferHeaderLength); else 0
};
InferBody EncodedInferBody(std::string_view id, std::string_view input_name,
                           std::span<const float> data, std::size_t rows, std::size_t width,
                           MissingEncoding missing, float missing_value = 0);

// The JSON v2 inference request for `rows` encoded rows of `width` floats: NaN → null, or →
// *missing_value when given.
boost::json::object EncodedInferRequest(std::string_view id, std::string_view input_name,
                                        std::span<const float> data, std::size_t rows,
                                        std::size_t width,
                                        std::optional<float> missing_value = std::nullopt);

// Reads the probabilities of `rows` rows from a v2 inference response (see the header comment).
Result<std::vector<float>> ProbabilitiesFromInferResponse(const boost::json::value& response,
                                                          std::size_t rows);

class RemoteModel {
 public:
  // `client` must outlive the RemoteModel.
  RemoteModel(const http::HttpClient& client, RemoteOptions options);

  // Scores validated leads with the remote server and the bundle's calibration and thresholds.
  Result<std::vector<LeadScore>> Score(const ModelBundle& bundle, std::span<const Lead> leads,
                                       std::string_view request_id) const;
  // Validates like Scorer::ScoreJson / ScoreJsonBatch (same error details), then Score.
  Result<LeadScore> ScoreJson(const ModelBundle& bundle, const boost::json::object& lead,
                              std::string_view request_id) const;
  Result<std::vector<LeadScore>> ScoreJsonBatch(const ModelBundle& bundle,
                                                const boost::json::array& leads,
                                                std::string_view request_id) const;

  const RemoteOptions& options() const { return options_; }
  const std::string& infer_url() const { return infer_url_; }

 private:
  const http::HttpClient& client_;
  RemoteOptions options_;
  std::string infer_url_;
};

}  // namespace signx::leads
