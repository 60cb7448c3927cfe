// Operations on SQLite and PostgreSQL: ingest batches through the routes and the real
// operations.ingest job (idempotency, all-or-nothing vs partial, replay, audit, external ids,
// formats), stock from counts and movements, and item / process CRUD.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <sstream>
#include <thread>

#include "cache/cache.h"
#include "http/openapi.h"
#include "http/testing/route_call.h"
#include "http/testing/test_auth.h"
#include "jobs/queue.h"
#include "operations/forecast_run.h"
#include "operations/planning.h"
#include "operations/routes.h"
#include "operations/service.h"
#include "storage/testing/test_stores.h"

namespace signx::operations {
namespace {

namespace json = boost::json;
using http::testing::OrgMember;
using storage::testing::Backend;

constexpr std::string_view kItemsCsv =
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

TEST_P(OperationsTest, CsvItemsAreNormalizedAuditedAndNotAppliedTwice) {
  auto b = Ingest("entity=items&source=erp&filename=items.csv", std::string(kItemsCsv));
  EXPECT_EQ(b.at("status").as_string(), "normalized") << json::serialize(b);
  EXPECT_EQ(b.at("row_count").as_int64(), 3);
  EXPECT_EQ(b.at("applied_rows").as_int64(), 3);
  EXPECT_EQ(b.at("changes").as_int64(), 3);
  EXPECT_EQ(b.at("checksum").as_string().size(), 64u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM manufacturing_items"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prim_master_audits WHERE batch_id IS NOT NULL"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'operations.batch_normalized'"), 1);

  // The same bytes again: 200 with the earlier batch, no job, nothing applied.
  auto again = Call("POST", "/v1/ingest/batches?entity=items&source=erp", std::string(kItemsCsv),
                    "org_a", {{"Content-Type", "text/csv"}});
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_TRUE(Obj(again).at("duplicate").as_bool());
  EXPECT_EQ(Obj(again).at("id"), b.at("id"));
  EXPECT_EQ(Drain(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM raw_data_batches"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prim_master_audits"), 3);

  // The same bytes in another org are that org's own batch.
  auto other = Ingest("entity=items", std::string(kItemsCsv), "text/csv", "org_b");
  EXPECT_EQ(other.at("status").as_string(), "normalized");
  EXPECT_EQ(Call("GET", "/v1/ingest/batches/" + Str(b.at("id")), "", "org_b").status, 404);

  // The item as stored, with its audit trail and the batch's changes.
  const std::string id = ItemId("ALU-EXT-2X2");
  auto item = Obj(Call("GET", "/v1/items/" + id));
  EXPECT_EQ(item.at("lead_time_days").as_int64(), 14);
  EXPECT_EQ(item.at("safety_stock").to_number<double>(), 80);
  EXPECT_EQ(item.at("unit").as_string(), "ft");
  auto history = Obj(Call("GET", "/v1/items/" + id + "/history"));
  ASSERT_EQ(history.at("items").as_array().size(), 1u);
  EXPECT_EQ(history.at("items").as_array()[0].at("action").as_string(), "create");
  EXPECT_EQ(history.at("items").as_array()[0].at("batch_id"), b.at("id"));
  auto changes = Obj(Call("GET", "/v1/ingest/batches/" + Str(b.at("id")) + "/changes"));
  EXPECT_EQ(changes.at("items").as_array().size(), 3u);
}

TEST_P(OperationsTest, AllOrNothingUnlessPartialWithRowErrors) {
  const std::string csv =
      "sku,name,lead_time_days,reorder_point,cost_cents\n"
      "VNL-ROLL-54,Vinyl roll 54in,10,5,12000\n"
      "PNT-BLK-GAL,Paint black,-3,2,4500\n"
      ",No sku,1,abc,10\n";
  auto b = Ingest("entity=items", csv);
  EXPECT_EQ(b.at("status").as_string(), "rejected");
  EXPECT_EQ(b.at("row_count").as_int64(), 3);
  EXPECT_EQ(b.at("rejected_rows").as_int64(), 2);
  EXPECT_EQ(b.at("error_count").as_int64(), 3);
  EXPECT_EQ(b.at("applied_rows").as_int64(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM manufacturing_items"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prim_master_audits"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'operations.batch_rejected'"), 1);
  auto errors = Obj(Call("GET", "/v1/ingest/batches/" + Str(b.at("id")) + "/errors"));
  const auto& e = errors.at("items").as_array();
  ASSERT_EQ(e.size(), 3u);
  EXPECT_EQ(e[0].at("row").as_int64(), 2);
  EXPECT_EQ(e[0].at("field").as_string(), "lead_time_days");
  EXPECT_EQ(e[1].at("row").as_int64(), 3);
  EXPECT_EQ(e[1].at("field").as_string(), "sku");
  EXPECT_EQ(e[1].at("rule").as_string(), "required");
  EXPECT_EQ(e[2].at("field").as_string(), "reorder_point");
  // Paged.
  auto page = Obj(Call("GET", "/v1/ingest/batches/" + Str(b.at("id")) + "/errors?limit=2"));
  EXPECT_EQ(page.at("items").as_array().size(), 2u);
  auto rest = Obj(Call("GET", "/v1/ingest/batches/" + Str(b.at("id")) +
                                  "/errors?limit=2&cursor=" + Str(page.at("next_cursor"))));
  EXPECT_EQ(rest.at("items").as_array().size(), 1u);

  // partial=true (different bytes: a trailing newline) applies the valid row.
  auto p = Ingest("entity=items&partial=true", csv + "\n");
  EXPECT_EQ(p.at("status").as_string(), "normalized") << json::serialize(p);
  EXPECT_EQ(p.at("applied_rows").as_int64(), 1);
  EXPECT_EQ(p.at("rejected_rows").as_int64(), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM manufacturing_items"), 1);
  EXPECT_EQ(Call("GET", "/v1/ingest/batches/" + Str(p.at("id")) + "/errors").status, 200);
}

TEST_P(OperationsTest, UnreadableFilesAreRejectedWithTheirRow) {
  auto ragged = Ingest("entity=items", "sku,name\nA-1,One\nA-2,Two,extra\n");
  EXPECT_EQ(ragged.at("status").as_string(), "rejected");
  auto errors = Obj(Call("GET", "/v1/ingest/batches/" + Str(ragged.at("id")) + "/errors"));
  ASSERT_EQ(errors.at("items").as_array().size(), 1u);
  EXPECT_EQ(errors.at("items").as_array()[0].at("row").as_int64(), 2);

  auto quote = Ingest("entity=items", "sku,name\nA-1,\"unterminated\n");
  EXPECT_EQ(quote.at("status").as_string(), "rejected");
  EXPECT_FALSE(quote.at("message").is_null());

  // A byte order mark and semicolons (a spreadsheet's export) read like any CSV.
  auto excel =
      Ingest("entity=items", "\xEF\xBB\xBFsku;name;cost_cents\r\nX-1;\"Panel; white\";120\r\n");
  EXPECT_EQ(excel.at("status").as_string(), "normalized") << json::serialize(excel);
  EXPECT_EQ(Obj(Call("GET", "/v1/items/" + ItemId("X-1"))).at("name").as_string(), "Panel; white");

  auto empty = Ingest("entity=items", "sku,name\n");
  EXPECT_EQ(empty.at("status").as_string(), "rejected");

  auto nd = Ingest("entity=items", "{\"sku\":\"N-1\"}\nnot json\n", "application/x-ndjson");
  EXPECT_EQ(nd.at("status").as_string(), "rejected");
  EXPECT_EQ(nd.at("error_count").as_int64(), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM manufacturing_items"), 1);

  EXPECT_EQ(Call("POST", "/v1/ingest/batches?entity=bogus", "x").status, 422);
  EXPECT_EQ(Call("POST", "/v1/ingest/batches", "sku\nA\n").status, 422);  // no entity
  EXPECT_EQ(Call("POST", "/v1/ingest/batches?entity=items", "").status, 422);
  EXPECT_EQ(Call("POST", "/v1/ingest/batches?entity=items&partial=maybe", "sku\nA\n").status, 422);
}

TEST_P(OperationsTest, NdjsonAndJsonPushesShareTheRules) {
  auto nd = Ingest(
      "entity=items&source=quickbooks",
      "{\"sku\":\"ACM-4X8\",\"name\":\"ACM panel\",\"lead_time_days\":5,\"cost_cents\":8800}\n"
      "\n"
      "{\"sku\":\"ACM-4X10\",\"reorder_point\":12.5}\n",
      "application/x-ndjson");
  EXPECT_EQ(nd.at("status").as_string(), "normalized") << json::serialize(nd);
  EXPECT_EQ(nd.at("format").as_string(), "ndjson");
  EXPECT_EQ(nd.at("row_count").as_int64(), 2);
  EXPECT_TRUE(nd.at("message").is_null());
  auto item = Obj(Call("GET", "/v1/items/" + ItemId("ACM-4X10")));
  EXPECT_EQ(item.at("reorder_point").to_number<double>(), 12.5);
  // A column no rule reads (a typo, an extra export field) is applied around and named.
  auto typo = Ingest("entity=items", "sku,leadtime,colour\nACM-4X8,9,white\n");
  EXPECT_EQ(typo.at("status").as_string(), "normalized");
  EXPECT_EQ(typo.at("message").as_string(), "columns not used: colour, leadtime");
  EXPECT_EQ(item.at("name").as_string(), "ACM-4X10");  // defaults to the sku

  auto push = Ingest("", R"({"entity": "inventory", "source": "wms", "rows": [
      {"sku": "ACM-4X8", "on_hand": 40, "on_order": 10, "at": "2026-12-01"},
      {"sku": "ACM-4X10", "on_hand": 5, "at": "2026-12-01T08:00:00Z"}]})",
                     "application/json");
  EXPECT_EQ(push.at("status").as_string(), "normalized") << json::serialize(push);
  EXPECT_EQ(push.at("entity").as_string(), "inventory");
  EXPECT_EQ(push.at("source").as_string(), "wms");
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inventory_snapshots"), 2);
}

TEST_P(OperationsTest, ReplayAppliesARejectedBatchOnceItsItemsExist) {
  const std::string consumption =
      "sku,quantity,at\n"
      "LED-MOD-12V,40,2026-11-01\n"
      "LED-MOD-12V,25,2026-11-03\n"
      "ALU-EXT-2X2,12.5,2026-11-03T14:00:00Z\n";
  auto b = Ingest("entity=consumption", consumption);
  ASSERT_EQ(b.at("status").as_string(), "rejected");
  auto errors = Obj(Call("GET", "/v1/ingest/batches/" + Str(b.at("id")) + "/errors"));
  ASSERT_EQ(errors.at("items").as_array().size(), 3u);
  EXPECT_EQ(errors.at("items").as_array()[0].at("rule").as_string(),
            "no item with sku LED-MOD-12V");

  Ingest("entity=items", std::string(kItemsCsv));
  auto replay = Call("POST", "/v1/ingest/batches/" + Str(b.at("id")) + "/replay", "");
  ASSERT_EQ(replay.status, 202) << replay.body;
  EXPECT_EQ(Obj(replay).at("status").as_string(), "received");
  EXPECT_EQ(Drain(), 1);
  auto after = Obj(Call("GET", "/v1/ingest/batches/" + Str(b.at("id"))));
  EXPECT_EQ(after.at("status").as_string(), "normalized") << json::serialize(after);
  EXPECT_EQ(after.at("replays").as_int64(), 1);
  EXPECT_EQ(after.at("changes").as_int64(), 3);
  EXPECT_EQ(after.at("error_count").as_int64(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inventory_movements"), 3);

  // Replaying again changes nothing: rows are keyed by (batch, row).
  ASSERT_EQ(Call("POST", "/v1/ingest/batches/" + Str(b.at("id")) + "/replay", "").status, 202);
  Drain();
  after = Obj(Call("GET", "/v1/ingest/batches/" + Str(b.at("id"))));
  EXPECT_EQ(after.at("status").as_string(), "normalized");
  EXPECT_EQ(after.at("replays").as_int64(), 2);
  EXPECT_EQ(after.at("changes").as_int64(), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inventory_movements"), 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prim_master_audits WHERE entity = 'movement'"), 3);

  // Demand history: days filled with zeros.
  const std::string led = ItemId("LED-MOD-12V");
  auto demand = Obj(Call("GET", "/v1/items/" + led + "/demand?days=5&to=2026-11-04"));
  const auto& days = demand.at("days").as_array();
  ASSERT_EQ(days.size(), 5u);
  EXPECT_EQ(days[0].at("day").as_string(), "2026-10-31");
  EXPECT_EQ(days[1].at("quantity").to_number<double>(), 40);
  EXPECT_EQ(days[2].at("quantity").to_number<double>(), 0);
  EXPECT_EQ(days[3].at("quantity").to_number<double>(), 25);
  EXPECT_EQ(Call("GET", "/v1/items/" + led + "/demand?days=0").status, 422);
  EXPECT_EQ(Call("POST", "/v1/ingest/batches/" + Str(b.at("id")) + "/replay", "", "org_b").status,
            404);

  // A batch whose job ended without processing it (here: cancelled while queued) is not stuck.
  auto stuck = Call("POST", "/v1/ingest/batches?entity=items", "sku\nSTUCK-1\n", "org_a",
                    {{"Content-Type", "text/csv"}});
  ASSERT_EQ(stuck.status, 202);
  const std::string stuck_id = Str(Obj(stuck).at("id"));
  EXPECT_EQ(Call("POST", "/v1/ingest/batches/" + stuck_id + "/replay", "").status, 409);
  ASSERT_TRUE(queue_->Cancel(Str(Obj(stuck).at("job_id"))).ok());
  ASSERT_EQ(Call("POST", "/v1/ingest/batches/" + stuck_id + "/replay", "").status, 202);
  Drain();
  EXPECT_EQ(Obj(Call("GET", "/v1/ingest/batches/" + stuck_id)).at("status").as_string(),
            "normalized");
}

TEST_P(OperationsTest, TwoBatchesCreatingTheSameSkusAtOnceBothApply) {
  std::string a = "sku,name\n", b = "sku,name\n";
  for (int i = 0; i < 1500; ++i) {
    a += "RACE-" + std::to_string(i) + ",from a\n";
    b += "RACE-" + std::to_string(i) + ",from b\n";
  }
  std::vector<std::string> ids;
  for (const auto* body : {&a, &b}) {
    auto r = Call("POST", "/v1/ingest/batches?entity=items", *body, "org_a",
                  {{"Content-Type", "text/csv"}});
    ASSERT_EQ(r.status, 202) << r.body;
    ids.push_back(Str(Obj(r).at("id")));
  }
  // Two workers take one job each and apply at the same time.
  std::vector<std::thread> workers;
  for (int w = 0; w < 2; ++w) {
    workers.emplace_back([&, w] {
      auto job = queue_->Claim("worker-" + std::to_string(w));
      if (!job.ok() || !*job) return;
      jobs::JobContext ctx(*queue_, **job);
      const Status st = service_->RunIngestJob(ctx);
      EXPECT_TRUE(st.ok()) << st.ToString();
      if (st.ok()) (void)queue_->Complete(**job, ctx.result());
    });
  }
  for (auto& t : workers) t.join();
  for (const auto& id : ids) {
    auto b2 = Obj(Call("GET", "/v1/ingest/batches/" + id));
    EXPECT_EQ(b2.at("status").as_string(), "normalized") << json::serialize(b2);
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM manufacturing_items"), 1500);
  // One batch created each item, the other renamed it: 1500 creates + 1500 updates.
  EXPECT_EQ(Count("SELECT COUNT(*) FROM prim_master_audits"), 3000);
}

TEST_P(OperationsTest, ExternalIdsMapSeveralExportsOntoOneItem) {
  Ingest("entity=items&source=erp", "external_id,sku,name\nE-100,PNT-WHT-GAL,Paint white\n");
  const std::string id = ItemId("PNT-WHT-GAL");
  ASSERT_FALSE(id.empty());
  // Read it once (the item cache keeps it): the batch below must drop that copy.
  EXPECT_EQ(Obj(Call("GET", "/v1/items/" + id)).at("cost_cents").as_int64(), 0);
  // The ERP renames the SKU: the external id finds the item, the change is audited.
  auto b =
      Ingest("entity=items&source=erp", "external_id,sku,cost_cents\nE-100,PNT-WHT-1GAL,2100\n");
  EXPECT_EQ(b.at("status").as_string(), "normalized") << json::serialize(b);
  EXPECT_EQ(ItemId("PNT-WHT-GAL"), "");
  EXPECT_EQ(ItemId("PNT-WHT-1GAL"), id);
  auto item = Obj(Call("GET", "/v1/items/" + id));
  EXPECT_EQ(item.at("cost_cents").as_int64(), 2100);
  EXPECT_EQ(item.at("version").as_int64(), 2);
  ASSERT_EQ(item.at("external_ids").as_array().size(), 1u);
  EXPECT_EQ(item.at("external_ids").as_array()[0].at("source").as_string(), "erp");
  auto history = Obj(Call("GET", "/v1/items/" + id + "/history"));
  ASSERT_EQ(history.at("items").as_array().size(), 2u);
  const auto& update = history.at("items").as_array()[0];
  EXPECT_EQ(update.at("action").as_string(), "update");
  EXPECT_EQ(update.at("before").at("sku").as_string(), "PNT-WHT-GAL");
  EXPECT_EQ(update.at("after").at("sku").as_string(), "PNT-WHT-1GAL");
  // Another source's stock rows refer to it by that source's id only.
  auto counts =
      Ingest("entity=inventory&source=erp", "item_external_id,on_hand,at\nE-100,7,2026-12-01\n");
  EXPECT_EQ(counts.at("status").as_string(), "normalized");
  auto wrong =
      Ingest("entity=inventory&source=wms", "item_external_id,on_hand,at\nE-100,7,2026-12-02\n");
  EXPECT_EQ(wrong.at("status").as_string(), "rejected");
}

TEST_P(OperationsTest, StockIsTheLatestCountMovedByLaterReceiptsAndConsumption) {
  Ingest("entity=items", std::string(kItemsCsv));
  Ingest("entity=inventory",
         "sku,on_hand,on_order,allocated,at\n"
         "ALU-EXT-2X2,50,0,0,2026-11-01\n"
         "ALU-EXT-2X2,100,50,10,2026-11-10\n");
  Ingest("entity=receipts",
         "sku,quantity,at\nALU-EXT-2X2,30,2026-11-12\nALU-EXT-2X2,5,2026-11-05\n");
  Ingest("entity=consumption", "sku,quantity,at\nALU-EXT-2X2,20,2026-11-15\n");
  const std::string id = ItemId("ALU-EXT-2X2");
  auto item = Obj(Call("GET", "/v1/items/" + id));
  const auto& stock = item.at("stock").as_object();
  EXPECT_EQ(stock.at("on_hand").to_number<double>(),
            110);  // 100 + 30 - 20 (the 11-05 receipt is counted)
  EXPECT_EQ(stock.at("on_order").to_number<double>(), 20);  // 50 - 30
  EXPECT_EQ(stock.at("allocated").to_number<double>(), 10);
  EXPECT_EQ(stock.at("available").to_number<double>(), 100);
  auto snaps = Obj(Call("GET", "/v1/items/" + id + "/inventory-snapshots"));
  EXPECT_EQ(snaps.at("items").as_array().size(), 2u);
  auto added = Call("POST", "/v1/items/" + id + "/inventory-snapshots",
                    R"({"on_hand": 95, "at": "2026-11-20"})");
  ASSERT_EQ(added.status, 201) << added.body;
  EXPECT_EQ(Obj(Call("GET", "/v1/items/" + id)).at("stock").at("on_hand").to_number<double>(), 95);
  EXPECT_EQ(Call("POST", "/v1/items/" + id + "/inventory-snapshots", R"({"on_hand": -1})").status,
            422);
  EXPECT_EQ(
      Call("POST", "/v1/items/" + id + "/inventory-snapshots", R"({"on_hand": 1})", "org_b").status,
      404);
}

TEST_P(OperationsTest, ProcessesFromRoutingRowsAndCrud) {
  Ingest("entity=items", std::string(kItemsCsv));
  auto b = Ingest("entity=processes",
                  "code,name,item_sku,seq,work_centre,standard_hours\n"
                  "CL-24,Channel letter 24in,LED-MOD-12V,10,CNC,1.5\n"
                  "CL-24,,,20,Assembly,2.25\n"
                  "CL-24,,,10,CNC-2,1.75\n");
  ASSERT_EQ(b.at("status").as_string(), "normalized") << json::serialize(b);
  auto list = Obj(Call("GET", "/v1/processes"));
  ASSERT_EQ(list.at("items").as_array().size(), 1u);
  const auto& p = list.at("items").as_array()[0];
  EXPECT_EQ(p.at("steps").as_array().size(), 2u);
  EXPECT_EQ(p.at("steps").as_array()[0].at("work_centre").as_string(), "CNC-2");
  EXPECT_DOUBLE_EQ(p.at("standard_hours").to_number<double>(), 4.0);
  EXPECT_EQ(p.at("item_id").as_string(), ItemId("LED-MOD-12V"));

  auto created = Call("POST", "/v1/processes",
                      R"({"code": "PY-8", "name": "Pylon 8ft", "steps": [
                          {"seq": 1, "work_centre": "Weld", "standard_hours": 6},
                          {"seq": 2, "work_centre": "Paint", "standard_hours": 3}]})");
  ASSERT_EQ(created.status, 201) << created.body;
  const std::string pid = Str(Obj(created).at("id"));
  EXPECT_EQ(Call("POST", "/v1/processes", R"({"code": "PY-8"})").status, 409);
  auto k1 =
      Call("POST", "/v1/processes", R"({"code": "K-1"})", "org_a", {{"Idempotency-Key", "p-1"}});
  auto k2 =
      Call("POST", "/v1/processes", R"({"code": "K-1"})", "org_a", {{"Idempotency-Key", "p-1"}});
  ASSERT_EQ(k1.status, 201);
  ASSERT_EQ(k2.status, 200);
  EXPECT_EQ(Obj(k2).at("id"), Obj(k1).at("id"));
  EXPECT_EQ(Call("POST", "/v1/processes", R"({"code": "X", "steps": [{"seq": 0}]})").status, 422);
  EXPECT_EQ(Call("PATCH", "/v1/processes/" + pid, R"({"name": "P"})").status, 428);
  auto patched = Call("PATCH", "/v1/processes/" + pid,
                      R"({"steps": [{"seq": 1, "work_centre": "Weld", "standard_hours": 5}]})",
                      "org_a", {{"If-Match", "\"v1\""}});
  ASSERT_EQ(patched.status, 200) << patched.body;
  EXPECT_DOUBLE_EQ(Obj(patched).at("standard_hours").to_number<double>(), 5);
  EXPECT_EQ(
      Call("PATCH", "/v1/processes/" + pid, R"({"name": "P"})", "org_a", {{"If-Match", "\"v1\""}})
          .status,
      412);
  EXPECT_EQ(Call("GET", "/v1/processes/" + pid, "", "org_b").status, 404);
  EXPECT_EQ(Obj(Call("GET", "/v1/processes?item_id=" + ItemId("LED-MOD-12V")))
                .at("items")
                .as_array()
                .size(),
            1u);
}

TEST_P(OperationsTest, ItemCrudWithETagsPagesAndCache) {
  auto r =
      Call("POST", "/v1/items",
           R"({"sku": "VNL-3M-180", "name": "3M vinyl 180", "unit": "roll", "lead_time_days": 10,
                    "reorder_point": 4, "safety_stock": 2, "cost_cents": 25000})");
  ASSERT_EQ(r.status, 201) << r.body;
  EXPECT_EQ(r.headers.Get("ETag").value_or(""), "\"v1\"");
  const std::string id = Str(Obj(r).at("id"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'operations.item_created'"), 1);
  EXPECT_EQ(Call("POST", "/v1/items", R"({"sku": "VNL-3M-180"})").status, 409);
  // Idempotency-Key: the repeat answers the first item, creates nothing.
  auto k1 =
      Call("POST", "/v1/items", R"({"sku": "KEYED-1"})", "org_a", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(k1.status, 201) << k1.body;
  auto k2 =
      Call("POST", "/v1/items", R"({"sku": "KEYED-1"})", "org_a", {{"Idempotency-Key", "k-1"}});
  ASSERT_EQ(k2.status, 200) << k2.body;
  EXPECT_EQ(Obj(k2).at("id"), Obj(k1).at("id"));
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'operations.item_created'"), 2);
  auto bad = Call("POST", "/v1/items", R"({"sku": "has space", "lead_time_days": -1, "x": 1})");
  ASSERT_EQ(bad.status, 422);
  EXPECT_NE(bad.body.find("lead_time_days"), std::string::npos);
  EXPECT_NE(bad.body.find("\"x\""), std::string::npos);

  // Read (fills the cache), change, read again: the change shows.
  EXPECT_EQ(Obj(Call("GET", "/v1/items/" + id)).at("cost_cents").as_int64(), 25000);
  EXPECT_EQ(Call("PATCH", "/v1/items/" + id, R"({"cost_cents": 1})").status, 428);
  EXPECT_EQ(Call("PATCH", "/v1/items/nope", R"({"cost_cents": 1})").status, 404);
  auto p = Call("PATCH", "/v1/items/" + id, R"({"cost_cents": 26000, "category": "vinyl"})",
                "org_a", {{"If-Match", "\"v1\""}});
  ASSERT_EQ(p.status, 200) << p.body;
  EXPECT_EQ(p.headers.Get("ETag").value_or(""), "\"v2\"");
  auto got = Obj(Call("GET", "/v1/items/" + id));
  EXPECT_EQ(got.at("cost_cents").as_int64(), 26000);
  EXPECT_EQ(got.at("category").as_string(), "vinyl");
  EXPECT_EQ(
      Call("PATCH", "/v1/items/" + id, R"({"cost_cents": 1})", "org_a", {{"If-Match", "\"v1\""}})
          .status,
      412);
  EXPECT_EQ(Call("GET", "/v1/items/" + id, "", "org_b").status, 404);
  EXPECT_EQ(Call("GET", "/v1/items/" + id, "", std::nullopt).status, 401);
  auto history = Obj(Call("GET", "/v1/items/" + id + "/history"));
  ASSERT_EQ(history.at("items").as_array().size(), 2u);
  EXPECT_EQ(history.at("items").as_array()[0].at("before").at("cost_cents").as_int64(), 25000);

  // Keyset pages by sku, filters.
  for (int i = 0; i < 5; ++i) {
    ASSERT_EQ(Call("POST", "/v1/items",
                   R"({"sku": "ACR-)" + std::to_string(i) + R"(", "category": "plastic"})")
                  .status,
              201);
  }
  std::vector<std::string> seen;
  std::string cursor;
  do {
    auto page = Obj(Call("GET", "/v1/items?limit=2" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    for (const auto& i : page.at("items").as_array()) seen.push_back(Str(i.at("sku")));
    cursor = page.at("next_cursor").is_null() ? "" : Str(page.at("next_cursor"));
  } while (!cursor.empty());
  ASSERT_EQ(seen.size(), 7u);
  EXPECT_TRUE(std::is_sorted(seen.begin(), seen.end()));
  EXPECT_EQ(Obj(Call("GET", "/v1/items?category=plastic")).at("items").as_array().size(), 5u);
  EXPECT_EQ(Obj(Call("GET", "/v1/items?q=ACR-")).at("items").as_array().size(), 5u);
  EXPECT_EQ(Obj(Call("GET", "/v1/items", "", "org_b")).at("items").as_array().size(), 0u);
  EXPECT_EQ(Call("GET", "/v1/items?limit=0").status, 422);
}

TEST_P(OperationsTest, ALargeCsvStreamsThroughTheJob) {
  // 20,000 consumption rows against 50 items; SIGNX_BENCH_INGEST_ROWS=100000 makes it the bench.
  int rows = 20'000;
  if (const char* env = std::getenv("SIGNX_BENCH_INGEST_ROWS")) rows = std::atoi(env);
  std::string items = "sku,name,lead_time_days\n";
  for (int i = 0; i < 50; ++i)
    items += "SKU-" + std::to_string(i) + ",Item " + std::to_string(i) + ",7\n";
  Ingest("entity=items", items);
  std::string csv = "sku,quantity,at\n";
  csv.reserve(static_cast<std::size_t>(rows) * 32);
  for (int i = 0; i < rows; ++i) {
    csv += "SKU-" + std::to_string(i % 50) + "," + std::to_string(1 + i % 7) + ",2026-" +
           (i % 12 < 9 ? "0" : "") + std::to_string(1 + i % 12) + "-" + (i % 28 < 9 ? "0" : "") +
           std::to_string(1 + i % 28) + "\n";
  }
  const auto start = std::chrono::steady_clock::now();
  auto b = Ingest("entity=consumption&filename=big.csv", csv);
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  EXPECT_EQ(b.at("status").as_string(), "normalized") << json::serialize(b);
  EXPECT_EQ(b.at("row_count").as_int64(), rows);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM inventory_movements"), rows);
  std::printf("[ ingest ] %s: %d rows, %.0f bytes in %.2f s = %.0f rows/s\n",
              storage::testing::BackendName(GetParam()).c_str(), rows,
              static_cast<double>(csv.size()), seconds, rows / seconds);
  auto job = queue_->Get(Str(b.at("job_id")));
  ASSERT_TRUE(job.ok());
  EXPECT_EQ(job->progress, 100);
}

TEST_P(OperationsTest, AForecastRunCoversEveryItem) {
  // 10 items × 120 days by default; SIGNX_BENCH_FORECAST_ITEMS / _DAYS make it the bench.
  int items = 10, days = 120;
  if (const char* env = std::getenv("SIGNX_BENCH_FORECAST_ITEMS")) items = std::atoi(env);
  if (const char* env = std::getenv("SIGNX_BENCH_FORECAST_DAYS")) days = std::atoi(env);
  std::string skus = "sku,lead_time_days,safety_stock\n", use = "sku,quantity,at\n";
  for (int i = 0; i < items; ++i) skus += "F-" + std::to_string(i) + ",14,5\n";
  for (int d = 1; d <= days; ++d) {
    const std::string day = DayOf(clock_.Now() - std::chrono::days(d));
    for (int i = 0; i < items; ++i) {
      // Weekly pattern plus a per-item level; every 5th item intermittent.
      const int q = i % 5 == 4 ? (d % 9 == 0 ? 6 : 0) : 5 + i % 7 + (d % 7 < 2 ? 0 : 4);
      use += "F-" + std::to_string(i) + "," + std::to_string(q) + "," + day + "\n";
    }
  }
  ASSERT_EQ(Ingest("entity=items", skus).at("status").as_string(), "normalized");
  ASSERT_EQ(Ingest("entity=consumption", use).at("status").as_string(), "normalized");
  auto started = Call("POST", "/v1/forecast-runs", "{}");
  ASSERT_EQ(started.status, 202);
  const auto start = std::chrono::steady_clock::now();
  Drain();
  const double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  auto run = Obj(Call("GET", "/v1/forecast-runs/" + Str(Obj(started).at("id"))));
  EXPECT_EQ(run.at("status").as_string(), "succeeded");
  EXPECT_EQ(run.at("items").as_int64(), items);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecasts"), int64_t{items} * 28);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecasts WHERE NOT (lower <= point AND point <= upper)"),
            0);
  std::printf("[ forecast ] %s: %d items x %d days in %.2f s = %.0f items/s\n",
              storage::testing::BackendName(GetParam()).c_str(), items, days, seconds,
              items / seconds);
}

TEST_P(OperationsTest, OpenApiHasEveryRouteAndSchema) {
  const std::string doc = http::BuildOpenApi(router_, schemas_, {.version = "test"});
  auto v = json::parse(doc).as_object();
  const auto& paths = v.at("paths").as_object();
  for (const auto& route : router_.routes())
    EXPECT_TRUE(paths.contains(route.pattern)) << route.pattern;
  const auto& components = v.at("components").at("schemas").as_object();
  for (std::size_t pos = 0; (pos = doc.find("#/components/schemas/", pos)) != std::string::npos;) {
    pos += 21;
    const std::string name = doc.substr(pos, doc.find('"', pos) - pos);
    EXPECT_TRUE(components.contains(name)) << name;
  }
}

TEST_P(OperationsTest, ForecastRunsScoreAccuracyAndDriveAlerts) {
  // Clock: 2026-11-20 12:00 UTC. Three items: steady demand 10/day with little stock (a stock-out
  // within its 7-day lead time), the same demand with plenty of stock, and one without history.
  Ingest("entity=items",
         "sku,lead_time_days,safety_stock\nLOW-STOCK,7,20\nWELL-STOCKED,7,20\nNO-HISTORY,7,5\n");
  std::string use = "sku,quantity,at\n";
  for (int d = 1; d <= 60; ++d) {
    const std::string day = DayOf(clock_.Now() - std::chrono::days(d));
    use += "LOW-STOCK,10," + day + "\nWELL-STOCKED,10," + day + "\n";
  }
  ASSERT_EQ(Ingest("entity=consumption", use).at("status").as_string(), "normalized");
  Ingest("entity=inventory",
         "sku,on_hand,on_order,at\nLOW-STOCK,60,0,2026-11-20T00:00:00Z\n"
         "WELL-STOCKED,900,0,2026-11-20T00:00:00Z\n");
  const std::string low = ItemId("LOW-STOCK"), well = ItemId("WELL-STOCKED");

  EXPECT_EQ(Call("GET", "/v1/items/" + low + "/forecast").status, 404);
  EXPECT_EQ(Call("POST", "/v1/forecast-runs", R"({"horizon": 0, "level": 2})").status, 422);
  auto started = Call("POST", "/v1/forecast-runs", R"({"horizon": 14})");
  ASSERT_EQ(started.status, 202) << started.body;
  const std::string run = Str(Obj(started).at("id"));
  EXPECT_EQ(Drain(), 1);
  auto r1 = Obj(Call("GET", "/v1/forecast-runs/" + run));
  EXPECT_EQ(r1.at("status").as_string(), "succeeded") << json::serialize(r1);
  EXPECT_EQ(r1.at("items").as_int64(), 2);
  EXPECT_EQ(r1.at("skipped").as_int64(), 1);

  auto fc = Obj(Call("GET", "/v1/items/" + low + "/forecast"));
  const auto& points = fc.at("points").as_array();
  ASSERT_EQ(points.size(), 14u);  // max(horizon 14, lead time 7)
  EXPECT_EQ(points[0].at("day").as_string(), "2026-11-20");
  for (const auto& p : points) {
    EXPECT_LE(p.at("lower").to_number<double>(), p.at("point").to_number<double>());
    EXPECT_LE(p.at("point").to_number<double>(), p.at("upper").to_number<double>());
    EXPECT_NEAR(p.at("point").to_number<double>(), 10, 0.5);
  }
  EXPECT_FALSE(fc.at("model").as_string().empty());
  EXPECT_EQ(fc.at("version").as_string(), kForecastVersion);

  // 60 on hand − ~70 over the lead time < 20 safety stock: one critical stock-out alert.
  auto inbox = Obj(Call("GET", "/v1/forecast-alerts"));
  ASSERT_EQ(inbox.at("items").as_array().size(), 1u) << json::serialize(inbox);
  const auto alert = inbox.at("items").as_array()[0].as_object();
  EXPECT_EQ(alert.at("rule").as_string(), "stockout");
  EXPECT_EQ(alert.at("sku").as_string(), "LOW-STOCK");
  EXPECT_EQ(alert.at("severity").as_string(), "critical");
  EXPECT_EQ(alert.at("status").as_string(), "open");
  EXPECT_NEAR(alert.at("details").at("projected").to_number<double>(), -10, 3);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'operations.alert_opened'"), 1);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM events WHERE type = 'operations.forecast_run_completed'"),
            1);
  const std::string alert_id = Str(alert.at("id"));

  // A second run the same day refreshes the alert instead of adding another.
  ASSERT_EQ(Call("POST", "/v1/forecast-runs", "").status, 202);
  Drain();
  EXPECT_EQ(Obj(Call("GET", "/v1/forecast-alerts")).at("items").as_array().size(), 1u);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecast_alerts"), 1);

  // People: open → acknowledged → resolved, with who and when; other orgs see nothing.
  EXPECT_EQ(Call("POST", "/v1/forecast-alerts/" + alert_id + "/acknowledge", "", "org_b").status,
            404);
  auto ack = Call("POST", "/v1/forecast-alerts/" + alert_id + "/acknowledge", "");
  ASSERT_EQ(ack.status, 200) << ack.body;
  EXPECT_EQ(Obj(ack).at("acknowledged_by").as_string(), "usr_org_a");
  EXPECT_EQ(Obj(ack).at("acknowledged_at").as_string(), "2026-11-20T12:00:00.000Z");
  EXPECT_EQ(Call("POST", "/v1/forecast-alerts/" + alert_id + "/acknowledge", "").status, 409);
  auto resolved = Call("POST", "/v1/forecast-alerts/" + alert_id + "/resolve", "");
  ASSERT_EQ(resolved.status, 200);
  EXPECT_EQ(Obj(resolved).at("status").as_string(), "resolved");
  EXPECT_EQ(Call("POST", "/v1/forecast-alerts/" + alert_id + "/resolve", "").status, 409);
  EXPECT_EQ(Obj(Call("GET", "/v1/forecast-alerts")).at("items").as_array().size(), 0u);
  EXPECT_EQ(Obj(Call("GET", "/v1/forecast-alerts?status=resolved")).at("items").as_array().size(),
            1u);

  // The next day: a receipt fixes the stock; yesterday's demand of WELL-STOCKED spiked to 100.
  clock_.Advance(std::chrono::hours(24));
  Ingest("entity=receipts", "sku,quantity,at\nLOW-STOCK,500,2026-11-20T15:00:00Z\n");
  Ingest("entity=consumption",
         "sku,quantity,at\nLOW-STOCK,10,2026-11-20T16:00:00Z\n"
         "WELL-STOCKED,100,2026-11-20T16:00:00Z\n");
  // Actuals arrived: the consumption batch scored the previous forecast already.
  auto scored = Obj(Call("GET", "/v1/items/" + well + "/accuracy"));
  ASSERT_EQ(scored.at("items").as_array().size(), 1u) << json::serialize(scored);
  EXPECT_EQ(scored.at("items").as_array()[0].at("points").as_int64(), 1);
  ASSERT_EQ(Call("POST", "/v1/forecast-runs", "").status, 202);
  Drain();
  inbox = Obj(Call("GET", "/v1/forecast-alerts"));
  ASSERT_EQ(inbox.at("items").as_array().size(), 1u) << json::serialize(inbox);
  EXPECT_EQ(inbox.at("items").as_array()[0].at("rule").as_string(), "demand_spike");
  EXPECT_EQ(inbox.at("items").as_array()[0].at("sku").as_string(), "WELL-STOCKED");
  // Accuracy of the previous forecast on the day that now has an actual.
  auto acc = Obj(Call("GET", "/v1/items/" + well + "/accuracy"));
  ASSERT_FALSE(acc.at("items").as_array().empty());
  const auto& a0 = acc.at("items").as_array()[0];
  EXPECT_EQ(a0.at("points").as_int64(), 1);
  EXPECT_NEAR(a0.at("bias").to_number<double>(), 10 - 100, 1);
  EXPECT_NEAR(a0.at("mape").to_number<double>(), 90, 1);

  // Rules are data: switching demand_spike off resolves its alert at the next run.
  auto rules = Call("PUT", "/v1/forecast-alert-rules/demand_spike", R"({"enabled": false})");
  ASSERT_EQ(rules.status, 200) << rules.body;
  EXPECT_EQ(
      Call("PUT", "/v1/forecast-alert-rules/demand_spike", R"({"params": {"factor": 0}})").status,
      422);
  EXPECT_EQ(Call("PUT", "/v1/forecast-alert-rules/nope", R"({})").status, 404);
  ASSERT_EQ(Call("POST", "/v1/forecast-runs", "").status, 202);
  Drain();
  EXPECT_EQ(Obj(Call("GET", "/v1/forecast-alerts")).at("items").as_array().size(), 0u);
  auto all = Obj(Call("GET", "/v1/forecast-alerts?all=true"));
  ASSERT_EQ(all.at("items").as_array().size(), 2u);
  EXPECT_EQ(all.at("items").as_array()[0].at("resolved_by").as_string(), "system");
  EXPECT_EQ(Obj(Call("GET", "/v1/forecast-runs")).at("items").as_array().size(), 4u);
  EXPECT_EQ(Call("GET", "/v1/forecast-runs/" + run, "", "org_b").status, 404);
}

TEST_P(OperationsTest, TheDailyScheduleQueuesOneRunPerOrgWithItems) {
  Ingest("entity=items", "sku\nA-1\n");
  Ingest("entity=items", "sku\nB-1\n", "text/csv", "org_b");
  for (int i = 0; i < 2; ++i) {  // two schedulers on the same slot
    ASSERT_TRUE(queue_->Enqueue({.type = std::string(kScheduleForecastsJob)}).ok());
    Drain();
  }
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecast_runs"), 2);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecast_runs WHERE status = 'succeeded'"), 2);
  auto runs = Obj(Call("GET", "/v1/forecast-runs"));
  ASSERT_EQ(runs.at("items").as_array().size(), 1u);
  EXPECT_EQ(runs.at("items").as_array()[0].at("skipped").as_int64(), 1);  // no demand yet
  EXPECT_EQ(runs.at("items").as_array()[0].at("created_by").as_string(), kScheduleForecastsJob);
  // The next day queues again.
  clock_.Advance(std::chrono::hours(24));
  ASSERT_TRUE(queue_->Enqueue({.type = std::string(kScheduleForecastsJob)}).ok());
  Drain();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecast_runs"), 4);
  // Points of runs older than the retention go; the runs (and accuracy) stay.
  ASSERT_TRUE(db_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return txn
                        .Exec("INSERT INTO forecast_runs (id, org_id, status, horizon, period, "
                              "level, created_at) VALUES ('fcr_old', 'org_a', 'succeeded', 1, 7, "
                              "0.8, $1)",
                              {clock_.Now() - std::chrono::hours(24 * 91)})
                        .status();
                  })
                  .ok());
  ASSERT_TRUE(db_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return txn
                        .Exec("INSERT INTO forecasts (run_id, org_id, item_id, step, day, point, "
                              "lower, upper, level, model, version) VALUES ('fcr_old', 'org_a', "
                              "'itm_x', 1, '2026-08-21', 1, 0, 2, 0.8, 'Naive', 'auto-1')")
                        .status();
                  })
                  .ok());
  clock_.Advance(std::chrono::hours(24));
  ASSERT_TRUE(queue_->Enqueue({.type = std::string(kScheduleForecastsJob)}).ok());
  Drain();
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecasts WHERE run_id = 'fcr_old'"), 0);
  EXPECT_EQ(Count("SELECT COUNT(*) FROM forecast_runs WHERE id = 'fcr_old'"), 1);
}

