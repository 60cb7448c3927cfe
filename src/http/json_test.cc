#include "http/json.h"

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <bit>
#include <boost/json.hpp>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

namespace signx::http {
namespace {

Request WithBody(std::string body) {
  Request r;
  r.method = "POST";
  r.headers.Add("Content-Type", "application/json");
  r.body = std::move(body);
  return r;
}

TEST(JsonBodyTest, ParsesObjectsAndRefusesOtherShapes) {
  EXPECT_TRUE(ParseJsonObject(WithBody(R"({"a": 1})")).ok());
  EXPECT_EQ(ParseJsonObject(WithBody("[1]")).status().code(), ErrorCode::kMalformedJson);
  EXPECT_EQ(ParseJsonObject(WithBody("")).status().code(), ErrorCode::kMalformedJson);
  EXPECT_EQ(ParseJsonObject(WithBody("{\"a\": \"x\x01y\"}")).status().code(),
            ErrorCode::kMalformedJson);  // raw control characters are not JSON
}

// PostgreSQL refuses NUL in text; it is refused at the boundary with the field's path.
TEST(JsonBodyTest, AnEscapedNulIsA422NamingTheField) {
  auto r = ParseJsonObject(WithBody(R"({"lead": {"notes": ["ok", "a\u0000b"]}})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  ASSERT_EQ(r.status().details().size(), 1u);
  EXPECT_EQ(r.status().details()[0].field, "lead.notes[1]");
  auto key = ParseJsonObject(WithBody(R"({"na\u0000me": 1})"));
  ASSERT_FALSE(key.ok());
  EXPECT_EQ(key.status().details()[0].field, "na\\u0000me");  // shown escaped
  // The text "\u0000" written as an escaped backslash is no NUL.
  auto text = ParseJsonObject(WithBody(R"({"a": "\\u0000"})"));
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->at("a").as_string(), "\\u0000");
}

// 1e999 parses to infinity, which serialize writes as "Infinity" (not JSON): refused at the
// boundary; ordinary exponents pass.
TEST(JsonBodyTest, ANumberThatOverflowsIsA422NamingTheField) {
  auto r = ParseJsonObject(WithBody(R"({"spec": {"width_in": 9e999}})"));
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), ErrorCode::kValidationFailed);
  EXPECT_EQ(r.status().details()[0].field, "spec.width_in");
  EXPECT_FALSE(ParseJsonObject(WithBody("{\"a\": 1" + std::string(400, '0') + "}")).ok());
  auto ok = ParseJsonObject(WithBody(R"({"a": 1.5e3, "b": -2E-4})"));
  ASSERT_TRUE(ok.ok());
  EXPECT_EQ(ok->at("a").as_double(), 1500.0);
}

// A bad value is found wherever it sits: at the top, in arrays of arrays, in objects in arrays,
// as a key at any depth; its path names it.
TEST(JsonBodyTest, ABadValueIsFoundAtAnyDepth) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {R"(1e999)", "(body)"},
      {R"("a\u0000")", "(body)"},
      {R"([1, [2, [3, -1e999]]])", "[1][1][1]"},
      {R"([{"a": [true, null, "x\u0000"]}])", "[0].a[2]"},
      {R"({"a": {"b": {"c\u0000": 1}}})", "a.b.c\\u0000"},
      {R"({"a": 1, "b": [{"c": 2.5}, {"d": 1e400}]})", "b[1].d"},
      {R"({"leads": [{"n": 1}, {"n": 18446744073709551615}, {"n": -1e309}]})", "leads[2].n"},
      {R"({"s": "ok", "t": "\u0000"})", "t"}};
  for (const auto& [body, path] : cases) {
    for (const bool arena : {false, true}) {
      if (arena && body[0] != '{') continue;  // the arena form is for objects
      Request req = WithBody(body);
      const Status st = arena ? ParseJsonObjectInArena(req).status() : ParseJsonBody(req).status();
      ASSERT_EQ(st.code(), ErrorCode::kValidationFailed) << body;
      ASSERT_EQ(st.details().size(), 1u) << body;
      EXPECT_EQ(st.details()[0].field, path) << body;
    }
  }
  EXPECT_TRUE(
      ParseJsonBody(WithBody(R"({"a": [1.5, -2e300, {"b": "\\u0000"}], "c": 1e-400})")).ok());
}

