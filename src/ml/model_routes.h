// The model-lifecycle routes every model kind shares, mounted under a prefix:
//   GET  <prefix>                      versions, newest first, and the one in use    (read)
//   GET  <prefix>/{version}            one version with its model card               (read)
//   POST <prefix>                      upload a trained bundle as staging (201)      (admin)
//   POST <prefix>/{version}/promote    make it production; every replica switches    (admin)
//   POST <prefix>/rollback             back to the previous production version       (admin)
// Leads mount them at /v1/leads/models, the cost model at /v1/estimates/models.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "http/openapi.h"
#include "http/router.h"
#include "ml/registry.h"

namespace signx::ml {

struct ModelRoutesSpec {
  std::string prefix;             // "/v1/leads/models"
  std::string model_name;         // registry name: "leads"
  std::string title;              // for summaries: "lead model"
  std::string tag;                // OpenAPI tag: "leads"
  std::string read_permission;    // "leads:read"
  std::string admin_permission;   // "leads:admin"
  std::string train_command;      // "signx train leads"
  // The version this process is serving, if any.
  std::function<std::optional<std::string>()> in_use;
  // Validates an uploaded bundle (it must load) and registers it as staging.
  std::function<Result<ModelVersion>(std::string_view bundle, const std::string& actor)>
      register_bundle;
  // Loads the registry's production version into this process after a promote/rollback.
  std::function<Status()> reload;
};

void AddModelRoutes(http::Router& router, http::SchemaRegistry& schemas, ModelRegistry& registry,
                    ModelRoutesSpec spec);

}  // namespace signx::ml
