#!/usr/bin/env bash
# Job-queue round trips/s (enqueue → claim → complete) with 1 and 4 claimers on SQLite (WAL,
# synchronous=normal) and a throwaway PostgreSQL 15 with durable settings on 127.0.0.1.
# Usage: bench/jobs.sh [min_time_s=2]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${SIGNX_BUILD_DIR:-$root/build/release}/bench/signx_jobs_bench
echo "# bench/jobs.sh $(date -u +%FT%TZ) $(nproc) cores"
SIGNX_TEST_PG_DURABLE=1 "$root/scripts/with-test-services.sh" "$bin" --benchmark_min_time="${1:-2}" \
  --benchmark_counters_tabular=true 2>&1 | grep -v '^\*\*\*'
