// The LLM router against a real local OpenAI-compatible server (testing/chat_server.h) on
// SQLite and PostgreSQL: answers with tokens and cost counted, the per-org cache, offline
// fallbacks (timeout, 5xx, invalid answer, refused address, budget, size), redaction before
// sending, and GET /v1/llm/usage.
#include "llm/router.h"

#include <gtest/gtest.h>

#include <boost/json.hpp>

#include "http/json.h"
#include "http/openapi.h"
#include "http/router.h"
#include "llm/routes.h"
#include "llm/testing/chat_server.h"
#include "llm/usage_store.h"
#include "storage/testing/test_stores.h"

namespace signx::llm {
namespace {

namespace json = boost::json;
using storage::testing::Backend;
using testing::Behaviour;

constexpr std::string_view kDoc =
    "Change order 7 for the pylon sign at 1200 Main St. The owner approved the added LED "
    "cabinet for $4,200. Dana will send the revised drawings by Friday; reach her at "
    "dana@example.com or 555-123-4567.";
const std::string kSha(64, 'a');
const std::string kSha2(64, 'b');

// A stand-in for the documents module's PII gate (documents/pii.h is tested there, and the
// documents tests run the router with it): masks the two personal data items of kDoc.
std::string TestRedact(std::string_view text) {
  std::string s(text);
  for (auto [from, to] : {std::pair<std::string, std::string>{"dana@example.com", "[EMAIL]"},
                          std::pair<std::string, std::string>{"555-123-4567", "[PHONE]"}}) {
    for (auto p = s.find(from); p != std::string::npos; p = s.find(from))
      s.replace(p, from.size(), to);
  }
  return s;
}

config::LlmConfig TestConfig(const std::string& url) {
  config::LlmConfig c;
  c.url = url;
  c.api_key = "sk-test-key";
  c.timeout_ms = 5000;
  c.allow_private_cidrs = {"127.0.0.1"};
  c.small_model = "small-model";
  c.large_model = "large-model";
  c.small_max_input_tokens = 1000;
  c.large_max_input_tokens = 5000;
  c.small_price_in_per_1k = 0.5;  // USD per 1000 tokens: 500 micro-USD per token
  c.small_price_out_per_1k = 1.5;
  c.large_price_in_per_1k = 3;
  c.large_price_out_per_1k = 6;
  c.tasks = {"summary_short", "summary_medium", "summary_detailed", "action_items"};
  c.monthly_token_budget_per_org = 0;
  return c;
}

class LlmRouterTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(GetParam());
    if (!db_->skip_reason().empty()) GTEST_SKIP() << db_->skip_reason();
    ASSERT_TRUE(server_.started());
  }

  std::unique_ptr<LlmRouter> Open(const config::LlmConfig& c) {
    auto s = SettingsFrom(c);
    SIGNX_CHECK(s.ok(), s.status().ToString());
    settings_ = *s;
    return std::make_unique<LlmRouter>(db_->store(), *s, TestRedact, clock_);
  }

  struct Usage {
    int64_t rows = 0, tokens_in = 0, tokens_out = 0, cost = 0, cached = 0;
  };
  Usage UsageOf(const std::string& org) {
    Usage u;
    auto rs = db_->store().Query(
        "SELECT tokens_in, tokens_out, cost_micro_usd, outcome FROM llm_usage WHERE org_id = $1",
        {org});
    SIGNX_CHECK(rs.ok(), rs.status().ToString());
    for (const auto& r : rs->rows) {
      ++u.rows;
      u.tokens_in += r.Int(0);
      u.tokens_out += r.Int(1);
      u.cost += r.Int(2);
      u.cached += r.Text(3) == "cache_hit";
    }
    return u;
  }

  json::object UsageRoute(const std::string& org, const std::string& query = "") {
    http::Router router;
    http::SchemaRegistry schemas;
    AddLlmRoutes(router, schemas, db_->store(), settings_, clock_);
    http::Request req;
    req.method = "GET";
    req.path = "/v1/llm/usage";
    if (!query.empty()) req.query = http::ParseQuery(query);
    req.request_id = "req-1";
    req.principal = http::Principal{.kind = "user",
                                    .subject_id = "usr_" + org,
                                    .org_id = org,
                                    .role = "org_viewer",
                                    .permissions = {"documents:read"}};
    http::Match m = router.Find("GET", req.path);
    SIGNX_CHECK(m.route != nullptr, "no usage route");
    http::Response resp = m.route->handler(req);
    last_status_ = resp.status;
    return json::parse(resp.body).as_object();
  }

