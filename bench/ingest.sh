#!/usr/bin/env bash
# Operations ingest of a 100,000-row consumption CSV through the real route and job (issue 17):
# `signx serve` on 127.0.0.1 with a throwaway SQLite database and its in-process workers; 50 items
# pushed first, then the CSV (POST /v1/ingest/batches), then GET /v1/ingest/batches/{id} until the
# batch is normalized. Prints rows/s (from the POST to `normalized`, validation + one apply
# transaction with an audit row per change) and the server's RSS before and at its peak, sampled
# every 50 ms: the file is streamed, so the peak should not grow with the row count.
# Usage: bench/ingest.sh [rows=100000]
#   SIGNX_BUILD_DIR (default build/release) is configured Release/RelWithDebInfo and built here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/lib.sh"
rows=${1:-100000}
build_signx
port=${SIGNX_BENCH_PORT:-18097}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

echo "# bench/ingest.sh $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), $rows rows"
"$signx" migrate up >/dev/null 2>&1
org=$("$signx" admin create-org --name bench 2>/dev/null)
key=$("$signx" admin create-api-key --org "$org" --name bench \
  --scopes operations:read,operations:write 2>/dev/null)
"$signx" serve --port "$port" --set log.access_log=false --set log.level=warn 2>/dev/null &
pid=$!; pids+=("$pid")
base="http://127.0.0.1:$port"
wait_http "$base/health/ready"

python3 - "$rows" <<'PY'
import sys
rows = int(sys.argv[1])
with open("items.csv", "w") as f:
    f.write("sku,name,lead_time_days\n")
    for i in range(50):
        f.write(f"SKU-{i},Item {i},7\n")
with open("consumption.csv", "w") as f:
    f.write("sku,quantity,at\n")
    for i in range(rows):
        f.write(f"SKU-{i % 50},{1 + i % 7},2026-{1 + i % 12:02d}-{1 + i % 28:02d}\n")
PY
post() {  # post <query> <file> -> batch id
  curl -sf "$base/v1/ingest/batches?$1" -H "X-API-Key: $key" -H 'Content-Type: text/csv' \
    --data-binary @"$2" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'
}
status() {
  curl -sf "$base/v1/ingest/batches/$1" -H "X-API-Key: $key" |
    python3 -c 'import json,sys; b=json.load(sys.stdin); print(b["status"], b.get("row_count"))'
}
wait_batch() {
  local s
  while :; do
    s=$(status "$1")
    case "$s" in normalized*|rejected*) echo "$s"; return ;; esac
    sleep 0.05
  done
}
wait_batch "$(post "entity=items&source=erp" items.csv)" >/dev/null
rss_before=$(rss_mb "$pid")
peak=$rss_before
( while kill -0 "$pid" 2>/dev/null; do rss_mb "$pid"; sleep 0.05; done ) >rss.txt &
sampler=$!; pids+=("$sampler")
t0=$(date +%s.%N)
batch=$(post "entity=consumption&source=erp&filename=big.csv" consumption.csv)
final=$(wait_batch "$batch")
t1=$(date +%s.%N)
kill "$sampler" 2>/dev/null || true
peak=$(sort -n rss.txt | tail -1)
secs=$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')
echo "batch $batch: $final, $(wc -c <consumption.csv) bytes"
echo "ingest: $rows rows in ${secs} s = $(awk -v n="$rows" -v s="$secs" 'BEGIN {printf "%.0f", n / s}') rows/s (SQLite, validate + apply + audit)"
echo "signx rss_before_mb=$rss_before rss_peak_mb=${peak:-?}"
kill -TERM "$pid"; wait "$pid" || true
