// The JSON routes through the router (handlers, error mapping, list envelope) on SQLite, and the
// inbox SSE stream: a user's stream carries that user's new notifications only.
#include "notifications/routes.h"

#include <gtest/gtest.h>

#include <boost/json/parse.hpp>

#include "base/id.h"
#include "events/outbox.h"
#include "http/testing/route_call.h"
#include "identity/testing/identity_fixture.h"
#include "jobs/queue.h"

namespace signx::notifications {
namespace {

namespace json = boost::json;
using identity::Role;
using identity::testing::IdentityWorld;

class NotificationRoutesTest : public ::testing::Test {
 protected:
  void SetUp() override {
    world_ = std::make_unique<IdentityWorld>(storage::testing::Backend::kSqlite);
    if (!world_->skip_reason().empty()) GTEST_SKIP() << world_->skip_reason();
    a_ = world_->SeedOrg("a");
    b_ = world_->SeedOrg("b");
    member_ = IdentityWorld::PrincipalOf(a_.member, a_.org, Role::kOrgMember);
    admin_ = IdentityWorld::PrincipalOf(a_.admin, a_.org, Role::kOrgAdmin);
    other_ = IdentityWorld::PrincipalOf(b_.admin, b_.org, Role::kOrgAdmin);
    queue_ = std::make_unique<jobs::Queue>(world_->store(), world_->clock());
    outbox_ = std::make_unique<events::Outbox>(nullptr, world_->clock());
    service_ = std::make_unique<NotificationService>(world_->store(), *queue_, *outbox_,
                                                     NotificationSettings{}, world_->clock());
    dispatcher_ = std::make_unique<events::Dispatcher>(world_->store(), events::DispatcherOptions{},
                                                       nullptr, world_->clock());
    AddNotificationRoutes(router_, schemas_, *service_, dispatcher_.get(), nullptr);
  }

  http::Response Call(const http::Principal& who, const std::string& method,
                      const std::string& target, const std::string& body = "") {
    http::testing::RouteCall call{
        .method = method, .target = target, .body = body, .request_id = "req_test"};
    if (!body.empty()) call.headers.insert_or_assign("Content-Type", "application/json");
    call.principal = who;
    return http::testing::CallRoute(router_, std::move(call));
  }

  static json::value Body(const http::Response& r) { return json::parse(r.body); }

  void Notify(const std::string& org, const std::string& type) {
    events::Event e;
    e.id = NewId("evt");
    e.type = type;
    e.org_id = org;
    e.subject_id = "prj_1";
    e.payload_json = R"({"name":"Lobby sign"})";
    e.created_at = world_->clock().Now();
    ASSERT_TRUE(service_->FanOut(e).ok());
  }

