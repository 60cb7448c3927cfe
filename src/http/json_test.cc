#include "http/json.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

namespace signx::http {
namespace {

Request WithBody(std::string body) {
  Request r;
  r.method = "POST";
  r.headers.Add("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

TEST(JsonBodyTest, ParsesObjectsAndRefusesOtherShapes) {
  EXPECT_TRUE(ParseJsonObject(WithBody(R"({"a": 1})")).ok());
  EXPECT_EQ(ParseJsonObject(WithBody("[1]")).status().code(), ErrorCode::kMalformedJson);
  EXPECT_EQ(ParseJsonObject(WithBody("")).status().code(), ErrorCode::kMalformedJson);
  EXPECT_EQ(ParseJsonObject(WithBody("{\"a\": \"x\x01y\"}")).status().code(),
            ErrorCode::kMalformedJson);  // raw control characters are not JSON
}

// PostgreSQL refuses NUL in text; it is refused at the boundary with the field's path.
TEST(JsonBodyTest, AnEscapedNulIsA422NamingTheField) {
  auto r = ParseJsonObject(WithBody(R"({"lead": {"notes": ["ok", "a\u0000b"]}})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  ASSERT_EQ(r.status().details().size(), 1u);
  EXPECT_EQ(r.status().details()[0].field, "lead.notes[1]");
  auto key = ParseJsonObject(WithBody(R"({"na\u0000me": 1})"));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().details()[0].field, "na\\u0000me");  // shown escaped
  // The text "\u0000" written as an escaped backslash is no NUL.
  auto text = ParseJsonObject(WithBody(R"({"a": "\\u0000"})"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->at("a").as_string(), "\\u0000");
}

}  // namespace
}  // namespace signx::http
