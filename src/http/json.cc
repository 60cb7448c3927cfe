#include "http/json.h"

#include <fmt/compile.h>
#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/json/basic_parser_impl.hpp>
#include <boost/json/parser.hpp>
#include <boost/json/serialize.hpp>
#include <boost/json/value_stack.hpp>
#include <charconv>
#include <cmath>

#include "base/strings.h"

namespace signx::http {

namespace json = boost::json;

namespace {

bool IsDigit(char c) { return c >= '0' && c <= '9'; }
bool IsHostChar(char c) {
  return IsDigit(c) || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '.' || c == '-' ||
         c == ']' || c == '_';
}

// "host:port" / "[::1]:6379" / "10.0.0.5:5432": a host character, ':', then 2 to 5 digits that
// are not followed by another digit or ':' (so "12:30:00" clock times do not count).
bool HasHostPort(std::string_view s) {
  for (std::size_t i = 1; i + 2 < s.size(); ++i) {
    if (s[i] != ':' || !IsHostChar(s[i - 1])) continue;
    std::size_t j = i + 1;
    while (j < s.size() && IsDigit(s[j])) ++j;
    const std::size_t digits = j - i - 1;
    if (digits >= 2 && digits <= 5 && (j == s.size() || (s[j] != ':' && !IsDigit(s[j])))) {
      // "12:30" alone (a time) has digits before the colon too; a host has a letter, a dot or ']'.
      std::size_t k = i;
      bool host_like = false;
      while (k > 0 && IsHostChar(s[k - 1])) {
        if (!IsDigit(s[k - 1])) host_like = true;
        --k;
      }
      if (host_like) return true;
    }
  }
  return false;
}

}  // namespace

// A URL, a host:port, or the name of a backing service whose errors carry addresses and internals.
bool RevealsInternals(std::string_view message) {
  if (message.find("://") != std::string_view::npos || HasHostPort(message)) return true;
  const std::string lower = ToLower(message);
  for (std::string_view word : {"redis", "postgres", "libpq", "sqlite", "duckdb", "hiredis",
                                "connection refused", "cannot connect"}) {
    if (lower.find(word) != std::string::npos) return true;
  }
  return false;
}

std::string PublicErrorMessage(const Status& status, std::string_view request_id) {
  if (HttpStatus(status.code()) < 500 || !RevealsInternals(status.message())) {
    return std::string(status.message());
  }
  spdlog::warn("request {}: {} (detail withheld from the response)", request_id, status.ToString());
  return status.code() == ErrorCode::kUnavailable ? "a dependency is unavailable; retry later"
                                                  : std::string(Info(status.code()).description);
}

std::string ErrorBody(const Status& status, std::string_view request_id) {
  json::array details;
  const std::string message = PublicErrorMessage(status, request_id);
  if (message == status.message()) {
    for (const auto& d : status.details()) {
      details.push_back(json::object{{"field", d.field}, {"message", d.message}});
    }
  }
  json::object err{{"code", static_cast<int>(status.code())},
                   {"name", Name(status.code())},
                   {"message", message},
                   {"details", std::move(details)},
                   {"request_id", request_id}};
  return json::serialize(json::object{{"error", std::move(err)}});
}

Response ErrorResponse(const Status& status, std::string_view request_id) {
  return Response::Json(HttpStatus(status.code()), ErrorBody(status, request_id));
}

namespace {

// A value no column or computation should receive: a string or key holding NUL (PostgreSQL
// refuses it in text), or a number that overflowed to ±infinity (1e999: serialize would write
// "Infinity", not JSON).
struct BadValue {
  std::string path;  // "lead.notes", "items[3]"; "" = the body itself
  std::string message;
};

constexpr std::string_view kNulMessage = "must not contain NUL characters (\\u0000)";

bool HasNul(std::string_view s) { return s.find('\0') != std::string_view::npos; }

// Whether FindBadValue finds anything under `v`: the walk a good body takes, with no optional
// result or path to carry, and scalars other than doubles and searched strings passed over inline.
bool HasBadValue(const json::value& v, bool check_nul) {
  switch (v.kind()) {
    case json::kind::string:
      return check_nul && HasNul(v.get_string());
    case json::kind::double_:
      return !std::isfinite(v.get_double());
    case json::kind::array:
      for (const auto& e : v.get_array()) {
        if (HasBadValue(e, check_nul)) return true;
      }
      return false;
    case json::kind::object:
      for (const auto& member : v.get_object()) {
        if (check_nul && HasNul(member.key())) return true;
        const json::value& e = member.value();
        switch (e.kind()) {
          case json::kind::null:
          case json::kind::bool_:
          case json::kind::int64:
          case json::kind::uint64:
            continue;
          case json::kind::string:
            if (check_nul && HasNul(e.get_string())) return true;
            continue;
          case json::kind::double_:
            if (!std::isfinite(e.get_double())) return true;
            continue;
          default:
            if (HasBadValue(e, check_nul)) return true;
        }
      }
      return false;
    default:
      return false;
  }
}

// The first bad value under `v`, its path relative to `v` (run once HasBadValue says there is
// one; a good body takes only that walk, ~0.1 us per 1 KB lead). A path is built only on the way
// back from a bad value. `check_nul` is false when the body has no \u0000 escape, so strings
// are not searched then.
std::optional<BadValue> FindBadValue(const json::value& v, bool check_nul) {
  switch (v.kind()) {
    case json::kind::string:
      if (check_nul && HasNul(v.get_string())) return BadValue{"", std::string(kNulMessage)};
      return std::nullopt;
    case json::kind::double_:
      if (!std::isfinite(v.get_double())) return BadValue{"", "is too large a number"};
      return std::nullopt;
    case json::kind::array: {
      const auto& a = v.get_array();
      for (std::size_t i = 0; i < a.size(); ++i) {
        if (auto b = FindBadValue(a[i], check_nul)) {
          b->path =
              fmt::format("[{}]", i) + (b->path.empty() || b->path[0] == '[' ? "" : ".") + b->path;
          return b;
        }
      }
      return std::nullopt;
    }
    case json::kind::object:
      for (const auto& [key, value] : v.get_object()) {
        std::optional<BadValue> b;
        if (check_nul && HasNul(key)) {
          b = BadValue{"", std::string(kNulMessage)};
        } else {
          b = FindBadValue(value, check_nul);
        }
        if (!b) continue;
        std::string name(key);
        for (auto pos = name.find('\0'); pos != std::string::npos; pos = name.find('\0', pos)) {
          name.replace(pos, 1, "\\u0000");  // shown escaped
        }
        b->path = name + (b->path.empty() || b->path[0] == '[' ? "" : ".") + b->path;
        return b;
      }
      return std::nullopt;
    default:
      return std::nullopt;
  }
}

}  // namespace

Result<json::value> ParseJsonBody(const Request& request, json::storage_ptr storage) {
  if (auto ct = request.Header("Content-Type")) {
    const std::string lower = ToLower(*ct);
    if (lower.find("json") == std::string::npos) {
      return Status(ErrorCode::kUnsupportedMediaType,
                    fmt::format("Content-Type must be application/json, got '{}'", *ct));
    }
  }
  if (Trim(request.body).empty()) {
    return Status(ErrorCode::kMalformedJson,
                  "the request body is empty; a JSON document is required");
  }
  json::parse_options opt;
  opt.max_depth = 64;
  unsigned char scratch[4096];  // the parser's working stack: no allocation for usual bodies
  json::parser parser({}, opt, scratch);
  parser.reset(std::move(storage));  // the document's storage (the parser's own stack stays)
  boost::system::error_code ec;
  const std::size_t n = parser.write(request.body.data(), request.body.size(), ec);
  if (ec) {
    return Status(ErrorCode::kMalformedJson,
                  fmt::format("request body is not valid JSON at byte {}: {}", n, ec.message()));
  }
  json::value v = parser.release();
  // NUL can only arrive escaped (raw control characters are not JSON), so strings are searched
  // only when the body has the escape.
  const bool check_nul = std::string_view(request.body).find("\\u0000") != std::string_view::npos;
  if (!HasBadValue(v, check_nul)) return v;
  if (auto bad = FindBadValue(v, check_nul)) {
    return ValidationFailed({{bad->path.empty() ? "(body)" : bad->path, bad->message}});
  }
  return v;
}

Result<json::object> ParseJsonObject(const Request& request, json::storage_ptr storage) {
  SIGNX_ASSIGN_OR_RETURN(json::value v, ParseJsonBody(request, std::move(storage)));
  if (!v.is_object()) {
    return Status(ErrorCode::kMalformedJson, "the request body must be a JSON object");
  }
  return std::move(v.get_object());
}

Result<ArenaJsonObject> ParseJsonObjectInArena(const Request& request) {
  // A document takes a little over twice its text (2.34 times for the peer's lead batches, whose
  // objects are all hashed): the first block holds it. Given as a buffer, not as an initial size,
  // which monotonic_resource rounds up to a power of two (4 MiB for a 1 MB batch of 1,000 leads).
  const std::size_t size = request.body.size() / 2 * 5 + 1024;
  auto block = std::make_unique_for_overwrite<unsigned char[]>(size);
  auto arena = std::make_unique<json::monotonic_resource>(block.get(), size);
  SIGNX_ASSIGN_OR_RETURN(json::object object, ParseJsonObject(request, arena.get()));
  return ArenaJsonObject{std::move(block), std::move(arena), std::move(object)};
}

namespace {

// The handler of boost::json::parser (boost/json/detail/handler.hpp) with one change: a double is
// converted from its text by std::from_chars. The text comes in one piece, or in pieces through
// on_number_part and the rest with on_double.
class ExactDoubleHandler {
 public:
  static constexpr std::size_t max_object_size = json::object::max_size();
  static constexpr std::size_t max_array_size = json::array::max_size();
  static constexpr std::size_t max_key_size = json::string::max_size();
  static constexpr std::size_t max_string_size = json::string::max_size();

