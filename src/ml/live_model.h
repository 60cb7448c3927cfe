// LiveModel<T>: the production versions of one registered model, kept loaded in this process and
// in step with the model registry — the platform default and, per org, the org's own production
// version (registry.h: tenancy; docs/adr/0008-tenant-models.md).
//
// For(org) answers which model serves an org: the org's production version when it has one, else
// the platform default. It takes a shared lock and copies a shared_ptr — no database query per
// request. Which orgs have a version of their own (org → version id, a few strings per org) is
// read by Reload in one query for all orgs; an org's model itself is loaded by the poller thread
// (PreloadOrgModels; LiveModelOptions::preload_org_models, the default) or else by the first
// For(org) that needs it (that call reads the blob and builds the model; calls for other orgs are
// not blocked unless they need a load too), and kept in a bounded cache: at most
// `max_org_models` org models stay loaded, the least recently used one is dropped when a load
// would exceed it (it is loaded again on its next use). The platform default is loaded by Reload
// and shared by every org without a model of its own.
//
// Reload (every poll interval, and after a promotion or rollback in this process) loads the
// platform's production version if it changed, refreshes the org → version map and reloads the
// loaded org models whose version changed; so a promotion or rollback from this or any other
// replica takes effect without dropping or blocking requests: until the new version is loaded
// the org is served the one it had (never a wait for the load), and in-flight requests finish
// on the model they started with. A failed load keeps the model in use (for an org with nothing
// loaded yet: the platform default) and is not retried before the next Reload.
//
// Metrics: the `reloads` counter family given, by {outcome = ok | error}.
// Thread-safety: thread-safe. Loads are serialised by one mutex (a slow load must not install a
// version that a later reload has already found is no longer production).
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "metrics/metrics.h"
#include "ml/registry.h"
#include "runtime/periodic_task.h"

namespace signx::ml {

// How many org-owned models of one kind a process keeps loaded by default. A cost model of a
// 20,000-job history takes 15.4 MB of RSS once loaded (measured: predict_routes_test.cc
// DISABLED_MeasureModelMemory; a lead model is far smaller), so 64 bounds the org cost models to
// ~1 GB per replica however many orgs (1,000 or more) have their own; an org beyond the cap
// reloads its model on its next use (~3 s for such a cost model on a busy 2-core machine).
inline constexpr std::size_t kDefaultMaxOrgModels = 64;

struct LiveModelOptions {
  std::size_t max_org_models = kDefaultMaxOrgModels;  // loaded org models kept (>= 1)
  // The poller (StartPolling) also loads the production versions of orgs not loaded yet, while
  // fewer than max_org_models are loaded (PreloadOrgModels), on its own thread. Routes that score on the event
  // loop (lead scoring, cost predictions) then find an org's model loaded instead of loading it
  // on an I/O thread — which would make every other org's requests on that thread wait for the
  // load (~1-3 s for a 20,000-job cost model). Only orgs beyond the cap, and requests in the
  // first seconds after a start, still load on first use.
  bool preload_org_models = true;
};

template <typename T>
class LiveModel {
 public:
  // Builds the model from the bytes the registry stores for a version.
  using Loader = std::function<Result<std::shared_ptr<const T>>(const std::string& bytes)>;

  // The model that serves an org.
  struct Resolved {
    std::shared_ptr<const T> model;  // nullptr: neither the org nor the platform has one loaded
    std::string version;             // registry version of `model` ("" when none)
    bool platform = true;            // true: the platform default (the org has none of its own)
  };

  // `what` names the model in log lines and errors ("lead model").
  LiveModel(ModelRegistry& registry, std::string name, std::string what,
            metrics::Family<metrics::Counter>& reloads, Loader load, LiveModelOptions options = {})
      : registry_(registry),
        name_(std::move(name)),
        what_(std::move(what)),
        reloads_(reloads),
        load_(std::move(load)),
        max_org_models_(std::max<std::size_t>(1, options.max_org_models)),
        preload_org_models_(options.preload_org_models) {}
  ~LiveModel() { poller_.Stop(); }
  LiveModel(const LiveModel&) = delete;
  LiveModel& operator=(const LiveModel&) = delete;

