// Remote model mode against another SignX on 127.0.0.1: the same leads give the same scores,
// buckets and tiers as local scoring; errors of the remote are reported, not hidden.
#include "leads/remote.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cmath>
#include <cstring>
#include <filesystem>
#include <limits>
#include <random>

#include "blobs/blob_store.h"
#include "csv/reader.h"
#include "http/client.h"
#include "http/server.h"
#include "http/testing/raw_client.h"
#include "leads/kserve_routes.h"
#include "leads/schema.h"
#include "leads/service.h"
#include "leads/training.h"
#include "ml/registry.h"
#include "runtime/blocking_pool.h"
#include "storage/testing/test_stores.h"

namespace signx::leads {
namespace {

namespace json = boost::json;

Schema RemoteSchema() {
  return *ParseSchemaText(R"({"name":"remote_test","missing":[""],"fields":[
    {"name":"lead_id","column":"Lead ID","type":"text","role":"id","required":true},
    {"name":"source","column":"Source","type":"category","role":"feature"},
    {"name":"visits","column":"Visits","type":"number","role":"feature","min":0},
    {"name":"opted_in","column":"Opted In","type":"boolean","role":"feature","default":false},
    {"name":"converted","column":"Converted","type":"integer","role":"label",
     "positive":["1"],"negative":["0"]}]})");
}

std::string Csv(int rows, uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  std::string csv = "Lead ID,Source,Visits,Opted In,Converted\n";
  const char* sources[] = {"Google", "Reference", "Direct"};
  for (int i = 0; i < rows; ++i) {
    const int src = static_cast<int>(u(rng) * 3);
    const double visits = std::floor(u(rng) * 20);
    const bool opted = u(rng) < 0.5;
    const double logit = -1.0 + (src == 1 ? 2.0 : 0) + 0.15 * visits - (opted ? 0 : 0.5);
    const bool y = u(rng) < 1.0 / (1.0 + std::exp(-logit));
    csv += fmt::format("L{},{},{},{},{}\n", i, sources[src],
                       i % 10 == 0 ? std::string() : fmt::format("{}", visits),
                       opted ? "Yes" : "No", y ? 1 : 0);
  }
  return csv;
}

ModelBundle Train(uint64_t seed) {
  auto table = csv::ReadTable(Csv(1200, seed));
  SIGNX_CHECK(table.ok(), table.status().ToString());
  TrainOptions o;
  o.num_rounds = 120;
  o.early_stopping_rounds = 20;
  o.max_depth = 3;
  o.eta = 0.1;
  o.nthread = 1;
  o.compare_leaky = false;
  o.seed = seed;
  auto out = TrainLeadModel(*table, RemoteSchema(), o);
  SIGNX_CHECK(out.ok(), out.status().ToString());
  return std::move(out->bundle);
}

// Leads with every kind of value, missing ones and an unknown category included.
json::array Leads() {
  json::array leads;
  const char* sources[] = {"Google", "Reference", "Direct", "Carrier Pigeon"};
  for (int i = 0; i < 40; ++i) {
    json::object l{{"lead_id", fmt::format("R{}", i)}, {"source", sources[i % 4]}};
    if (i % 7 != 0) l["visits"] = (i * 3) % 19;  // missing every 7th: NaN → null on the wire
    if (i % 3 != 0) l["opted_in"] = i % 2 == 0;
    leads.push_back(std::move(l));
  }
  return leads;
}