  std::unique_ptr<storage::testing::TestDatabase> db_;
  testing::ChatServer server_;
  FakeClock clock_{Timestamp(std::chrono::seconds(1'796'601'600))};  // 2026-12-07T00:00:00Z
  Settings settings_;
  int last_status_ = 0;
};

TEST_P(LlmRouterTest, AnswerFromTheServerCountsTokensAndCost) {
  auto router = Open(TestConfig(server_.base_url()));
  TaskResult r = router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)});
  ASSERT_EQ(r.source, "llm") << r.outcome << ": " << r.reason;
  EXPECT_EQ(r.outcome, "ok");
  EXPECT_EQ(r.tier, "small");
  EXPECT_EQ(r.model, "small-model");
  EXPECT_TRUE(r.answer.starts_with("Summary by small-model: Document:")) << r.answer;
  EXPECT_FALSE(r.cached);
  ASSERT_EQ(server_.calls(), 1);
  const auto got = server_.requests()[0];
  EXPECT_EQ(got.authorization, "Bearer sk-test-key");
  EXPECT_EQ(got.model, "small-model");
  EXPECT_EQ(got.system, SystemPrompt(Task::kSummaryShort));
  // The server's usage numbers are what is billed: prompt = ceil(bytes of the messages / 4).
  const int64_t in = static_cast<int64_t>((got.system.size() + got.user.size() + 3) / 4);
  const int64_t out = static_cast<int64_t>((r.answer.size() + 3) / 4);
  EXPECT_EQ(r.tokens_in, in);
  EXPECT_EQ(r.tokens_out, out);
  EXPECT_EQ(r.cost_micro_usd, in * 500 + out * 1500);
  const Usage u = UsageOf("org_a");
  EXPECT_EQ(u.rows, 1);
  EXPECT_EQ(u.tokens_in, in);
  EXPECT_EQ(u.tokens_out, out);
  EXPECT_EQ(u.cost, in * 500 + out * 1500);

  json::object usage = UsageRoute("org_a");
  ASSERT_EQ(last_status_, 200);
  const auto& totals = usage.at("totals").as_object();
  EXPECT_EQ(totals.at("calls").as_int64(), 1);
  EXPECT_EQ(totals.at("llm_answers").as_int64(), 1);
  EXPECT_EQ(totals.at("tokens_in").as_int64(), in);
  EXPECT_EQ(totals.at("cost_micro_usd").as_int64(), in * 500 + out * 1500);
  ASSERT_EQ(usage.at("days").as_array().size(), 1u);
  EXPECT_EQ(usage.at("days").as_array()[0].as_object().at("day").as_string(), "2026-12-07");
  EXPECT_EQ(usage.at("budget").as_object().at("used_this_month").as_int64(), in + out);
  // Another org sees none of it.
  json::object other = UsageRoute("org_b");
  EXPECT_EQ(other.at("totals").as_object().at("calls").as_int64(), 0);
  EXPECT_TRUE(other.at("days").as_array().empty());
}

TEST_P(LlmRouterTest, SecondRunIsACacheHitWithoutACall) {
  auto router = Open(TestConfig(server_.base_url()));
  TaskResult first = router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)});
  ASSERT_EQ(first.outcome, "ok") << first.reason;
  TaskResult second = router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)});
  EXPECT_EQ(second.source, "llm");
  EXPECT_EQ(second.outcome, "cache_hit");
  EXPECT_TRUE(second.cached);
  EXPECT_EQ(second.answer, first.answer);
  EXPECT_EQ(second.tokens_in, 0);
  EXPECT_EQ(second.cost_micro_usd, 0);
  EXPECT_EQ(server_.calls(), 1);
  // Another task of the same document is another key.
  TaskResult medium = router->Run("org_a", {Task::kSummaryMedium, kSha, std::string(kDoc)});
  EXPECT_EQ(medium.outcome, "ok");
  EXPECT_EQ(server_.calls(), 2);
  const Usage u = UsageOf("org_a");
  EXPECT_EQ(u.rows, 3);
  EXPECT_EQ(u.cached, 1);
  json::object usage = UsageRoute("org_a");
  EXPECT_EQ(usage.at("totals").as_object().at("cache_hits").as_int64(), 1);
  EXPECT_EQ(usage.at("totals").as_object().at("llm_answers").as_int64(), 2);
}

