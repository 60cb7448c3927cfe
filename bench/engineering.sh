#!/usr/bin/env bash
# Engineering calculations per call in process (no HTTP), one thread: bench/engineering_bench.cc
# (sign wind + IBC 1807.3.2.1 embedment with and without the trace, the route's JSON work on a
# cache miss, the embedment alone, the lightest-section search). Target (issue 16): wind +
# embedment >= 100,000 per second on one core.
# Usage: bench/engineering.sh [min_time_s=1]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${SIGNX_BUILD_DIR:-$root/build/release}
cmake --build "$build" --target signx_engineering_bench >/dev/null
echo "# bench/engineering.sh $(date -u +%FT%TZ) $(nproc) cores"
taskset -c 0 "$build/bench/signx_engineering_bench" --benchmark_min_time="${1:-1}" 2>&1 |
  grep -v '^\*\*\*'
