#!/usr/bin/env bash
# Peak RSS of reading CSV, old path vs signx::csv (issue 19): 4 MiB of commas, a 100,000-row lead
# CSV (the X Education export repeated), and 64 MiB of commas (new path only). Each case runs in
# a fresh child process; see bench/csv_memory_bench.cc.
# Usage: bench/csv_memory.sh [path/to/Leads.csv]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${SIGNX_BUILD_DIR:-$root/build/release}
[ -f "$build/CMakeCache.txt" ] || cmake --preset release >/dev/null
cmake --build "$build" --target signx_csv_memory_bench >/dev/null
echo "# bench/csv_memory.sh $(date -u +%FT%TZ) $(nproc) cores, $(git -C "$root" rev-parse --short HEAD)"
"$build/bench/signx_csv_memory_bench" "${1:-$root/../shared/data/leads/Leads.csv}"
