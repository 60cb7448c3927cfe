#include "documents/module.h"

#include "config/config.h"
#include "documents/changes.h"
#include "documents/llm_hook.h"
#include "documents/pages/documents_pages.h"
#include "documents/personal_data.h"
#include "documents/project_summary.h"
#include "documents/routes.h"
#include "documents/search.h"
#include "documents/service.h"
#include "events/outbox.h"
#include "jobs/queue.h"
#include "llm/settings.h"
#include "web/shell.h"

namespace signx::documents {
namespace {

class DocumentsModule final : public capability::Capability {
 public:
  explicit DocumentsModule(const capability::Deps& deps) : deps_(deps) {
    // `signx worker` has no outbox of its own: events appended there are inserted in the job's
    // transaction all the same and dispatched by the server's poller.
    events::Outbox* outbox = deps_.outbox;
    if (outbox == nullptr) {
      own_outbox_ = std::make_unique<events::Outbox>();
      outbox = own_outbox_.get();
    }
    service_ = std::make_unique<DocumentService>(deps_.store, *outbox, deps_.queue, deps_.blobs,
                                                 deps_.models);
    // The optional LLM (llm.url; off by default): summaries through llm/router.h.
    if (auto llm_settings = llm::SettingsFrom(deps_.config.llm);
        llm_settings.ok() && llm_settings->enabled()) {
      llm_ = OpenLlmRouter(deps_.store, std::move(*llm_settings));
      service_->set_llm(llm_.get());
    }
    personal_data_ = std::make_unique<DocumentsPersonalData>(*service_);
    auto search =
        DocumentSearch::Open(deps_.store, deps_.queue, deps_.config.data_dir, &deps_.models);
    if (search.ok()) {
      search_ = std::move(*search);
      service_->set_indexer(search_.get());
    } else {
      search_error_ = search.status();
    }
  }

  std::string_view name() const override { return "documents"; }

  Status RegisterJobs(jobs::Queue& queue) override {
    RegisterDocumentJobs(queue, *service_);
    if (search_ == nullptr) return search_error_;
    RegisterSearchJobs(queue, *search_);
    return Status::Ok();
  }

  // Loads the search re-ranker (a failure leaves search on BM25; it is retried every minute).
  Status Start() override {
    if (search_ != nullptr) (void)search_->StartRanking();
    return Status::Ok();
  }

  void AddRoutes(http::Router& router, http::SchemaRegistry& schemas) override {
    AddDocumentRoutes(router, schemas, *service_);
    AddProjectSummaryRoute(router, schemas, *service_);
    AddProjectChangesRoute(router, schemas, *service_);
    if (search_ != nullptr) AddSearchRoutes(router, schemas, *search_);
  }

  void AddPages(web::Shell& shell) override {
    shell.templates().AddEmbedded(EmbeddedTemplates());
    AddDocumentPages(shell, *service_, search_.get());
  }

  identity::PersonalDataProvider* personal_data() override { return personal_data_.get(); }

  void Stop() override {
    if (search_ != nullptr) search_->StopRanking();
  }

 private:
  const capability::Deps deps_;
  std::unique_ptr<events::Outbox> own_outbox_;
  std::unique_ptr<llm::LlmRouter> llm_;  // null while the LLM is off
  std::unique_ptr<DocumentService> service_;
  std::unique_ptr<DocumentsPersonalData> personal_data_;
  std::unique_ptr<DocumentSearch> search_;  // null when the index folder cannot be created
  Status search_error_;
};

}  // namespace

std::unique_ptr<capability::Capability> OpenDocumentsModule(const capability::Deps& deps) {
  return std::make_unique<DocumentsModule>(deps);
}

}  // namespace signx::documents