TEST(OperationsPlanningTest, StockoutRuleCases) {
  const std::vector<double> ten(30, 10.0);
  // Plenty: 100 − 5×10 = 50 ≥ 20.
  auto c = CheckStockout(
      {.on_hand = 100, .safety_stock = 20, .lead_time_days = 5, .daily_forecast = ten});
  EXPECT_FALSE(c.breach);
  EXPECT_DOUBLE_EQ(c.projected, 50);
  EXPECT_EQ(c.days_to_safety, 9);  // 100 − 9×10 = 10 < 20
  // On order counts: 40 + 10 − 50 = 0 < 20 → warning (not below zero); safety crossed on day 4.
  c = CheckStockout({.on_hand = 40,
                     .on_order = 10,
                     .safety_stock = 20,
                     .lead_time_days = 5,
                     .daily_forecast = ten});
  EXPECT_TRUE(c.breach);
  EXPECT_FALSE(c.critical);
  EXPECT_DOUBLE_EQ(c.projected, 0);
  EXPECT_EQ(c.days_to_safety, 4);
  // Below zero → critical.
  c = CheckStockout({.on_hand = 30, .safety_stock = 0, .lead_time_days = 5, .daily_forecast = ten});
  EXPECT_TRUE(c.critical);
  EXPECT_DOUBLE_EQ(c.projected, -20);
  // Lead time 0 still looks one day ahead; a lead time past the forecast sums what there is.
  c = CheckStockout(
      {.on_hand = 15, .safety_stock = 10, .lead_time_days = 0, .daily_forecast = ten});
  EXPECT_DOUBLE_EQ(c.demand_over_lead_time, 10);
  EXPECT_TRUE(c.breach);
  const std::vector<double> three = {5, 5, 5};
  c = CheckStockout({.on_hand = 100, .lead_time_days = 60, .daily_forecast = three});
  EXPECT_DOUBLE_EQ(c.demand_over_lead_time, 15);
  // Negative forecast values are no demand.
  const std::vector<double> neg = {-5, 10};
  c = CheckStockout({.on_hand = 10, .safety_stock = 1, .lead_time_days = 2, .daily_forecast = neg});
  EXPECT_DOUBLE_EQ(c.projected, 0);
  // Disabled rules never fire; enabled ones carry their numbers.
  ItemSignals s{.sku = "X",
                .stock = {.on_hand = 40,
                          .on_order = 10,
                          .safety_stock = 20,
                          .lead_time_days = 5,
                          .daily_forecast = ten}};
  RuleConfig off = DefaultRule(Rule::kStockout);
  off.enabled = false;
  EXPECT_TRUE(Evaluate(s, std::vector<RuleConfig>{off}).empty());
  auto f = Evaluate(s, std::vector<RuleConfig>{DefaultRule(Rule::kStockout)});
  ASSERT_EQ(f.size(), 1u);
  EXPECT_EQ(f[0].severity, "warning");
  EXPECT_EQ(f[0].details.at("days_to_safety_stock").as_int64(), 4);
  // No forecast: nothing to judge.
  s.stock.daily_forecast = {};
  EXPECT_TRUE(Evaluate(s, std::vector<RuleConfig>{DefaultRule(Rule::kStockout)}).empty());
}

