// DocumentsPersonalData: the documents capability's part of a user's personal data
// (identity/personal_data.h) — the documents they uploaded and the feedback they gave in the
// export (section "documents"); on account deletion their documents are erased (rows, chunks,
// analysis, feedback, blob files nobody else references, search index entries) and their
// feedback on other documents is unlinked. See DocumentService::ExportUserData / EraseUserData.
//
// Thread-safety: thread-safe (the service is).
#pragma once

#include "documents/service.h"
#include "identity/personal_data.h"

namespace signx::documents {

class DocumentsPersonalData final : public identity::PersonalDataProvider {
 public:
  explicit DocumentsPersonalData(DocumentService& service) : service_(service) {}

  std::string_view personal_data_key() const override { return "documents"; }
  Result<boost::json::value> ExportPersonalData(storage::Txn& txn,
                                                const std::string& user_id) override {
    return service_.ExportUserData(txn, user_id);
  }
  Result<AfterCommit> DeletePersonalData(storage::Txn& txn, const std::string& user_id) override {
    return service_.EraseUserData(txn, user_id);
  }

 private:
  DocumentService& service_;
};

}  // namespace signx::documents