// One SignX serving /v2 (the "remote"), and a second LeadsService in remote mode calling it.
class RemoteModeTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() { bundle_ = new ModelBundle(Train(3)); }
  static void TearDownTestSuite() {
    delete bundle_;
    bundle_ = nullptr;
  }

  void SetUp() override {
    db_ = storage::testing::MigratedDatabase(storage::testing::Backend::kSqlite);
    root_ = std::filesystem::temp_directory_path() /
            fmt::format("signx-remote-{}-{}", ::getpid(), reinterpret_cast<uintptr_t>(this));
    blobs_ = std::move(blobs::BlobStore::Open(root_, 64 << 20)).value();
    registry_ = std::make_unique<ml::ModelRegistry>(db_->store(), *blobs_, SystemClock::Get());
    server_service_ = std::make_unique<LeadsService>(*registry_, server_metrics_);
    auto reg =
        server_service_->RegisterBundle(ml::Owner::Platform(), SerializeBundle(*bundle_), "test");
    ASSERT_TRUE(reg.ok()) << reg.status().ToString();
    ASSERT_TRUE(
        registry_->Promote(ml::Owner::Platform(), std::string(kModelName), bundle_->model_version)
            .ok());
    ASSERT_TRUE(server_service_->Reload().ok());
    AddKServeRoutes(server_router_, *server_service_);
    pool_ = std::make_unique<runtime::BlockingPool>(2, 64);
    config::ServerConfig cfg;
    cfg.port = 0;
    cfg.io_threads = 1;
    server_ = std::make_unique<http::Server>(cfg, server_router_, server_metrics_, *pool_, false);
    ASSERT_TRUE(server_->Start().ok());
    client_ = std::make_unique<http::HttpClient>();
  }
  void TearDown() override {
    if (server_) {
      server_->Shutdown();
      server_->Wait();
    }
    std::error_code ec;
    std::filesystem::remove_all(root_, ec);
  }

  std::string BaseUrl() const { return fmt::format("http://127.0.0.1:{}", server_->port()); }

  std::unique_ptr<LeadsService> RemoteService(metrics::Registry& metrics, std::string base_url) {
    auto remote = std::make_shared<const RemoteModel>(
        *client_, RemoteOptions{.base_url = std::move(base_url), .model = "leads"});
    auto svc = std::make_unique<LeadsService>(*registry_, metrics, nullptr,
                                              ServiceOptions{.remote = remote});
    SIGNX_CHECK(svc->Reload().ok(), "reload");
    return svc;
  }

  static ModelBundle* bundle_;
  std::unique_ptr<storage::testing::TestDatabase> db_;
  std::filesystem::path root_;
  std::unique_ptr<blobs::BlobStore> blobs_;
  std::unique_ptr<ml::ModelRegistry> registry_;
  metrics::Registry server_metrics_;
  std::unique_ptr<LeadsService> server_service_;
  http::Router server_router_;
  std::unique_ptr<runtime::BlockingPool> pool_;
  std::unique_ptr<http::Server> server_;
  std::unique_ptr<http::HttpClient> client_;
};
ModelBundle* RemoteModeTest::bundle_ = nullptr;

TEST_F(RemoteModeTest, SameScoresAsLocalMode) {
  metrics::Registry metrics;
  auto remote = RemoteService(metrics, BaseUrl() + "/");
  ASSERT_TRUE(remote->remote());
  ASSERT_FALSE(server_service_->remote());
  auto scorer = server_service_->Current("");
  ASSERT_NE(scorer, nullptr);
  const json::array leads = Leads();

  auto local = server_service_->ScoreJsonBatch(*scorer, leads, {.explain = true}, "req-local");
  ASSERT_TRUE(local.ok()) << local.status().ToString();
  auto remote_scores =
      remote->ScoreJsonBatch(*remote->Current(""), leads, {.explain = true}, "req-remote");
  ASSERT_TRUE(remote_scores.ok()) << remote_scores.status().ToString();
  ASSERT_EQ(remote_scores->size(), local->size());
  std::set<char> tiers;
  for (std::size_t i = 0; i < local->size(); ++i) {
    const auto& a = (*local)[i];
    const auto& b = (*remote_scores)[i];
    EXPECT_EQ(a.lead_id, b.lead_id);
    EXPECT_EQ(a.score, b.score) << "lead " << i;  // bit for bit: float → JSON → float
    EXPECT_EQ(a.bucket, b.bucket);
    EXPECT_EQ(a.tier, b.tier);
    EXPECT_EQ(a.model_version, b.model_version);
    EXPECT_EQ(a.unknown_categories, b.unknown_categories);
    EXPECT_TRUE(b.reasons.empty());  // reasons are not available remotely
    tiers.insert(a.tier);
  }
  EXPECT_GE(tiers.size(), 3u);  // the parity covers several tiers, not one constant answer
  EXPECT_GT((*local)[3].unknown_categories, 0);  // "Carrier Pigeon"

  // Single lead, and the remote server counted the predictions it made.
  auto one = remote->ScoreJson(*remote->Current(""), leads[5].as_object(), {}, "req-one");
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_EQ(one->score, (*local)[5].score);
  EXPECT_NE(server_metrics_.Render().find("leads_predictions_total"), std::string::npos);

  // Validation happens locally, with the same field errors as local mode.
  json::array bad{json::object{{"lead_id", "X"}, {"visits", -3}}};
  auto local_err = server_service_->ScoreJsonBatch(*scorer, bad, {}, "r");
  auto remote_err = remote->ScoreJsonBatch(*remote->Current(""), bad, {}, "r");
  ASSERT_FALSE(remote_err.ok());
  EXPECT_EQ(remote_err.status().code(), ErrorCode::kValidationFailed);
  ASSERT_EQ(remote_err.status().details().size(), local_err.status().details().size());
  EXPECT_EQ(remote_err.status().details()[0].field, "leads[0].visits");
}

