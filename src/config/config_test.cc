#include "config/config.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <string>
#include <vector>

namespace signx::config {
namespace {

// Files WriteTemp made, removed when the test program exits.
struct TempFiles {
  std::vector<std::string> paths;
  ~TempFiles() {
    for (const auto& p : paths) std::remove(p.c_str());
  }
};
TempFiles& Temps() {
  static TempFiles files;
  return files;
}

// One file per test and process: CTest runs tests of this binary in parallel processes.
std::string WriteTemp(const std::string& text) {
  const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string path = ::testing::TempDir() + "/signx_config_test_" + std::to_string(::getpid()) +
                     "_" + info->name() + ".json";
  std::ofstream(path) << text;
  Temps().paths.push_back(path);
  return path;
}

LoadOptions NoEnv() {
  LoadOptions o;
  o.read_env = false;
  return o;
}

TEST(ConfigTest, DefaultsAreValid) {
  auto loaded = Load(NoEnv());
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.server.port, 8080);
  EXPECT_EQ(loaded->config.server.max_body_bytes, 1 << 20);
  EXPECT_EQ(loaded->sources.at("server.port"), Source::kDefault);
  EXPECT_TRUE(Validate(Config{}).empty());
}

TEST(ConfigTest, PrecedenceDefaultsFileEnvFlags) {
  LoadOptions o;
  o.file = WriteTemp(R"({"server": {"port": 9001, "host": "0.0.0.0", "io_threads": 3},
                         "log": {"level": "debug"}})");
  o.env_for_test = {{"SIGNX_SERVER_PORT", "9002"}, {"SIGNX_LOG_LEVEL", "warn"}};
  o.flags = {{"server.port", "9003"}};
  auto loaded = Load(o);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  const Config& c = loaded->config;
  EXPECT_EQ(c.server.port, 9003);           // flag beats env and file
  EXPECT_EQ(c.log.level, "warn");           // env beats file
  EXPECT_EQ(c.server.host, "0.0.0.0");      // file beats default
  EXPECT_EQ(c.server.io_threads, 3);
  EXPECT_EQ(c.server.blocking_threads, 4);  // default
  EXPECT_EQ(loaded->sources.at("server.port"), Source::kFlag);
  EXPECT_EQ(loaded->sources.at("log.level"), Source::kEnv);
  EXPECT_EQ(loaded->sources.at("server.host"), Source::kFile);
}

// docs/operations.md "Memory": the lake converter's segment and row group, SQLite's page cache.
TEST(ConfigTest, MemorySettingsDefaultsFlagsAndRanges) {
  auto defaults = Load(NoEnv());
  ASSERT_TRUE(defaults.ok()) << defaults.status().ToString();
  EXPECT_EQ(defaults->config.lake.segment_max_mb, 4);
  EXPECT_EQ(defaults->config.lake.row_group_rows, 2048);
  EXPECT_EQ(defaults->config.database.sqlite_cache_kib, 2000);

  LoadOptions o = NoEnv();
  o.flags = {{"lake.segment_max_mb", "8"},
             {"lake.row_group_rows", "8192"},
             {"database.sqlite_cache_kib", "512"}};
  auto set = Load(o);
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->config.lake.segment_max_mb, 8);
  EXPECT_EQ(set->config.lake.row_group_rows, 8192);
  EXPECT_EQ(set->config.database.sqlite_cache_kib, 512);

  o.flags = {{"lake.segment_max_mb", "0"},
             {"lake.row_group_rows", "100"},
             {"database.sqlite_cache_kib", "1"}};
  auto bad = Load(o);
  ASSERT_FALSE(bad.ok());
  for (const char* key :
       {"lake.segment_max_mb", "lake.row_group_rows", "database.sqlite_cache_kib"}) {
    EXPECT_NE(bad.status().ToString().find(key), std::string::npos) << key;
  }
}

TEST(ConfigTest, AllErrorsReportedAtOnce) {
  LoadOptions o;
  o.file = WriteTemp(R"({"server": {"port": 70000, "max_body_bytes": "lots"}, "bogus": 1})");
  o.env_for_test = {{"SIGNX_LOG_LEVEL", "loud"}};
  o.flags = {{"database.url", "mysql://x"}, {"server.io_threads", "-1"}};
  auto loaded = Load(o);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().code(), ErrorCode::kValidationFailed);
  std::map<std::string, std::string> by_field;
  for (const auto& d : loaded.status().details()) by_field[d.field] = d.message;
  EXPECT_EQ(by_field.size(), 6u) << loaded.status().ToString();
  EXPECT_NE(by_field["server.port"].find("between 0 and 65535"), std::string::npos);
  EXPECT_NE(by_field["server.max_body_bytes"].find("not an integer"), std::string::npos);
  EXPECT_NE(by_field["bogus"].find("unknown setting"), std::string::npos);
  EXPECT_NE(by_field["log.level"].find("'loud'"), std::string::npos);
  EXPECT_NE(by_field["database.url"].find("sqlite://"), std::string::npos);
  EXPECT_NE(by_field["server.io_threads"].find("between 0 and 256"), std::string::npos);
}

