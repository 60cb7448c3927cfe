// LiveModel<T>: the production version of one registered model, kept loaded in this process and
// in step with the model registry. Reload() loads the registry's production version when it
// differs from the one in use and swaps it in under a mutex; Current() hands out a
// shared_ptr<const T>, so a promotion or rollback (from this or any other replica) takes effect
// without dropping or blocking requests: in-flight requests finish on the model they started with.
// A failed load keeps the model in use.
//
// Metrics: the `reloads` counter family given, by {outcome = ok | error}.
// Thread-safety: thread-safe. Current() is a mutex-guarded shared_ptr copy.
#pragma once

#include <fmt/format.h>
#include <spdlog/spdlog.h>

#include <chrono>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>

#include "base/status.h"
#include "metrics/metrics.h"
#include "ml/registry.h"
#include "runtime/periodic_task.h"

namespace signx::ml {

template <typename T>
class LiveModel {
 public:
  // Builds the model from the bytes the registry stores for a version.
  using Loader = std::function<Result<std::shared_ptr<const T>>(const std::string& bytes)>;

  // `what` names the model in log lines and errors ("lead model").
  LiveModel(ModelRegistry& registry, std::string name, std::string what,
            metrics::Family<metrics::Counter>& reloads, Loader load)
      : registry_(registry),
        name_(std::move(name)),
        what_(std::move(what)),
        reloads_(reloads),
        load_(std::move(load)) {}
  ~LiveModel() { poller_.Stop(); }
  LiveModel(const LiveModel&) = delete;
  LiveModel& operator=(const LiveModel&) = delete;

  // The model in use, or nullptr before the first load.
  std::shared_ptr<const T> Current() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  // The registry version of Current() ("" before the first load).
  std::string version() const {
    std::lock_guard lock(mu_);
    return version_;
  }

  // Installs a model directly (tests, single-process tools); the next Reload replaces it with the
  // registry's production version unless that is `version`.
  void Set(std::shared_ptr<const T> model, std::string version) {
    std::lock_guard lock(mu_);
    current_ = std::move(model);
    version_ = std::move(version);
  }

  // Loads the registry's production version if it differs from the one in use. OK (and no
  // change) when nothing is in production.
  Status Reload() {
    // One reload at a time: a slow load must not install a version that a later reload (after a
    // rollback, say) has already found is no longer production.
    std::lock_guard reloading(reload_mu_);
    SIGNX_ASSIGN_OR_RETURN(std::optional<ModelVersion> prod, registry_.Production(name_));
    if (!prod || version() == prod->version) return Status::Ok();
    auto load = [&]() -> Result<std::shared_ptr<const T>> {
      SIGNX_ASSIGN_OR_RETURN(std::string bytes, registry_.ReadBytes(*prod));
      return load_(bytes);
    };
    Result<std::shared_ptr<const T>> loaded = load();
    if (!loaded.ok()) {
      reloads_.WithLabels({"error"}).Inc();
      return Status(loaded.status().code(), fmt::format("cannot load {} {}: {}", what_,
                                                        prod->version, loaded.status().message()));
    }
    Set(std::move(loaded).value(), prod->version);
    reloads_.WithLabels({"ok"}).Inc();
    spdlog::info("{} {} is now in use", what_, prod->version);
    return Status::Ok();
  }

  // Reloads every `interval` on a background thread until destruction; failures are logged.
  void StartPolling(std::chrono::milliseconds interval) {
    poller_.Start(interval, [this] {
      if (Status st = Reload(); !st.ok()) spdlog::warn("{} reload: {}", what_, st.message());
    });
  }

 private:
  ModelRegistry& registry_;
  const std::string name_;
  const std::string what_;
  metrics::Family<metrics::Counter>& reloads_;
  const Loader load_;
  std::mutex reload_mu_;  // held for a whole Reload
  mutable std::mutex mu_;
  std::shared_ptr<const T> current_;  // guarded by mu_
  std::string version_;               // guarded by mu_: current_'s registry version

  runtime::PeriodicTask poller_;  // declared last: stopped first on destruction
};

}  // namespace signx::ml
