#include "leads/lake_rows.h"

#include <string>
#include <utility>

namespace signx::leads {

lake::DatasetSchema LeadScoresDataset() {
  using lake::ColumnType;
  return {.name = "lead_scores",
          .columns = {{"scored_at", ColumnType::kTimestamp},
                      {"request_id", ColumnType::kString},
                      {"model_version", ColumnType::kString},
                      {"lead_id", ColumnType::kString},
                      {"score", ColumnType::kDouble},
                      {"bucket", ColumnType::kInt64},
                      {"tier", ColumnType::kString},
                      {"features", ColumnType::kString}},
          .partition_by = "scored_at"};
}

lake::Row LeadScoreLakeRow(Timestamp scored_at, std::string_view request_id, const LeadScore& score,
                           std::string features) {
  return {scored_at,   std::string(request_id), score.model_version,        score.lead_id,
          score.score, int64_t{score.bucket},   std::string(1, score.tier), std::move(features)};
}

}  // namespace signx::leads
