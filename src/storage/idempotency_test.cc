#include "storage/idempotency.h"

#include <gtest/gtest.h>

#include "storage/testing/test_stores.h"

namespace signx::storage {
namespace {

class IdempotencyTest : public ::testing::TestWithParam<testing::Backend> {};

TEST_P(IdempotencyTest, FindsWhatWasRememberedPerOrgAndOperation) {
  auto db = testing::MigratedDatabase(GetParam());
  if (!db->skip_reason().empty()) GTEST_SKIP() << db->skip_reason();
  Store& s = db->store();
  const Timestamp t0 = FromUnixMicros(1'700'000'000'000'000);
  ASSERT_TRUE(s.WithTxn([&](Txn& txn) {
                 return RememberIdempotent(txn, "org_a", "projects.create", "k1", "prj_1", t0);
               }).ok());
  auto find = [&](std::string_view org, std::string_view op, std::string_view key) {
    return s.WithTxnResult<std::optional<std::string>>(
        [&](Txn& txn) { return FindIdempotent(txn, org, op, key); });
  };
  EXPECT_EQ(*find("org_a", "projects.create", "k1"), std::optional<std::string>("prj_1"));
  EXPECT_FALSE(find("org_b", "projects.create", "k1")->has_value());  // another tenant
  EXPECT_FALSE(find("org_a", "quotes.create", "k1")->has_value());    // another operation
  // A second first-request with the same key conflicts (its transaction is retried and finds it).
  EXPECT_FALSE(s.WithTxn([&](Txn& txn) {
                  return RememberIdempotent(txn, "org_a", "projects.create", "k1", "prj_2", t0);
                }).ok());
  EXPECT_EQ(*DeleteIdempotencyKeysBefore(s, t0), 0);
  EXPECT_EQ(*DeleteIdempotencyKeysBefore(s, t0 + std::chrono::seconds(1)), 1);
  EXPECT_FALSE(find("org_a", "projects.create", "k1")->has_value());
}

INSTANTIATE_TEST_SUITE_P(Backends, IdempotencyTest, ::testing::ValuesIn(testing::AllBackends()),
                         [](const auto& info) { return testing::BackendName(info.param); });

}  // namespace
}  // namespace signx::storage
