#!/usr/bin/env bash
# Storage benchmark: single-row transactional inserts/s and point reads/s, 1 and 4 threads, on
# SQLite (WAL, synchronous=normal) and a throwaway PostgreSQL 15 on 127.0.0.1 with its default
# durable settings (fsync on, synchronous_commit on), started and stopped by
# scripts/with-test-services.sh. Usage: bench/storage.sh [min_time_s=2]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
bin=${SIGNX_BUILD_DIR:-$root/build/release}/bench/signx_storage_bench
echo "# bench/storage.sh $(date -u +%FT%TZ) $(nproc) cores"
SIGNX_TEST_PG_DURABLE=1 "$root/scripts/with-test-services.sh" "$bin" --benchmark_min_time="${1:-2}" \
  --benchmark_counters_tabular=true 2>&1 | grep -v '^\*\*\*'