  // The model serving `org_id` ("" = the platform default only). Loads the org's production
  // version on first use (see the file comment).
  Resolved For(std::string_view org_id) {
    if (org_id.empty()) return PlatformResolved();
    {
      std::shared_lock lock(mu_);
      if (auto r = ServedLocked(org_id)) return *r;
    }
    return LoadOrg(std::string(org_id));
  }

  // The platform default in use, or nullptr before the first load.
  std::shared_ptr<const T> Current() const {
    std::shared_lock lock(mu_);
    return platform_;
  }
  // The registry version of Current() ("" before the first load).
  std::string version() const {
    std::shared_lock lock(mu_);
    return platform_version_;
  }

  // Installs a platform default directly (tests, single-process tools); the next Reload replaces
  // it with the registry's platform production version unless that is `version`.
  void Set(std::shared_ptr<const T> model, std::string version) {
    std::unique_lock lock(mu_);
    platform_ = std::move(model);
    platform_version_ = std::move(version);
  }

  // Org models loaded now (<= max_org_models).
  std::size_t loaded_org_models() const {
    std::shared_lock lock(mu_);
    return LoadedCountLocked();
  }

  // Loads the platform's production version if it differs from the one in use, refreshes which
  // orgs have a production version of their own, and reloads the loaded org models whose version
  // changed. OK (and no change) when nothing is in production. The first failure is returned;
  // the other owners are still reloaded.
  Status Reload() {
    std::lock_guard reloading(reload_mu_);
    SIGNX_ASSIGN_OR_RETURN(auto by_owner, registry_.ProductionByOwner(name_));
    Status first = Status::Ok();
    auto keep_first = [&first](Status st) {
      if (first.ok() && !st.ok()) first = std::move(st);
    };
    if (auto it = by_owner.find(""); it != by_owner.end()) {
      keep_first(ReloadPlatformTo(it->second));
    }
    std::vector<std::pair<std::string, std::string>> stale;  // loaded orgs whose version changed
    {
      std::unique_lock lock(mu_);
      for (auto it = orgs_.begin(); it != orgs_.end();) {
        if (!by_owner.contains(it->first)) {
          it = orgs_.erase(it);  // no production version of its own any more
        } else {
          ++it;
        }
      }
      for (const auto& [org, version] : by_owner) {
        if (org.empty()) continue;
        auto& entry = orgs_[org];
        if (!entry) entry = std::make_unique<OrgEntry>();
        entry->assigned = version;
        entry->failed_version.clear();  // retried from now on
        if (entry->model && entry->loaded_version != version) stale.emplace_back(org, version);
      }
    }
    for (const auto& [org, version] : stale) keep_first(LoadOrgVersion(org, version));
    return first;
  }

  // Loads the production versions of orgs that have none loaded (and none that failed), while
  // fewer than max_org_models are loaded. The poller runs it after each Reload when
  // LiveModelOptions::preload_org_models is set. The first failure is returned.
  Status PreloadOrgModels() {
    std::lock_guard reloading(reload_mu_);
    std::vector<std::pair<std::string, std::string>> wanted;  // (org, version) not loaded
    {
      std::shared_lock lock(mu_);
      for (const auto& [org, e] : orgs_) {
        if (!e->model && e->failed_version != e->assigned) wanted.emplace_back(org, e->assigned);
      }
    }
    Status first = Status::Ok();
    for (const auto& [org, version] : wanted) {
      {
        std::shared_lock lock(mu_);
        if (LoadedCountLocked() >= max_org_models_) break;
      }
      Status st = LoadOrgVersion(org, version);
      if (first.ok() && !st.ok()) first = std::move(st);
    }
    return first;
  }

