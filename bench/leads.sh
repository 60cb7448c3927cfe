#!/usr/bin/env bash
# Lead scoring side by side, in one run, with the same load and the same request bodies:
# SignX (`POST /v1/leads/score`, `/v1/leads/score/batch`) against the Python reference service of
# ../shared/peers (FastAPI + XGBoost 1.7, 2 uvicorn workers). Both get the X Education model trained
# from ../shared/data/leads/Leads.csv; SignX's is trained and registered here in a temp directory.
# Usage: bench/leads.sh [duration_s=15] [connections=64]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
dur=${1:-15}; conns=${2:-64}
signx=${SIGNX_BIN:-$root/build/release/bin/signx}
peer_dir="$root/../shared/peers/leadscore-fastapi"
port=${SIGNX_BENCH_PORT:-18080}; peer_port=${PEER_PORT:-18001}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT

echo "# bench/leads.sh $(date -u +%FT%TZ) $(nproc) cores, wrk -t2 -c$conns -d${dur}s (batch: -c16)"
cd "$work"
"$signx" migrate up >/dev/null 2>&1
"$signx" train leads --data "$root/../shared/data/leads/Leads.csv" --out model.json --no-compare \
  >/dev/null 2>&1
"$signx" leads register --model model.json --promote >/dev/null 2>&1
org=$("$signx" admin create-org --name bench 2>/dev/null)
signx_key=$("$signx" admin create-api-key --org "$org" --name bench --scopes leads:score 2>/dev/null)
t0=$(date +%s.%N)
"$signx" serve --port "$port" --set log.access_log=false --set log.level=warn 2>/dev/null &
pid=$!; pids+=("$pid")
wait_http "http://127.0.0.1:$port/health/ready"
cold=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b-a}')
idle=$(rss_mb "$pid")
header
export API_KEY=$signx_key  # SignX authenticates every scoring request, like the reference
code=$(curl -s -o "$work/check.json" -w '%{http_code}' -H "X-API-Key: $API_KEY" \
  -H 'Content-Type: application/json' --data-binary @"$peer_dir/example-lead.json" \
  "http://127.0.0.1:$port/v1/leads/score")
[ "$code" = 200 ] || { echo "signx answered $code: $(cat "$work/check.json")" >&2; exit 1; }
BODY=$peer_dir/example-lead.json wrk -t2 -c"$conns" -d2s -s "$peer_dir/post.lua" \
  "http://127.0.0.1:$port/v1/leads/score" >/dev/null
BODY=$peer_dir/example-lead.json wrk_run "signx score (explain, 5 reasons)" -t2 -c"$conns" \
  -d"${dur}s" -s "$peer_dir/post.lua" "http://127.0.0.1:$port/v1/leads/score"
BODY=$peer_dir/example-lead.json wrk_run "signx score ?explain=false" -t2 -c"$conns" -d"${dur}s" \
  -s "$peer_dir/post.lua" "http://127.0.0.1:$port/v1/leads/score?explain=false"
signx_single=$LAST_RPS
BODY=$peer_dir/example-batch-100.json wrk_run "signx batch of 100 ?explain=false" -t2 -c16 \
  -d"${dur}s" -s "$peer_dir/post.lua" "http://127.0.0.1:$port/v1/leads/score/batch?explain=false"
signx_batch=$LAST_RPS
echo "signx cold_start_s=$cold rss_idle_mb=$idle rss_load_mb=$(rss_mb "$pid")"
kill -TERM "$pid"; wait "$pid" || true

if [ -f /opt/peer/env.sh ]; then
  export API_KEY=bench-key
  (
    . /opt/peer/env.sh
    cd "$peer_dir"
    [ -f artifacts/model.json ] || python3.11 train.py ../../data/leads/Leads.csv artifacts >/dev/null
    export API_KEYS=bench-key LAKE_DIR="$work/peer-lake"
    exec python3.11 -m uvicorn app:app --host 127.0.0.1 --port "$peer_port" --workers 2 \
      --loop uvloop --http httptools --log-level warning --no-access-log >"$work/peer.log" 2>&1
  ) &
  ppid=$!; pids+=("$ppid")
  wait_http "http://127.0.0.1:$peer_port/health/ready" 3000
  BODY=$peer_dir/example-lead.json wrk -t2 -c"$conns" -d2s -s "$peer_dir/post.lua" \
    "http://127.0.0.1:$peer_port/api/v1/score" >/dev/null
  BODY=$peer_dir/example-lead.json wrk_run "reference score (no reasons)" -t2 -c"$conns" \
    -d"${dur}s" -s "$peer_dir/post.lua" "http://127.0.0.1:$peer_port/api/v1/score"
  peer_single=$LAST_RPS
  BODY=$peer_dir/example-batch-100.json wrk_run "reference batch of 100" -t2 -c16 -d"${dur}s" \
    -s "$peer_dir/post.lua" "http://127.0.0.1:$peer_port/api/v1/score/batch"
  peer_batch=$LAST_RPS
  echo "reference rss_load_mb=$(rss_mb "$ppid")"
  awk -v a="$signx_single" -v b="$peer_single" -v c="$signx_batch" -v d="$peer_batch" \
    'BEGIN {printf "ratio signx/reference: single %.1fx, batch %.1fx\n", a/b, c/d}'
else
  echo "reference not installed: run ../shared/peers/setup-python-peer.sh to compare"
fi
