#!/usr/bin/env bash
# POST /v1/engineering/sign-wind under load, on the binary this script builds: `signx serve` on
# 127.0.0.1 (throwaway SQLite database, an org and an API key with estimates:predict), then
# wrk -t2 -c64 with (1) a different random sign per request (the answer cache almost never hits:
# validation + traced wind/Case C/embedment calculation + JSON every time) and (2) the W4 pylon
# every time (cached answer), (3) GET /v1/projects/{id} of one project, and GET /v1/version as the machine's floor. Target (issue 16): p99 <= 5 ms at 64 connections. Prints req/s,
# p50, p99 and non-2xx, and the server's RSS. Stops the server it started (by PID).
# Usage: bench/engineering_http.sh [duration_s=10] [connections=64]
#   SIGNX_BUILD_DIR (default build/release) is configured Release/RelWithDebInfo and built here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
dur=${1:-10}; conns=${2:-64}
build_signx
port=${SIGNX_BENCH_PORT:-18095}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"

echo "# bench/engineering_http.sh $(date -u +%FT%TZ) $(nproc) cores, wrk -t2 -c$conns -d${dur}s"
"$signx" migrate up >/dev/null 2>&1
org=$("$signx" admin create-org --name bench 2>/dev/null)
export API_KEY=$("$signx" admin create-api-key --org "$org" --name bench --scopes estimates:predict,projects:read,projects:write 2>/dev/null)
"$signx" serve --port "$port" --set log.access_log=false --set log.level=warn 2>/dev/null &
pid=$!; pids+=("$pid")
wait_http "http://127.0.0.1:$port/health/ready"
url="http://127.0.0.1:$port/v1/engineering/sign-wind"
code=$(curl -s -o check.json -w '%{http_code}' -H "X-API-Key: $API_KEY" \
  -H 'Content-Type: application/json' --data-binary \
  '{"code": "ASCE7-16", "wind_speed_mph": 115, "exposure": "C", "sign_width_ft": 8, "sign_height_ft": 6, "top_height_ft": 20, "soil_class": 4, "footing_diameter_ft": 2}' "$url")
[ "$code" = 200 ] || { echo "signx answered $code: $(cat check.json)" >&2; exit 1; }
echo "one answer ($(wc -c <check.json) bytes): $(head -c 240 check.json)…"
header
wrk -t2 -c"$conns" -d2s -s "$here/engineering_wind.lua" "$url" >/dev/null  # warm-up
wrk_run "sign-wind, random sign per request" -t2 -c"$conns" -d"${dur}s" \
  -s "$here/engineering_wind.lua" "$url"
SAME_SIGN=1 wrk_run "sign-wind, one sign (cached answer)" -t2 -c"$conns" -d"${dur}s" \
  -s "$here/engineering_wind.lua" "$url"
# A project read (studio's GET /v1/projects/{id}: scope check, SQLite read, ETag) of one project.
pid_json=$(curl -s -H "X-API-Key: $API_KEY" -H 'Content-Type: application/json' \
  --data-binary '{"name": "Main St pylon", "customer": "Acme Signs"}' \
  "http://127.0.0.1:$port/v1/projects")
project=$(echo "$pid_json" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
echo 'wrk.headers["X-API-Key"] = os.getenv("API_KEY")' >read.lua
wrk_run "GET /v1/projects/{id}" -t2 -c"$conns" -d"${dur}s" -s read.lua \
  "http://127.0.0.1:$port/v1/projects/$project"
# The server's floor on this machine right now (same server, same load): a tiny JSON route.
wrk_run "baseline GET /v1/version" -t2 -c"$conns" -d"${dur}s" "http://127.0.0.1:$port/v1/version"
echo "signx rss_load_mb=$(rss_mb "$pid")"
kill -TERM "$pid"; wait "$pid" || true
