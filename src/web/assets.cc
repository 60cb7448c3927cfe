#include "web/assets.h"

#include <map>

#include "web/embedded.h"
#include "web/shell.h"

namespace signx::web {

namespace {

std::string ContentTypeFor(std::string_view name) {
  const auto dot = name.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : name.substr(dot + 1);
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "js") return "text/javascript; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "woff2") return "font/woff2";
  return "application/octet-stream";
}

struct Catalog {
  std::map<std::string, Asset, std::less<>> by_hashed;
  std::map<std::string, std::string, std::less<>> hashed_of;  // name → hashed name
};

const Catalog& GetCatalog() {
  static const Catalog catalog = [] {
    Catalog c;
    for (const auto& f : EmbeddedAssets()) {
      const std::string name = f.name;
      const std::string hash = std::string(f.sha256).substr(0, 12);
      const auto dot = name.rfind('.');
      const std::string hashed = dot == std::string::npos
                                     ? name + "." + hash
                                     : name.substr(0, dot) + "." + hash + name.substr(dot);
      c.by_hashed[hashed] = Asset{name, hashed, f.data, ContentTypeFor(name)};
      c.hashed_of[name] = hashed;
    }
    return c;
  }();
  return catalog;
}

}  // namespace

const Asset* FindAssetByHashedName(std::string_view hashed_name) {
  const auto& c = GetCatalog();
  auto it = c.by_hashed.find(hashed_name);
  return it == c.by_hashed.end() ? nullptr : &it->second;
}

const Asset* FindAsset(std::string_view name) {
  const auto& c = GetCatalog();
  auto it = c.hashed_of.find(name);
  return it == c.hashed_of.end() ? nullptr : FindAssetByHashedName(it->second);
}

std::string AssetUrl(std::string_view name) {
  const Asset* a = FindAsset(name);
  return a ? "/assets/" + a->hashed_name : "";
}

void AddAssetRoutes(http::Router& router) {
  router.Add("GET", "/assets/{file}",
             {.summary = "Web UI static asset (content-hashed name, cached immutably)",
              .tags = {"web"},
              .permission = std::string(http::kPublic),
              .response_content_type = "application/octet-stream",
              .execution = http::Execution::kInline},
             [](http::Request& request) {
               const Asset* a = FindAssetByHashedName(request.PathParam("file"));
               if (a == nullptr) return http::Response::Text(404, "no such asset\n");
               http::Response r = http::Response::Text(200, std::string(a->data), a->content_type);
               r.headers.Set("Cache-Control", "public, max-age=31536000, immutable");
               r.headers.Set("X-Content-Type-Options", "nosniff");
               return r;
             });
}

}  // namespace signx::web
