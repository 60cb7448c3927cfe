#include "metrics/process_metrics.h"

#include <dirent.h>
#include <dlfcn.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace signx::metrics {
namespace {

double BootTimeSeconds() {
  std::ifstream in("/proc/stat");
  std::string key;
  double value = 0;
  while (in >> key) {
    if (key == "btime") {
      in >> value;
      return value;
    }
    in.ignore(1 << 20, '\n');
  }
  return -1;
}

}  // namespace

ProcessStats ReadProcessStats() {
  ProcessStats s;
  const double ticks = static_cast<double>(sysconf(_SC_CLK_TCK));
  const double page = static_cast<double>(sysconf(_SC_PAGESIZE));

  // /proc/self/stat: the command name (field 2) may hold spaces, so parse after the last ')'.
  std::ifstream stat("/proc/self/stat");
  std::string line;
  if (std::getline(stat, line)) {
    const auto close = line.rfind(')');
    if (close != std::string::npos) {
      std::istringstream rest(line.substr(close + 2));
      std::vector<std::string> f;  // f[0] is field 3 (state)
      std::string tok;
      while (rest >> tok) f.push_back(tok);
      // Fields (1-based): 14 utime, 15 stime, 20 num_threads, 22 starttime, 23 vsize, 24 rss.
      auto at = [&](int field) { return std::stod(f.at(static_cast<std::size_t>(field - 3))); };
      if (f.size() >= 22) {
        s.cpu_seconds = (at(14) + at(15)) / ticks;
        s.threads = at(20);
        const double boot = BootTimeSeconds();
        if (boot >= 0) s.start_time_seconds = boot + at(22) / ticks;
        s.virtual_bytes = at(23);
        s.resident_bytes = at(24) * page;
      }
    }
  }

  if (DIR* d = opendir("/proc/self/fd")) {
    int n = 0;
    while (const dirent* e = readdir(d)) {
      if (e->d_name[0] != '.') ++n;
    }
    closedir(d);
    s.open_fds = n - 1;  // minus the descriptor opendir itself holds
  }
  rlimit lim{};
  if (getrlimit(RLIMIT_NOFILE, &lim) == 0 && lim.rlim_cur != RLIM_INFINITY) {
    s.max_fds = static_cast<double>(lim.rlim_cur);
  }
  return s;
}

MallctlFn ProcessMallctl() { return reinterpret_cast<MallctlFn>(dlsym(RTLD_DEFAULT, "mallctl")); }

AllocatorStats ReadAllocatorStats(MallctlFn mallctl) {
  AllocatorStats s;
  if (mallctl == nullptr) return s;
  // The stats.* values are a snapshot taken when the epoch advances.
  std::uint64_t epoch = 1;
  std::size_t len = sizeof(epoch);
  if (mallctl("epoch", &epoch, &len, &epoch, sizeof(epoch)) != 0) return s;
  auto read = [&](const char* name, double& out) {
    std::size_t v = 0;
    std::size_t n = sizeof(v);
    if (mallctl(name, &v, &n, nullptr, 0) == 0 && n == sizeof(v)) out = static_cast<double>(v);
  };
  read("stats.allocated", s.allocated);
  read("stats.active", s.active);
  read("stats.metadata", s.metadata);
  read("stats.resident", s.resident);
  read("stats.mapped", s.mapped);
  read("stats.retained", s.retained);
  return s;
}

void RegisterProcessMetrics(Registry& registry, const BuildInfo& build) {
  registry.AddCollector([build, mallctl = ProcessMallctl()](Writer& w) {
    const ProcessStats s = ReadProcessStats();
    auto gauge = [&](const char* name, const char* help, double v, Type t = Type::kGauge) {
      if (v < 0) return;
      w.Header(name, help, t);
      w.Sample(name, v);
    };
    gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.",
          s.cpu_seconds, Type::kCounter);
    gauge("process_resident_memory_bytes", "Resident memory size in bytes.", s.resident_bytes);
    gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", s.virtual_bytes);
    gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.",
          s.start_time_seconds);
    gauge("process_open_fds", "Number of open file descriptors.", s.open_fds);
    gauge("process_max_fds", "Maximum number of open file descriptors.", s.max_fds);
    gauge("process_threads", "Number of OS threads in the process.", s.threads);
    if (mallctl != nullptr) {
      const AllocatorStats a = ReadAllocatorStats(mallctl);
      gauge("signx_jemalloc_allocated_bytes",
            "jemalloc: bytes allocated by the application (the live heap).", a.allocated);
      gauge("signx_jemalloc_active_bytes",
            "jemalloc: bytes in active pages (allocated plus their fragmentation).", a.active);
      gauge("signx_jemalloc_metadata_bytes", "jemalloc: bytes of allocator metadata.", a.metadata);
      gauge("signx_jemalloc_resident_bytes",
            "jemalloc: resident bytes the allocator maps (active, metadata, dirty pages).",
            a.resident);
      gauge("signx_jemalloc_mapped_bytes", "jemalloc: bytes in active extents.", a.mapped);
      gauge("signx_jemalloc_retained_bytes",
            "jemalloc: virtual memory retained for reuse, returned to the OS (not resident).",
            a.retained);
    }
    w.Header("signx_build_info", "Build of the running signx binary (value is always 1).",
             Type::kGauge);
    w.Sample("signx_build_info",
             {{"version", build.version},
              {"git_sha", build.git_sha},
              {"compiler", build.compiler},
              {"build_type", build.build_type}},
             1);
  });
}

}  // namespace signx::metrics
