// A model bundle: everything needed to score leads with one trained model, in one file.
//
// File format (UTF-8 JSON, one object):
//   {"format": "signx.leads.model", "format_version": 1, "model_version": "leads-<12 hex>",
//    "schema": {...}, "encoder": {...}, "calibration": {...}, "thresholds": [t1, t2, t3, t4],
//    "card": {...}, "booster": {"format": "ubj", "sha256": "<hex>", "base64": "..."}}
// The booster is XGBoost's UBJSON model, base64-encoded; its SHA-256 is verified on load.
// model_version is derived from the content (booster, encoder, calibration, thresholds), so the
// same training run always yields the same version.
//
// Thread-safety: plain values; the functions are pure apart from the file I/O.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <boost/json.hpp>

#include "base/status.h"
#include "leads/encoder.h"
#include "leads/schema.h"
#include "ml/calibration.h"

namespace signx::leads {

struct ModelBundle {
  std::string model_version;
  Schema schema;
  Encoder encoder;
  ml::Calibrator calibrator;
  std::vector<double> thresholds;  // 4 ascending cut points on the final score → buckets 1..5
  boost::json::object card;
  std::string booster;  // XGBoost UBJSON model bytes
};

// "leads-" + first 12 hex digits of the SHA-256 over the bundle's model content.
std::string ComputeModelVersion(const ModelBundle& bundle);

std::string SerializeBundle(const ModelBundle& bundle);
Result<ModelBundle> ParseBundle(std::string_view text);

// Writes atomically (temporary file + rename), creating parent directories.
Status SaveBundleFile(const ModelBundle& bundle, const std::string& path);
Result<ModelBundle> LoadBundleFile(const std::string& path);


}  // namespace signx::leads