TEST_F(RemoteModeTest, V2RoutesOfARemoteModeServerMatchTheLocalServer) {
  // A second SignX in remote mode serves the columnar /v2 API; its answer carries the same score
  // tensor as the local server's.
  metrics::Registry metrics;
  auto remote = RemoteService(metrics, BaseUrl());
  http::Router router;
  AddKServeRoutes(router, *remote);
  config::ServerConfig cfg;
  cfg.port = 0;
  cfg.io_threads = 1;
  http::Server front(cfg, router, metrics, *pool_, false);
  ASSERT_TRUE(front.Start().ok());
  const std::string body = R"({"inputs": [
      {"name": "lead_id", "datatype": "BYTES", "shape": [3], "data": ["a", "b", "c"]},
      {"name": "source", "datatype": "BYTES", "shape": [3], "data": ["Reference", "Google", "Direct"]},
      {"name": "visits", "datatype": "FP64", "shape": [3], "data": [12, 1, 5]}]})";
  auto ask = [&](uint16_t port) {
    http::testing::RawClient c(port);
    auto r = c.Request("POST", "/v2/models/leads/infer", body,
                       {{"Content-Type", "application/json"}});
    SIGNX_CHECK(r.has_value(), "no answer");
    return *r;
  };
  const auto direct = ask(server_->port());
  const auto via = ask(front.port());
  front.Shutdown();
  front.Wait();
  ASSERT_EQ(direct.status, 200) << direct.body;
  ASSERT_EQ(via.status, 200) << via.body;
  const auto d = json::parse(direct.body).at("outputs").as_array();
  const auto v = json::parse(via.body).at("outputs").as_array();
  EXPECT_EQ(json::serialize(d), json::serialize(v));
}

