#include "fuzz/targets.h"

#include <algorithm>
#include <boost/json/parse.hpp>
#include <boost/json/value.hpp>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "csv/reader.h"
#include "http/internal/request_head.h"
#include "http/json.h"
#include "http/request.h"
#include "http/router.h"
#include "identity/crypto.h"
#include "identity/jwt.h"
#include "leads/csv_scoring.h"
#include "leads/schema.h"
#include "sign/spec.h"
#include "web/multipart.h"

namespace signx::fuzz {
namespace {

// A broken promise: report it and abort, so libFuzzer saves the input and the replay test fails.
void Check(bool condition, const char* what) {
  if (!condition) {
    std::fprintf(stderr, "fuzz invariant violated: %s\n", what);
    std::abort();
  }
}

std::string_view AsText(const uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// The next '\n'-terminated line of `*rest` (without the '\n'); the rest when there is none.
std::string_view NextLine(std::string_view* rest) {
  std::size_t nl = rest->find('\n');
  std::string_view line = rest->substr(0, nl);
  rest->remove_prefix(nl == std::string_view::npos ? rest->size() : nl + 1);
  return line;
}

bool IsLowerHex(std::string_view s) {
  for (char c : s) {
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  }
  return true;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

bool IsRequestIdChar(char c) {
  return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '-' ||
         c == '_' || c == '.' || c == ':';
}

const http::Router& FuzzRouter() {
  static const http::Router* router = [] {
    auto* r = new http::Router();
    auto ok = [](http::Request&) { return http::Response::NoContent(); };
    http::RouteMeta meta;
    meta.permission = std::string(http::kPublic);
    r->Add("GET", "/v1/leads", meta, ok);
    r->Add("POST", "/v1/leads", meta, ok);
    r->Add("GET", "/v1/leads/{id}", meta, ok);
    r->Add("GET", "/v1/projects/{id}/files/{name}", meta, ok);
    meta.max_body_bytes = 1024;
    r->Add("HEAD", "/healthz", meta, ok);
    return r;
  }();
  return *router;
}

}  // namespace

int FuzzRequestHead(const uint8_t* data, std::size_t size) {
  std::string_view rest = AsText(data, size);
  http::internal::RequestHead head;
  head.method = std::string(NextLine(&rest));
  head.target = std::string(NextLine(&rest));
  head.remote_addr = "192.0.2.1";
  std::string_view traceparent;
  int traceparents = 0;
  while (!rest.empty()) {
    std::string_view line = NextLine(&rest);
    std::size_t colon = line.find(':');
    std::string_view name = line.substr(0, colon);
    std::string_view value =
        colon == std::string_view::npos ? std::string_view() : line.substr(colon + 1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (EqualsIgnoreCase(name, "traceparent")) {  // header names are case-insensitive
      traceparent = value;
      ++traceparents;
    }
    head.headers.emplace_back(std::string(name), std::string(value));
  }
  std::string target = head.target;

  std::string_view raw_path = http::internal::RawPath(target);
  Check(target.substr(0, raw_path.size()) == raw_path, "RawPath is a prefix of the target");
  Check(raw_path.find('?') == std::string_view::npos, "RawPath has no '?'");

  http::Request request = http::internal::BuildRequest(
      std::move(head), std::chrono::steady_clock::now(), std::chrono::milliseconds(1000));
  Check(request.target == target, "target kept as sent");
  Check(!request.request_id.empty() && request.request_id.size() <= 128 &&
            std::all_of(request.request_id.begin(), request.request_id.end(), IsRequestIdChar),
        "request_id is 1..128 safe characters");
  Check(request.trace_id.size() == 32 && IsLowerHex(request.trace_id), "trace_id is 32 hex");
  Check(request.span_id.size() == 16 && IsLowerHex(request.span_id), "span_id is 16 hex");
  if (traceparents == 1) {
    std::optional<std::string> trace = http::internal::TraceIdFromTraceparent(traceparent);
    if (trace) Check(request.trace_id == *trace, "trace_id taken from a valid traceparent");
  }
  std::optional<std::string> decoded = http::PercentDecode(raw_path, false);
  Check(request.path == (decoded ? *decoded : std::string(raw_path)),
        "path is the decoded raw path, or the raw path when malformed");

  // The whole input as one header value, and as a query string.
  std::optional<std::string> trace = http::internal::TraceIdFromTraceparent(AsText(data, size));
  if (trace) Check(trace->size() == 32 && IsLowerHex(*trace), "traceparent trace id is 32 hex");
  (void)http::ParseQuery(AsText(data, size));
  (void)http::PercentDecode(AsText(data, size), true);

  http::Match match = http::internal::FindRoute(FuzzRouter(), request.method, raw_path);
  int64_t limit = http::internal::BodyLimit(match.route, 1 << 20);
  Check(limit > 0, "body limit is positive");
  if (match.route == nullptr) {
    http::Response response = http::internal::NoRouteResponse(request, match.allowed_methods);
    Check(response.status == (match.allowed_methods.empty() ? 404 : 405), "404 or 405");
  }
  return 0;
}

int FuzzJsonBody(const uint8_t* data, std::size_t size) {
  http::Request request;
  request.method = "POST";
  request.headers.Add("Content-Type", "application/json");
  request.body = std::string(AsText(data, size));
  Result<boost::json::object> parsed = http::ParseJsonObject(request);
  if (parsed.ok()) {
    // What was accepted is written back by ToJsonText as JSON that parses to an object of the same
    // keys. (Values are not compared: Boost.JSON's default number parsing may differ from the
    // shortest round-trip text in the last bit of a double. boost::json::serialize is not used:
    // it writes a number that overflowed to infinity, e.g. 1e999, as `Infinity`, which is not
    // JSON; ToJsonText writes null.)
    boost::system::error_code ec;
    boost::json::value again =
        boost::json::parse(http::ToJsonText(boost::json::value(*parsed)), ec);
    Check(!ec && again.is_object() && again.get_object().size() == parsed->size(),
          "accepted JSON is written back as JSON");
  }
  return 0;
}

int FuzzSignSpec(const uint8_t* data, std::size_t size) {
  boost::system::error_code ec;
  boost::json::value json = boost::json::parse(AsText(data, size), ec);
  if (ec || !json.is_object()) return 0;
  for (bool reject_unknown : {true, false}) {
    Result<sign::SignSpec> spec =
        sign::ParseSignSpec(json.get_object(), {.reject_unknown_fields = reject_unknown});
    if (!spec.ok()) continue;
    Check(spec->width_in > 0 && spec->width_in <= 600 && spec->height_in > 0 &&
              spec->height_in <= 600,
          "a valid spec has its dimensions in range");
    Result<sign::SignSpec> again = sign::ParseSignSpec(sign::ToDrivers(*spec), {});
    if (!again.ok()) {
      std::fprintf(stderr, "re-parse: %s\n", again.status().ToString().c_str());
    }
    Check(again.ok(), "ParseSignSpec(ToDrivers(s)) round-trips");
    Check(again->area_sqft == spec->area_sqft &&
              again->requires_engineering_review == spec->requires_engineering_review,
          "the round trip keeps the derived fields");
  }
  return 0;
}

int FuzzCsvReader(const uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const uint8_t mode = data[0];
  std::string_view text = AsText(data + 1, size - 1);
  csv::ReaderOptions options;
  static constexpr char kDelimiters[] = {',', ';', '\t', '|'};
  options.delimiter = (mode & 0x04) ? csv::DetectDelimiter(text) : kDelimiters[mode & 0x03];
  options.strict = (mode & 0x08) == 0;
  options.equal_width = (mode & 0x10) == 0;
  if (mode & 0x20) {
    options.limits = {
        .max_fields = 4, .max_field_bytes = 16, .max_record_bytes = 40, .max_records = 8};
  }
  const csv::Limits& limits = options.limits;

  csv::Reader reader(text, options);
  std::vector<std::string> fields;
  std::size_t records = 0;
  std::size_t width = 0;
  while (true) {
    Result<bool> next = reader.Next(&fields);
    if (!next.ok()) {
      Check(!reader.Next(&fields).ok(), "an error is returned again by later calls");
      break;
    }
    if (!*next) break;
    ++records;
    Check(records <= limits.max_records, "max_records");
    Check(reader.record_number() == records, "record_number counts records");
    Check(fields.size() <= limits.max_fields, "max_fields");
    std::size_t bytes = 0;
    for (const std::string& f : fields) {
      Check(f.size() <= limits.max_field_bytes, "max_field_bytes");
      bytes += f.size();
    }
    Check(bytes <= limits.max_record_bytes, "max_record_bytes");
    if (records == 1) width = fields.size();
    if (options.equal_width) Check(fields.size() == width, "equal_width");
    Check(reader.bytes_read() <= text.size(), "bytes_read within the input");
  }

  Result<csv::Table> table = csv::ReadTable(text, options);
  if (table.ok() && options.equal_width) {
    for (const auto& row : table->rows) Check(row.size() == table->header.size(), "table width");
  }
  return 0;
}

int FuzzLeadCsv(const uint8_t* data, std::size_t size) {
  static const leads::Schema* schema = [] {
    Result<leads::Schema> s = leads::BuiltinSchema("x_education");
    Check(s.ok(), "the x_education schema loads");
    return new leads::Schema(std::move(*s));
  }();
  leads::CsvUploadLimits limits;
  limits.max_rows = 50;
  limits.max_problems = 5;
  leads::CsvCheck check = leads::CheckLeadCsv(*schema, AsText(data, size), limits);
  Check(check.problems.size() <= limits.max_problems, "max_problems problems listed");
  if (check.ok()) Check(check.rows >= 1 && check.rows <= limits.max_rows, "1..max_rows rows");
  return 0;
}

int FuzzLeadSchema(const uint8_t* data, std::size_t size) {
  Result<leads::Schema> schema = leads::ParseSchemaText(AsText(data, size));
  if (!schema.ok()) return 0;
  Check(schema->LabelIndex() >= 0, "a valid schema has a label field");
  boost::json::object json = leads::SchemaToJson(*schema);
  Result<leads::Schema> again = leads::ParseSchema(json);
  if (!again.ok()) std::fprintf(stderr, "re-parse: %s\n", again.status().ToString().c_str());
  Check(again.ok(), "ParseSchema(SchemaToJson(s)) round-trips");
  Check(again->fields.size() == schema->fields.size(), "the round trip keeps every field");
  return 0;
}

int FuzzJwt(const uint8_t* data, std::size_t size) {
  static const std::string kSecret(32, 'k');
  static const identity::JwtKeyRing* ring = [] {
    Result<identity::JwtKeyRing> r = identity::JwtKeyRing::Create(
        {{.kid = "k1", .secret = kSecret}, {.kid = "k2", .secret = std::string(40, 's')}}, "k1");
    Check(r.ok(), "the key ring is valid");
    return new identity::JwtKeyRing(std::move(*r));
  }();
  // 2026-01-01T00:00:00Z.
  const Timestamp now{std::chrono::seconds(1767225600)};
  if (size == 0) return 0;
  std::string_view text = AsText(data + 1, size - 1);
  std::string token;
  if (data[0] == 'T') {
    token = std::string(text);
  } else {
    std::string_view header = NextLine(&text);
    std::string signing_input =
        identity::Base64UrlEncode(header) + "." + identity::Base64UrlEncode(text);
    token = signing_input + "." +
            identity::Base64UrlEncode(identity::HmacSha256(kSecret, signing_input));
  }
  Result<identity::AccessClaims> claims = identity::VerifyAccessToken(token, *ring, now);
  if (claims.ok()) {
    Check(claims->expires_at + std::chrono::seconds(30) > now, "an accepted token is not expired");
    // What verified re-signs and verifies to the same claims.
    std::string resigned = identity::SignAccessToken(*claims, *ring);
    Result<identity::AccessClaims> again = identity::VerifyAccessToken(resigned, *ring, now);
    Check(again.ok() && again->subject == claims->subject && again->org_id == claims->org_id &&
              again->role == claims->role && again->token_id == claims->token_id,
          "re-signed claims verify");
  }
  return 0;
}

int FuzzMultipart(const uint8_t* data, std::size_t size) {
  std::string_view rest = AsText(data, size);
  std::string_view content_type = NextLine(&rest);
  std::optional<std::string> boundary = web::MultipartBoundary(content_type);
  if (boundary) Check(!boundary->empty(), "a boundary is not empty");
  constexpr std::size_t kMaxParts = 8;
  Result<std::vector<web::FormPart>> parts =
      web::ParseMultipart(rest, boundary ? *boundary : std::string("XyZ"), kMaxParts);
  if (parts.ok()) {
    Check(parts->size() <= kMaxParts, "max_parts");
    std::size_t bytes = 0;
    for (const web::FormPart& p : *parts) bytes += p.data.size();
    Check(bytes <= rest.size(), "parts' data lies within the body");
  }
  return 0;
}

const std::vector<Target>& AllTargets() {
  static const std::vector<Target> targets = {
      {"request_head", FuzzRequestHead},
      {"json_body", FuzzJsonBody},
      {"sign_spec", FuzzSignSpec},
      {"csv_reader", FuzzCsvReader},
      {"lead_csv", FuzzLeadCsv},
      {"lead_schema", FuzzLeadSchema},
      {"jwt", FuzzJwt},
      {"multipart", FuzzMultipart},
  };
  return targets;
}

}  // namespace signx::fuzz
