#!/usr/bin/env bash
# Documents search latency (issue 18 bar: p95 <= 25 ms over 100,000 chunks at 16 concurrent
# queries) through the product's route, GET /v1/documents/search, on `signx serve`:
#   1. a throwaway SQLite database, an org and an API key (documents:read);
#   2. optionally the search re-ranker trained and registered (`signx train retrieval`, as a
#      deployment does) so the route serves the hybrid;
#   3. CHUNKS chunks (default 100,000) bulk-loaded into that org's documents and document_chunks
#      (bench/documents_search_load.py: SciFact text, shifted and perturbed), then the org's
#      Xapian index built by the product's documents.reindex job (a first search finds no index,
#      answers from the database and queues it; the script waits for "source": "index") and, with
#      the re-ranker, the org's LSA vectors (waits for "ranking": "hybrid:…");
#   4. wrk -t2 -c16 with a different BEIR query per request (bench/documents_search.lua), for BM25
#      only (no re-ranker) and for the hybrid, printing req/s, p50, p95, p99.
# Each run also prints the server's CPU time per request (user + system, from /proc: what other
# load on a shared machine does not inflate) and the load average. Stops the server it started.
# Usage: bench/documents_search.sh [duration_s=20] [chunks=100000] [connections=16]
#   BEIR (default ../shared/data/beir-scifact), SIGNX_BUILD_DIR (default build/release).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
dur=${1:-20}; chunks=${2:-100000}; conns=${3:-16}
beir=$(cd "${BEIR:-$root/../shared/data/beir-scifact}" && pwd)
build_signx
port=${SIGNX_BENCH_PORT:-18097}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
echo "# bench/documents_search.sh $(date -u +%FT%TZ) $(nproc) cores, $chunks chunks, wrk -t2 -c$conns -d${dur}s"
"$signx" migrate up >/dev/null 2>&1
org=$("$signx" admin create-org --name bench 2>/dev/null)
export API_KEY=$("$signx" admin create-api-key --org "$org" --name bench --scopes documents:read 2>/dev/null)
t0=$(date +%s)
python3 "$here/documents_search_load.py" var/signx.db "$org" "$beir" "$chunks" queries.txt
echo "bulk load: $(( $(date +%s) - t0 )) s"
export QUERIES=$work/queries.txt

serve() {  # serve: starts signx serve in the background and waits for it
  "$signx" serve --port "$port" --set log.access_log=false --set log.level=warn 2>serve.log &
  pid=$!; pids+=("$pid")
  wait_http "http://127.0.0.1:$port/health/ready" 600
}
. "$here/documents_search_lib.sh"
run() {  # run <label> [EXTRA query params]
  local out before after n
  before=$(cpu_ticks)
  out=$(EXTRA=${2:-} wrk -t2 -c"$conns" -d"${dur}s" --timeout 10s -s "$here/documents_search.lua" \
        "http://127.0.0.1:$port/v1/documents/search" | grep '^RESULT')
  after=$(cpu_ticks)
  n=$(echo "$out" | sed 's/.*requests=\([0-9]*\).*/\1/')
  # CPU per request (the server's own user+system time, which other load does not inflate).
  printf '%-32s %s cpu_ms_per_req=%s load=%s\n' "$1" "${out#RESULT }" \
    "$(awk -v t=$((after - before)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.2f", t * 1000 / hz / n}')" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
}

serve
t0=$(date +%s)
search fluid >/dev/null   # no index yet: answered from the database, documents.reindex queued
wait_for source index 1800
echo "index built by documents.reindex: $(( $(date +%s) - t0 )) s"
wrk -t2 -c"$conns" -d3s -s "$here/documents_search.lua" "http://127.0.0.1:$port/v1/documents/search" >/dev/null
run "bm25 (no re-ranker registered)"
run "bm25 + type filter" "&type=contract"
echo "signx rss_mb=$(rss_mb "$pid")"

if [ "${NO_HYBRID:-0}" != 1 ]; then
  kill -TERM "$pid"; wait "$pid" || true
  t0=$(date +%s)
  "$signx" train retrieval --beir "$beir" | tail -1
  echo "re-ranker trained and registered: $(( $(date +%s) - t0 )) s"
  serve
  t0=$(date +%s)
  search fluid >/dev/null   # the first search queues the org's LSA vectors
  wait_for ranking hybrid 1800
  echo "LSA vectors of the org built: $(( $(date +%s) - t0 )) s"
  wrk -t2 -c"$conns" -d3s -s "$here/documents_search.lua" "http://127.0.0.1:$port/v1/documents/search" >/dev/null
  run "hybrid (re-ranker top 50, LSA)"
  run "hybrid + type filter" "&type=contract"
  echo "signx rss_mb=$(rss_mb "$pid")"
fi
kill -TERM "$pid"; wait "$pid" || true