TEST(ConfigTest, BadFileIsReported) {
  LoadOptions o = NoEnv();
  o.file = WriteTemp("{not json");
  auto loaded = Load(o);
  ASSERT_FALSE(loaded.ok());
  EXPECT_EQ(loaded.status().details().at(0).field, "--config");
  o.file = "/nonexistent/signx.json";
  EXPECT_FALSE(Load(o).ok());
}

TEST(ConfigTest, ListsFromCommaSeparatedTextOrJsonArray) {
  LoadOptions o = NoEnv();
  o.flags = {{"server.cors_origins", "https://a.example, https://b.example"}};
  auto loaded = Load(o);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.server.cors_origins.size(), 2u);
  o.flags.clear();
  o.file = WriteTemp(R"({"server": {"cors_origins": ["*"]}})");
  loaded = Load(o);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.server.cors_origins, std::vector<std::string>{"*"});
}

TEST(ConfigTest, WebhookSettingsFromEnvAndTheirChecks) {
  EXPECT_TRUE(Config{}.webhooks.allow_private_cidrs.empty());  // public addresses only by default
  EXPECT_EQ(Config{}.webhooks.response_excerpt_bytes, 0);
  EXPECT_EQ(Config{}.webhooks.max_endpoints_per_org, 25);
  LoadOptions o;
  o.env_for_test = {{"SIGNX_WEBHOOKS_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8, ::1,10.1.0.0/16"},
                    {"SIGNX_WEBHOOKS_RESPONSE_EXCERPT_BYTES", "256"}};
  auto loaded = Load(o);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.webhooks.allow_private_cidrs,
            (std::vector<std::string>{"127.0.0.0/8", "::1", "10.1.0.0/16"}));
  EXPECT_EQ(loaded->config.webhooks.response_excerpt_bytes, 256);

  o.env_for_test = {{"SIGNX_WEBHOOKS_ALLOW_PRIVATE_CIDRS", "127.1,10.0.0.0/33,localhost"},
                    {"SIGNX_WEBHOOKS_RESPONSE_EXCERPT_BYTES", "5000"},
                    {"SIGNX_WEBHOOKS_MAX_ENDPOINTS_PER_ORG", "0"}};
  loaded = Load(o);
  ASSERT_FALSE(loaded.ok());
  int cidr_errors = 0;
  std::map<std::string, std::string> by_field;
  for (const auto& d : loaded.status().details()) {
    cidr_errors += d.field == "webhooks.allow_private_cidrs";
    by_field[d.field] = d.message;
  }
  EXPECT_EQ(cidr_errors, 3) << loaded.status().ToString();
  EXPECT_NE(by_field["webhooks.response_excerpt_bytes"].find("between 0 and 1024"),
            std::string::npos);
  EXPECT_NE(by_field["webhooks.max_endpoints_per_org"].find("between 1 and 10000"),
            std::string::npos);
}

TEST(ConfigTest, SmtpSettingsAndTheirChecks) {
  EXPECT_TRUE(Config{}.smtp.url.empty());  // e-mail off by default
  LoadOptions o;
  o.env_for_test = {{"SIGNX_SMTP_URL", "smtp://127.0.0.1:2525"},
                    {"SIGNX_SMTP_FROM", "SignX <no-reply@example.com>"},
                    {"SIGNX_SMTP_ALLOW_PRIVATE_CIDRS", "127.0.0.0/8"}};
  auto loaded = Load(o);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.smtp.url, "smtp://127.0.0.1:2525");
  EXPECT_EQ(loaded->config.smtp.allow_private_cidrs, (std::vector<std::string>{"127.0.0.0/8"}));

  o.env_for_test = {{"SIGNX_SMTP_URL", "http://mail.example.com"},
                    {"SIGNX_SMTP_PASSWORD", "pw"},
                    {"SIGNX_SMTP_TIMEOUT_MS", "5"},
                    {"SIGNX_SMTP_ALLOW_PRIVATE_CIDRS", "localhost"}};
  loaded = Load(o);
  ASSERT_FALSE(loaded.ok());
  std::map<std::string, std::string> by_field;
  for (const auto& d : loaded.status().details()) by_field[d.field] = d.message;
  EXPECT_NE(by_field["smtp.url"].find("smtp://"), std::string::npos);
  EXPECT_NE(by_field["smtp.from"].find("required"), std::string::npos);
  EXPECT_NE(by_field["smtp.username"].find("required"), std::string::npos);
  EXPECT_NE(by_field["smtp.timeout_ms"].find("between"), std::string::npos);
  EXPECT_NE(by_field["smtp.allow_private_cidrs"].find("localhost"), std::string::npos);

  Config c;
  c.smtp.url = "smtps://mailer:m41lpw@smtp.example.com:465";
  c.smtp.password = "t0psecret";
  const std::string json = ToJson(c);
  EXPECT_EQ(json.find("m41lpw"), std::string::npos);
  EXPECT_EQ(json.find("t0psecret"), std::string::npos);
}