// AppendJsonNumber writes fmt's shortest round-trip form ("{}"), finite doubles of every
// magnitude and sign alike, and null for NaN and infinities.
TEST(JsonNumberTest, AppendJsonNumberIsTheShortestRoundTripForm) {
  std::vector<double> values = {0.0,
                                -0.0,
                                1.0,
                                3.0,
                                12.5,
                                0.8692437410354614,
                                0.1,
                                1e-7,
                                1e16,
                                1e21,
                                123456789012345680000.0,
                                -2.2250738585072014e-308,
                                4.9406564584124654e-324,
                                1.7976931348623157e308,
                                -0.005,
                                0.84,
                                std::numeric_limits<double>::quiet_NaN(),
                                std::numeric_limits<double>::infinity(),
                                -std::numeric_limits<double>::infinity()};
  std::mt19937_64 rng(7);
  for (int i = 0; i < 20000; ++i) {
    const std::uint64_t bits = rng();
    double d;
    std::memcpy(&d, &bits, sizeof d);
    values.push_back(d);
    values.push_back(std::ldexp(static_cast<double>(rng() % 1000000), -static_cast<int>(i % 40)));
  }
  for (const double d : values) {
    std::string out = "x";
    AppendJsonNumber(out, d);
    EXPECT_EQ(out, std::isfinite(d) ? "x" + fmt::format("{}", d) : "xnull");
  }
}

// The arena form parses to the same document with the same errors; the document's memory is its
// arena, and it stays valid when the whole is moved (as a handler's Result moves it).
TEST(JsonBodyTest, AnArenaParseGivesTheSameDocumentAndErrors) {
  const std::string body =
      R"({"leads": [{"lead_id": "L-1", "n": 2.5, "b": true, "z": null, "u": 18446744073709551615,)"
      R"( "s": "\u00e9\n", "a": [1, -2, {"k": "v"}]}], "leads2": {}, "x": "y", "x": "z"})";
  auto heap = ParseJsonObject(WithBody(body));
  auto arena = ParseJsonObjectInArena(WithBody(body));
  ASSERT_TRUE(heap.ok());
  ASSERT_TRUE(arena.ok());
  EXPECT_EQ(ToJsonText(arena->object), ToJsonText(*heap));
  EXPECT_EQ(arena->object, *heap);
  EXPECT_EQ(arena->object.storage().get(), arena->arena.get());
  EXPECT_EQ(arena->object.at("leads").as_array()[0].as_object().at("s").storage().get(),
            arena->arena.get());
  ArenaJsonObject moved = std::move(arena).value();
  EXPECT_EQ(moved.object.storage().get(), moved.arena.get());
  EXPECT_EQ(ToJsonText(moved.object), ToJsonText(*heap));
  for (const std::string& bad :
       {std::string("[1]"), std::string(""), std::string("{\"a\": 1"),
        std::string(R"({"a": "x\u0000"})"), std::string(R"({"a": 1e999})")}) {
    auto h = ParseJsonObject(WithBody(bad));
    auto a = ParseJsonObjectInArena(WithBody(bad));
    ASSERT_FALSE(h.ok()) << bad;
    ASSERT_FALSE(a.ok()) << bad;
    EXPECT_EQ(a.status().ToString(), h.status().ToString()) << bad;
    EXPECT_EQ(a.status().details().size(), h.status().details().size()) << bad;
  }
  Request xml = WithBody("{}");
  xml.headers.Set("Content-Type", "text/xml");
  EXPECT_EQ(ParseJsonObjectInArena(xml).status().code(), ErrorCode::kUnsupportedMediaType);
}

}  // namespace
}  // namespace signx::http