  std::unique_ptr<IdentityWorld> world_;
  identity::testing::SeededOrg a_, b_;
  http::Principal member_, admin_, other_;
  std::unique_ptr<jobs::Queue> queue_;
  std::unique_ptr<events::Outbox> outbox_;
  std::unique_ptr<NotificationService> service_;
  std::unique_ptr<events::Dispatcher> dispatcher_;
  http::Router router_;
  http::SchemaRegistry schemas_;
};

TEST_F(NotificationRoutesTest, PreferencesInboxAndTemplatesOverJson) {
  auto bad = Call(member_, "PUT", "/v1/notifications/preferences",
                  R"({"rules":[{"event_type":"*","channels":["fax"]}],"email":7,"colour":"red"})");
  ASSERT_EQ(bad.status, 422) << bad.body;
  std::set<std::string> fields;
  const json::value bad_body = Body(bad);
  for (const auto& d : bad_body.at("error").at("details").as_array()) {
    fields.insert(std::string(d.at("field").as_string()));
  }
  EXPECT_EQ(fields, (std::set<std::string>{"rules[0].channels", "email", "colour"}));

  auto put = Call(member_, "PUT", "/v1/notifications/preferences",
                  R"({"time_zone":"Europe/Berlin","quiet_start_min":1380,"quiet_end_min":360,)"
                  R"("rules":[{"event_type":"project.*","channels":["in_app"]}]})");
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(Body(put).at("time_zone").as_string(), "Europe/Berlin");
  EXPECT_EQ(Body(put).at("webhook_secret_set").as_bool(), false);
  auto got = Call(member_, "GET", "/v1/notifications/preferences");
  EXPECT_EQ(Body(got).at("quiet_start_min").as_int64(), 1380);

  Notify(a_.org.id, "project.created");
  Notify(a_.org.id, "project.updated");
  auto list = Call(member_, "GET", "/v1/notifications?limit=1");
  ASSERT_EQ(list.status, 200) << list.body;
  const auto page = Body(list);
  ASSERT_EQ(page.at("items").as_array().size(), 1u);
  const std::string id(page.at("items").as_array()[0].at("id").as_string());
  EXPECT_FALSE(page.at("next_cursor").is_null());
  EXPECT_EQ(Call(member_, "GET", "/v1/notifications?limit=0").status, 422);
  EXPECT_EQ(Call(member_, "GET", "/v1/notifications?unread=maybe").status, 422);
  auto read = Call(member_, "POST", "/v1/notifications/" + id + "/read");
  ASSERT_EQ(read.status, 200) << read.body;
  EXPECT_TRUE(Body(read).at("read").as_bool());
  EXPECT_EQ(Body(Call(member_, "GET", "/v1/notifications/unread-count")).at("unread").as_int64(),
            1);
  EXPECT_EQ(Call(other_, "GET", "/v1/notifications/" + id).status, 404);
  EXPECT_EQ(Call(admin_, "GET", "/v1/notifications/" + id).status, 404);  // not the admin's

  auto tpl = Call(admin_, "POST", "/v1/notifications/templates",
                  R"({"event_type":"project.*","channel":"email","subject":"{{data.name}}",)"
                  R"("body_text":"Hi {{user.id}}"})");
  ASSERT_EQ(tpl.status, 201) << tpl.body;
  const std::string tid(Body(tpl).at("id").as_string());
  auto preview = Call(admin_, "POST", "/v1/notifications/templates/preview",
                      R"({"template_id":")" + tid + R"(","data":{"name":"Pylon"}})");
  ASSERT_EQ(preview.status, 200) << preview.body;
  EXPECT_EQ(Body(preview).at("subject").as_string(), "Pylon");
  auto unsaved = Call(admin_, "POST", "/v1/notifications/templates/preview",
                      R"({"channel":"in_app","subject":"{{#x}}","body_text":"y"})");
  EXPECT_EQ(unsaved.status, 422) << unsaved.body;
  EXPECT_EQ(Call(other_, "GET", "/v1/notifications/templates/" + tid).status, 404);
  EXPECT_EQ(Call(admin_, "DELETE", "/v1/notifications/templates/" + tid).status, 204);

  EXPECT_EQ(Call(admin_, "GET", "/v1/notifications/deliveries?state=bogus").status, 422);
  EXPECT_EQ(Call(admin_, "GET", "/v1/notifications/dead-letters").status, 200);
  EXPECT_EQ(Call(admin_, "POST", "/v1/notifications/dead-letters/ntd_missing/retry").status, 404);
  // Every route's schemas are registered.
  for (const auto& r : router_.routes()) {
    if (!r.meta.request_schema.empty()) {
      EXPECT_TRUE(schemas_.Has(r.meta.request_schema)) << r.meta.request_schema;
    }
    if (!r.meta.response_schema.empty()) {
      EXPECT_TRUE(schemas_.Has(r.meta.response_schema)) << r.meta.response_schema;
    }
  }
}

TEST_F(NotificationRoutesTest, InboxStreamCarriesTheCallersNotificationsOnly) {
  ASSERT_TRUE(
      service_->PutPreferences(member_, {.prefs = {.rules = {{"*", {Channel::kInApp}}}}}).ok());
  ASSERT_TRUE(
      service_->PutPreferences(admin_, {.prefs = {.rules = {{"*", {Channel::kInApp}}}}}).ok());
  ASSERT_TRUE(dispatcher_->RunOnce().ok());  // fixes the live start position
  auto resp = Call(member_, "GET", "/v1/notifications/stream");
  ASSERT_EQ(resp.status, 200) << resp.body;
  ASSERT_NE(resp.stream, nullptr);
  EXPECT_EQ(resp.content_type, "text/event-stream");
  Notify(a_.org.id, "quote.created");  // one notification each for member and admin
  ASSERT_TRUE(dispatcher_->RunOnce().ok());
  std::string got;
  for (int i = 0; i < 3; ++i) got += resp.stream->Poll().value_or("");
  auto inbox = service_->Inbox(member_, false, 10, "");
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->items.size(), 1u);
  EXPECT_NE(got.find("event: notifications.notification_created"), std::string::npos) << got;
  EXPECT_NE(got.find(inbox->items[0].id), std::string::npos) << got;
  EXPECT_EQ(got.find(a_.admin.id), std::string::npos) << got;  // not the admin's
  EXPECT_EQ(Call(IdentityWorld::PrincipalOf(a_.admin, a_.org, Role::kOrgAdmin), "GET",
                 "/v1/notifications/stream")
                .status,
            200);
  http::Principal key{.kind = "api_key",
                      .subject_id = "key_1",
                      .org_id = a_.org.id,
                      .role = "api_key",
                      .permissions = {"*"}};
  EXPECT_EQ(Call(key, "GET", "/v1/notifications/stream").status, 403);
}

}  // namespace
}  // namespace signx::notifications