TEST(ConfigTest, LlmSettingsAndTheirChecks) {
  EXPECT_TRUE(Config{}.llm.url.empty());  // the LLM is off by default: offline analysis only
  LoadOptions o;
  o.env_for_test = {{"SIGNX_LLM_URL", "http://127.0.0.1:8000/v1"},
                    {"SIGNX_LLM_API_KEY", "sk-l1mkey"},
                    {"SIGNX_LLM_ALLOW_PRIVATE_CIDRS", "127.0.0.1"},
                    {"SIGNX_LLM_TASKS", "summary_short,action_items"},
                    {"SIGNX_LLM_SMALL_PRICE_IN_PER_1K", "0.0002"},
                    {"SIGNX_LLM_MONTHLY_TOKEN_BUDGET_PER_ORG", "50000"}};
  auto loaded = Load(o);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  EXPECT_EQ(loaded->config.llm.url, "http://127.0.0.1:8000/v1");
  EXPECT_EQ(loaded->config.llm.api_key, "sk-l1mkey");
  EXPECT_EQ(loaded->config.llm.tasks, (std::vector<std::string>{"summary_short", "action_items"}));
  EXPECT_DOUBLE_EQ(loaded->config.llm.small_price_in_per_1k, 0.0002);
  EXPECT_EQ(loaded->config.llm.monthly_token_budget_per_org, 50000);
  EXPECT_EQ(ToJson(loaded->config).find("sk-l1mkey"), std::string::npos);

  o.env_for_test = {{"SIGNX_LLM_URL", "ftp://llm.example.com"},
                    {"SIGNX_LLM_TIMEOUT_MS", "5"},
                    {"SIGNX_LLM_TASKS", "summary_short,translate"},
                    {"SIGNX_LLM_LARGE_PRICE_OUT_PER_1K", "-1"},
                    {"SIGNX_LLM_ALLOW_PRIVATE_CIDRS", "localhost"}};
  loaded = Load(o);
  ASSERT_FALSE(loaded.ok());
  std::map<std::string, std::string> by_field;
  for (const auto& d : loaded.status().details()) by_field[d.field] = d.message;
  EXPECT_NE(by_field["llm.url"].find("http://"), std::string::npos);
  EXPECT_NE(by_field["llm.timeout_ms"].find("between"), std::string::npos);
  EXPECT_NE(by_field["llm.tasks"].find("translate"), std::string::npos);
  EXPECT_NE(by_field["llm.large_price_out_per_1k"].find("between"), std::string::npos);
  EXPECT_NE(by_field["llm.allow_private_cidrs"].find("localhost"), std::string::npos);
}

TEST(ConfigTest, ShowRedactsPasswords) {
  Config c;
  c.database.url = "postgres://signx:hunter2@db.internal:5432/signx";
  c.redis.url = "redis://:s3cret@127.0.0.1:6379/0";
  const std::string json = ToJson(c);
  EXPECT_EQ(json.find("hunter2"), std::string::npos);
  EXPECT_EQ(json.find("s3cret"), std::string::npos);
  EXPECT_NE(json.find("postgres://signx:***@db.internal:5432/signx"), std::string::npos);
  // The shown JSON loads again (round trip), apart from the redacted secrets.
  LoadOptions o = NoEnv();
  o.file = WriteTemp(ToJson(Config{}));
  auto loaded = Load(o);
  ASSERT_TRUE(loaded.ok()) << loaded.status().ToString();
  Loaded l;
  l.config = c;
  EXPECT_EQ(ToTable(l).find("hunter2"), std::string::npos);
}

TEST(ConfigTest, EveryFieldHasHelpAndEnvName) {
  for (const auto& f : Fields()) {
    EXPECT_FALSE(f.help.empty()) << f.key;
    EXPECT_EQ(f.env.rfind("SIGNX_", 0), 0u) << f.key;
  }
}

}  // namespace
}  // namespace signx::config