TEST(OperationsPlanningTest, AccuracyAndBandRules) {
  const std::vector<double> f = {10, 10}, a = {8, 0}, h = {1, 2, 4};
  Accuracy acc = ComputeAccuracy(f, a, h, 1);
  EXPECT_EQ(acc.points, 2);
  ASSERT_TRUE(acc.mape.has_value());
  EXPECT_DOUBLE_EQ(*acc.mape, 25);  // only the non-zero actual: |10-8|/8
  EXPECT_DOUBLE_EQ(acc.bias, 6);    // (2 + 10) / 2
  ASSERT_TRUE(acc.mase.has_value());
  EXPECT_DOUBLE_EQ(*acc.mase, 4);  // mean |e| 6 / in-sample naive (1 + 2) / 2
  const std::vector<double> flat = {3, 3, 3};
  EXPECT_FALSE(ComputeAccuracy(f, a, flat, 1).mase.has_value());
  const std::vector<double> zeros = {0, 0};
  EXPECT_FALSE(ComputeAccuracy(f, zeros, h, 1).mape.has_value());

  ItemSignals s{.sku = "X", .accuracy = Accuracy{.points = 10, .mase = 2.0}};
  auto fired = Evaluate(s, std::vector<RuleConfig>{DefaultRule(Rule::kAccuracyDegraded)});
  ASSERT_EQ(fired.size(), 1u);
  s.accuracy->points = 3;  // below min_points
  EXPECT_TRUE(Evaluate(s, std::vector<RuleConfig>{DefaultRule(Rule::kAccuracyDegraded)}).empty());
  s.last_actual = 50;
  s.last_lower = 5;
  s.last_upper = 20;
  s.last_day = "2026-11-19";
  const std::vector<RuleConfig> band = {DefaultRule(Rule::kDemandSpike),
                                        DefaultRule(Rule::kDemandDrop)};
  fired = Evaluate(s, band);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rule, Rule::kDemandSpike);
  s.last_actual = 2;
  fired = Evaluate(s, band);
  ASSERT_EQ(fired.size(), 1u);
  EXPECT_EQ(fired[0].rule, Rule::kDemandDrop);
  s.last_actual = 10;
  EXPECT_TRUE(Evaluate(s, band).empty());
  RuleConfig wide = DefaultRule(Rule::kDemandSpike);
  wide.factor = 3;  // 50 is not above 3 × 20
  s.last_actual = 50;
  EXPECT_TRUE(Evaluate(s, std::vector<RuleConfig>{wide}).empty());
  EXPECT_FALSE(RuleFromJson(Rule::kStockout, true, {{"factor", 2}}).ok());
  EXPECT_TRUE(RuleFromJson(Rule::kDemandDrop, true, {{"factor", 2}}).ok());
}

