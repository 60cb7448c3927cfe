// How a model bundle (leads, cost) carries its XGBoost model: the JSON object
//   {"format": "ubj", "sha256": "<hex of the bytes>", "base64": "<the bytes>"}
// written by BoosterToJson and checked by BoosterFromJson (the hash must match). Thread-safe.
#pragma once

#include <boost/json/object.hpp>
#include <boost/json/value.hpp>
#include <string>
#include <string_view>

#include "base/status.h"

namespace signx::ml {

boost::json::object BoosterToJson(std::string_view booster);

// `v` is the bundle's "booster" member (may be null). kInvalidArgument when fields are missing,
// kDataLoss when the bytes do not match their SHA-256. `what` names the bundle in messages.
Result<std::string> BoosterFromJson(const boost::json::value* v, std::string_view what);

}  // namespace signx::ml
