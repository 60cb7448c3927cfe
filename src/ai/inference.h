// The AI runtime's values (issue 17 item 7, docs/ai-runtime.md): the model kinds it runs, a batch
// inference job as stored in `inference_jobs`, one answered row of `inference_results`, a
// registered model as the `ai_models` view shows it, the request body of a submission and their
// JSON. Pure: no I/O; thread-safe.
//
// Kinds and what they answer per input row:
//   lead      a lead object (the lead model's schema fields) → score 0–1, bucket 1–5, tier A–E
//             (+ reasons with "explain": true) — leads' Scorer
//   cost      a sign spec (+ region_index, project_date, shop_estimate_cents) → cost_cents and its
//             80 % interval — estimating's CostPredictor
//   forecast  {series: [numbers, oldest first], horizon, period} → point forecast and interval
//             per step — src/forecast's AutoForecast (automatic selection by backtest)
// Every kind's versions live in the one model registry (ml/registry.h) under its registry name:
// "leads", "cost", "forecast".
#pragma once

#include <boost/json.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace signx::ai {

enum class Kind { kLead, kCost, kForecast };

inline constexpr Kind kAllKinds[] = {Kind::kLead, Kind::kCost, Kind::kForecast};

std::string_view KindName(Kind kind);  // "lead", "cost", "forecast"
std::optional<Kind> ParseKind(std::string_view name);
std::string_view RegistryName(Kind kind);  // "leads", "cost", "forecast"
// The permission that runs a kind (the scope names its own routes use).
std::string_view RunPermission(Kind kind);  // leads:score, estimates:predict, operations:write
// The permission that reads a kind's jobs and results.
std::string_view ReadPermission(Kind kind);  // leads:read, estimates:predict, operations:read

// The job type that runs one inference job (payload {"inference_id": "..."}).
inline constexpr std::string_view kRunInferenceJob = "ai.run_inference";

// Limits of one submission.
inline constexpr int64_t kMaxBodyBytes = int64_t{32} << 20;  // the request body (413 above)
inline constexpr std::size_t kMaxInputRows = 100'000;        // rows of `input`
inline constexpr std::size_t kMaxSeriesLength = 20'000;      // values of one forecast series
inline constexpr int kMaxHorizon = 1'000;                    // forecast steps
inline constexpr int kMaxPeriod = 1'000;                     // forecast seasonal period
inline constexpr std::size_t kMaxErrorsShown = 50;           // row errors in a job's answer

// Status of an inference job: queued → running → succeeded | failed (a retried attempt goes back
// to queued with the failed attempt's error).
inline constexpr std::string_view kQueued = "queued";
inline constexpr std::string_view kRunning = "running";
inline constexpr std::string_view kSucceeded = "succeeded";
inline constexpr std::string_view kFailed = "failed";

// A parsed submission body: {"version"?: "...", "explain"?: bool, "input": [row objects]}.
struct SubmitRequest {
  std::optional<std::string> version;  // a version id the org may use; absent = the one in use
  bool explain = false;                // lead only: add reasons
  std::string input_json;              // the `input` array, serialised (stored as a blob)
  std::size_t rows = 0;
};

// Validates the body for `kind`: `input` an array of 1..kMaxInputRows objects (422 naming
// "input" or "input[i]" and the limit), `version` a string of 1..128 characters, `explain` a
// boolean and only for lead. The rows' fields are judged per row when the job runs.
Result<SubmitRequest> ParseSubmitRequest(Kind kind, const boost::json::object& body);

struct InferenceJob {
  std::string id;  // inf_<ulid>
  std::string org_id;
  Kind kind = Kind::kLead;
  std::string model_owner;  // "" = platform
  std::string model_version;
  std::string status;
  std::string job_id;
  std::string input_sha256;
  int64_t input_bytes = 0;
  bool explain = false;
  int64_t rows_total = 0;
  int64_t rows_done = 0;
  int64_t rows_failed = 0;
  int progress = 0;
  int attempts = 0;
  std::optional<int64_t> wall_ms;
  std::optional<std::string> error;
  std::string created_by;
  Timestamp created_at;
  std::optional<Timestamp> started_at;
  std::optional<Timestamp> finished_at;
};

// One row error: the 0-based input row, the field (relative to the row; "" = the whole row) and
// the rule it broke.
struct RowError {
  int64_t row = 0;
  std::string field;
  std::string message;
};

// One answered input row.
struct ResultRow {
  int64_t row = 0;
  bool ok = false;
  std::string output_json;         // when ok: the answer (JSON object)
  std::vector<FieldError> errors;  // when not ok
};

// A registered model as the runtime sees it (a row of the ai_models view).
struct AiModel {
  Kind kind = Kind::kLead;
  std::string owner;  // "" = platform
  std::string version;
  std::string status;  // staging, production, archived
  std::string card_json;
  Timestamp created_at;
  std::optional<Timestamp> promoted_at;
  bool in_use = false;  // the version that runs for the org when no version is named
};

// {id, model, model_version, model_owner ("platform" | "org"), status, progress, attempts,
//  metrics: {rows, rows_done, rows_failed, wall_ms, rows_per_s}, errors: [...], error, job_id,
//  input: {sha256, bytes}, created_by, created_at, started_at, finished_at, results_url}
boost::json::object ToJson(const InferenceJob& job, const std::vector<RowError>& errors);
// {row, ok, output | errors}
boost::json::object ToJson(const ResultRow& row);
// {kind, version, owner, status, in_use, card, created_at, promoted_at}
boost::json::object ToJson(const AiModel& model);

// The errors of a failed row as stored (JSON text) and back.
std::string ErrorsJson(const std::vector<FieldError>& errors);
std::vector<FieldError> ParseErrorsJson(std::string_view text);
// A failed row's errors from a Status: its field details, else one error for the whole row.
std::vector<FieldError> ErrorsOf(const Status& status);

}  // namespace signx::ai
