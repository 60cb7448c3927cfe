#include "leads/bundle.h"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <fmt/format.h>

#include "base/sha256.h"
#include "base/strings.h"
#include "csv/reader.h"
#include "ml/booster_json.h"

namespace signx::leads {
namespace json = boost::json;

std::string ComputeModelVersion(const ModelBundle& b) {
  json::object content;
  content["booster_sha256"] = Sha256Hex(b.booster);
  content["encoder"] = b.encoder.ToJson();
  content["calibration"] = b.calibrator.ToJson();
  json::array t;
  for (double x : b.thresholds) t.push_back(x);
  content["thresholds"] = std::move(t);
  return "leads-" + Sha256Hex(json::serialize(content)).substr(0, 12);
}

std::string SerializeBundle(const ModelBundle& b) {
  json::object o;
  o["format"] = "signx.leads.model";
  o["format_version"] = 1;
  o["model_version"] = b.model_version;
  o["schema"] = SchemaToJson(b.schema);
  o["encoder"] = b.encoder.ToJson();
  o["calibration"] = b.calibrator.ToJson();
  json::array t;
  for (double x : b.thresholds) t.push_back(x);
  o["thresholds"] = std::move(t);
  o["card"] = b.card;
  o["booster"] = ml::BoosterToJson(b.booster);
  return json::serialize(o);
}

Result<ModelBundle> ParseBundle(std::string_view text) {
  boost::system::error_code ec;
  json::value v = json::parse(text, ec);
  if (ec) return Status(ErrorCode::kDataLoss, "model bundle is not valid JSON: " + ec.message());
  const auto* o = v.if_object();
  if (!o) return Status(ErrorCode::kDataLoss, "model bundle must be a JSON object");
  const auto* format = o->if_contains("format");
  if (!format || !format->is_string() || format->get_string() != "signx.leads.model") {
    return InvalidArgument("not a SignX leads model bundle (format != signx.leads.model)");
  }
  const auto* fv = o->if_contains("format_version");
  if (!fv || !fv->is_int64() || fv->get_int64() != 1) {
    return InvalidArgument("unsupported model bundle format_version (this build reads 1)");
  }
  ModelBundle b;
  const auto* schema = o->if_contains("schema");
  if (!schema) return InvalidArgument("model bundle lacks its schema");
  SIGNX_ASSIGN_OR_RETURN(b.schema, ParseSchema(*schema));
  const auto* encoder = o->if_contains("encoder");
  if (!encoder) return InvalidArgument("model bundle lacks its encoder");
  SIGNX_ASSIGN_OR_RETURN(b.encoder, Encoder::FromJson(*encoder, b.schema));
  const auto* cal = o->if_contains("calibration");
  if (cal) {
    SIGNX_ASSIGN_OR_RETURN(b.calibrator, ml::Calibrator::FromJson(*cal));
  }
  const auto* thresholds = o->if_contains("thresholds");
  if (!thresholds || !thresholds->is_array() || thresholds->get_array().size() != 4) {
    return InvalidArgument("model bundle needs 4 thresholds");
  }
  for (const auto& t : thresholds->get_array()) {
    if (!t.is_number()) return InvalidArgument("thresholds must be numbers");
    b.thresholds.push_back(t.to_number<double>());
  }
  if (!std::is_sorted(b.thresholds.begin(), b.thresholds.end())) {
    return InvalidArgument("thresholds must be ascending");
  }
  if (const auto* card = o->if_contains("card"); card && card->is_object()) {
    b.card = card->get_object();
  }
  SIGNX_ASSIGN_OR_RETURN(b.booster, ml::BoosterFromJson(o->if_contains("booster"), "model bundle"));
  b.model_version = ComputeModelVersion(b);
  if (const auto* mv = o->if_contains("model_version");
      !mv || !mv->is_string() || mv->get_string() != b.model_version) {
    return Status(ErrorCode::kDataLoss, "model bundle model_version does not match its content");
  }
  return b;
}

Status SaveBundleFile(const ModelBundle& bundle, const std::string& path) {
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path p(path);
  if (p.has_parent_path()) fs::create_directories(p.parent_path(), ec);
  if (ec) return Internal(fmt::format("cannot create '{}': {}", p.parent_path().string(),
                                      ec.message()));
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return Internal(fmt::format("cannot write '{}'", tmp));
    const std::string text = SerializeBundle(bundle);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    if (!out) return Internal(fmt::format("error writing '{}'", tmp));
  }
  fs::rename(tmp, path, ec);
  if (ec) return Internal(fmt::format("cannot rename '{}' to '{}': {}", tmp, path, ec.message()));
  return Status::Ok();
}

Result<ModelBundle> LoadBundleFile(const std::string& path) {
  SIGNX_ASSIGN_OR_RETURN(const std::string text, csv::ReadFile(path));
  auto b = ParseBundle(text);
  if (!b.ok()) return b.status().WithContext(path);
  return b;
}

}  // namespace signx::leads
