// LoadCostPredictor: one CostPredictor per cost-model bundle in the process.
//
// A loaded cost model takes ~15-20 MB of heap (its similar-jobs HNSW indexes, the booster's trees,
// the reference jobs), and one process may need the same bundle several times over: as the
// platform default and as the production version of an org whose own version is the same bundle
// (CostService's LiveModel loads both), and for the learning loop's drift evaluation of the
// version that prices an org (LearningLoop keeps the last one). Each used to build its own copy:
// in issue 19's soak, three copies of one model (~55 MB), the third one loaded at the end of the
// first 10-minute drift bucket — a step in RSS minutes into the run.
//
// LoadCostPredictor returns the predictor already in use for the same bytes while anything still
// holds it, else builds one. Bundles are matched by the SHA-256 of their bytes, not by the version
// string a bundle states (an uploaded bundle could claim another's version), so a shared
// predictor is always the one the caller's bytes describe. CostPredictor is immutable and safe to
// use from many threads; which org may see its reference jobs is decided by the caller
// (CostService's tenant rule), not by the object. Nothing is kept alive by this table: a
// predictor nobody holds any more is freed as before.
//
// Thread-safety: thread-safe. Two first loads of the same bytes at once may both build; the first
// to finish is the one both return.
#pragma once

#include <cstddef>
#include <memory>
#include <string>

#include "base/status.h"
#include "estimating/predict.h"

namespace signx::estimating {

// ParseCostBundle + CostPredictor::Create, or the live predictor of the same bytes.
Result<std::shared_ptr<const CostPredictor>> LoadCostPredictor(const std::string& bundle_bytes);

// Distinct predictors LoadCostPredictor has handed out that are still alive (for tests and logs).
std::size_t LiveSharedCostPredictors();

}  // namespace signx::estimating
