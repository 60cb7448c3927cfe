// The interface every capability module (leads, estimating, …) implements, and what the
// composition root hands it. A capability is one folder that owns all of itself — types, store,
// service, routes, pages and templates, jobs — and `signx serve` / `signx worker` drive it only
// through this interface (app/capabilities.cc holds the one list), so the two processes cannot
// drift apart and adding a capability is one line there.
//
// Life cycle:
//   both processes   Open (the module's static factory: cheap, starts no threads) → RegisterJobs
//   signx serve      → Start → AddRoutes → AddPages → … → Stop
//   signx worker     → … → Stop
//
// Thread-safety: the composition root calls these on one thread during start-up and shutdown.
// What a module registers (handlers, pages, jobs) must be thread-safe.
#pragma once

#include <memory>
#include <string_view>

#include "base/status.h"

namespace signx {
namespace blobs {
class BlobStore;
}
namespace config {
struct Config;
}
namespace events {
class Outbox;
class Dispatcher;
}  // namespace events
namespace identity {
class PersonalDataProvider;
}
namespace http {
class Router;
class SchemaRegistry;
}  // namespace http
namespace jobs {
class Queue;
}
namespace lake {
class LakeWriter;
}
namespace metrics {
class Registry;
}
namespace ml {
class ModelRegistry;
}
namespace storage {
class Store;
}
namespace web {
class Shell;
}
}  // namespace signx

namespace signx::capability {

// The platform a capability is built on. References outlive every module; pointers may be null
// where noted.
struct Deps {
  const config::Config& config;
  storage::Store& store;
  std::shared_ptr<blobs::BlobStore> blobs;
  jobs::Queue& queue;
  ml::ModelRegistry& models;
  events::Outbox* outbox = nullptr;          // null in `signx worker`
  events::Dispatcher* dispatcher = nullptr;  // null in `signx worker` (notifications subscribe)
  metrics::Registry* metrics = nullptr;      // `signx worker`: its own registry, or null
  std::shared_ptr<lake::LakeWriter> lake;    // null when the lake is off
};

class Capability {
 public:
  virtual ~Capability() = default;

  // "leads": the folder, the route prefix's owner and the job-name prefix (`<name>.<verb>`).
  virtual std::string_view name() const = 0;
  // Both processes: the module's job handlers and recurring schedules.
  virtual Status RegisterJobs(jobs::Queue& queue) = 0;
  // serve only: loads models, starts background refreshers. A failure stops the start-up; a
  // missing model is not a failure (its routes answer 503 until one loads).
  virtual Status Start() = 0;
  // serve only, after Start: the JSON API routes (RouteMeta feeds OpenAPI and the authz matrix).
  virtual void AddRoutes(http::Router& router, http::SchemaRegistry& schemas) = 0;
  // serve only, after Start: the web pages, navigation sections and templates.
  virtual void AddPages(web::Shell& shell) = 0;
  // What the module stores about users, for the personal-data export and account deletion
  // (identity/personal_data.h); serve registers it with identity. Null: nothing personal.
  virtual identity::PersonalDataProvider* personal_data() { return nullptr; }
  // Stops what Start started and flushes what the module buffers. Idempotent.
  virtual void Stop() = 0;
};

}  // namespace signx::capability
