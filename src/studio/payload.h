// Design payloads (issue 16 item 3): one configuration per module of a project — structure,
// cabinet, foundation, electrical, graphics, installation — validated by that module's schema.
// The schemas are data (src/studio/schemas/<module>.json, a JSON Schema subset compiled into the
// binary): type, properties, required, additionalProperties, enum, minimum / maximum /
// exclusiveMinimum, minLength / maxLength, items / maxItems. A bad field is a 422 naming the
// field ("config.wind_speed_mph") and the limit ("must be between 85 and 300").
//
// A payload's sha256 is the SHA-256 of the RFC 8785 canonical JSON of
//   {"config": <config>, "files": [{"name", "sha256", "size_bytes", "content_type"} sorted by
//    name], "module": "<module>"}
// so it changes when the configuration or an attached file does, and not with key order or the
// way a number is written. The project's payloads hash (what a quote and a report are tied to) is
// the SHA-256 of the canonical {"<module>": "<payload sha256>", ...} of the current versions.
//
// Thread-safety: pure functions; the schemas are parsed once (thread-safe static).
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <map>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"
#include "web/embedded.h"

namespace signx::studio {

inline constexpr std::string_view kModules[] = {"structure",  "cabinet",  "foundation",
                                                "electrical", "graphics", "installation"};
bool IsModule(std::string_view module);
// "must be structure, cabinet, foundation, electrical, graphics or installation"
const std::string& ModuleRule();

// The module's schema (the JSON of schemas/<module>.json). Precondition: IsModule(module).
const boost::json::object& ModuleSchema(std::string_view module);

// Validates `value` against `schema`; errors name fields under `path` ("config.pole.wall_in").
std::vector<FieldError> ValidateAgainstSchema(const boost::json::object& schema,
                                              const boost::json::value& value,
                                              const std::string& path);

// The module's schema plus the rules across fields (structure: top_height_ft >= sign_height_ft).
// ValidationFailed naming every bad field, prefixed "config.".
Status ValidatePayloadConfig(std::string_view module, const boost::json::value& config);

struct PayloadFile {
  std::string name;
  std::string sha256;
  int64_t size_bytes = 0;
  std::string content_type;
};
boost::json::array FilesJson(std::vector<PayloadFile> files);  // sorted by name

// The payload hash described above.
Result<std::string> PayloadSha256(std::string_view module, const boost::json::value& config,
                                  const std::vector<PayloadFile>& files);
// The project's payloads hash over {module: payload sha256}.
Result<std::string> PayloadsSha256(const std::map<std::string, std::string>& sha_by_module);

// The sign spec estimating's cost model prices (seed 000 `drivers` shape) from the current
// payloads' configs (module -> config): structure gives the face, wind, exposure, top height and
// soil; cabinet the material, type and faces; electrical the illumination; foundation the
// foundation type; installation the method, complexity, travel and permit; graphics the letter
// count. nullopt-like empty object when there is no structure or cabinet payload (the model needs
// size, wind and material).
boost::json::object CostSpecFromPayloads(const std::map<std::string, boost::json::object>& configs);

// Compiled in from schemas/*.json by CMake.
const std::vector<web::EmbeddedFile>& EmbeddedSchemas();

}  // namespace signx::studio
