#!/usr/bin/env bash
# HTTP server benchmark: wrk on 127.0.0.1 against SignX's /health/live and a small JSON route
# (/v1/version), 64 connections, and the same wrk run against the Python reference service from
# ../shared/peers (FastAPI + uvicorn, 2 workers) when it is installed (/opt/peer).
# Usage: bench/http.sh [duration_s=10] [connections=64]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
dur=${1:-10}; conns=${2:-64}
signx=${SIGNX_BIN:-$root/build/release/bin/signx}
port=${SIGNX_BENCH_PORT:-18080}; peer_port=${PEER_PORT:-18001}
pids=()
work=$(mktemp -d)
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"  # a throwaway SQLite database under $work/var

echo "# bench/http.sh $(date -u +%FT%TZ) $(nproc) cores, wrk -t2 -c$conns -d${dur}s"
header
for access_log in false true; do
  "$signx" serve --migrate --port "$port" --set log.access_log=$access_log --set log.level=warn \
    2>/dev/null &
  pid=$!; pids+=("$pid")
  wait_http "http://127.0.0.1:$port/health/live"
  wrk -t2 -c"$conns" -d2s "http://127.0.0.1:$port/v1/version" >/dev/null  # warm-up
  wrk_run "signx /health/live (access_log=$access_log)" -t2 -c"$conns" -d"${dur}s" "http://127.0.0.1:$port/health/live"
  [ $access_log = false ] && signx_live=$LAST_RPS
  wrk_run "signx /v1/version JSON (access_log=$access_log)" -t2 -c"$conns" -d"${dur}s" "http://127.0.0.1:$port/v1/version"
  echo "signx rss_mb=$(rss_mb "$pid")"
  kill -TERM "$pid"; wait "$pid" || true
done

if [ -f /opt/peer/env.sh ]; then
  peer_dir="$root/../shared/peers/leadscore-fastapi"
  (
    . /opt/peer/env.sh
    cd "$peer_dir"
    [ -f artifacts/model.json ] || python3.11 train.py ../../data/leads/Leads.csv artifacts >/dev/null
    export API_KEYS=bench-key LAKE_DIR=$(mktemp -d)
    exec python3.11 -m uvicorn app:app --host 127.0.0.1 --port "$peer_port" --workers 2 \
      --loop uvloop --http httptools --log-level warning --no-access-log >/tmp/peer-http-bench.log 2>&1
  ) &
  ppid=$!; pids+=("$ppid")
  wait_http "http://127.0.0.1:$peer_port/health/ready" 600
  wrk -t2 -c"$conns" -d2s "http://127.0.0.1:$peer_port/health/live" >/dev/null
  wrk_run "python reference /health/live" -t2 -c"$conns" -d"${dur}s" "http://127.0.0.1:$peer_port/health/live"
  peer_live=$LAST_RPS
  echo "reference rss_mb=$(rss_mb "$ppid")"
  awk -v a="$signx_live" -v b="$peer_live" 'BEGIN {printf "ratio signx/reference /health/live: %.1fx\n", a/b}'
else
  echo "reference not installed: run ../shared/peers/setup-python-peer.sh to compare"
fi
