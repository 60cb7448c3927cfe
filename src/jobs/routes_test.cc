#include "jobs/routes.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/testing/route_call.h"
#include "storage/testing/test_stores.h"

namespace signx::jobs {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

class JobRoutesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    queue_ = std::make_unique<Queue>(db_->store(), clock_);
    AddJobRoutes(router_, schemas_, *queue_);
  }

  http::Response Call(std::string method, std::string target,
                      std::optional<http::Principal> principal = std::nullopt) {
    return http::testing::CallRoute(
        router_, {.method = method, .target = target, .principal = std::move(principal)});
  }

  FakeClock clock_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::unique_ptr<Queue> queue_;
  http::Router router_;
  http::SchemaRegistry schemas_;
};

TEST_P(JobRoutesTest, GetJob) {
  const std::string id =
      queue_->Enqueue({.type = "reports.build", .org_id = "org_a", .max_attempts = 2})->id;
  auto claimed = queue_->Claim("w", {"reports.build"});
  ASSERT_TRUE(queue_->UpdateProgress(**claimed, 30).ok());
  auto r = Call("GET", "/v1/jobs/" + id);
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("id").as_string(), id);
  EXPECT_EQ(body.at("state").as_string(), "running");
  EXPECT_EQ(body.at("attempts").as_int64(), 1);
  EXPECT_EQ(body.at("progress").as_int64(), 30);
  EXPECT_TRUE(body.at("result").is_null());
  EXPECT_EQ(body.at("created_at").as_string(), "2026-01-01T00:00:00.000Z");

  ASSERT_TRUE(queue_->Complete(**claimed, R"({"url":"/r/1"})").ok());
  body = json::parse(Call("GET", "/v1/jobs/" + id).body).as_object();
  EXPECT_EQ(body.at("state").as_string(), "succeeded");
  EXPECT_EQ(body.at("result").as_object().at("url").as_string(), "/r/1");

  r = Call("GET", "/v1/jobs/job_01JD4Y3S8Q6W2V0N5F7K9M1B3C");
  EXPECT_EQ(r.status, 404);
  auto err = json::parse(r.body).as_object().at("error").as_object();
  EXPECT_EQ(err.at("name").as_string(), "not_found");
  EXPECT_EQ(err.at("request_id").as_string(), "req-1");

  // Another org's member cannot see it; its own member and a super admin can.
  http::Principal other{.kind = "user", .subject_id = "usr_1", .org_id = "org_b",
                        .role = "org_member", .permissions = {"jobs:read"}};
  EXPECT_EQ(Call("GET", "/v1/jobs/" + id, other).status, 404);
  other.org_id = "org_a";
  EXPECT_EQ(Call("GET", "/v1/jobs/" + id, other).status, 200);
  other.org_id = "org_b";
  other.role = "super_admin";
  EXPECT_EQ(Call("GET", "/v1/jobs/" + id, other).status, 200);
}

TEST_P(JobRoutesTest, ListJobsPaginatesAndValidates) {
  for (int i = 0; i < 5; ++i) (void)queue_->Enqueue({.type = "a.b", .org_id = "org_a"});
  (void)queue_->Enqueue({.type = "c.d"});
  auto r = Call("GET", "/v1/jobs?type=a.b&state=queued&limit=3");
  ASSERT_EQ(r.status, 200) << r.body;
  auto body = json::parse(r.body).as_object();
  EXPECT_EQ(body.at("items").as_array().size(), 3u);
  const std::string cursor(body.at("next_cursor").as_string());
  body = json::parse(Call("GET", "/v1/jobs?type=a.b&limit=3&cursor=" + cursor).body).as_object();
  EXPECT_EQ(body.at("items").as_array().size(), 2u);
  EXPECT_TRUE(body.at("next_cursor").is_null());

  http::Principal member{.org_id = "org_a", .role = "org_member"};
  body = json::parse(Call("GET", "/v1/jobs", member).body).as_object();
  EXPECT_EQ(body.at("items").as_array().size(), 5u);  // the system job is not visible

  r = Call("GET", "/v1/jobs?state=exploded&limit=0");
  EXPECT_EQ(r.status, 422);
  auto err = json::parse(r.body).as_object().at("error").as_object();
  EXPECT_EQ(err.at("details").as_array().size(), 2u);
  EXPECT_EQ(Call("GET", "/v1/jobs?cursor=bogus").status, 422);
}

TEST_P(JobRoutesTest, CancelAndSchemas) {
  const std::string id = queue_->Enqueue({.type = "a.b"})->id;
  auto r = Call("POST", "/v1/jobs/" + id + "/cancel");
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).as_object().at("state").as_string(), "cancelled");
  EXPECT_EQ(Call("POST", "/v1/jobs/" + id + "/cancel").status, 409);
  EXPECT_TRUE(schemas_.Has("Job"));
  EXPECT_TRUE(schemas_.Has("JobList"));
  for (const auto& route : router_.routes()) {
    EXPECT_TRUE(route.meta.permission == "jobs:read" || route.meta.permission == "jobs:manage");
    EXPECT_EQ(route.meta.execution, http::Execution::kBlocking);
  }
  const std::string doc = http::BuildOpenApi(router_, schemas_, {.version = "test"});
  EXPECT_NE(doc.find("/v1/jobs/{id}"), std::string::npos);
}

INSTANTIATE_TEST_SUITE_P(Backends, JobRoutesTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) { return storage::testing::BackendName(info.param); });

}  // namespace
}  // namespace signx::jobs