namespace signx::http {
namespace {

// Issue 19 item 10: a Redis outage answered 503 with "cannot connect to redis at 10.1.2.3:6379"
// to unauthenticated callers. Dependency errors are answered generically; the detail is logged.
TEST(ErrorBodyTest, DependencyErrorsNeverShowInternalAddresses) {
  const std::vector<Status> leaky = {
      Unavailable("cannot connect to redis at 10.1.2.3:6379: Connection refused"),
      Unavailable("redis EVALSHA failed: Connection reset by peer"),
      Unavailable("cannot connect to PostgreSQL: connection to server at \"db.internal\" "
                  "(10.0.0.7), port 5432 failed"),
      Unavailable("KeyedIn GET https://erp.internal/api/jobs: timeout"),
      Internal("upstream [fd00::5]:8080 answered garbage"),
  };
  for (const Status& st : leaky) {
    const std::string body = ErrorBody(st, "req_1");
    EXPECT_EQ(body.find("10.1.2.3"), std::string::npos) << body;
    EXPECT_EQ(body.find("6379"), std::string::npos) << body;
    EXPECT_EQ(body.find("5432"), std::string::npos) << body;
    EXPECT_EQ(body.find("://"), std::string::npos) << body;
    EXPECT_EQ(body.find("fd00"), std::string::npos) << body;
    EXPECT_EQ(body.find("redis"), std::string::npos) << body;
    EXPECT_NE(body.find("req_1"), std::string::npos) << body;  // the id to find the log line
    const auto v = boost::json::parse(body);
    EXPECT_EQ(v.at("error").at("code").as_int64(), static_cast<int>(st.code()));
  }
  EXPECT_NE(ErrorBody(leaky[0], "r").find("a dependency is unavailable"), std::string::npos);
}

TEST(ErrorBodyTest, OrdinaryMessagesPassThrough) {
  // An actionable 503 without internals, and a 4xx echoing the caller's own input, are kept.
  const Status no_model = Unavailable("no cost model is in production yet: train one");
  EXPECT_NE(ErrorBody(no_model, "r").find("no cost model"), std::string::npos);
  const Status bad_url = ValidationFailed({{"url", "http://10.0.0.1:80/hook is private"}});
  EXPECT_NE(ErrorBody(bad_url, "r").find("10.0.0.1:80"), std::string::npos);
  EXPECT_EQ(PublicErrorMessage(Internal("job ran at 12:30:00 and failed"), "r"),
            "job ran at 12:30:00 and failed");
}

namespace json = boost::json;

// The double `text` stands for, by std::from_chars (exact).
double FromChars(std::string_view text) {
  double d = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), d);
  EXPECT_TRUE(ec == std::errc() && end == text.data() + text.size()) << text;
  return d;
}

TEST(JsonExactTest, TheExampleBoostReadsOneUlpOff) {
  const std::string text = "[0.41293306031243493,-0.41293306031243493]";
  auto v = ParseJsonExact(text);
  ASSERT_TRUE(v.ok()) << v.status().ToString();
  const double want = FromChars("0.41293306031243493");
  EXPECT_EQ(std::bit_cast<uint64_t>(v->as_array()[0].as_double()), std::bit_cast<uint64_t>(want));
  EXPECT_EQ(std::bit_cast<uint64_t>(v->as_array()[1].as_double()), std::bit_cast<uint64_t>(-want));
  EXPECT_EQ(ToJsonText(*v), text);  // and it writes back as it came
}