TEST_F(RemoteModeTest, EncodedRequestsAreValidatedByTheServer) {
  const std::size_t width = bundle_->encoder.width();
  std::vector<float> x(2 * width, 0.0f);
  x[1] = std::numeric_limits<float>::quiet_NaN();
  const json::object good = EncodedInferRequest("r1", "input-0", x, 2, width);
  EXPECT_TRUE(good.at("inputs").as_array()[0].at("data").as_array()[1].is_null());
  http::testing::RawClient c(server_->port());
  auto r = c.Request("POST", "/v2/models/leads/infer", json::serialize(good),
                     {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.has_value());
  ASSERT_EQ(r->status, 200) << r->body;
  const auto out = json::parse(r->body);
  EXPECT_EQ(out.at("id").as_string(), "r1");
  EXPECT_EQ(out.at("outputs").as_array()[0].at("name").as_string(), "probability");
  EXPECT_EQ(out.at("outputs").as_array()[0].at("data").as_array().size(), 2u);

  json::object wrong = EncodedInferRequest("r2", "input-0", x, 1, 2 * width);
  r = c.Request("POST", "/v2/models/leads/infer", json::serialize(wrong),
                {{"Content-Type", "application/json"}});
  ASSERT_TRUE(r.has_value());
  EXPECT_EQ(r->status, 422);
  EXPECT_NE(r->body.find("inputs[0].shape[1]"), std::string::npos) << r->body;
}

// What Triton accepts: no JSON null in a tensor. By default the rows go as binary tensor data
// (NaN kept); a declared missing value replaces NaN in JSON; null only when asked for.
TEST(RemoteProtocolTest, MissingValuesTravelAsTritonAcceptsThem) {
  const std::vector<float> x = {1.5f, std::numeric_limits<float>::quiet_NaN(), -2.0f, 0.0f};
  const InferBody binary = EncodedInferBody("r", "input-0", x, 2, 2, MissingEncoding::kBinary);
  EXPECT_EQ(binary.content_type, "application/octet-stream");
  ASSERT_GT(binary.json_bytes, 0u);
  ASSERT_EQ(binary.body.size(), binary.json_bytes + x.size() * sizeof(float));
  const auto header = json::parse(std::string_view(binary.body).substr(0, binary.json_bytes));
  const auto& tensor = header.at("inputs").as_array()[0].as_object();
  EXPECT_FALSE(tensor.contains("data"));
  EXPECT_EQ(tensor.at("parameters").at("binary_data_size").to_number<int>(), 16);
  EXPECT_EQ(tensor.at("datatype").as_string(), "FP32");
  std::vector<float> back(x.size());
  std::memcpy(back.data(), binary.body.data() + binary.json_bytes, 16);
  EXPECT_EQ(back[0], 1.5f);
  EXPECT_TRUE(std::isnan(back[1]));
  EXPECT_EQ(back[2], -2.0f);
  EXPECT_EQ(binary.body.find("null"), std::string::npos);

  const InferBody declared =
      EncodedInferBody("r", "input-0", x, 2, 2, MissingEncoding::kValue, -999.0f);
  EXPECT_EQ(declared.json_bytes, 0u);
  EXPECT_EQ(declared.content_type, "application/json");
  const auto data = json::parse(declared.body).at("inputs").as_array()[0].at("data").as_array();
  EXPECT_EQ(data[1].to_number<double>(), -999.0);
  EXPECT_EQ(data[0].to_number<double>(), 1.5);
  EXPECT_EQ(declared.body.find("null"), std::string::npos);

  const InferBody null = EncodedInferBody("r", "input-0", x, 2, 2, MissingEncoding::kNull);
  EXPECT_TRUE(json::parse(null.body).at("inputs").as_array()[0].at("data").as_array()[1].is_null());

  EXPECT_EQ(ParseMissingEncoding("binary")->first, MissingEncoding::kBinary);
  EXPECT_EQ(ParseMissingEncoding("null")->first, MissingEncoding::kNull);
  auto v = ParseMissingEncoding("-999");
  ASSERT_TRUE(v.ok());
  EXPECT_EQ(v->first, MissingEncoding::kValue);
  EXPECT_EQ(v->second, -999.0f);
  EXPECT_FALSE(ParseMissingEncoding("nan").ok());
  EXPECT_FALSE(ParseMissingEncoding("").ok());
  EXPECT_FALSE(ParseMissingEncoding("-999x").ok());
  EXPECT_FALSE(ParseMissingEncoding("1e300").ok());
}

// Every encoding gives the local scores bit for bit against a SignX /v2 server (binary: NaN sent
// as NaN; null: read as missing). A declared value the server does not know is not missing there,
// so only the two lossless encodings are compared.
TEST_F(RemoteModeTest, BinaryAndNullEncodingsScoreLikeLocalMode) {
  auto scorer = server_service_->Current("");
  ASSERT_NE(scorer, nullptr);
  const json::array leads = Leads();
  auto local = server_service_->ScoreJsonBatch(*scorer, leads, {.explain = false}, "l");
  ASSERT_TRUE(local.ok());
  for (const MissingEncoding m : {MissingEncoding::kBinary, MissingEncoding::kNull}) {
    RemoteModel remote(*client_, RemoteOptions{.base_url = BaseUrl(), .missing = m});
    auto scores = remote.ScoreJsonBatch(*bundle_, leads, "r");
    ASSERT_TRUE(scores.ok()) << scores.status().ToString();
    ASSERT_EQ(scores->size(), local->size());
    for (std::size_t i = 0; i < local->size(); ++i) {
      EXPECT_EQ((*scores)[i].score, (*local)[i].score) << "lead " << i;
    }
  }
}

TEST_F(RemoteModeTest, TheServerChecksBinaryTensorData) {
  const std::size_t width = bundle_->encoder.width();
  std::vector<float> x(2 * width, 0.0f);
  x[1] = std::numeric_limits<float>::quiet_NaN();
  http::testing::RawClient c(server_->port());
  auto send = [&](const InferBody& b, std::size_t header_bytes) {
    auto r = c.Request("POST", "/v2/models/leads/infer", b.body,
                       {{"Content-Type", b.content_type},
                        {std::string(kInferHeaderLength), std::to_string(header_bytes)}});
    SIGNX_CHECK(r.has_value(), "no answer");
    return *r;
  };
  const InferBody good = EncodedInferBody("b1", "input-0", x, 2, width, MissingEncoding::kBinary);
  auto r = send(good, good.json_bytes);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(json::parse(r.body).at("outputs").as_array()[0].at("data").as_array().size(), 2u);
  // A short tensor, a header length past the body, and binary data for the columnar form.
  InferBody cut = good;
  cut.body.resize(cut.body.size() - 4);
  r = send(cut, cut.json_bytes);
  EXPECT_EQ(r.status, 422);
  EXPECT_NE(r.body.find("binary_data_size"), std::string::npos) << r.body;
  r = send(good, good.body.size() + 1);
  EXPECT_EQ(r.status, 422) << r.body;
  const std::string columnar =
      R"({"inputs": [{"name": "lead_id", "datatype": "BYTES", "shape": [1], "data": ["a"]}]})";
  auto col = c.Request("POST", "/v2/models/leads/infer", columnar + "xxxx",
                       {{"Content-Type", "application/octet-stream"},
                        {std::string(kInferHeaderLength), std::to_string(columnar.size())}});
  ASSERT_TRUE(col.has_value());
  EXPECT_EQ(col->status, 422) << col->body;
}

TEST_F(RemoteModeTest, RemoteFailuresAreErrorsNotScores) {
  metrics::Registry m1, m2, m3;
  // Nothing listens there.
  auto down = RemoteService(m1, "http://127.0.0.1:1");
  auto r = down->ScoreJsonBatch(*down->Current(""), Leads(), {}, "r");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kUnavailable);
  EXPECT_NE(r.status().message().find("127.0.0.1:1"), std::string::npos);
  // The server has no such model: HTTP 404 from the remote.
  auto wrong_model = std::make_shared<const RemoteModel>(
      *client_, RemoteOptions{.base_url = BaseUrl(), .model = "nope"});
  auto svc = std::make_unique<LeadsService>(*registry_, m2, nullptr,
                                            ServiceOptions{.remote = wrong_model});
  ASSERT_TRUE(svc->Reload().ok());
  r = svc->ScoreJsonBatch(*svc->Current(""), Leads(), {}, "r");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("HTTP 404"), std::string::npos) << r.status().message();

  // The remote serves another model version: refused rather than mixed.
  ModelBundle other = Train(11);
  ASSERT_NE(other.model_version, bundle_->model_version);
  auto db2 = storage::testing::MigratedDatabase(storage::testing::Backend::kSqlite);
  ml::ModelRegistry registry2(db2->store(), *blobs_, SystemClock::Get());
  LeadsService registrar(registry2, m3);
  ASSERT_TRUE(registrar.RegisterBundle(ml::Owner::Platform(), SerializeBundle(other), "test").ok());
  ASSERT_TRUE(
      registry2.Promote(ml::Owner::Platform(), std::string(kModelName), other.model_version).ok());
  auto remote = std::make_shared<const RemoteModel>(*client_, RemoteOptions{.base_url = BaseUrl()});
  metrics::Registry m4;
  LeadsService mismatched(registry2, m4, nullptr, ServiceOptions{.remote = remote});
  ASSERT_TRUE(mismatched.Reload().ok());
  r = mismatched.ScoreJsonBatch(*mismatched.Current(""), Leads(), {}, "r");
  ASSERT_FALSE(r.ok());
  EXPECT_NE(r.status().message().find("serves " + bundle_->model_version), std::string::npos)
      << r.status().message();
}