TEST_P(LlmRouterTest, CacheIsPerOrg) {
  auto router = Open(TestConfig(server_.base_url()));
  ASSERT_EQ(router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)}).outcome, "ok");
  TaskResult b = router->Run("org_b", {Task::kSummaryShort, kSha, std::string(kDoc)});
  EXPECT_EQ(b.outcome, "ok");  // not org_a's cached answer
  EXPECT_FALSE(b.cached);
  EXPECT_EQ(server_.calls(), 2);
  EXPECT_EQ(UsageOf("org_b").rows, 1);
  EXPECT_GT(UsageOf("org_b").cost, 0);
}

TEST_P(LlmRouterTest, TimeoutFallsBackToOffline) {
  config::LlmConfig c = TestConfig(server_.base_url());
  c.timeout_ms = 300;
  auto router = Open(c);
  server_.Script({{.kind = Behaviour::kSlow, .slow_ms = 3000}});
  TaskResult r = router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)});
  EXPECT_EQ(r.source, "offline");
  EXPECT_EQ(r.outcome, "timeout");
  EXPECT_FALSE(r.reason.empty());
  EXPECT_TRUE(r.answer.empty());
  EXPECT_EQ(r.tokens_in, 0);
  // A failure is not cached: the next run asks again and gets an answer.
  TaskResult again = router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)});
  EXPECT_EQ(again.outcome, "ok") << again.reason;
  EXPECT_FALSE(again.cached);
  json::object usage = UsageRoute("org_a");
  EXPECT_EQ(usage.at("totals").as_object().at("fallbacks").as_int64(), 1);
  EXPECT_EQ(usage.at("fallbacks_by_reason").as_object().at("timeout").as_int64(), 1);
}

TEST_P(LlmRouterTest, ServerErrorAndInvalidAnswerFallBack) {
  auto router = Open(TestConfig(server_.base_url()));
  server_.Script({{.kind = Behaviour::kStatus, .status = 500},
                  {.kind = Behaviour::kStatus, .status = 429},
                  {.kind = Behaviour::kInvalid},
                  {.kind = Behaviour::kStatus, .status = 401}});
  for (const char* want : {"server_error", "server_error", "invalid_answer", "client_error"}) {
    TaskResult r = router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)});
    EXPECT_EQ(r.source, "offline");
    EXPECT_EQ(r.outcome, want) << r.reason;
  }
  EXPECT_EQ(server_.calls(), 4);
  json::object usage = UsageRoute("org_a");
  const auto& by = usage.at("fallbacks_by_reason").as_object();
  EXPECT_EQ(by.at("server_error").as_int64(), 2);
  EXPECT_EQ(by.at("invalid_answer").as_int64(), 1);
  EXPECT_EQ(by.at("client_error").as_int64(), 1);
  EXPECT_EQ(usage.at("totals").as_object().at("cost_micro_usd").as_int64(), 0);
}

TEST_P(LlmRouterTest, TextIsRedactedBeforeItIsSent) {
  auto router = Open(TestConfig(server_.base_url()));
  ASSERT_EQ(router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)}).outcome, "ok");
  ASSERT_EQ(server_.calls(), 1);
  const std::string body = server_.requests()[0].body;
  EXPECT_EQ(body.find("dana@example.com"), std::string::npos) << body;
  EXPECT_EQ(body.find("555-123-4567"), std::string::npos) << body;
  EXPECT_NE(body.find("[EMAIL]"), std::string::npos) << body;
  EXPECT_NE(body.find("[PHONE]"), std::string::npos) << body;
}