  ExactDoubleHandler(json::storage_ptr stack_storage, unsigned char* buffer, std::size_t size)
      : st(std::move(stack_storage), buffer, size) {}

  bool on_document_begin(json::error_code&) { return true; }
  bool on_document_end(json::error_code&) { return true; }
  bool on_object_begin(json::error_code&) { return true; }
  bool on_object_end(std::size_t n, json::error_code&) {
    st.push_object(n);
    return true;
  }
  bool on_array_begin(json::error_code&) { return true; }
  bool on_array_end(std::size_t n, json::error_code&) {
    st.push_array(n);
    return true;
  }
  bool on_key_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_key(json::string_view s, std::size_t, json::error_code&) {
    st.push_key(s);
    return true;
  }
  bool on_string_part(json::string_view s, std::size_t, json::error_code&) {
    st.push_chars(s);
    return true;
  }
  bool on_string(json::string_view s, std::size_t, json::error_code&) {
    st.push_string(s);
    return true;
  }
  bool on_number_part(json::string_view s, json::error_code&) {
    number_.append(s.data(), s.size());
    return true;
  }
  bool on_int64(std::int64_t i, json::string_view, json::error_code&) {
    number_.clear();
    st.push_int64(i);
    return true;
  }
  bool on_uint64(std::uint64_t u, json::string_view, json::error_code&) {
    number_.clear();
    st.push_uint64(u);
    return true;
  }
  bool on_double(double d, json::string_view s, json::error_code&) {
    std::string_view text(s.data(), s.size());
    if (!number_.empty()) {
      number_.append(s.data(), s.size());
      text = number_;
    }
    double exact = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), exact);
    if (ec == std::errc() && end == text.data() + text.size()) d = exact;
    number_.clear();
    st.push_double(d);
    return true;
  }
  bool on_bool(bool b, json::error_code&) {
    st.push_bool(b);
    return true;
  }
  bool on_null(json::error_code&) {
    st.push_null();
    return true;
  }
  bool on_comment_part(json::string_view, json::error_code&) { return true; }
  bool on_comment(json::string_view, json::error_code&) { return true; }

