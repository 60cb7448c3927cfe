// Standard process_* metrics (read from /proc/self at scrape time) and signx_build_info.
#pragma once

#include <string>

#include "metrics/metrics.h"

namespace signx::metrics {

struct BuildInfo {
  std::string version, git_sha, compiler, build_type;
};

// Adds a collector for process_resident_memory_bytes, process_virtual_memory_bytes,
// process_cpu_seconds_total, process_open_fds, process_max_fds, process_start_time_seconds,
// process_threads and the gauge signx_build_info{version,git_sha,compiler,build_type} = 1.
void RegisterProcessMetrics(Registry& registry, const BuildInfo& build);

// One reading of /proc/self; fields are -1 when unavailable.
struct ProcessStats {
  double resident_bytes = -1, virtual_bytes = -1, cpu_seconds = -1, start_time_seconds = -1;
  double open_fds = -1, max_fds = -1, threads = -1;
};
ProcessStats ReadProcessStats();

}  // namespace signx::metrics
