// The lake dataset of scored leads, "lead_scores"
// (var/lake/lead_scores/year=YYYY/month=MM/*.parquet): one row per scored lead — when, the request
// (or CSV job) id, model version, lead id, score, bucket, tier and the lead's features as JSON
// text. Written by the scoring routes (LeadsService::LogToLake) and the CSV scoring job; read with
// `signx lake query`.
#pragma once

#include <boost/json/object.hpp>
#include <string_view>

#include "base/clock.h"
#include "lake/schema.h"
#include "leads/scorer.h"

namespace signx::leads {

lake::DatasetSchema LeadScoresDataset();

// The row of one scored lead; `features` is the lead as JSON text.
lake::Row LeadScoreLakeRow(Timestamp scored_at, std::string_view request_id, const LeadScore& score,
                           std::string features);

}  // namespace signx::leads