  json::value_stack st;

 private:
  std::string number_;  // the pieces of a number split across on_number_part calls
};

}  // namespace

Result<json::value> ParseJsonExact(std::string_view text, json::storage_ptr storage) {
  unsigned char scratch[4096];  // the parser's working stack: no allocation for usual documents
  json::basic_parser<ExactDoubleHandler> parser(json::parse_options{}, json::storage_ptr(), scratch,
                                                sizeof(scratch));
  parser.handler().st.reset(std::move(storage));
  json::error_code ec;
  const std::size_t n = parser.write_some(false, text.data(), text.size(), ec);
  if (!ec && n < text.size()) ec = json::error::extra_data;
  if (ec) {
    return Status(ErrorCode::kMalformedJson,
                  fmt::format("not valid JSON at byte {}: {}", n, ec.message()));
  }
  return parser.handler().st.release();
}

void AppendJsonNumber(std::string& out, double d) {
  if (std::isfinite(d)) {
    // Shortest round-trip (0.8692437): the same bytes as fmt::format("{}", d), with the format
    // string compiled in and the digits written to a stack buffer, then appended once.
    char buf[32];  // the longest form is 24 bytes: -2.2250738585072014e-308
    const char* const end = fmt::format_to(buf, FMT_COMPILE("{}"), d);
    out.append(buf, static_cast<std::size_t>(end - buf));
  } else {
    out += "null";
  }
}

namespace {

void Write(std::string& out, const json::value& v) {
  switch (v.kind()) {
    case json::kind::null:
      out += "null";
      break;
    case json::kind::bool_:
      out += v.get_bool() ? "true" : "false";
      break;
    case json::kind::int64:
      fmt::format_to(std::back_inserter(out), "{}", v.get_int64());
      break;
    case json::kind::uint64:
      fmt::format_to(std::back_inserter(out), "{}", v.get_uint64());
      break;
    case json::kind::double_:
      AppendJsonNumber(out, v.get_double());
      break;
    case json::kind::string:
      AppendJsonString(out, v.get_string());
      break;
    case json::kind::array: {
      out += '[';
      bool first = true;
      for (const auto& e : v.get_array()) {
        if (!first) out += ',';
        first = false;
        Write(out, e);
      }
      out += ']';
      break;
    }
    case json::kind::object: {
      out += '{';
      bool first = true;
      for (const auto& kv : v.get_object()) {
        if (!first) out += ',';
        first = false;
        AppendJsonString(out, kv.key());
        out += ':';
        Write(out, kv.value());
      }
      out += '}';
      break;
    }
  }
}

}  // namespace

std::string ToJsonText(const json::value& value) {
  std::string out;
  out.reserve(256);
  Write(out, value);
  return out;
}

Response JsonResponse(int status, const json::value& value) {
  return Response::Json(status, ToJsonText(value));
}

}  // namespace signx::http