  // After a promotion or rollback in this process: re-reads `owner`'s production version and
  // loads it now (so the caller learns about a model that does not load).
  Status ReloadOwner(const Owner& owner) {
    std::lock_guard reloading(reload_mu_);
    SIGNX_ASSIGN_OR_RETURN(std::optional<ModelVersion> prod, registry_.Production(owner, name_));
    if (owner.is_platform()) return prod ? ReloadPlatformTo(prod->version) : Status::Ok();
    const std::string& org = owner.org_id();
    {
      std::unique_lock lock(mu_);
      if (!prod) {
        orgs_.erase(org);
        return Status::Ok();
      }
      auto& entry = orgs_[org];
      if (!entry) entry = std::make_unique<OrgEntry>();
      entry->assigned = prod->version;
      entry->failed_version.clear();
      if (entry->model && entry->loaded_version == prod->version) return Status::Ok();
    }
    return LoadOrgVersion(org, prod->version);
  }

  // Reloads every `interval` on a background thread until destruction; failures are logged.
  // With preload_org_models, the first run is at once (it loads the orgs' models right after the
  // start, off the request threads), then every `interval`.
  void StartPolling(std::chrono::milliseconds interval) {
    poller_.Start(
        interval,
        [this] {
          if (Status st = Reload(); !st.ok()) spdlog::warn("{} reload: {}", what_, st.message());
          if (!preload_org_models_) return;
          if (Status st = PreloadOrgModels(); !st.ok()) {
            spdlog::warn("{} preload: {}", what_, st.message());
          }
        },
        preload_org_models_ ? runtime::PeriodicTask::FirstRun::kAtOnce
                            : runtime::PeriodicTask::FirstRun::kAfterInterval);
  }

 private:
  struct OrgEntry {
    std::string assigned;                // the org's production version in the registry
    std::shared_ptr<const T> model;      // loaded (null: not yet, or dropped by the cap)
    std::string loaded_version;          // model's version
    std::string failed_version;          // a version that failed to load; not retried before Reload
    std::atomic<uint64_t> last_used{0};  // use_clock_ tick of the last For; updated under a
                                         // shared lock, hence atomic
  };

  Resolved PlatformResolved() const {
    std::shared_lock lock(mu_);
    return {platform_, platform_version_, true};
  }

  // The answer For can give without loading, or nullopt when the org's model must be loaded.
  // Requires mu_ (shared or exclusive).
  std::optional<Resolved> ServedLocked(std::string_view org_id) const {
    auto it = orgs_.find(org_id);
    if (it == orgs_.end()) return Resolved{platform_, platform_version_, true};
    OrgEntry& e = *it->second;
    if (e.model && e.loaded_version == e.assigned) {
      e.last_used.store(use_clock_.fetch_add(1, std::memory_order_relaxed) + 1,
                        std::memory_order_relaxed);
      return Resolved{e.model, e.loaded_version, false};
    }
    // A version that does not load, or a new version a Reload/ReloadOwner is loading right now
    // (it holds reload_mu_ for the whole load): keep serving what the org had instead of waiting
    // for the load, so a promotion never blocks the org's requests (nor, for routes run on the
    // event loop, other orgs' requests on that thread). With nothing loaded yet: the platform
    // default if the version does not load, else the caller loads it (LoadOrg).
    if (e.model) return Resolved{e.model, e.loaded_version, false};
    if (e.failed_version == e.assigned) return Resolved{platform_, platform_version_, true};
    return std::nullopt;
  }

  Resolved LoadOrg(const std::string& org) {
    std::lock_guard reloading(reload_mu_);
    std::string version;
    {
      std::shared_lock lock(mu_);
      if (auto r = ServedLocked(org)) return *r;  // loaded by the call we waited for
      version = orgs_.find(org)->second->assigned;
    }
    (void)LoadOrgVersion(org, version);  // logged and counted; the answer falls back
    std::shared_lock lock(mu_);
    if (auto r = ServedLocked(org)) return *r;
    return {platform_, platform_version_, true};  // the entry changed meanwhile (a Reload)
  }

