// The lake dataset of scored leads, "lead_scores"
// (var/lake/lead_scores/year=YYYY/month=MM/*.parquet): one row per scored lead — when, the request
// (or CSV job) id, model version, lead id, score, bucket, tier and the lead's features as JSON
// text. Written by the scoring routes (LeadsService::LogToLake) and the CSV scoring job; read with
// `signx lake query`.
#pragma once

#include <boost/json/object.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/clock.h"
#include "lake/schema.h"
#include "leads/scorer.h"

namespace signx::leads {

lake::DatasetSchema LeadScoresDataset();

// The row of one scored lead; `features` is the lead as JSON text.
lake::Row LeadScoreLakeRow(Timestamp scored_at, std::string_view request_id, const LeadScore& score,
                           std::string features);

// The features text of a lead from the request's own bytes, so the routes need not serialise the
// parsed lead again: `json` (valid JSON text, e.g. a request body the parser accepted) without the
// whitespace between tokens. Strings are copied byte for byte.
std::string MinifiedJson(std::string_view json);

// MinifiedJson of each element of the array under the top-level key `key` of the JSON object
// `json` (valid JSON text), in order, in one scan: an element without whitespace between its
// tokens (what most clients send) is copied as it is. nullopt when the text has no such array or
// names the key more than once or in another spelling (escapes): callers then serialise the
// parsed values. The lake rows' features of a batch of leads.
std::optional<std::vector<std::string>> MinifiedArrayElements(std::string_view json,
                                                              std::string_view key);

}  // namespace signx::leads
