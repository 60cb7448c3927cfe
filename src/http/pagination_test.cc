#include "http/pagination.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace signx::http {
namespace {

Request WithQuery(std::string_view query) {
  Request r;
  r.target = "/v1/x?" + std::string(query);
  r.query = ParseQuery(query);
  return r;
}

TEST(PaginationTest, DefaultsWhenAbsentAndReadsBoth) {
  std::vector<FieldError> bad;
  auto q = ReadPageQuery(WithQuery(""), bad);
  EXPECT_TRUE(bad.empty());
  EXPECT_EQ(q.limit, 50);
  EXPECT_EQ(q.cursor, "");
  q = ReadPageQuery(WithQuery("limit=7&cursor=prj_1"), bad, {.default_limit = 20, .max_limit = 100});
  EXPECT_TRUE(bad.empty());
  EXPECT_EQ(q.limit, 7);
  EXPECT_EQ(q.cursor, "prj_1");
}

TEST(PaginationTest, ABadLimitOrCursorNamesTheParameterNeverClamps) {
  for (const char* limit : {"0", "-1", "201", "ten", "1.5"}) {
    std::vector<FieldError> bad;
    ReadPageQuery(WithQuery(std::string("limit=") + limit), bad);
    ASSERT_EQ(bad.size(), 1u) << limit;
    EXPECT_EQ(bad[0].field, "limit");
    EXPECT_EQ(bad[0].message, "must be an integer from 1 to 200");
  }
  std::vector<FieldError> bad;
  ReadPageQuery(WithQuery("cursor=nope"), bad, {},
                [](std::string_view c) { return c.starts_with("prj_"); });
  ASSERT_EQ(bad.size(), 1u);
  EXPECT_EQ(bad[0].field, "cursor");
  const Status st = BadQuery(bad);
  EXPECT_EQ(HttpStatus(st.code()), 422);
}

TEST(PaginationTest, TrimPageSetsTheCursorOnlyWhenMoreRowsExist) {
  auto id = [](int v) { return std::to_string(v); };
  auto page = TrimPage(std::vector<int>{1, 2, 3}, 2, id);
  EXPECT_EQ(page.items, (std::vector<int>{1, 2}));
  EXPECT_EQ(page.next_cursor, "2");
  page = TrimPage(std::vector<int>{1, 2}, 2, id);
  EXPECT_EQ(page.items.size(), 2u);
  EXPECT_EQ(page.next_cursor, "");
}

TEST(PaginationTest, TheEnvelopeIsItemsAndNextCursor) {
  Response r = ListResponse(boost::json::array{1, 2}, "");
  auto body = boost::json::parse(r.body).as_object();
  EXPECT_EQ(body.at("items").as_array().size(), 2u);
  EXPECT_TRUE(body.at("next_cursor").is_null());
  r = ListResponse({}, "abc");
  EXPECT_EQ(boost::json::parse(r.body).as_object().at("next_cursor").as_string(), "abc");
  auto schema = boost::json::parse(ListSchema("Job")).as_object();
  EXPECT_EQ(schema.at("properties").as_object().at("items").as_object().at("items").as_object().at(
                "$ref"),
            "#/components/schemas/Job");
}

}  // namespace
}  // namespace signx::http
