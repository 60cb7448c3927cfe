// Project reports on SQLite and PostgreSQL: the job renders the PDF, stores it as a blob, the text
// reads back with poppler (values, clauses, dimensions, hashes), the same inputs give the same
// report and bytes, and changed payloads give a new one.
#include "studio/report.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <filesystem>

#include "base/sha256.h"
#include "estimating/service.h"
#include "jobs/worker.h"
#include "pdf/testing/pdf_text.h"
#include "storage/testing/test_stores.h"
#include "studio/service.h"
#include "studio/structure_check.h"

namespace signx::studio {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

class StudioReportTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    dir_ = std::filesystem::temp_directory_path() /
           ("signx-studio-report-" + std::to_string(::getpid()) + "-" +
            std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(dir_, int64_t{1} << 26)));
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    ASSERT_TRUE(RegisterStudioJobs(*queue_, db_->store(), blobs_).ok());
    estimating_ =
        std::make_unique<estimating::EstimatingService>(db_->store(), outbox_, *queue_, blobs_);
    studio_ = std::make_unique<StudioService>(db_->store(), outbox_, *queue_, blobs_, nullptr,
                                              *estimating_);
    ASSERT_TRUE(db_->store()
                    .WithTxn([&](storage::Txn& txn) {
                      return txn
                          .Exec(
                              "INSERT INTO projects (id, org_id, name, customer, location, "
                              "status, metadata, created_at, updated_at) VALUES ('prj_r', "
                              "'org_r', 'Main St pylon', 'Acme Fuel', 'Des Moines, IA', "
                              "'design', '{}', 1, 1)")
                          .status();
                    })
                    .ok());
  }
  void TearDown() override {
    std::error_code ec;
    if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
  }
  void Save(const std::string& module, const std::string& config, bool first) {
    Precondition pre;
    if (first) {
      pre.must_not_exist = true;
    } else {
      auto cur = studio_->GetPayload(scope_, "prj_r", module, std::nullopt);
      ASSERT_TRUE(cur.ok());
      pre.version = cur->payload.version;
    }
    auto r = studio_->SavePayload(scope_, "prj_r", module, pre, json::parse(config));
    ASSERT_TRUE(r.ok()) << r.status().ToString();
  }
  int RunJobs() {
    jobs::Worker worker(*queue_, {.types = {std::string(kReportJob)}});
    int ran = 0;
    while (*worker.RunOnce()) ++ran;
    return ran;
  }

  const Scope scope_{"org_r", "usr_r"};
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<estimating::EstimatingService> estimating_;
  std::unique_ptr<StudioService> studio_;
};

constexpr char kStructure[] = R"({"wind_speed_mph": 115, "exposure": "C", "sign_width_ft": 10,
  "sign_height_ft": 6, "top_height_ft": 25, "pole": {"diameter_in": 10.75, "wall_in": 0.365},
  "soil_class": 4, "footing_diameter_ft": 3, "embedment_ft": 10})";

TEST_P(StudioReportTest, JobRendersStoresAndTheTextReadsBack) {
  bool created = false;
  EXPECT_EQ(studio_->RequestReport(scope_, "prj_r", &created).status().code(),
            ErrorCode::kConflict);  // nothing to report yet
  Save("structure", kStructure, true);
  Save("cabinet", R"({"material": "aluminum", "faces": 2})", true);
  auto r = studio_->RequestReport(scope_, "prj_r", &created);
  ASSERT_TRUE(r.ok()) << r.status().ToString();
  EXPECT_TRUE(created);
  EXPECT_EQ(r->status, "pending");
  EXPECT_EQ(studio_->ReportPdf(scope_, "prj_r", r->id).status().code(), ErrorCode::kConflict);
  EXPECT_EQ(RunJobs(), 1);
  auto ready = studio_->GetReport(scope_, "prj_r", r->id);
  ASSERT_TRUE(ready.ok());
  ASSERT_EQ(ready->status, "ready") << ready->error.value_or("");
  auto pdf = studio_->ReportPdf(scope_, "prj_r", r->id);
  ASSERT_TRUE(pdf.ok()) << pdf.status().ToString();
  EXPECT_EQ(Sha256Hex(*pdf), *ready->blob_sha256);
  auto pages = pdf::testing::PageTexts(*pdf);
  ASSERT_TRUE(pages.ok()) << pages.status().ToString();
  std::string text;
  for (const auto& p : *pages) text += p + "\n";
  auto has = [&](const std::string& s) {
    EXPECT_NE(text.find(s), std::string::npos) << "missing: " << s;
  };
  has("Main St pylon");
  has("Acme Fuel");
  has("Des Moines, IA");
  has("wind_speed_mph");
  has("PASSES");
  has("ASCE 7-16 Eq. 26.10-1");
  has("IBC Eq. 18-1");
  has("AISC 360-16");
  has("Kz");
  has("0.94");
  has("B = 10 ft");
  has("h = 25 ft");
  has("d = 10 ft");
  has("dia = 3 ft");
  has("Drawn to scale");
  has("no price");
  has(std::string(kStructureConstantsVersion));
  auto current = studio_->CurrentPayloads(scope_, "prj_r");
  has(current->at("structure").sha256.substr(0, 32));
  EXPECT_EQ(*pdf::testing::InfoKey(*pdf, "Title"), "Sign project report: Main St pylon");

  // The same inputs: the same report, and rendering them again gives the same bytes.
  auto again = studio_->RequestReport(scope_, "prj_r", &created);
  ASSERT_TRUE(again.ok());
  EXPECT_FALSE(created);
  EXPECT_EQ(again->id, r->id);
  EXPECT_EQ(RunJobs(), 0);
  auto bytes =
      db_->store().WithTxnResult<std::string>([&](storage::Txn& txn) -> Result<std::string> {
        StudioRepository repo(txn, scope_);
        SIGNX_ASSIGN_OR_RETURN(ReportInputs in, LoadCurrentInputs(repo, "prj_r"));
        return RenderProjectReport(in);
      });
  ASSERT_TRUE(bytes.ok());
  EXPECT_EQ(*bytes, *pdf);

  // Changed payloads: a new report.
  Save("cabinet", R"({"material": "steel", "faces": 2})", false);
  auto changed = studio_->RequestReport(scope_, "prj_r", &created);
  ASSERT_TRUE(changed.ok());
  EXPECT_TRUE(created);
  EXPECT_NE(changed->id, r->id);
  EXPECT_EQ(RunJobs(), 1);
  EXPECT_EQ(studio_->GetReport(scope_, "prj_r", changed->id)->status, "ready");
  // Another org sees nothing.
  EXPECT_EQ(studio_->GetReport({"org_x", "u"}, "prj_r", r->id).status().code(),
            ErrorCode::kNotFound);
}

INSTANTIATE_TEST_SUITE_P(Backends, StudioReportTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::studio
