// Ingest batches on SQLite and PostgreSQL (operations_test.h) through the routes and the real
// operations.ingest job: idempotency, all-or-nothing vs partial, replay, audit, concurrent
// batches, external ids, formats, a large CSV streamed through the job.
#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>

#include "operations/operations_test.h"
#include "storage/testing/test_stores.h"

namespace signx::operations {
namespace {

namespace json = boost::json;
using operations_test::kItemsCsv;
using operations_test::OperationsTest;

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

}  // namespace
}  // namespace signx::operations
