#!/usr/bin/env bash
# Cost prediction side by side with the Python reference (issue 20 §3), in one run, with the
# peer's own script, bodies and load: ../shared/peers/costpredict-fastapi/bench-costpredict.sh
# first against the peer (MODE=reuseport, its shipped model trained on
# `signx demo generate --projects 20000 --seed 42`), then against `signx serve` (a throwaway SQLite
# database, `signx train cost` on the same generated history, access log ON, written to a file
# like the peer's one JSON line per request). JITTER=1: every request moves travel_miles and
# region_index a little, so neither answer cache hits. Prints both tables and the ratios against
# the bar (>= 10,000 req/s with p99 <= 10 ms).
# Usage: bench/estimates_peer.sh [duration_s=15] [connections=64]
#   Needs the peer's Python stack (../shared/peers/setup-python-peer.sh, /opt/peer).
#   SIGNX_BUILD_DIR (default build/release) is configured Release/RelWithDebInfo and built here.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
dur=${1:-15}; conns=${2:-64}
peer="$root/../shared/peers/costpredict-fastapi"
[ -x "$peer/bench-costpredict.sh" ] || { echo "no peer at $peer" >&2; exit 2; }
[ -f "${PEER_PREFIX:-/opt/peer}/env.sh" ] || {
  echo "the peer's Python stack is missing: run ../shared/peers/setup-python-peer.sh" >&2; exit 2; }
build_signx
port=${SIGNX_BENCH_PORT:-18091}
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
echo "# bench/estimates_peer.sh $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1 /proc/loadavg), -c$conns -d${dur}s, JITTER=1"

echo "## peer (FastAPI + XGBoost, MODE=reuseport, cache off)"
JITTER=1 RESULTS_DIR="$work/results-peer" PORT=18092 "$peer/bench-costpredict.sh" "$dur" "$conns" \
  >"$work/peer.txt" 2>&1 || { cat "$work/peer.txt" >&2; exit 1; }
sed -n '/^cost-prediction benchmark/,/^CPU speed/p' "$work/peer.txt"

echo "## signx (access log on)"
cd "$work"
"$signx" migrate up >/dev/null 2>&1
"$signx" demo generate --projects 20000 --seed 42 --out cost-history.ndjson 2>/dev/null
"$signx" train cost --data cost-history.ndjson --out cost.json --register --promote >train.log 2>&1 ||
  { cat train.log >&2; exit 1; }
org=$("$signx" admin create-org --name bench 2>/dev/null)
key=$("$signx" admin create-api-key --org "$org" --name bench --scopes estimates:predict 2>/dev/null)
"$signx" serve --port "$port" --set log.access_log=true --set log.level=info \
  --set "limits.rate_limits=predict=1000000000/h" --set jobs.workers=0 2>signx-access.log &
pid=$!; pids+=("$pid")
wait_http "http://127.0.0.1:$port/health/ready" 1200
TARGET_URL="http://127.0.0.1:$port" SERVER_PID=$pid API_KEY=$key JITTER=1 \
  RESULTS_DIR="$work/results-signx" "$peer/bench-costpredict.sh" "$dur" "$conns" \
  >"$work/signx.txt" 2>&1 || { cat "$work/signx.txt" >&2; exit 1; }
sed -n '/^cost-prediction benchmark/,/^CPU speed/p' "$work/signx.txt"
echo "signx access-log lines written: $(wc -l <signx-access.log)"
kill -TERM "$pid"; wait "$pid" || true

# Ratios from the two results.json files (the script's median round).
python3 - "$work"/results-peer/*/results.json "$work"/results-signx/*/results.json <<'PY'
import json, sys
p, s = (json.load(open(f)) for f in sys.argv[1:3])
sp, ss = p["median"]["predict"], s["median"]["predict"]
c1p, c1s = p["median"].get("predict_c1") or {}, s["median"].get("predict_c1") or {}
print(f"predict, random spec, -c{s['connections']}: SignX {ss['rps']:.0f} req/s p99 {ss['p99_ms']:.2f} ms"
      f" vs peer {sp['rps']:.0f} req/s p99 {sp['p99_ms']:.2f} ms = {ss['rps'] / sp['rps']:.1f}x"
      f"  (bar: >= 10,000 req/s with p99 <= 10 ms: {'met' if ss['rps'] >= 10000 and ss['p99_ms'] <= 10 else 'NOT met'})")
if c1p and c1s:
    print(f"one connection: SignX {c1s['rps']:.0f} vs peer {c1p['rps']:.0f} req/s = {c1s['rps'] / c1p['rps']:.1f}x")
print(f"RSS max under load: SignX {s['memory_mb']['load_max']['rss_mb']} MB, peer {p['memory_mb']['load_max']['rss_mb']} MB")
PY
