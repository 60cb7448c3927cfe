// Trains a lead-scoring model from a CSV export and a schema:
//   rows → typed leads (bad cells become missing and are counted; rows whose label is neither a
//   positive nor a negative value are skipped) → seeded stratified train/validation/test split →
//   encoder fitted on the training rows → XGBoost binary:logistic with early stopping on the
//   validation log-loss, for every (max_depth, eta) of a small grid; the model kept is the
//   smallest (fewest tree nodes, so the cheapest exact TreeSHAP) whose validation AUC is within
//   grid_auc_tolerance of the best (the grid is recorded in the card) → calibration check on
//   validation with that model (Platt or isotonic, each judged by 2-fold cross-fitting on the
//   validation rows, kept only if it lowers log-loss; the calibrator is fitted on the validation
//   scores) → refit (TrainOptions::refit): encoder and booster retrained with the chosen
//   (max_depth, eta), the same seed and the early-stopped number of trees (scaled by
//   (train+validation)/train when refit_scale_rounds) on train + validation, no early stopping;
//   the refit model is served uncalibrated (no held-out rows are left to fit a calibrator on its
//   scores; the validation check is recorded, and applied only without refit) → bucket
//   thresholds at the quintiles of the final model's scores on its own training rows → metrics
//   on the test rows (the card's refit object also keeps the pre-refit model's test metrics).
// The model card records the data hash, rows, features, AUC-ROC, AUC-PR, log-loss, Brier, the
// test calibration table, conversion rate per tier, top fields by gain, training time and library
// versions — for the model with and (when compare_leaky) the model without the leaky fields.
//
// Deterministic for a given data, schema and options (apart from the card's timing fields).
// Thread-safety: pure function of its inputs.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "base/status.h"
#include "csv/reader.h"
#include "leads/bundle.h"
#include "leads/schema.h"

namespace signx::leads {

struct TrainOptions {
  std::uint64_t seed = 42;
  bool include_leaky = false;  // train the returned model with the schema's leaky fields
  bool compare_leaky = true;   // also train the other variant and report it in the card
  double train_fraction = 0.7;
  double valid_fraction = 0.15;  // the test set gets the rest
  int min_category_count = 5;
  // Rows whose lead id is listed form the test set instead of the seeded split (every id must
  // exist, once); validation is then carved from the other rows, stratified and seeded, with
  // valid_fraction / (train_fraction + valid_fraction) of them. test_ids_name names the list in
  // the card.
  std::vector<std::string> test_ids;
  std::string test_ids_name;
  // When not empty: the feature fields to leave out, replacing the schema's leaky marks (the
  // returned bundle's schema marks exactly these leaky, and include_leaky is ignored). E.g.
  // {"tags", "lead_quality"}, the fields the reference peer leaves out of its no-leak model.
  std::vector<std::string> exclude_fields;
  // XGBoost settings. With an empty grid only max_depth/eta are trained.
  int max_depth = 5;
  double eta = 0.05;
  std::vector<int> grid_max_depth = {3, 4, 5, 6};
  std::vector<double> grid_eta = {0.1, 0.2};
  double grid_auc_tolerance = 0.001;
  double subsample = 0.9;
  double colsample_bytree = 0.9;
  double min_child_weight = 1.0;
  int num_rounds = 2000;
  int early_stopping_rounds = 50;
  // After selection, retrain the chosen configuration on train + validation (the returned model).
  // Rounds = early-stopped trees, × (train+validation)/train when refit_scale_rounds (off: on the
  // reference split over 5 seeds the scaled refit was no better and ~20% larger).
  bool refit = true;
  bool refit_scale_rounds = false;
  int nthread = 1;
  // Recorded in the card.
  std::string data_name;
  std::string data_sha256;
};

struct TrainOutput {
  ModelBundle bundle;  // bundle.card is the model card
  // The returned model's scores of the test rows (after calibration, as served), with their lead
  // ids and labels, in data order.
  std::vector<std::string> test_ids;
  std::vector<float> test_scores;
  std::vector<float> test_labels;
};

Result<TrainOutput> TrainLeadModel(const csv::Table& data, const Schema& schema,
                                   const TrainOptions& options);

// A few human-readable lines summarising a model card (for the CLI).
std::string CardSummary(const boost::json::object& card);

}  // namespace signx::leads
