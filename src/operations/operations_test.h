// The operations tests' fixture (TEST_P over SQLite and PostgreSQL, instantiated once in
// operations_test.cc): a migrated database, blob store, job queue with the operations handlers,
// the OperationsService and its routes, a fake clock at 2026-11-20 12:00 UTC; Call, Ingest (POST
// a batch and run its job), Drain, Count, ItemId.
//
// Files: operations_test.cc (stock, items and processes CRUD, OpenAPI, row rules),
// operations_ingest_test.cc (ingest batches), operations_forecast_test.cc (forecast runs, alerts,
// the daily schedule, planning rules).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "cache/cache.h"
#include "http/openapi.h"
#include "http/testing/route_call.h"
#include "http/testing/test_auth.h"
#include "jobs/queue.h"
#include "operations/forecast_run.h"
#include "operations/routes.h"
#include "operations/service.h"
#include "storage/testing/test_stores.h"

namespace signx::operations::operations_test {

namespace json = boost::json;
using http::testing::OrgMember;
using storage::testing::Backend;

inline constexpr std::string_view kItemsCsv =
    "sku,name,unit,category,lead_time_days,reorder_point,safety_stock,cost_cents\n"
    "ALU-EXT-2X2,Aluminium extrusion 2x2,ft,metal,14,200,80,450\n"
    "ACR-SHT-3MM,Acrylic sheet 3 mm,sheet,plastic,7,20,10,3900\n"
    "LED-MOD-12V,LED module 12 V,ea,electrical,21,500,200,180\n";

class OperationsTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    blob_dir_ = std::filesystem::temp_directory_path() /
                ("signx-ops-" + std::to_string(::getpid()) + "-" +
                 std::to_string(reinterpret_cast<uintptr_t>(this)));
    blobs_ = std::shared_ptr<const blobs::BlobStore>(
        std::move(*blobs::BlobStore::Open(blob_dir_, int64_t{1} << 28)));
    queue_ = std::make_unique<jobs::Queue>(db_->store());
    auto cache = cache::OpenCache({}, SystemClock::Get());
    ASSERT_TRUE(cache.ok());
    service_ = std::make_unique<OperationsService>(db_->store(), outbox_, *queue_, blobs_,
                                                   std::shared_ptr<cache::Cache>(std::move(*cache)),
                                                   clock_);
    queue_->RegisterHandler(std::string(kIngestJob),
                            [this](jobs::JobContext& ctx) { return service_->RunIngestJob(ctx); });
    queue_->RegisterHandler(std::string(kForecastRunJob), [this](jobs::JobContext& ctx) {
      return service_->RunForecastRunJob(ctx);
    });
    queue_->RegisterHandler(std::string(kScheduleForecastsJob), [this](jobs::JobContext& ctx) {
      return service_->ScheduleForecastsJob(ctx);
    });
    AddOperationsRoutes(router_, schemas_, *service_);
  }
  void TearDown() override {
    std::error_code ec;
    if (!blob_dir_.empty()) std::filesystem::remove_all(blob_dir_, ec);
  }

  http::Response Call(const std::string& method, const std::string& target,
                      const std::string& body = "", std::optional<std::string> org = "org_a",
                      std::map<std::string, std::string> headers = {}) {
    http::testing::RouteCall call{
        .method = method, .target = target, .body = body, .headers = std::move(headers)};
    if (org) call.principal = OrgMember(*org);
    return http::testing::CallRoute(router_, std::move(call));
  }
  static json::object Obj(const http::Response& r) { return json::parse(r.body).as_object(); }
  static std::string Str(const json::value& v) { return std::string(v.as_string()); }

  // Runs every due job with its registered handler, as a worker would.
  int Drain() {
    int n = 0;
    for (;;) {
      auto job = queue_->Claim("test");
      if (!job.ok() || !*job) break;
      ++n;
      jobs::JobContext ctx(*queue_, **job);
      auto handler = queue_->FindHandler((*job)->type);
      SIGNX_CHECK(handler.has_value(), "no handler");
      const Status st = (*handler)(ctx);
      if (st.ok()) {
        EXPECT_TRUE(queue_->Complete(**job, ctx.result()).ok());
      } else {
        ADD_FAILURE() << (*job)->type << ": " << st.ToString();
        (void)queue_->Fail(**job, st);
      }
    }
    return n;
  }

  // POSTs a batch, runs its job, returns the batch as GET answers it.
  json::object Ingest(const std::string& query, const std::string& body,
                      const std::string& content_type = "text/csv",
                      const std::string& org = "org_a") {
    auto r =
        Call("POST", "/v1/ingest/batches?" + query, body, org, {{"Content-Type", content_type}});
    SIGNX_CHECK(r.status == 202 || r.status == 200, r.body);
    const std::string id = Str(Obj(r).at("id"));
    Drain();
    auto got = Call("GET", "/v1/ingest/batches/" + id, "", org);
    SIGNX_CHECK(got.status == 200, got.body);
    return Obj(got);
  }

  int64_t Count(const std::string& sql) {
    auto rs = db_->store().Query(sql);
    SIGNX_CHECK(rs.ok(), rs.status().ToString());
    return rs->rows[0].Int(0);
  }

  std::string ItemId(const std::string& sku, const std::string& org = "org_a") {
    auto r = Call("GET", "/v1/items?q=" + sku, "", org);
    SIGNX_CHECK(r.status == 200, r.body);
    const json::object page = Obj(r);
    for (const auto& i : page.at("items").as_array()) {
      if (i.at("sku").as_string() == sku) return Str(i.at("id"));
    }
    return "";
  }

  FakeClock clock_{*ParseRfc3339("2026-11-20T12:00:00Z")};
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path blob_dir_;
  std::shared_ptr<const blobs::BlobStore> blobs_;
  events::Outbox outbox_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<OperationsService> service_;
  http::Router router_;
  http::SchemaRegistry schemas_;
};

}  // namespace signx::operations::operations_test
