#include "documents/document.h"

#include <boost/json.hpp>

namespace signx::documents {

namespace json = boost::json;

namespace {
template <typename T>
json::value Opt(const std::optional<T>& v) {
  return v ? json::value(*v) : json::value(nullptr);
}
}  // namespace

json::object ToJson(const Document& d) {
  return json::object{{"id", d.id},
                      {"project_id", Opt(d.project_id)},
                      {"filename", d.filename},
                      {"media_type", d.media_type},
                      {"size_bytes", d.size_bytes},
                      {"sha256", d.sha256},
                      {"status", d.status},
                      {"failure_reason", Opt(d.failure_reason)},
                      {"doc_type", Opt(d.doc_type)},
                      {"doc_type_confidence", Opt(d.doc_type_confidence)},
                      {"doc_type_source", Opt(d.doc_type_source)},
                      {"model_version", Opt(d.model_version)},
                      {"language", Opt(d.language)},
                      {"page_count", Opt(d.page_count)},
                      {"ocr_pages", Opt(d.ocr_pages)},
                      {"document_date", Opt(d.document_date)},
                      {"job_id", Opt(d.job_id)},
                      {"uploaded_by", Opt(d.uploaded_by)},
                      {"created_at", FormatRfc3339(d.created_at)},
                      {"updated_at", FormatRfc3339(d.updated_at)}};
}

json::object ToJson(const Feedback& f) {
  json::value correction = nullptr;
  if (f.correction_json) {
    boost::system::error_code ec;
    correction = json::parse(*f.correction_json, ec);
    if (ec) correction = nullptr;
  }
  json::value rating = nullptr;
  if (f.rating) rating = *f.rating > 0 ? "up" : "down";
  return json::object{{"id", f.id},
                      {"document_id", f.document_id},
                      {"target", f.target},
                      {"item_index", Opt(f.item_index)},
                      {"rating", rating},
                      {"correction", correction},
                      {"created_by", Opt(f.created_by)},
                      {"created_at", FormatRfc3339(f.created_at)}};
}

bool IsFeedbackTarget(std::string_view t) {
  for (std::string_view x :
       {"classification", "summary.short", "summary.medium", "summary.detailed", "action_items",
        "decisions", "risks", "entities", "text"}) {
    if (t == x) return true;
  }
  return false;
}

}  // namespace signx::documents