TEST_P(LlmRouterTest, OverTheMonthlyBudgetStaysOffline) {
  config::LlmConfig c = TestConfig(server_.base_url());
  // The first call (~120 tokens in, ~20 out) fits; a second (~120 more) does not.
  c.monthly_token_budget_per_org = 200;
  auto router = Open(c);
  TaskResult first = router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)});
  ASSERT_EQ(first.outcome, "ok") << first.reason;
  ASSERT_LT(first.tokens_in + first.tokens_out, 200);
  TaskResult second = router->Run("org_a", {Task::kSummaryShort, kSha2, std::string(kDoc)});
  EXPECT_EQ(second.source, "offline");
  EXPECT_EQ(second.outcome, "budget_exceeded");
  EXPECT_NE(second.reason.find("budget"), std::string::npos);
  EXPECT_EQ(server_.calls(), 1);
  // A cache hit costs nothing, so it is still served.
  EXPECT_EQ(router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)}).outcome,
            "cache_hit");
  // Another org has its own budget.
  EXPECT_EQ(router->Run("org_b", {Task::kSummaryShort, kSha2, std::string(kDoc)}).outcome, "ok");
  // The budget renews with the month.
  clock_.Advance(std::chrono::hours(24 * 31));
  EXPECT_EQ(router->Run("org_a", {Task::kSummaryShort, kSha2, std::string(kDoc)}).outcome, "ok");
  json::object usage = UsageRoute("org_a", "days=60");
  EXPECT_EQ(usage.at("fallbacks_by_reason").as_object().at("budget_exceeded").as_int64(), 1);
  EXPECT_EQ(usage.at("budget").as_object().at("monthly_tokens").as_int64(), 200);
}

TEST_P(LlmRouterTest, LoopbackIsRefusedUnlessAllowListed) {
  config::LlmConfig c = TestConfig(server_.base_url());
  c.allow_private_cidrs.clear();
  auto router = Open(c);
  TaskResult r = router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)});
  EXPECT_EQ(r.source, "offline");
  EXPECT_EQ(r.outcome, "refused") << r.reason;
  EXPECT_EQ(server_.calls(), 0);  // nothing was sent
}

TEST_P(LlmRouterTest, TiersByTaskAndSize) {
  auto router = Open(TestConfig(server_.base_url()));
  TaskResult detailed = router->Run("org_a", {Task::kSummaryDetailed, kSha, std::string(kDoc)});
  EXPECT_EQ(detailed.tier, "large");
  EXPECT_EQ(detailed.model, "large-model");
  const std::string huge(9000 * 4, 'x');  // ~9000 tokens: above the large tier (5000)
  // ~3000 tokens: above the small tier (1000), so summary_short moves to the large one.
  TaskResult mid = router->Run("org_a", {Task::kSummaryShort, kSha2, std::string(3000 * 4, 'y')});
  EXPECT_EQ(mid.tier, "large");
  EXPECT_EQ(mid.outcome, "ok") << mid.reason;
  TaskResult off = router->Run("org_a", {Task::kSummaryShort, kSha2, huge});
  EXPECT_EQ(off.source, "offline");
  EXPECT_EQ(off.outcome, "too_large");
  ASSERT_EQ(server_.calls(), 2);
  EXPECT_EQ(server_.requests()[0].model, "large-model");
  EXPECT_EQ(server_.requests()[1].model, "large-model");
}

TEST_P(LlmRouterTest, ActionItemsAreAValidatedJsonArray) {
  auto router = Open(TestConfig(server_.base_url()));
  TaskResult r = router->Run("org_a", {Task::kActionItems, kSha, std::string(kDoc)});
  ASSERT_EQ(r.outcome, "ok") << r.reason;
  EXPECT_EQ(r.answer,
            R"([{"text":"Send the revised shop drawings","owner":"Dana","due":"2026-12-11"}])");
}

TEST_P(LlmRouterTest, OffByDefaultRecordsNothing) {
  auto router = Open(config::LlmConfig{});
  EXPECT_FALSE(router->enabled());
  TaskResult r = router->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)});
  EXPECT_EQ(r.source, "offline");
  EXPECT_EQ(r.outcome, "disabled");
  EXPECT_EQ(UsageOf("org_a").rows, 0);
  config::LlmConfig c = TestConfig(server_.base_url());
  c.tasks = {"summary_detailed"};
  auto some = Open(c);
  EXPECT_EQ(some->Run("org_a", {Task::kSummaryShort, kSha, std::string(kDoc)}).outcome, "disabled");
  EXPECT_EQ(server_.calls(), 0);
  json::object usage = UsageRoute("org_a");
  EXPECT_EQ(usage.at("totals").as_object().at("calls").as_int64(), 0);
  UsageRoute("org_a", "days=0");
  EXPECT_EQ(last_status_, 422);
}

