// Standard process_* metrics (read from /proc/self at scrape time), signx_build_info and, when the
// process runs on jemalloc (the signx executable, docs/adr/0005-jemalloc.md), the allocator's own
// statistics (signx_jemalloc_*_bytes).
#pragma once

#include <cstddef>
#include <string>

#include "metrics/metrics.h"

namespace signx::metrics {

struct BuildInfo {
  std::string version, git_sha, compiler, build_type;
};

// Adds a collector for process_resident_memory_bytes, process_virtual_memory_bytes,
// process_cpu_seconds_total, process_open_fds, process_max_fds, process_start_time_seconds,
// process_threads and the gauge signx_build_info{version,git_sha,compiler,build_type} = 1; when
// ProcessMallctl() finds jemalloc, also signx_jemalloc_{allocated,active,metadata,resident,mapped,
// retained}_bytes (read at scrape time).
void RegisterProcessMetrics(Registry& registry, const BuildInfo& build);

// One reading of /proc/self; fields are -1 when unavailable.
struct ProcessStats {
  double resident_bytes = -1, virtual_bytes = -1, cpu_seconds = -1, start_time_seconds = -1;
  double open_fds = -1, max_fds = -1, threads = -1;
};
ProcessStats ReadProcessStats();

// jemalloc's `mallctl` (int mallctl(name, oldp, oldlenp, newp, newlen)).
using MallctlFn = int (*)(const char*, void*, std::size_t*, void*, std::size_t);

// The process's jemalloc `mallctl`, looked up at run time (only the signx executable links
// jemalloc; test programs use glibc's malloc), or null when the process does not have it.
MallctlFn ProcessMallctl();

// jemalloc's global statistics, in bytes (-1 when unavailable), as its manual defines them:
//   allocated  bytes the application holds (the live heap);
//   active     bytes in pages holding allocations (allocated plus fragmentation in those pages);
//   metadata   jemalloc's own bookkeeping;
//   resident   bytes in physically resident pages the allocator maps: active + metadata + dirty
//              pages freed but not yet returned to the kernel (they decay after dirty_decay_ms);
//   mapped     bytes in active extents;
//   retained   virtual memory kept mapped but returned to the kernel (not resident).
// RSS ≈ resident + what is not jemalloc's (code and data of the binary and libraries, thread
// stacks, DuckDB's own allocator, other mmaps).
struct AllocatorStats {
  double allocated = -1, active = -1, metadata = -1, resident = -1, mapped = -1, retained = -1;
};
// Refreshes jemalloc's statistics ("epoch") and reads them through `mallctl`; all -1 when
// `mallctl` is null or the refresh fails.
AllocatorStats ReadAllocatorStats(MallctlFn mallctl);

}  // namespace signx::metrics
