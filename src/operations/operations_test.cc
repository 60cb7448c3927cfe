// Operations on SQLite and PostgreSQL (operations_test.h): stock from counts and movements, item
// and process CRUD, the OpenAPI document, the row rules; and the instantiation of the
// OperationsTest suite over both backends for every file.
#include "operations/operations_test.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>
#include <string>
#include <vector>

#include "http/openapi.h"
#include "operations/types.h"
#include "storage/testing/test_stores.h"

namespace signx::operations {
namespace {

namespace json = boost::json;
using operations_test::kItemsCsv;
using operations_test::OperationsTest;

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
