#include "ml/booster_json.h"

#include "base/sha256.h"
#include "ml/base64.h"

namespace signx::ml {

boost::json::object BoosterToJson(std::string_view booster) {
  return {{"format", "ubj"}, {"sha256", Sha256Hex(booster)}, {"base64", Base64Encode(booster)}};
}

Result<std::string> BoosterFromJson(const boost::json::value* v, std::string_view what) {
  const auto* bo = v ? v->if_object() : nullptr;
  const auto* b64 = bo ? bo->if_contains("base64") : nullptr;
  const auto* sha = bo ? bo->if_contains("sha256") : nullptr;
  if (!b64 || !b64->is_string() || !sha || !sha->is_string()) {
    return InvalidArgument(std::string(what) + " lacks booster.base64 / booster.sha256");
  }
  SIGNX_ASSIGN_OR_RETURN(std::string bytes, Base64Decode(b64->get_string()));
  if (Sha256Hex(bytes) != sha->get_string()) {
    return Status(ErrorCode::kDataLoss, std::string(what) + " booster fails its SHA-256 check");
  }
  return bytes;
}

}  // namespace signx::ml
