#include "base/status.h"

#include <gtest/gtest.h>

#include <set>

namespace signx {
namespace {

Status FailIf(bool fail) { return fail ? NotFound("missing thing") : Status::Ok(); }

Result<int> Half(int x) {
  if (x % 2 != 0) return InvalidArgument("odd");
  return x / 2;
}

Result<int> Quarter(int x) {
  SIGNX_ASSIGN_OR_RETURN(int h, Half(x));
  SIGNX_ASSIGN_OR_RETURN(int q, Half(h));
  return q;
}

Status Chain(bool fail) {
  SIGNX_RETURN_IF_ERROR(FailIf(fail));
  return Status::Ok();
}

TEST(StatusTest, OkByDefault) {
  Status s;
  EXPECT_TRUE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kOk);
  EXPECT_EQ(s.ToString(), "ok");
}

TEST(StatusTest, CarriesCodeMessageAndDetails) {
  Status s = ValidationFailed({{"width_in", "must be > 0"}, {"height_in", "must be <= 600"}});
  EXPECT_FALSE(s.ok());
  EXPECT_EQ(s.code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(s.message(), "2 fields are invalid");
  ASSERT_EQ(s.details().size(), 2u);
  EXPECT_EQ(s.details()[1].field, "height_in");
  Status copy = s;
  EXPECT_EQ(copy, s);
  EXPECT_EQ(s.WithContext("spec").message(), "spec: 2 fields are invalid");
}

TEST(StatusTest, SingleFieldValidationMessageNamesTheField) {
  Status s = ValidationFailed({{"wind_speed_mph", "must be between 90 and 200"}});
  EXPECT_EQ(s.message(), "wind_speed_mph: must be between 90 and 200");
}

TEST(StatusTest, ReturnIfErrorPropagates) {
  EXPECT_TRUE(Chain(false).ok());
  EXPECT_EQ(Chain(true).code(), ErrorCode::kNotFound);
}

TEST(ResultTest, AssignOrReturn) {
  EXPECT_EQ(*Quarter(8), 2);
  EXPECT_EQ(Quarter(6).status().code(), ErrorCode::kInvalidArgument);
  EXPECT_EQ(Quarter(6).value_or(-1), -1);
}

TEST(ResultDeathTest, ValueOfFailedResultAborts) {
  Result<int> r = NotFound("x");
  EXPECT_DEATH((void)r.value(), "value\\(\\) on a failed Result");
}

TEST(ErrorCodeTest, RegistryIsConsistent) {
  std::set<int> numbers;
  std::set<std::string_view> names;
  for (const auto& info : AllErrorCodes()) {
    EXPECT_TRUE(numbers.insert(static_cast<int>(info.code)).second);
    EXPECT_TRUE(names.insert(info.name).second);
    EXPECT_GE(info.http_status, 200);
    EXPECT_LT(info.http_status, 600);
    EXPECT_EQ(ErrorCodeFromName(info.name), info.code);
  }
  EXPECT_EQ(Name(ErrorCode::kInvalidArgument), "invalid_argument");
  EXPECT_EQ(Name(ErrorCode::kPayloadTooLarge), "payload_too_large");
  EXPECT_EQ(HttpStatus(ErrorCode::kNotFound), 404);
  EXPECT_EQ(HttpStatus(ErrorCode::kRateLimited), 429);
  EXPECT_EQ(HttpStatus(ErrorCode::kHeadersTooLarge), 431);
  EXPECT_FALSE(ErrorCodeFromName("no_such_code").has_value());
}

TEST(ErrorCodeTest, NumbersAreStable) {
  // Clients depend on these numbers: changing one is a breaking API change.
  EXPECT_EQ(static_cast<int>(ErrorCode::kInvalidArgument), 100);
  EXPECT_EQ(static_cast<int>(ErrorCode::kValidationFailed), 102);
  EXPECT_EQ(static_cast<int>(ErrorCode::kUnauthenticated), 200);
  EXPECT_EQ(static_cast<int>(ErrorCode::kPayloadTooLarge), 400);
  EXPECT_EQ(static_cast<int>(ErrorCode::kInternal), 500);
}

}  // namespace
}  // namespace signx
