// Fuzz targets: the bodies of the libFuzzer programs in this folder (fuzz/<name>_fuzz.cc), kept in
// a library built by every build so that fuzz_replay_test (a GoogleTest in the normal build, no
// clang needed) runs every file of fuzz/corpus/<name>/ and fuzz/regressions/<name>/ through the
// same code the fuzzers run.
//
// Each target feeds its input to one parser that takes untrusted bytes and checks the properties
// its header promises (limits respected, round trips succeed, ids well formed); a broken promise
// aborts (a crash to libFuzzer, a death to the replay test). Inputs are arbitrary bytes.
// Thread-safety: the targets may run concurrently (their shared state is immutable after first
// use).
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

namespace signx::fuzz {

// http::internal::BuildRequest, RawPath, FindRoute, NoRouteResponse, TraceIdFromTraceparent,
// PercentDecode and ParseQuery. Input: "<method>\n<target>\n<name>: <value>\n...".
int FuzzRequestHead(const uint8_t* data, std::size_t size);
// http::ParseJsonObject of a request whose body is the input.
int FuzzJsonBody(const uint8_t* data, std::size_t size);
// sign::ParseSignSpec of the input parsed as JSON; a valid spec must round-trip through ToDrivers.
int FuzzSignSpec(const uint8_t* data, std::size_t size);
// csv::Reader / ReadTable / DetectDelimiter. The first byte picks the options (delimiter, strict,
// equal_width, small or default limits); the rest is the CSV text.
int FuzzCsvReader(const uint8_t* data, std::size_t size);
// leads::CheckLeadCsv against the built-in x_education schema.
int FuzzLeadCsv(const uint8_t* data, std::size_t size);
// leads::ParseSchemaText; a valid schema must round-trip through SchemaToJson.
int FuzzLeadSchema(const uint8_t* data, std::size_t size);
// identity::VerifyAccessToken. First byte 'T': the rest is a token as sent. Otherwise the rest is
// "<header JSON>\n<claims JSON>", signed here with the ring's key, so the claim checks are reached.
int FuzzJwt(const uint8_t* data, std::size_t size);
// web::MultipartBoundary of the first line, ParseMultipart of the rest (with that boundary, or
// "XyZ" when the first line gives none).
int FuzzMultipart(const uint8_t* data, std::size_t size);

struct Target {
  std::string_view name;  // as in fuzz/<name>_fuzz.cc and fuzz/corpus/<name>/
  int (*fn)(const uint8_t*, std::size_t);
};
// Every target above.
const std::vector<Target>& AllTargets();

}  // namespace signx::fuzz
