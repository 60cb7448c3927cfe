// The document row and its JSON, the list filters, and the shapes of text and feedback — the
// pure types of the documents capability.
//
// Thread-safety: value types and pure functions.
#pragma once

#include <boost/json/object.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "base/clock.h"

namespace signx::documents {

inline constexpr int64_t kMaxUploadBytes = int64_t{50} << 20;  // 50 MB
inline constexpr std::string_view kProcessJob = "documents.process";
inline constexpr std::string_view kRetrainJob = "documents.retrain";
inline constexpr std::string_view kClassifierModel = "documents-classifier";

inline constexpr std::string_view kStatuses[] = {"queued", "extracting", "analysing", "ready",
                                                 "failed"};

struct Document {
  std::string id;  // doc_<ulid>
  std::string org_id;
  std::optional<std::string> project_id;
  std::string filename;
  std::string media_type;
  int64_t size_bytes = 0;
  std::string sha256;
  std::string status;
  std::optional<std::string> failure_reason;
  std::optional<std::string> doc_type;
  std::optional<double> doc_type_confidence;
  std::optional<std::string> doc_type_source;  // model, user
  std::optional<std::string> model_version;
  std::optional<std::string> language;
  std::optional<int64_t> page_count;
  std::optional<int64_t> ocr_pages;
  std::optional<std::string> document_date;
  std::optional<std::string> job_id;
  std::optional<std::string> uploaded_by;
  Timestamp created_at{};
  Timestamp updated_at{};
};

boost::json::object ToJson(const Document& d);

struct ListOptions {
  std::optional<std::string> status;
  std::optional<std::string> doc_type;
  std::optional<std::string> project_id;
  int limit = 50;
  std::string cursor;  // the last id of the previous page
};

struct PageRow {
  int page = 1;
  std::string text;
  bool ocr = false;
};

struct ChunkRow {
  int seq = 0;
  int page = 1;
  std::string heading;
  std::string text;
  int64_t start = 0, end = 0;
};

struct StoredAnalysis {
  std::string analysis_json;
  std::string classification_json;
  Timestamp created_at{};
};

struct Feedback {
  std::string id;  // dfb_<ulid>
  std::string document_id;
  std::string target;
  std::optional<int64_t> item_index;
  std::optional<int64_t> rating;
  std::optional<std::string> correction_json;
  std::optional<std::string> created_by;
  Timestamp created_at{};
};
boost::json::object ToJson(const Feedback& f);

// Feedback targets: classification, summary.short|medium|detailed, action_items, decisions,
// risks, entities, text.
bool IsFeedbackTarget(std::string_view t);

}  // namespace signx::documents
