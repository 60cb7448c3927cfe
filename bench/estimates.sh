#!/usr/bin/env bash
# Cost prediction under load and cost-model training time, on the binary this script builds:
#   1. `signx demo generate --projects 20000` (seed 42) and `signx train cost` on it, timed;
#   2. `signx serve` on 127.0.0.1 with that model in production, then wrk -t2 -c64 against
#      POST /v1/estimates/predict (drivers by exact TreeSHAP + 5 similar projects + interval +
#      breakdown): a different random spec per request (the answer cache almost never hits), and
#      one fixed spec (cached answers);
#   3. RSS of the server under load. Stops the server it started (by PID) and removes its files.
# Usage: bench/estimates.sh [duration_s=15] [connections=64]
#   SIGNX_BUILD_DIR (default build/release) is configured Release/RelWithDebInfo and built here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
dur=${1:-15}; conns=${2:-64}
build_signx
port=${SIGNX_BENCH_PORT:-18090}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"  # throwaway SQLite database and model files under $work

echo "# bench/estimates.sh $(date -u +%FT%TZ) $(nproc) cores, wrk -t2 -c$conns -d${dur}s"
"$signx" migrate up >/dev/null 2>&1
"$signx" demo generate --projects 20000 --seed 42 --out history.ndjson 2>/dev/null
t0=$(date +%s.%N)
"$signx" train cost --data history.ndjson --out cost.json --register --promote >train.log 2>&1 ||
  { cat train.log >&2; exit 1; }
t1=$(date +%s.%N)
awk -v a="$t0" -v b="$t1" 'BEGIN {printf "signx train cost: 20,000 projects in %.1f s (wall, incl. loading and registering)\n", b-a}'
grep -iE "MAPE|coverage|training" train.log | head -5 || true
org=$("$signx" admin create-org --name bench 2>/dev/null)
export API_KEY=$("$signx" admin create-api-key --org "$org" --name bench --scopes estimates:predict 2>/dev/null)

"$signx" serve --port "$port" --set log.access_log=false --set log.level=warn \
  --set "limits.rate_limits=predict=1000000000/h" 2>/dev/null &
pid=$!; pids+=("$pid")
wait_http "http://127.0.0.1:$port/health/ready"
url="http://127.0.0.1:$port/v1/estimates/predict"
code=$(curl -s -o check.json -w '%{http_code}' -H "X-API-Key: $API_KEY" \
  -H 'Content-Type: application/json' --data-binary \
  '{"width_in": 96, "height_in": 48, "wind_speed_mph": 115, "material": "aluminum", "sign_type": "monument", "mounting_type": "ground", "foundation_type": "spread_footing", "illumination": "internal_led", "faces": 2, "sign_height_ft": 6, "base_material": "masonry", "region_index": 1.05}' "$url")
[ "$code" = 200 ] || { echo "signx answered $code: $(cat check.json)" >&2; exit 1; }
echo "one answer: $(head -c 300 check.json)…"
header
wrk -t2 -c"$conns" -d2s -s "$here/estimate.lua" "$url" >/dev/null  # warm-up
wrk_run "predict, random spec per request" -t2 -c"$conns" -d"${dur}s" -s "$here/estimate.lua" "$url"
SAME_SPEC=1 wrk_run "predict, one spec (cached answer)" -t2 -c"$conns" -d"${dur}s" \
  -s "$here/estimate.lua" "$url"
echo "signx rss_load_mb=$(rss_mb "$pid")"
kill -TERM "$pid"; wait "$pid" || true
