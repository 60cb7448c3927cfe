// Remote model mode: the lead model runs on an Open Inference Protocol (KServe v2 REST) server —
// Triton, KServe, or another SignX — and this process only validates, encodes and buckets.
//
// What stays local: the production bundle from our model registry supplies the schema (validation
// and its field-naming errors), the encoder, the calibrator and the bucket thresholds, exactly as
// in local mode, so promotion and rollback work the same. The remote server must serve that
// bundle's booster (the bundle's `booster`, XGBoost UBJSON; deploying it there is the operator's
// job — another SignX with the same registry serves it as is); when the answer carries a SignX model_version ("leads-…") that differs from ours the call fails rather
// than mixing models.
//
// Request: POST {base_url}/v2/models/{model}/infer with one FP32 tensor of encoded rows,
//   {"id": "<request id>", "inputs": [{"name": "<input>", "datatype": "FP32",
//    "shape": [N, width], "data": [row-major values]}]}
// Missing values (NaN in the encoding) are JSON null, because JSON has no NaN; SignX's /v2 server
// reads null as missing. Response: the output named "probability" (else the first output), FP32 or
// FP64, shape [N] / [N, 1], or [N, 2] (class probabilities; column 1 is taken). Values are the
// model's uncalibrated probabilities; the bundle's calibrator and thresholds are applied here.
// Reasons are not available remotely: remote scores have no reasons (`reasons: []`), whatever
// `explain` says.
//
// Errors: a transport failure, a non-200 answer or a malformed answer → kUnavailable naming the
// remote; the HttpClient deadline → kDeadlineExceeded.
// Thread-safety: RemoteModel is immutable; Score* may run concurrently.
#pragma once

#include <chrono>
#include <span>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "base/status.h"
#include "http/client.h"
#include "leads/bundle.h"
#include "leads/lead.h"
#include "leads/scorer.h"

namespace signx::leads {

struct RemoteOptions {
  std::string base_url;               // http(s)://host[:port][/prefix]
  std::string model = "leads";        // {base_url}/v2/models/{model}/infer
  std::string input_name = "input-0";
  std::chrono::milliseconds timeout{2000};
  std::vector<std::pair<std::string, std::string>> headers;  // e.g. X-API-Key for another SignX
};

// The v2 inference request for `rows` encoded rows of `width` floats (NaN → null).
boost::json::object EncodedInferRequest(std::string_view id, std::string_view input_name,
                                        std::span<const float> data, std::size_t rows,
                                        std::size_t width);

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
