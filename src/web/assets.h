// Static assets of the web UI (CSS, htmx), embedded at build time and served under content-hashed
// names: "app.css" is served as /assets/app.<first 12 hex of its SHA-256>.css with
// `Cache-Control: public, max-age=31536000, immutable`, so a new build changes the URL and
// browsers never see a stale file. Thread-safety: immutable after first use (static data).
#pragma once

#include <string>
#include <string_view>

#include "http/router.h"

namespace signx::web {

struct Asset {
  std::string name;         // "app.css"
  std::string hashed_name;  // "app.3f2a9c1b7d0e.css"
  std::string_view data;
  std::string content_type;  // "text/css; charset=utf-8"
};

// The asset with this hashed file name, or nullptr.
const Asset* FindAssetByHashedName(std::string_view hashed_name);
// The asset with this plain file name, or nullptr.
const Asset* FindAsset(std::string_view name);

// GET /assets/{file}.
void AddAssetRoutes(http::Router& router);

}  // namespace signx::web
