// The model-lifecycle routes every model kind shares, mounted under a prefix:
//   GET  <prefix>                      versions, newest first, and the one in use    (read)
//   GET  <prefix>/{version}            one version with its model card               (read)
//   POST <prefix>                      upload a trained bundle as staging (201)      (admin)
//   POST <prefix>/{version}/promote    make it production; every replica switches    (admin)
//   POST <prefix>/rollback             back to the previous production version (an org
//                                      without one: back to the platform default)    (admin)
// Leads mount them at /v1/leads/models, the cost model at /v1/estimates/models.
//
// Tenancy (registry.h, docs/adr/0008-tenant-models.md): every route acts on ONE owner's versions,
// chosen by the optional `owner` query parameter:
//   absent, or the caller's org id    the caller's org (its own versions, its own production one)
//   "platform"                        the platform default — super_admin only
//   another org id                    that org — super_admin only
// Anything a caller may not address is 404 (never 403), exactly like an owner or version that
// does not exist, so one org cannot learn which versions another org or the platform holds. The
// list's `in_use` is the version serving the owner (for an org without a production version of
// its own: the platform default, with in_use_owner "platform").
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/openapi.h"
#include "http/request.h"
#include "http/router.h"
#include "ml/registry.h"

namespace signx::ml {

// The model a process serves for an owner.
struct ModelInUse {
  std::string version;
  bool platform_default = false;  // served by the platform default, not the owner's own
};

struct ModelRoutesSpec {
  std::string prefix;            // "/v1/leads/models"
  std::string model_name;        // registry name: "leads"
  std::string title;             // for summaries: "lead model"
  std::string tag;               // OpenAPI tag: "leads"
  std::string read_permission;   // "leads:read"
  std::string admin_permission;  // "leads:admin"
  std::string train_command;     // "signx train leads"
  // The version this process serves for `owner`, if any.
  std::function<std::optional<ModelInUse>(const Owner& owner)> in_use;
  // Validates an uploaded bundle (it must load) and registers it as `owner`'s staging version.
  std::function<Result<ModelVersion>(const Owner& owner, std::string_view bundle,
                                     const std::string& actor)>
      register_bundle;
  // Loads `owner`'s production version into this process after a promote/rollback.
  std::function<Status(const Owner& owner)> reload;
};

// The owner a request addresses (see the file comment): kUnauthenticated without a principal,
// kNotFound for an owner the principal may not address.
Result<Owner> RequestedOwner(const http::Request& req);

void AddModelRoutes(http::Router& router, http::SchemaRegistry& schemas, ModelRegistry& registry,
                    ModelRoutesSpec spec);

}  // namespace signx::ml