INSTANTIATE_TEST_SUITE_P(Backends, LlmRouterTest,
                         ::testing::ValuesIn(storage::testing::AllBackends()),
                         [](const auto& info) {
                           return storage::testing::BackendName(info.param);
                         });

TEST(LlmTiers, ChooseTier) {
  auto s = SettingsFrom(TestConfig("http://llm.example/v1"));
  ASSERT_TRUE(s.ok());
  std::string why;
  EXPECT_EQ(ChooseTier(*s, Task::kSummaryShort, 500, &why)->name, TierName::kSmall);
  EXPECT_EQ(ChooseTier(*s, Task::kSummaryDetailed, 500, &why)->name, TierName::kLarge);
  EXPECT_EQ(ChooseTier(*s, Task::kSummaryShort, 1001, &why)->name, TierName::kLarge);
  EXPECT_FALSE(ChooseTier(*s, Task::kSummaryShort, 5001, &why).has_value());
  EXPECT_NE(why.find("5001"), std::string::npos);
  s->large.model.clear();  // no large tier: detailed uses the small one when the document fits
  EXPECT_EQ(ChooseTier(*s, Task::kSummaryDetailed, 500, &why)->name, TierName::kSmall);
  EXPECT_FALSE(ChooseTier(*s, Task::kSummaryShort, 1001, &why).has_value());
}

TEST(LlmTiers, CostAndEstimate) {
  Tier t{.price_in_per_1k = 0.00015, .price_out_per_1k = 0.0006};
  EXPECT_EQ(CostMicroUsd(t, 1000, 1000), 150 + 600);
  EXPECT_EQ(CostMicroUsd(t, 0, 0), 0);
  EXPECT_EQ(EstimateTokens(""), 0);
  EXPECT_EQ(EstimateTokens("abcde"), 2);
}

TEST(LlmAnswers, Normalise) {
  EXPECT_EQ(*NormaliseAnswer(Task::kSummaryShort, "  A summary.\n"), "A summary.");
  EXPECT_FALSE(NormaliseAnswer(Task::kSummaryShort, " \n").ok());
  EXPECT_FALSE(NormaliseAnswer(Task::kSummaryShort, std::string(9000, 'a')).ok());
  EXPECT_EQ(*NormaliseAnswer(Task::kActionItems, "```json\n[{\"text\":\" Call Bo \"}]\n```"),
            R"([{"text":"Call Bo","owner":null,"due":null}])");
  EXPECT_EQ(*NormaliseAnswer(Task::kActionItems, R"({"action_items":[]})"), "[]");
  EXPECT_FALSE(NormaliseAnswer(Task::kActionItems, "Call Bo").ok());
  EXPECT_FALSE(NormaliseAnswer(Task::kActionItems, R"([{"owner":"Bo"}])").ok());
  EXPECT_FALSE(NormaliseAnswer(Task::kActionItems, R"([{"text":"x","due":"Friday"}])").ok());
}

TEST(LlmSettings, FromConfig) {
  auto off = SettingsFrom(config::LlmConfig{});
  ASSERT_TRUE(off.ok());
  EXPECT_FALSE(off->enabled());
  EXPECT_TRUE(off->client.address_policy.enforce);
  config::LlmConfig c = TestConfig("http://h/v1/");
  auto on = SettingsFrom(c);
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->url, "http://h/v1");
  EXPECT_EQ(on->client.address_policy.allow.size(), 1u);
  c.tasks = {"translate"};
  EXPECT_FALSE(SettingsFrom(c).ok());
}

TEST(LlmUsage, MonthStart) {
  const Timestamp t = Timestamp(std::chrono::seconds(1'796'601'600 + 3600));  // 2026-12-07T01:00Z
  EXPECT_EQ(FormatRfc3339(MonthStart(t)), "2026-12-01T00:00:00.000Z");
}

}  // namespace
}  // namespace signx::llm
