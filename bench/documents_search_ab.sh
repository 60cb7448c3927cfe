#!/usr/bin/env bash
# A/B of documents search CPU per request (issue 18 search bar) for two signx binaries on the same
# prepared data, alternating runs in the same minutes so machine load affects both alike:
#   1. once: a SQLite database with CHUNKS chunks (bench/documents_search_load.py), the org's
#      Xapian index built by documents.reindex, copied to bm25/ (no re-ranker) and hybrid/ (the
#      re-ranker trained and registered by `signx train retrieval`, as bench/documents_search.sh);
#   2. ROUNDS times, for each binary in turn and each of bm25/hybrid: `signx serve` on that copy
#      (for hybrid, waits for the org's LSA vectors), a warm-up, then wrk -t2 -cCONNS for DUR
#      seconds; prints the server's user+system CPU ms per request (from /proc) and req/s.
# Usage: bench/documents_search_ab.sh SIGNX_A SIGNX_B [dur_s=10] [rounds=2] [chunks=100000]
#   conns=${CONNS:-16}; BEIR (default ../shared/data/beir-scifact); EXTRA query params via EXTRA.
#   KEEP=dir keeps (and reuses, when present) the prepared data in dir.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
bin_a=$(readlink -f "$1"); bin_b=$(readlink -f "$2")
dur=${3:-10}; rounds=${4:-2}; chunks=${5:-100000}; conns=${CONNS:-16}
beir=$(cd "${BEIR:-$root/../shared/data/beir-scifact}" && pwd)
port=${SIGNX_BENCH_PORT:-18098}
work=${KEEP:-$(mktemp -d)}
mkdir -p "$work"
pid=
trap '[ -n "$pid" ] && kill "$pid" 2>/dev/null; wait 2>/dev/null || true; [ -n "${KEEP:-}" ] || rm -rf "$work"' EXIT

serve() {  # serve <binary> <dir>
  (cd "$2" && exec "$1" serve --port "$port" --set log.access_log=false --set log.level=warn \
     2>>serve.log) &
  pid=$!
  wait_http "http://127.0.0.1:$port/health/ready" 600
}
stop() { kill -TERM "$pid"; wait "$pid" || true; pid=; }
. "$here/documents_search_lib.sh"

if [ ! -f "$work/hybrid/var/signx.db" ]; then
  mkdir -p "$work/bm25"
  cd "$work/bm25"
  "$bin_a" migrate up >/dev/null 2>&1
  org=$("$bin_a" admin create-org --name bench 2>/dev/null)
  "$bin_a" admin create-api-key --org "$org" --name bench --scopes documents:read \
    2>/dev/null >"$work/api_key"
  python3 "$here/documents_search_load.py" var/signx.db "$org" "$beir" "$chunks" "$work/queries.txt"
  export API_KEY=$(cat "$work/api_key")
  serve "$bin_a" "$work/bm25"
  search fluid >/dev/null
  wait_for source index 1800
  stop
  cp -a "$work/bm25" "$work/hybrid.tmp"
  (cd "$work/hybrid.tmp" && "$bin_a" train retrieval --beir "$beir" | tail -1)
  mv "$work/hybrid.tmp" "$work/hybrid"
fi
export API_KEY=$(cat "$work/api_key") QUERIES=$work/queries.txt

run() {  # run <label> <binary> <dir> <ranking prefix>
  local out before after n
  serve "$2" "$work/$3"
  search fluid >/dev/null
  wait_for ranking "$4" 1800
  EXTRA=${EXTRA:-} wrk -t2 -c"$conns" -d3s -s "$here/documents_search.lua" \
    "http://127.0.0.1:$port/v1/documents/search" >/dev/null
  before=$(cpu_ticks)
  out=$(EXTRA=${EXTRA:-} wrk -t2 -c"$conns" -d"${dur}s" --timeout 10s -s "$here/documents_search.lua" \
        "http://127.0.0.1:$port/v1/documents/search" | grep '^RESULT')
  after=$(cpu_ticks)
  n=$(echo "$out" | sed 's/.*requests=\([0-9]*\).*/\1/')
  printf '%-14s %s cpu_ms_per_req=%s load=%s\n' "$1" "${out#RESULT }" \
    "$(awk -v t=$((after - before)) -v n="$n" -v hz="$(getconf CLK_TCK)" 'BEGIN {printf "%.3f", t * 1000 / hz / n}')" \
    "$(cut -d' ' -f1-3 /proc/loadavg)"
  stop
}

echo "# A=$bin_a B=$bin_b $chunks chunks, wrk -t2 -c$conns -d${dur}s, $rounds rounds, EXTRA='${EXTRA:-}'"
for r in $(seq "$rounds"); do
  for mode in ${MODES:-bm25 hybrid}; do
    prefix=$mode; [ "$mode" = bm25 ] && prefix=bm25
    run "A $mode" "$bin_a" "$mode" "$prefix"
    run "B $mode" "$bin_b" "$mode" "$prefix"
  done
done