// Doubles from random bit patterns (every exponent: subnormals, huge and tiny, both signs),
// written in their shortest round-trip form by std::to_chars and by AppendJsonNumber, come back
// bit for bit; `boost_off` counts those Boost.JSON 1.81's own parse misses (for the log only).
TEST(JsonExactTest, ShortestRoundTripDoublesComeBackBitForBit) {
  std::mt19937_64 rng(20261207);
  std::vector<double> values = {5e-324,
                                -5e-324,
                                std::numeric_limits<double>::denorm_min() * 12345,
                                2.2250738585072009e-308,  // the largest subnormal
                                std::numeric_limits<double>::min(),
                                std::numeric_limits<double>::max(),
                                -std::numeric_limits<double>::max(),
                                std::numeric_limits<double>::epsilon(),
                                0.1,
                                1.0 / 3,
                                9007199254740993.0,
                                1e23,
                                8.98846567431158e307};
  while (values.size() < 200'000) {
    const double d = std::bit_cast<double>(rng());
    if (std::isfinite(d)) values.push_back(d);
  }
  // Values of a model's size too: scores and contributions in [-4, 4).
  std::uniform_real_distribution<double> small(-4.0, 4.0);
  for (int i = 0; i < 50'000; ++i) values.push_back(small(rng));
  int checked = 0, boost_off = 0;
  for (const double d : values) {
    char buf[64];
    const auto res = std::to_chars(buf, buf + sizeof(buf), d);
    ASSERT_TRUE(res.ec == std::errc());
    const std::string text(buf, res.ptr);
    std::string ours;
    AppendJsonNumber(ours, d);
    for (const std::string& doc : {text, "[" + ours + "]"}) {
      auto v = ParseJsonExact(doc);
      ASSERT_TRUE(v.ok()) << doc << ": " << v.status().ToString();
      const json::value& n = v->is_array() ? v->as_array().at(0) : *v;
      ASSERT_TRUE(n.is_number()) << doc;
      const double back = n.to_number<double>();
      if (d == 0) {
        EXPECT_EQ(back, 0.0) << doc;  // "-0" is the integer 0, as for json::parse
      } else {
        ASSERT_EQ(std::bit_cast<uint64_t>(back), std::bit_cast<uint64_t>(d))
            << doc << " came back as " << fmt::format("{}", back);
      }
      ++checked;
    }
    if (json::parse(text).to_number<double>() != d) ++boost_off;
  }
  EXPECT_EQ(checked, 2 * static_cast<int>(values.size()));
  std::printf("[ info ] %d of %zu doubles are off through json::parse, none here\n", boost_off,
              values.size());
}

TEST(JsonExactTest, BuildsTheSameDocumentAsBoostParse) {
  const std::vector<std::string> docs = {
      "null",
      "true",
      " false ",
      "0",
      "-0",
      "-0.0",
      "42",
      "-9223372036854775808",
      "9223372036854775807",
      "9223372036854775808",   // uint64
      "18446744073709551615",  // uint64 max
      "18446744073709551616",  // beyond: a double
      "1e2",
      "1E+2",
      "-2.5e-3",
      "0.5",
      R"("")",
      R"("a\"b\\c\/d\b\f\n\r\t \u00e9 \ud83d\ude00 \u0000 é")",
      R"({})",
      R"([])",
      R"({"a": 1, "b": [1, 2.5, "x", null, true, {"c": {"d": []}}], "e": {}})",
      R"({"a": 1, "a": 2, "b": 3, "a": 4})",              // duplicate keys
      std::string(32, '[') + "1" + std::string(32, ']'),  // the deepest json::parse takes
      "{\"long\": \"" + std::string(10'000, 'x') + "\", \"k" + std::string(5'000, 'y') + "\": [" +
          [] {
            std::string a;
            for (int i = 0; i < 2'000; ++i) a += (i ? "," : "") + std::to_string(i * 7) + ".25";
            return a;
          }() +
          "]}",
  };
  for (const std::string& doc : docs) {
    auto ours = ParseJsonExact(doc);
    ASSERT_TRUE(ours.ok()) << doc.substr(0, 80) << ": " << ours.status().ToString();
    const json::value theirs = json::parse(doc);
    EXPECT_EQ(*ours, theirs) << doc.substr(0, 80);  // kinds, values, key order
    EXPECT_EQ(json::serialize(*ours), json::serialize(theirs)) << doc.substr(0, 80);
  }
  // Duplicate keys: the last one wins, as in json::parse.
  EXPECT_EQ(ParseJsonExact(R"({"a": 1, "a": 2})")->as_object().size(), 1u);
  EXPECT_EQ(ParseJsonExact(R"({"a": 1, "a": 2})")->as_object().at("a").as_int64(), 2);
  EXPECT_TRUE(ParseJsonExact("9223372036854775808")->is_uint64());
  EXPECT_TRUE(ParseJsonExact("18446744073709551616")->is_double());
  EXPECT_TRUE(ParseJsonExact("-0")->is_int64());

  // The document lives in the storage given.
  json::monotonic_resource arena;
  auto in_arena = ParseJsonExact(R"({"a": [1.5, "text"]})", &arena);
  ASSERT_TRUE(in_arena.ok());
  EXPECT_EQ(in_arena->storage().get(), &arena);
}

TEST(JsonExactTest, MalformedTextIsAnErrorAsForBoostParse) {
  const std::vector<std::string> bad = {
      "",
      " ",
      "{",
      "[1,]",
      R"({"a":})",
      R"({"a" 1})",
      "1 2",
      "{} x",
      "nul",
      "tru",
      R"("\x")",
      "\"a\x01b\"",     // a raw control character
      "\"\xff\"",       // not UTF-8
      "// comment\n1",  // comments are off
      "01",
      "1.",
      ".5",
      "-",
      "1e",
      "NaN",
      "Infinity",
      "[1, 2",
      R"("unterminated)",
      std::string(33, '[') + "1" + std::string(33, ']'),  // too deep
  };
  for (const std::string& doc : bad) {
    auto ours = ParseJsonExact(doc);
    EXPECT_FALSE(ours.ok()) << doc;
    if (!ours.ok()) {
      EXPECT_EQ(ours.status().code(), ErrorCode::kMalformedJson) << doc;
      EXPECT_NE(ours.status().message().find("at byte"), std::string::npos) << doc;
    }
    boost::system::error_code ec;
    json::parse(doc, ec);
    EXPECT_TRUE(ec) << "json::parse accepts " << doc;
  }
}

}  // namespace
}  // namespace signx::http
