// multipart/form-data parsing for uploads.
#include "web/multipart.h"

#include <gtest/gtest.h>

#include <string>

namespace signx::web {
namespace {

TEST(MultipartTest, SplitsFieldsAndFiles) {
  const std::string body =
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"csrf_token\"\r\n\r\n"
      "tok123\r\n"
      "--XyZ\r\n"
      "Content-Disposition: form-data; name=\"file\"; filename=\"my \\\"leads\\\".csv\"\r\n"
      "Content-Type: text/csv\r\n\r\n"
      "a,b\r\n1,2\r\n\r\n"
      "--XyZ--\r\n";
  auto boundary = MultipartBoundary("multipart/form-data; boundary=XyZ");
  ASSERT_TRUE(boundary);
  EXPECT_EQ(*boundary, "XyZ");
  auto parts = ParseMultipart(body, *boundary);
  ASSERT_TRUE(parts.ok()) << parts.status().ToString();
  ASSERT_EQ(parts->size(), 2u);
  EXPECT_EQ((*parts)[0].name, "csrf_token");
  EXPECT_FALSE((*parts)[0].filename.has_value());
  EXPECT_EQ((*parts)[0].data, "tok123");
  EXPECT_EQ((*parts)[1].name, "file");
  EXPECT_EQ((*parts)[1].filename.value_or(""), "my \"leads\".csv");
  EXPECT_EQ((*parts)[1].content_type, "text/csv");
  EXPECT_EQ((*parts)[1].data, "a,b\r\n1,2\r\n");  // the CRLF before the delimiter is not data
}

TEST(MultipartTest, BoundaryFromQuotedParameterAndRejections) {
  EXPECT_EQ(MultipartBoundary("Multipart/Form-Data; charset=utf-8; boundary=\"a b\"").value_or(""),
            "a b");
  EXPECT_FALSE(MultipartBoundary("application/x-www-form-urlencoded"));
  EXPECT_FALSE(MultipartBoundary("multipart/form-data"));
  EXPECT_FALSE(ParseMultipart("no delimiter here", "B").ok());
  EXPECT_FALSE(
      ParseMultipart("--B\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\nunterminated", "B")
          .ok());
  EXPECT_FALSE(ParseMultipart("--B\r\nContent-Type: text/plain\r\n\r\nx\r\n--B--", "B").ok());
  std::string many;
  for (int i = 0; i < 5; ++i) many += "--B\r\nContent-Disposition: form-data; name=\"f\"\r\n\r\nv\r\n";
  many += "--B--";
  EXPECT_TRUE(ParseMultipart(many, "B", 5).ok());
  EXPECT_FALSE(ParseMultipart(many, "B", 4).ok());
}

}  // namespace
}  // namespace signx::web
