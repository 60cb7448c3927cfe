// The quote form (POST /estimating/quotes) through the web shell with a logged-in org admin: the
// prediction's model version the form carries is stored with the quote's request.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <regex>
#include <string>
#include <system_error>

#include "blobs/blob_store.h"
#include "estimating/pages/estimating_pages.h"
#include "estimating/service.h"
#include "events/outbox.h"
#include "identity/scope.h"
#include "identity/testing/identity_fixture.h"
#include "jobs/queue.h"
#include "web/identity_backend.h"
#include "web/shell.h"
#include "web/testing/page_client.h"

namespace signx::estimating {
namespace {

using identity::testing::IdentityWorld;
using identity::testing::kTestPassword;

class QuotePagesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(storage::testing::Backend::kSqlite);
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    a_ = world_->SeedOrg("a");
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-quote-pages-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 26)));
    queue_ = std::make_unique<jobs::Queue>(world_->store());
    service_ = std::make_unique<EstimatingService>(world_->store(), outbox_, *queue_, blobs_);
    web::Shell shell = web::AddWebRoutes(router_, web::MakeIdentityBackend(world_->service()),
                                         {.secret = "quote-pages-test-secret-0123456789"});
    AddQuotePages(shell, *service_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }

  std::unique_ptr<IdentityWorld> world_;
  identity::testing::SeededOrg a_;
  std::filesystem::path blob_dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<EstimatingService> service_;
  http::Router router_;
  web::testing::PageClient client_{router_};
};

// The form's model_version (longer than the small-string buffer, so it lives on the heap) was
// read through a string_view into a temporary that was already destroyed: a heap-use-after-free
// under ASan (found by browser.ui.signx under `make asan`), and a garbled or foreign version in
// the stored quote without it.
TEST_F(QuotePagesTest, QuoteFormKeepsThePredictionsModelVersion) {
  client_.LogIn(a_.admin.email, std::string(kTestPassword));
  const std::string version = "cost-0123456789abcdef0123";
  // No description: the quote's one line is then named after the prediction's model.
  auto created = client_.Call("POST", "/estimating/quotes",
                              "csrf_token=" + client_.csrf() +
                                  "&cost_cents=125000&quantity=2&method=markup&rate_pct=35"
                                  "&contingency_pct=5&model_version=" +
                                  version);
  ASSERT_EQ(created.status, 303) << created.body;
  static const std::regex id_re("/estimating/quotes/([A-Za-z0-9_]+)");
  const std::string location(created.headers.Get("Location").value_or(""));
  std::smatch m;
  ASSERT_TRUE(std::regex_search(location, m, id_re)) << location;
  auto scope =
      identity::OrgScope(IdentityWorld::PrincipalOf(a_.admin, a_.org, identity::Role::kOrgAdmin));
  ASSERT_TRUE(scope.ok()) << scope.status().ToString();
  auto quote = service_->GetQuote(*scope, m[1].str());
  ASSERT_TRUE(quote.ok()) << quote.status().ToString();
  EXPECT_NE(quote->request_json.find("Predicted cost (model " + version + ")"), std::string::npos)
      << quote->request_json;
}

}  // namespace
}  // namespace signx::estimating
