// Helpers shared by the files that define estimating::Repository (repository_*.cc): placeholders
// for SQL built at run time and the JSON text stored in JSON columns.
//
// Internal to the estimating module. Thread-safety: free functions without shared state.
#pragma once

#include <boost/json/value.hpp>
#include <string>

#include "storage/store.h"

namespace signx::estimating::internal {

// Appends `p` to `params` and returns its placeholder: "$<n>", n = the new size of `params`.
std::string NextPlaceholder(storage::Params& params, storage::Param p);

// `v` as compact JSON text (http::ToJsonText), the form written to JSON columns.
std::string JsonText(const boost::json::value& v);

}  // namespace signx::estimating::internal
