// The authorization matrix harness: the App under test, the seeded principals and org A's
// resources (see authz_matrix_test.h).
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <boost/json/parse.hpp>
#include <chrono>
#include <sstream>
#include <thread>

#include "app/authz_matrix_test.h"
#include "base/strings.h"
#include "estimating/generator.h"
#include "identity/roles.h"

namespace signx::app::authz_matrix {

namespace json = boost::json;
using http::testing::RawClient;
using http::testing::RawResponse;

namespace {

constexpr std::string_view kPassword = "matrix password 1";
constexpr std::string_view kJwtSecret = "authz-matrix-test-secret-0123456789abcdef";

}  // namespace

const CaseTables& AllCases() {
  static const auto* tables = [] {
    auto* t = new CaseTables;
    for (CaseMap (*table)() :
         {PlatformCases, WebhooksCases, NotificationsCases, EstimatingCases, StudioCases,
          EngineeringCases, OperationsCases, AiCases, LeadsCases, DocumentsCases}) {
      for (auto& [key, c] : table()) {
        if (!t->cases.emplace(key, std::move(c)).second) t->duplicates.push_back(key);
      }
    }
    return t;
  }();
  return *tables;
}

std::string RouteKey(const http::Route& r) { return r.method + " " + r.pattern; }

int StreamStatus(uint16_t port, const std::string& target, const Headers& headers) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return -1;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    ::close(fd);
    return -1;
  }
  std::string req = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n";
  (void)::send(fd, req.data(), req.size(), MSG_NOSIGNAL);
  std::string got;
  char buf[1024];
  while (got.find("\r\n") == std::string::npos) {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 10000) <= 0) break;
    const ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) break;
    got.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  // "HTTP/1.1 200 OK"
  if (got.size() < 12) return -1;
  return std::atoi(got.substr(9, 3).c_str());
}

void AuthzMatrixTest::SetUp() {
  db_ = storage::testing::MigratedDatabase(GetParam());
  if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
  dir_ = std::filesystem::temp_directory_path() / ("signx_authz_" + std::to_string(::getpid()) +
                                                   "_" + storage::testing::BackendName(GetParam()));
  std::filesystem::remove_all(dir_);
  std::filesystem::create_directories(dir_);
  config_.server.port = 0;
  config_.log.access_log = false;
  config_.data_dir = dir_.string();
  config_.database = db_->config();
  config_.jobs.workers = 0;  // jobs stay queued: the PDF job is a stable org A resource
  config_.auth.jwt_keys = "m1=" + std::string(kJwtSecret);
  config_.auth.jwt_active_kid = "m1";
  config_.limits.rate_limits = "predict=100000/h";
  app_ = std::make_unique<App>(config_, http::BuildInfo{.version = "test"},
                               AppOptions{.migrate = true});
  ASSERT_TRUE(app_->Start().ok());
  client_ = std::make_unique<RawClient>(app_->port());
  ASSERT_TRUE(client_->connected());
  Seed();
}

void AuthzMatrixTest::TearDown() {
  client_.reset();
  if (app_) {
    app_->Shutdown();
    app_->Wait();
  }
  app_.reset();
  std::error_code ec;
  if (!dir_.empty()) std::filesystem::remove_all(dir_, ec);
}

Headers AuthzMatrixTest::WithHeader(Headers h, const std::string& name, const std::string& value) {
  h[name] = value;
  return h;
}

RawResponse AuthzMatrixTest::Call(const std::string& method, const std::string& target,
                                  const std::string& body, Headers headers,
                                  const std::string& content_type) {
  if (!body.empty()) headers["Content-Type"] = content_type;
  auto r = client_->Request(method, target, body, headers);
  if (!r) {  // the server may close a connection (e.g. after an error); reconnect once
    client_ = std::make_unique<RawClient>(app_->port());
    r = client_->Request(method, target, body, headers);
  }
  EXPECT_TRUE(r.has_value()) << method << " " << target;
  return r.value_or(RawResponse{});
}

std::string AuthzMatrixTest::Field(const RawResponse& r, std::string_view key) {
  auto v = json::parse(r.body);
  const json::value* f = v.is_object() ? v.as_object().if_contains(key) : nullptr;
  return f && f->is_string() ? std::string(f->get_string()) : "";
}