  // Loads `version` of the org's model and installs it if it is still the org's production
  // version. Requires reload_mu_.
  Status LoadOrgVersion(const std::string& org, const std::string& version) {
    auto load = [&]() -> Result<std::shared_ptr<const T>> {
      SIGNX_ASSIGN_OR_RETURN(ModelVersion mv, registry_.Get(Owner::Org(org), name_, version));
      SIGNX_ASSIGN_OR_RETURN(std::string bytes, registry_.ReadBytes(mv));
      return load_(bytes);
    };
    Result<std::shared_ptr<const T>> loaded = load();
    std::unique_lock lock(mu_);
    auto it = orgs_.find(org);
    if (!loaded.ok()) {
      reloads_.WithLabels({"error"}).Inc();
      if (it != orgs_.end() && it->second->assigned == version) {
        it->second->failed_version = version;
      }
      Status st(loaded.status().code(), fmt::format("cannot load {} {} of org {}: {}", what_,
                                                    version, org, loaded.status().message()));
      spdlog::warn("{}", st.message());
      return st;
    }
    reloads_.WithLabels({"ok"}).Inc();
    if (it == orgs_.end() || it->second->assigned != version) return Status::Ok();
    OrgEntry& e = *it->second;
    e.model = std::move(loaded).value();
    e.loaded_version = version;
    e.failed_version.clear();
    e.last_used.store(use_clock_.fetch_add(1, std::memory_order_relaxed) + 1,
                      std::memory_order_relaxed);
    spdlog::info("{} {} of org {} is now in use", what_, version, org);
    EvictLocked(org);
    return Status::Ok();
  }

  // Drops the least recently used org models (never `keep`) until at most max_org_models_ are
  // loaded. Requires mu_ exclusively.
  void EvictLocked(const std::string& keep) {
    while (LoadedCountLocked() > max_org_models_) {
      OrgEntry* lru = nullptr;
      const std::string* lru_org = nullptr;
      for (auto& [org, e] : orgs_) {
        if (!e->model || org == keep) continue;
        if (!lru || e->last_used.load(std::memory_order_relaxed) <
                        lru->last_used.load(std::memory_order_relaxed)) {
          lru = e.get();
          lru_org = &org;
        }
      }
      if (!lru) return;
      spdlog::debug("{} of org {} unloaded (over {} loaded org models)", what_, *lru_org,
                    max_org_models_);
      lru->model.reset();
      lru->loaded_version.clear();
    }
  }

  std::size_t LoadedCountLocked() const {
    std::size_t n = 0;
    for (const auto& [org, e] : orgs_) n += e->model ? 1 : 0;
    return n;
  }

  // Loads the platform's `version` unless it is in use. Requires reload_mu_.
  Status ReloadPlatformTo(const std::string& version) {
    if (this->version() == version) return Status::Ok();
    auto load = [&]() -> Result<std::shared_ptr<const T>> {
      SIGNX_ASSIGN_OR_RETURN(ModelVersion mv, registry_.Get(Owner::Platform(), name_, version));
      SIGNX_ASSIGN_OR_RETURN(std::string bytes, registry_.ReadBytes(mv));
      return load_(bytes);
    };
    Result<std::shared_ptr<const T>> loaded = load();
    if (!loaded.ok()) {
      reloads_.WithLabels({"error"}).Inc();
      return Status(loaded.status().code(), fmt::format("cannot load {} {}: {}", what_, version,
                                                        loaded.status().message()));
    }
    Set(std::move(loaded).value(), version);
    reloads_.WithLabels({"ok"}).Inc();
    spdlog::info("{} {} is now in use", what_, version);
    return Status::Ok();
  }

  ModelRegistry& registry_;
  const std::string name_;
  const std::string what_;
  metrics::Family<metrics::Counter>& reloads_;
  const Loader load_;
  const std::size_t max_org_models_;
  const bool preload_org_models_;
  std::mutex reload_mu_;  // held for a whole Reload/ReloadOwner and for every load
  mutable std::shared_mutex mu_;
  std::shared_ptr<const T> platform_;  // guarded by mu_
  std::string platform_version_;       // guarded by mu_: platform_'s registry version
  // guarded by mu_: the orgs with a production version of their own (entries are stable: the
  // map holds pointers so ServedLocked may touch last_used under a shared lock)
  std::map<std::string, std::unique_ptr<OrgEntry>, std::less<>> orgs_;
  mutable std::atomic<uint64_t> use_clock_{0};

  runtime::PeriodicTask poller_;  // declared last: stopped first on destruction
};

}  // namespace signx::ml