TEST(RemoteProtocolTest, ReadsTheCommonOutputShapes) {
  auto probs = ProbabilitiesFromInferResponse(
      json::parse(R"({"outputs": [{"name": "output-0", "datatype": "FP32", "shape": [2],
                     "data": [0.25, 0.5]}]})"),
      2);
  ASSERT_TRUE(probs.ok());
  EXPECT_EQ((*probs)[1], 0.5f);
  // [N, 2] class probabilities: column 1.
  probs = ProbabilitiesFromInferResponse(
      json::parse(R"({"outputs": [{"name": "output__0", "datatype": "FP32", "shape": [2, 2],
                     "data": [0.75, 0.25, 0.1, 0.9]}]})"),
      2);
  ASSERT_TRUE(probs.ok());
  EXPECT_EQ((*probs)[0], 0.25f);
  EXPECT_EQ((*probs)[1], 0.9f);
  // "probability" wins over the first output.
  probs = ProbabilitiesFromInferResponse(
      json::parse(R"({"outputs": [{"name": "tier", "datatype": "FP64", "data": [9]},
                     {"name": "probability", "datatype": "FP32", "data": [0.125]}]})"),
      1);
  ASSERT_TRUE(probs.ok());
  EXPECT_EQ((*probs)[0], 0.125f);
  EXPECT_FALSE(ProbabilitiesFromInferResponse(json::parse(R"({"outputs": []})"), 1).ok());
  EXPECT_FALSE(ProbabilitiesFromInferResponse(
                   json::parse(R"({"outputs": [{"datatype": "FP32", "data": [0.1, 0.2, 0.3]}]})"),
                   2)
                   .ok());
  EXPECT_FALSE(ProbabilitiesFromInferResponse(
                   json::parse(R"({"outputs": [{"datatype": "FP32", "data": [1.5]}]})"), 1)
                   .ok());
  EXPECT_FALSE(ProbabilitiesFromInferResponse(
                   json::parse(R"({"outputs": [{"datatype": "BYTES", "data": ["x"]}]})"), 1)
                   .ok());
}

}  // namespace
}  // namespace signx::leads
