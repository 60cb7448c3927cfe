#!/usr/bin/env bash
# Lead scoring side by side, in one run, with the same load and the same request bodies:
# SignX (`POST /v1/leads/score`, `/v1/leads/score/batch`) against the Python reference service of
# ../shared/peers (FastAPI + XGBoost 1.7, 2 uvicorn workers). Both get the X Education model trained
# from ../shared/data/leads/Leads.csv; SignX's is trained (compact model chosen by validation) and
# registered here in a temp directory, on the binary this script builds.
# Measures: single lead WITH reasons (exact TreeSHAP, top 5 fields) and without, at 64
# connections; batch of 1,000 leads without reasons: server time from the Server-Timing header
# (median and max of 50 sequential calls) and throughput at 4 connections; RSS under load of
# both; the ratios SignX/reference.
# Usage: bench/leads.sh [duration_s=15] [connections=64]
#   SIGNX_BUILD_DIR (default build/release) is configured Release/RelWithDebInfo and built here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
dur=${1:-15}; conns=${2:-64}
build_signx
peer_dir="$root/../shared/peers/leadscore-fastapi"
port=${SIGNX_BENCH_PORT:-18080}; peer_port=${PEER_PORT:-18001}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT

echo "# bench/leads.sh $(date -u +%FT%TZ) $(nproc) cores, wrk -t2 -c$conns -d${dur}s (batch: -c4)"
cd "$work"
# Batch of 1,000: the reference's 100 example leads ten times, with distinct lead ids.
python3 - "$peer_dir/example-batch-100.json" batch-1000.json <<'PY'
import json, sys
leads = json.load(open(sys.argv[1]))["leads"]
out = [dict(l, lead_id=f"{l['lead_id']}-{k}") for k in range(10) for l in leads]
json.dump({"leads": out}, open(sys.argv[2], "w"))
PY
"$signx" migrate up >/dev/null 2>&1
"$signx" train leads --data "$root/../shared/data/leads/Leads.csv" --out model.json --no-compare \
  >train.log 2>&1 || { cat train.log >&2; exit 1; }
grep -E "test AUC" train.log || true
"$signx" leads register --model model.json --promote >/dev/null 2>&1
org=$("$signx" admin create-org --name bench 2>/dev/null)
signx_key=$("$signx" admin create-api-key --org "$org" --name bench --scopes leads:score 2>/dev/null)
t0=$(date +%s.%N)
"$signx" serve --port "$port" --set log.access_log=false --set log.level=warn 2>/dev/null &
pid=$!; pids+=("$pid")
wait_http "http://127.0.0.1:$port/health/ready"
cold=$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {printf "%.2f", b-a}')
idle=$(rss_mb "$pid")
export API_KEY=$signx_key  # SignX authenticates every scoring request, like the reference
code=$(curl -s -o "$work/check.json" -w '%{http_code}' -H "X-API-Key: $API_KEY" \
  -H 'Content-Type: application/json' --data-binary @"$peer_dir/example-lead.json" \
  "http://127.0.0.1:$port/v1/leads/score")
[ "$code" = 200 ] || { echo "signx answered $code: $(cat "$work/check.json")" >&2; exit 1; }
echo "one answer: $(cat "$work/check.json")"

# Server time of a batch of 1,000 without reasons: 50 sequential calls, unloaded.
for i in $(seq 50); do
  curl -s -o /dev/null -D - -H "X-API-Key: $API_KEY" -H 'Content-Type: application/json' \
    --data-binary @batch-1000.json "http://127.0.0.1:$port/v1/leads/score/batch?explain=false" |
    tr -d '\r' | awk -F'dur=' 'tolower($0) ~ /^server-timing:/ {print $2}'
done | sort -n >batch-ms.txt
[ -s batch-ms.txt ] || { echo "no Server-Timing header from the batch route" >&2; exit 1; }
awk '{a[NR]=$1} END {printf "signx batch of 1,000 ?explain=false server time: median %.2f ms, max %.2f ms (%d calls)\n", a[int((NR+1)/2)], a[NR], NR}' batch-ms.txt

header
BODY=$peer_dir/example-lead.json wrk -t2 -c"$conns" -d2s -s "$peer_dir/post.lua" \
  "http://127.0.0.1:$port/v1/leads/score" >/dev/null
BODY=$peer_dir/example-lead.json wrk_run "signx score (explain, 5 reasons)" -t2 -c"$conns" \
  -d"${dur}s" -s "$peer_dir/post.lua" "http://127.0.0.1:$port/v1/leads/score"
signx_reasons=$LAST_RPS; signx_reasons_p99=$LAST_P99
BODY=$peer_dir/example-lead.json wrk_run "signx score ?explain=false" -t2 -c"$conns" -d"${dur}s" \
  -s "$peer_dir/post.lua" "http://127.0.0.1:$port/v1/leads/score?explain=false"
signx_single=$LAST_RPS
BODY=$work/batch-1000.json wrk_run "signx batch of 1,000 ?explain=false" -t2 -c4 \
  -d"${dur}s" -s "$peer_dir/post.lua" "http://127.0.0.1:$port/v1/leads/score/batch?explain=false"
signx_batch=$LAST_RPS
signx_rss=$(rss_mb "$pid")
echo "signx cold_start_s=$cold rss_idle_mb=$idle rss_load_mb=$signx_rss"
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
  BODY=$work/batch-1000.json wrk_run "reference batch of 1,000" -t2 -c4 -d"${dur}s" \
    -s "$peer_dir/post.lua" "http://127.0.0.1:$peer_port/api/v1/score/batch"
  peer_batch=$LAST_RPS
  peer_rss=$(rss_mb "$ppid")
  echo "reference rss_load_mb=$peer_rss"
  awk -v a="$signx_reasons" -v a0="$signx_single" -v b="$peer_single" -v c="$signx_batch" \
    -v d="$peer_batch" -v r1="$signx_rss" -v r2="$peer_rss" -v p="$signx_reasons_p99" \
    'BEGIN {printf "ratio signx/reference: single with reasons %.1fx (signx p99 %s), single without reasons %.1fx, batch of 1,000 %.1fx; RSS signx/reference %.2f\n", a/b, p, a0/b, c/d, r1/r2}'
else
  echo "reference not installed: run ../shared/peers/setup-python-peer.sh to compare"
fi