void AuthzMatrixTest::Seed() {
  identity::IdentitySettings s;
  s.argon2 = {.time_cost = 1, .memory_kib = 1024, .parallelism = 1};
  limiter_ = std::make_unique<cache::MemoryRateLimiter>(SystemClock::Get());
  seeder_ = std::make_unique<identity::IdentityService>(db_->store(), *limiter_, s);
  const auto cli = identity::Actor::System("authz-matrix");
  for (const std::string org : {"A", "B"}) {
    auto o = seeder_->CreateOrg("Matrix org " + org, cli);
    ASSERT_TRUE(o.ok()) << o.status().ToString();
    org_ids_[org] = o->id;
    for (identity::Role role : identity::AllRoles()) {
      const std::string rn(identity::RoleName(role));
      const std::string email = rn + "@" + ToLower(org) + ".matrix.test";
      ASSERT_TRUE(seeder_->CreateUser(o->id, email, kPassword, rn, cli).ok());
      auto login = Call(
          "POST", "/v1/auth/login",
          R"({"email":")" + email + R"(","password":")" + std::string(kPassword) + R"("})", {});
      ASSERT_EQ(login.status, 200) << login.body;
      callers_.push_back({.name = rn + "@" + org,
                          .org = org,
                          .super = role == identity::Role::kSuperAdmin,
                          .permissions = identity::PermissionsFor(role),
                          .auth = {{"Authorization", "Bearer " + Field(login, "access_token")}}});
    }
    std::vector<std::string> all(identity::AllPermissions().begin(),
                                 identity::AllPermissions().end());
    for (const auto& [name, scopes] : std::vector<std::pair<std::string, std::vector<std::string>>>{
             {"full", all}, {"narrow", {"projects:read"}}}) {
      auto key = seeder_->CreateApiKeyInOrg(o->id, "matrix " + name, scopes, std::nullopt, cli);
      ASSERT_TRUE(key.ok()) << key.status().ToString();
      callers_.push_back({.name = "key:" + name + "@" + org,
                          .org = org,
                          .is_key = true,
                          .permissions = scopes,
                          .auth = {{"X-API-Key", key->key}}});
    }
  }
  vars_["org"] = org_ids_["A"];
  const Headers admin = CallerNamed("org_admin@A").auth;

  auto project = Call("POST", "/v1/projects", R"({"name":"Matrix project A"})", admin);
  ASSERT_EQ(project.status, 201) << project.body;
  vars_["project"] = Field(project, "id");
  auto record =
      Call("POST", "/v1/projects/" + vars_["project"] + "/cost-records", kRecordBody, admin);
  ASSERT_EQ(record.status, 201) << record.body;
  vars_["cost_record"] = Field(record, "id");
  std::ostringstream history;
  history << estimating::CsvHeader(estimating::HistoryFormat::kNdjson);
  for (int i = 0; i < 3; ++i) {
    estimating::WriteRecord(estimating::GenerateProject({.projects = 3, .seed = 11}, i),
                            estimating::HistoryFormat::kNdjson, history);
  }
  auto import = Call("POST", "/v1/imports?filename=matrix.ndjson", history.str(), admin,
                     "application/x-ndjson");
  ASSERT_EQ(import.status, 201) << import.body;
  vars_["import"] = Field(import, "id");
  auto quote = Call("POST", "/v1/quotes", Fill(kQuoteBody), admin);
  ASSERT_EQ(quote.status, 201) << quote.body;
  vars_["quote"] = Field(quote, "id");
  auto pdf = Call("GET", "/v1/quotes/" + vars_["quote"] + "/pdf", "", admin);
  ASSERT_EQ(pdf.status, 202) << pdf.body;
  vars_["job"] = Field(pdf, "job_id");
  ASSERT_FALSE(vars_["job"].empty()) << pdf.body;
  // studio: a structure payload (v1) with a file (v2), and a draft to delete.
  auto payload = Call("PUT", "/v1/projects/" + vars_["project"] + "/payloads/structure",
                      R"({"wind_speed_mph": 115, "exposure": "C", "sign_width_ft": 10,
                          "sign_height_ft": 6, "top_height_ft": 25,
                          "pole": {"diameter_in": 10.75, "wall_in": 0.365}, "soil_class": 4,
                          "footing_diameter_ft": 3, "embedment_ft": 10})",
                      WithHeader(admin, "If-None-Match", "*"));
  ASSERT_EQ(payload.status, 201) << payload.body;
  auto file = Call("PUT",
                   "/v1/projects/" + vars_["project"] +
                       "/payloads/structure/files/a.txt?sha256="
                       "ca978112ca1bbdcafac231b39a23dc4da786eff8147c4e72b9807785afee48bb",
                   "a", WithHeader(admin, "If-Match", "\"p1\""), "text/plain");
  ASSERT_EQ(file.status, 200) << file.body;
  auto report = Call("POST", "/v1/projects/" + vars_["project"] + "/reports", "", admin);
  ASSERT_EQ(report.status, 202) << report.body;
  vars_["report"] = Field(report, "id");
  auto draft = Call("POST", "/v1/projects", R"({"name":"Matrix draft"})", admin);
  ASSERT_EQ(draft.status, 201) << draft.body;
  vars_["studio_draft"] = Field(draft, "id");
  auto price_list = Call("POST", "/v1/price-lists", kPriceListBody, admin);
  ASSERT_EQ(price_list.status, 201) << price_list.body;
  vars_["price_list"] = Field(price_list, "id");
  for (const char* name : {"document", "victim_document"}) {
    auto doc = Call("POST", std::string("/v1/documents?filename=") + name + ".txt",
                    std::string("Seed document ") + name + " of org A.", admin, "text/plain");
    ASSERT_EQ(doc.status, 202) << doc.body;
    vars_[name] = Field(doc, "id");
  }
  auto item = Call("POST", "/v1/items", R"({"sku":"MATRIX-ITEM"})", admin);
  ASSERT_EQ(item.status, 201) << item.body;
  vars_["item"] = Field(item, "id");
  auto process = Call("POST", "/v1/processes", R"({"code":"MATRIX-PROCESS"})", admin);
  ASSERT_EQ(process.status, 201) << process.body;
  vars_["process"] = Field(process, "id");
  auto batch = Call("POST", "/v1/ingest/batches?entity=items&source=matrix", "sku\nMATRIX-SEED\n",
                    admin, "text/csv");
  ASSERT_EQ(batch.status, 202) << batch.body;
  vars_["batch"] = Field(batch, "id");
  auto forecast_run = Call("POST", "/v1/forecast-runs", "{}", admin);
  ASSERT_EQ(forecast_run.status, 202) << forecast_run.body;
  vars_["forecast_run"] = Field(forecast_run, "id");
  auto inference = Call("POST", "/v1/ai/models/forecast/inference-jobs",
                        R"({"input":[{"series":[1,2,3,2,1,2,3],"horizon":2}]})", admin);
  ASSERT_EQ(inference.status, 202) << inference.body;
  vars_["inference_job"] = Field(inference, "id");
  // Alerts come from forecast runs (jobs do not run here): one written as a run would.
  vars_["alert"] = "alr_01JF0000000000000000000000";
  ASSERT_TRUE(db_->store()
                  .WithTxn([&](storage::Txn& txn) {
                    return txn
                        .Exec(
                            "INSERT INTO forecast_alerts (id, org_id, item_id, rule, severity, "
                            "status, message, details, opened_at, version) VALUES ($1, $2, $3, "
                            "'stockout', 'warning', 'open', 'matrix', $4, $5, 1)",
                            {vars_["alert"], org_ids_["A"], vars_["item"], storage::Json{"{}"},
                             SystemClock::Get().Now()})
                        .status();
                  })
                  .ok());
  if (Serves("POST /v1/webhooks")) {
    for (const char* name : {"webhook", "victim_webhook"}) {
      auto hook = Call("POST", "/v1/webhooks", kWebhookBody, admin);
      ASSERT_EQ(hook.status, 201) << hook.body;
      vars_[name] = Field(hook, "id");
    }
    if (Serves("POST /v1/webhooks/{id}/test")) {
      auto test = Call("POST", "/v1/webhooks/" + vars_["webhook"] + "/test", "", admin);
      ASSERT_EQ(test.status, 202) << test.body;
      vars_["delivery"] = Field(test, "id");
    }
  }
  if (Serves("PUT /v1/notifications/preferences")) {
    // org A's admin is notified of projects (in-app and email; SMTP is off and no worker runs,
    // so the email delivery stays pending).
    auto prefs = Call("PUT", "/v1/notifications/preferences",
                      R"({"email":"org_admin@a.matrix.test","rules":[{"event_type":"project.*",)"
                      R"("channels":["in_app","email"]}]})",
                      admin);
    ASSERT_EQ(prefs.status, 200) << prefs.body;
    for (const auto& [name, type] : {std::pair{"notification_template", "project.*"},
                                     std::pair{"victim_notification_template", "quote.*"}}) {
      auto t = Call("POST", "/v1/notifications/templates",
                    std::string(R"({"event_type":")") + type +
                        R"(","channel":"email","subject":"S {{data.name}}","body_text":"B"})",
                    admin);
      ASSERT_EQ(t.status, 201) << t.body;
      vars_[name] = Field(t, "id");
    }
    ASSERT_EQ(Call("POST", "/v1/projects", R"({"name":"Matrix notified"})", admin).status, 201);
    // The dispatcher sequences the event and the fan-out writes the notification.
    for (int i = 0;
         i < 200 && (vars_["notification"].empty() || vars_["notification_delivery"].empty());
         ++i) {
      for (const auto& [var, list] :
           {std::pair{"notification", "/v1/notifications"},
            std::pair{"notification_delivery", "/v1/notifications/deliveries"}}) {
        auto r = Call("GET", list, "", admin);
        auto v = json::parse(r.body);
        const auto* items = v.is_object() ? v.as_object().if_contains("items") : nullptr;
        if (items && items->is_array() && !items->as_array().empty()) {
          vars_[var] = std::string(items->as_array()[0].as_object().at("id").as_string());
        }
      }
      if (vars_["notification"].empty() || vars_["notification_delivery"].empty()) {
        std::this_thread::sleep_for(std::chrono::milliseconds(50));
      }
    }
  }
  auto key =
      seeder_->CreateApiKeyInOrg(org_ids_["A"], "victim key", {"projects:read"}, std::nullopt, cli);
  ASSERT_TRUE(key.ok());
  vars_["api_key"] = key->info.id;
  auto victim =
      seeder_->CreateUser(org_ids_["A"], "victim@a.matrix.test", kPassword, "org_viewer", cli);
  ASSERT_TRUE(victim.ok());
  vars_["victim_user"] = victim->id;
  auto subject =
      seeder_->CreateUser(org_ids_["A"], "subject@a.matrix.test", kPassword, "org_viewer", cli);
  ASSERT_TRUE(subject.ok());
  vars_["subject_user"] = subject->id;
  for (const auto& [name, id] : vars_) {
    ASSERT_FALSE(id.empty()) << name;
    if (name != "org") org_a_ids_.insert(id);
  }
}

bool AuthzMatrixTest::Serves(const std::string& key) const {
  for (const auto& r : app_->router().routes()) {
    if (RouteKey(r) == key) return true;
  }
  return false;
}

const Caller& AuthzMatrixTest::CallerNamed(const std::string& name) const {
  for (const auto& c : callers_) {
    if (c.name == name) return c;
  }
  ADD_FAILURE() << "no caller " << name;
  return callers_.front();
}

std::string AuthzMatrixTest::Fill(std::string text) const {
  for (const auto& [name, value] : vars_) {
    const std::string token = "{" + name + "}";
    for (auto p = text.find(token); p != std::string::npos; p = text.find(token, p)) {
      text.replace(p, token.size(), value);
      p += value.size();
    }
  }
  return text;
}

std::vector<std::string> AuthzMatrixTest::LeakedIds(const std::string& body,
                                                    const std::string& request) const {
  std::vector<std::string> out;
  for (const auto& id : org_a_ids_) {
    if (body.find(id) != std::string::npos && request.find(id) == std::string::npos) {
      out.push_back(id);
    }
  }
  return out;
}

}  // namespace signx::app::authz_matrix