TEST(OperationsTypesTest, RowRules) {
  std::vector<RowError> errors;
  auto m = MovementRowFrom({{"sku", "A"}, {"quantity", "-1"}, {"at", "2026-02-30"}}, 4, errors);
  EXPECT_FALSE(m.has_value());
  ASSERT_EQ(errors.size(), 2u);
  EXPECT_EQ(errors[0], (RowError{4, "quantity", "a number >= 0 and <= 1e+12"}));
  EXPECT_EQ(errors[1].field, "at");
  errors.clear();
  auto s = SnapshotRowFrom({{"item_external_id", "X"}, {"on_hand", " 3.5 "}, {"at", "2026-01-02"}},
                           1, errors);
  ASSERT_TRUE(s.has_value()) << errors.size();
  EXPECT_EQ(s->on_hand, 3.5);
  EXPECT_EQ(DayOf(s->at), "2026-01-02");
  EXPECT_EQ(DayOf(*ParseInstant("2026-03-01T23:59:59Z")), "2026-03-01");
  EXPECT_FALSE(ParseInstant("yesterday").ok());
  Process p;
  UpsertStep(p, {.seq = 2, .work_centre = "B", .standard_hours = 1});
  UpsertStep(p, {.seq = 1, .work_centre = "A", .standard_hours = 2});
  UpsertStep(p, {.seq = 2, .work_centre = "C", .standard_hours = 3});
  ASSERT_EQ(p.steps.size(), 2u);
  EXPECT_EQ(p.steps[1].work_centre, "C");
  EXPECT_EQ(p.standard_hours, 5);
}

INSTANTIATE_TEST_SUITE_P(Backends, OperationsTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::operations
