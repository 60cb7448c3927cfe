// The shared model routes over a real ModelRegistry (SQLite and PostgreSQL) and a LiveModel of
// strings: who may see and change which owner's versions (issue 19 item 1).
#include "ml/model_routes.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <boost/json.hpp>
#include <filesystem>

#include "base/check.h"
#include "http/json.h"
#include "http/testing/route_call.h"
#include "ml/live_model.h"
#include "storage/testing/test_stores.h"

namespace signx::ml {
namespace {

namespace json = boost::json;
using storage::testing::Backend;

http::Principal Person(const std::string& org, const std::string& role) {
  http::Principal p;
  p.kind = "user";
  p.subject_id = "usr_" + role + "_" + org;
  p.org_id = org;
  p.role = role;
  if (role == "super_admin") {
    p.permissions = {"*"};
  } else {
    p.permissions = {"leads:read", "leads:admin"};
  }
  return p;
}

class ModelRoutesTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    root_ = std::filesystem::temp_directory_path() /
            ("signx_model_routes_" + std::to_string(::getpid()) + "_" +
             storage::testing::BackendName(GetParam()));
    std::filesystem::remove_all(root_);
    blobs_ = std::move(blobs::BlobStore::Open(root_, 64 << 20)).value();
    registry_ = std::make_unique<ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
    live_ = std::make_unique<LiveModel<std::string>>(
        *registry_, "leads", "test model", reloads_,
        [](const std::string& bytes) -> Result<std::shared_ptr<const std::string>> {
          return std::make_shared<const std::string>(bytes);
        });
    AddModelRoutes(
        router_, schemas_, *registry_,
        {.prefix = "/v1/test/models",
         .model_name = "leads",
         .title = "test model",
         .tag = "test",
         .read_permission = "leads:read",
         .admin_permission = "leads:admin",
         .train_command = "none",
         .in_use = [this](const Owner& owner) -> std::optional<ModelInUse> {
           auto r = live_->For(owner.org_id());
           if (!r.model) return std::nullopt;
           return ModelInUse{r.version, r.platform && !owner.is_platform()};
         },
         .register_bundle =
             [this](const Owner& owner, std::string_view bundle, const std::string& actor) {
               // The bundle text is its own version id here.
               return registry_->Register(owner, "leads", std::string(bundle), bundle, "{}", actor);
             },
         .reload = [this](const Owner& owner) { return live_->ReloadOwner(owner); }});
  }
  void TearDown() override { std::filesystem::remove_all(root_); }

  http::Response Call(const http::Principal& who, const std::string& method,
                      const std::string& target, const std::string& body = "") {
    return http::testing::CallRoute(router_, {.method = method,
                                              .target = target,
                                              .body = body,
                                              .principal = who,
                                              .request_id = "req-models"});
  }
  static json::object Obj(const http::Response& r) { return json::parse(r.body).as_object(); }
  std::vector<std::string> Versions(const http::Response& r) {
    std::vector<std::string> out;
    const json::object o = Obj(r);
    for (const auto& v : o.at("versions").as_array()) {
      out.emplace_back(v.as_object().at("version").as_string());
    }
    return out;
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path root_;
  std::unique_ptr<blobs::BlobStore> blobs_;
  std::unique_ptr<ModelRegistry> registry_;
  metrics::Registry metrics_;
  metrics::Family<metrics::Counter>& reloads_ =
      metrics_.AddCounter("test_reloads_total", "reloads", {"outcome"});
  std::unique_ptr<LiveModel<std::string>> live_;
  http::Router router_;
  http::SchemaRegistry schemas_;

  const http::Principal admin_a_ = Person("org_a", "org_admin");
  const http::Principal admin_b_ = Person("org_b", "org_admin");
  const http::Principal root_admin_ = Person("org_root", "super_admin");
};

TEST_P(ModelRoutesTest, AnOrgAdminManagesItsOwnOrgOnly) {
  // The platform default, by the super_admin.
  ASSERT_EQ(Call(root_admin_, "POST", "/v1/test/models?owner=platform", "p1").status, 201);
  ASSERT_EQ(Call(root_admin_, "POST", "/v1/test/models/p1/promote?owner=platform").status, 200);
  // A's own model.
  auto up = Call(admin_a_, "POST", "/v1/test/models", "a1");
  ASSERT_EQ(up.status, 201) << up.body;
  EXPECT_EQ(Obj(up).at("owner").as_string(), "org_a");
  ASSERT_EQ(Call(admin_a_, "POST", "/v1/test/models/a1/promote").status, 200);

  auto list_a = Call(admin_a_, "GET", "/v1/test/models");
  ASSERT_EQ(list_a.status, 200) << list_a.body;
  EXPECT_EQ(Versions(list_a), std::vector<std::string>{"a1"});
  EXPECT_EQ(Obj(list_a).at("in_use").as_string(), "a1");
  EXPECT_EQ(Obj(list_a).at("in_use_owner").as_string(), "org_a");

  // B sees none of A's versions nor the platform's, and is served the platform default.
  auto list_b = Call(admin_b_, "GET", "/v1/test/models");
  ASSERT_EQ(list_b.status, 200) << list_b.body;
  EXPECT_TRUE(Versions(list_b).empty());
  EXPECT_EQ(Obj(list_b).at("in_use").as_string(), "p1");
  EXPECT_EQ(Obj(list_b).at("in_use_owner").as_string(), "platform");

  // B cannot read, promote or roll back A's versions: 404, never 403.
  EXPECT_EQ(Call(admin_b_, "GET", "/v1/test/models/a1").status, 404);
  EXPECT_EQ(Call(admin_b_, "POST", "/v1/test/models/a1/promote").status, 404);
  EXPECT_EQ(Call(admin_b_, "GET", "/v1/test/models?owner=org_a").status, 404);
  EXPECT_EQ(Call(admin_b_, "POST", "/v1/test/models/a1/promote?owner=org_a").status, 404);
  EXPECT_EQ(Call(admin_b_, "POST", "/v1/test/models/rollback?owner=org_a").status, 404);
  // Nor the platform's.
  EXPECT_EQ(Call(admin_a_, "GET", "/v1/test/models?owner=platform").status, 404);
  EXPECT_EQ(Call(admin_a_, "GET", "/v1/test/models/p1").status, 404);
  EXPECT_EQ(Call(admin_a_, "POST", "/v1/test/models/p1/promote").status, 404);
  EXPECT_EQ(Call(admin_a_, "POST", "/v1/test/models/p1/promote?owner=platform").status, 404);
  EXPECT_EQ(Call(admin_a_, "POST", "/v1/test/models/rollback?owner=platform").status, 404);
  EXPECT_EQ(Call(admin_a_, "POST", "/v1/test/models?owner=platform", "p2").status, 404);
  EXPECT_EQ(Call(admin_a_, "GET", "/v1/test/models/p1?owner=platform").status, 404);

  // B's promotion of its own version changes B only.
  ASSERT_EQ(Call(admin_b_, "POST", "/v1/test/models", "b1").status, 201);
  ASSERT_EQ(Call(admin_b_, "POST", "/v1/test/models/b1/promote").status, 200);
  EXPECT_EQ(live_->For("org_b").version, "b1");
  EXPECT_EQ(live_->For("org_a").version, "a1");
  EXPECT_EQ(live_->For("org_c").version, "p1");
  EXPECT_EQ((*registry_->Production(Owner::Platform(), "leads"))->version, "p1");
  // A rollback in B with no earlier version of its own takes B back to the platform default
  // (A's history is not B's); A is untouched.
  auto back = Call(admin_b_, "POST", "/v1/test/models/rollback");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(Obj(back).at("version").as_string(), "b1");
  EXPECT_EQ(Obj(back).at("state").as_string(), "archived");
  EXPECT_EQ(live_->For("org_b").version, "p1");
  EXPECT_TRUE(live_->For("org_b").platform);
  EXPECT_EQ(live_->For("org_a").version, "a1");
  EXPECT_EQ(Call(admin_b_, "POST", "/v1/test/models/rollback").status, 409);
  // Uploading the same bytes as A's version makes B's own row.
  ASSERT_EQ(Call(admin_b_, "POST", "/v1/test/models", "a1").status, 201);
  EXPECT_EQ(Versions(Call(admin_b_, "GET", "/v1/test/models")).size(), 2u);
  EXPECT_EQ(Versions(Call(admin_a_, "GET", "/v1/test/models")).size(), 1u);
}

TEST_P(ModelRoutesTest, TheSuperAdminManagesThePlatformDefaultAndAnyOrg) {
  ASSERT_EQ(Call(root_admin_, "POST", "/v1/test/models?owner=platform", "p1").status, 201);
  ASSERT_EQ(Call(root_admin_, "POST", "/v1/test/models?owner=platform", "p2").status, 201);
  ASSERT_EQ(Call(root_admin_, "POST", "/v1/test/models/p1/promote?owner=platform").status, 200);
  ASSERT_EQ(Call(root_admin_, "POST", "/v1/test/models/p2/promote?owner=platform").status, 200);
  EXPECT_EQ(live_->For("org_a").version, "p2");
  auto back = Call(root_admin_, "POST", "/v1/test/models/rollback?owner=platform");
  ASSERT_EQ(back.status, 200) << back.body;
  EXPECT_EQ(Obj(back).at("version").as_string(), "p1");
  EXPECT_EQ(live_->For("org_a").version, "p1");
  auto list = Call(root_admin_, "GET", "/v1/test/models?owner=platform");
  ASSERT_EQ(list.status, 200);
  EXPECT_EQ(Obj(list).at("owner").as_string(), "platform");
  EXPECT_EQ(Versions(list).size(), 2u);
  EXPECT_EQ(Obj(list).at("in_use").as_string(), "p1");
  EXPECT_EQ(Obj(list).at("in_use_owner").as_string(), "platform");
  // Without `owner`, the super_admin's own org.
  EXPECT_TRUE(Versions(Call(root_admin_, "GET", "/v1/test/models")).empty());
  // Any org, named.
  ASSERT_EQ(Call(admin_a_, "POST", "/v1/test/models", "a1").status, 201);
  EXPECT_EQ(Versions(Call(root_admin_, "GET", "/v1/test/models?owner=org_a")),
            std::vector<std::string>{"a1"});
  EXPECT_EQ(Call(root_admin_, "POST", "/v1/test/models/a1/promote?owner=org_a").status, 200);
  EXPECT_EQ(live_->For("org_a").version, "a1");
  EXPECT_EQ(live_->For("org_b").version, "p1");
  // An org admin's own org named explicitly is its own org.
  EXPECT_EQ(Call(admin_a_, "GET", "/v1/test/models?owner=org_a").status, 200);
}

INSTANTIATE_TEST_SUITE_P(Backends, ModelRoutesTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

}  // namespace
}  // namespace signx::ml
