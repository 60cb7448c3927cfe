#!/usr/bin/env bash
# Lead scoring side by side, in one run, with the peer's own script, load and request bodies:
# SignX (`POST /v1/leads/score`, `/v1/leads/score/batch`) against the Python peer of
# ../shared/peers (FastAPI + XGBoost 1.7, `run.sh` with MODE=reuseport: two single-worker uvicorn
# servers on SO_REUSEPORT sockets, its balanced best case).
#
# Both are measured by ../shared/peers/bench-leadscore.sh (wrk + bench/post.lua): single lead at
# -t2 -c$conns ($ROUNDS rounds, median), one connection, batch of 100 at -c8, batch of 1,000 on one
# connection, GET /health/live, RSS of the server process tree. Like for like:
#   - both write one JSON access-log line per request to a file (SignX: log.access_log=true, the
#     default; the peer's request-logging middleware);
#   - SignX answers with reasons (exact TreeSHAP, 5 per lead; the default), the peer without;
#   - SignX serves its default model (`signx train leads`: no leaky fields, 57 trees on Leads.csv,
#     as issue 20 measured); LEADS_VARIANT=all serves instead the model with the peer's served
#     features (all 34 fields, tags and lead_quality included) trained on the peer's 7,389 training
#     rows (larger: exact reasons cost more). LEADS_MODEL=<bundle> serves a given bundle.
#   - the lake is on for both (SignX: var/lake; lake_rows_dropped_total is printed).
# RSS: the peer's script samples its own under single-lead load; this script also samples SignX's
# every second through every load (single, batches, health) and prints the max, with what it is
# made of (file-backed vs anonymous, signx's heap, DuckDB's allocator: signx-memory-all-loads.txt).
# Prints both tables, the ratios SignX/peer and the issue-20 bars:
#   single lead >= 8x the peer with p99 <= 5 ms; batch of 100 >= 70,000 leads/s;
#   batch of 1,000 p50 <= 20 ms; RSS under load <= 1/3 of the peer's.
# Usage: bench/leads.sh [duration_s=15] [connections=64]
#   env: ROUNDS (3), SIGNX_BUILD_DIR (default build/release; configured RelWithDebInfo, built here),
#        LEADS_VARIANT (default|all), LEADS_MODEL (a bundle to serve instead of training one), PEERS_DIR (../shared/peers),
#        SIGNX_BENCH_PORT (18090), PEER_PORT (18091), ONLY=signx|peer (run one side).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
dur=${1:-15}; conns=${2:-64}
export ROUNDS=${ROUNDS:-3}
peers=$(cd "${PEERS_DIR:-$root/../shared/peers}" && pwd)
peer_dir=$peers/leadscore-fastapi
[ -f "${PEER_PREFIX:-/opt/peer}/env.sh" ] || {
  echo "the peer is not installed: run $peers/setup-python-peer.sh (about 30 s)" >&2; exit 2; }
port=${SIGNX_BENCH_PORT:-18090}; peer_port=${PEER_PORT:-18091}
only=${ONLY:-}
build_signx
work=$(mktemp -d)
pid=""; sampler=""
cleanup() {
  [ -n "$sampler" ] && kill "$sampler" 2>/dev/null || true
  [ -n "$pid" ] && kill -TERM "$pid" 2>/dev/null && wait "$pid" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

echo "# bench/leads.sh $(date -u +%FT%TZ) $(nproc) cores, load average $(cut -d' ' -f1-3 /proc/loadavg)," \
  "wrk -c$conns -d${dur}s x$ROUNDS rounds (the peer's bench-leadscore.sh)"
results_of() { sed -n 's/^raw wrk output and results.json: //p' "$1" | tail -1; }

# mem_line <pid> <port>: one line of SignX's memory in MB, read from /proc and /metrics:
#   epoch rss anon file heap_live heap_resident duckdb_live duckdb_resident score_log_queue_rows
# RSS = file-backed (the binary, libraries, the lake segment being converted) + anonymous (signx's
# jemalloc, DuckDB's own allocator, thread stacks). docs/operations.md "Memory" explains each part.
mem_line() {
  local st m
  st=$(awk '/^(VmRSS|RssAnon|RssFile):/ {printf "%d ", $2 / 1024}' "/proc/$1/status" 2>/dev/null) ||
    return 0
  m=$(curl -s --max-time 1 "http://127.0.0.1:$2/metrics" | awk '
    $1 == "signx_jemalloc_allocated_bytes" {a = $2} $1 == "signx_jemalloc_resident_bytes" {r = $2}
    $1 == "lake_duckdb_allocated_bytes" {da = $2} $1 == "lake_duckdb_resident_bytes" {dr = $2}
    $1 == "leads_score_log_queue_rows" {q = $2}
    END {printf "%d %d %d %d %d", a / 1048576, r / 1048576, da / 1048576, dr / 1048576, q}')
  echo "$(date +%s) $st$m"
}
# mem_summary <file of mem_line lines>: the breakdown at the highest RSS, and each part's maximum.
mem_summary() {
  awk 'NF == 9 {
      if ($2 > m) {m = $2; for (i = 1; i <= 9; i++) at[i] = $i}
      for (i = 2; i <= 9; i++) if ($i > mx[i]) mx[i] = $i
    }
    END {
      if (m == 0) exit
      printf "signx memory at its max RSS (MB): %d = file-backed %d + anonymous %d; signx heap %d live / %d resident, DuckDB allocator %d live / %d resident, score log queue %d rows\n", at[2], at[4], at[3], at[5], at[6], at[7], at[8], at[9]
      printf "signx memory, max of each part over every load (MB): anonymous %d, file-backed %d, signx heap %d live / %d resident, DuckDB allocator %d live / %d resident, score log queue %d rows\n", mx[3], mx[4], mx[5], mx[6], mx[7], mx[8], mx[9]
    }' "$1"
}

signx_json=""; peer_json=""
if [ "$only" != peer ]; then
  cd "$work"
  "$signx" migrate up >/dev/null 2>&1
  if [ -n "${LEADS_MODEL:-}" ]; then
    cp "$LEADS_MODEL" model.json
  elif [ "${LEADS_VARIANT:-default}" = all ]; then
    "$signx" train leads --data "$root/../shared/data/leads/Leads.csv" --with-leaky-fields \
      --no-compare --test-scores "$peer_dir/artifacts/test_scores.csv" \
      --test-id-column "Lead Number" --out model.json >train.log 2>&1 || { cat train.log >&2; exit 1; }
    grep -E "test AUC|^auc_roc|^brier" train.log || true
  else
    "$signx" train leads --data "$root/../shared/data/leads/Leads.csv" --no-compare \
      --out model.json >train.log 2>&1 || { cat train.log >&2; exit 1; }
    grep -E "test AUC|^auc_roc|^brier" train.log || true
  fi
  "$signx" leads register --model model.json --promote >/dev/null 2>&1
  org=$("$signx" admin create-org --name bench 2>/dev/null)
  key=$("$signx" admin create-api-key --org "$org" --name bench --scopes leads:score 2>/dev/null)
  "$signx" serve --port "$port" --set log.access_log=true >"$work/signx.log" 2>&1 &
  pid=$!
  wait_http "http://127.0.0.1:$port/health/ready" 600
  ( while kill -0 "$pid" 2>/dev/null; do
      rss_mb "$pid" >>"$work/signx-rss.txt"; mem_line "$pid" "$port" >>"$work/signx-mem.txt"; sleep 1
    done ) &
  sampler=$!
  TARGET_URL=http://127.0.0.1:$port SERVER_PID=$pid API_KEY=$key SCORE_PATH=/v1/leads/score \
    BATCH_PATH=/v1/leads/score/batch "$peers/bench-leadscore.sh" "$dur" "$conns" |
    tee "$work/signx-bench.txt"
  signx_json=$(results_of "$work/signx-bench.txt")/results.json
  curl -s "http://127.0.0.1:$port/metrics" | grep -E '^lake_(rows|write)' || true
  echo "signx access-log lines: $(grep -c '"request_id"' "$work/signx.log" || true)"
  kill "$sampler" 2>/dev/null || true; sampler=""
  kill -TERM "$pid"; wait "$pid" 2>/dev/null || true; pid=""
  cp "$work/signx-rss.txt" "$(dirname "$signx_json")/signx-rss-all-loads.txt"
  cp "$work/signx-mem.txt" "$(dirname "$signx_json")/signx-memory-all-loads.txt"
  mem_summary "$work/signx-mem.txt"
fi
if [ "$only" != signx ]; then
  MODE=reuseport PORT=$peer_port "$peers/bench-leadscore.sh" "$dur" "$conns" |
    tee "$work/peer-bench.txt"
  peer_json=$(results_of "$work/peer-bench.txt")/results.json
fi
[ -n "$signx_json" ] && [ -n "$peer_json" ] || exit 0

python3 - "$signx_json" "$peer_json" "$(dirname "$signx_json")/signx-rss-all-loads.txt" <<'PY'
import json, sys
s, p = (json.load(open(f)) for f in sys.argv[1:3])
rss_all = max((int(l) for l in open(sys.argv[3]) if l.strip()), default=0)
sm, pm = s["median"], p["median"]
def g(m, k, f): return m.get(k, {}).get(f, float("nan"))
single = g(sm, "single", "rps") / g(pm, "single", "rps")
s_rss = max(int(s["memory_mb"]["load_max"]["rss_mb"]), rss_all)
p_rss = max(int(p["memory_mb"]["load_max"]["rss_mb"]), int(p["memory_mb"]["after_load"]["rss_mb"]))
print("\nSignX / peer (median rounds, same script, same bodies, same machine and load):")
rows = [("single lead, req/s", g(sm, "single", "rps"), g(pm, "single", "rps")),
        ("single lead p99 ms", g(sm, "single", "p99_ms"), g(pm, "single", "p99_ms")),
        ("single, 1 conn, req/s", g(sm, "single_c1", "rps"), g(pm, "single_c1", "rps")),
        ("batch of 100, leads/s", 100 * g(sm, "batch100", "rps"), 100 * g(pm, "batch100", "rps")),
        ("batch of 1,000 p50 ms", g(sm, "batch1000", "p50_ms"), g(pm, "batch1000", "p50_ms")),
        ("batch of 1,000, leads/s", 1000 * g(sm, "batch1000", "rps"), 1000 * g(pm, "batch1000", "rps")),
        ("GET /health/live, req/s", g(sm, "health_live", "rps"), g(pm, "health_live", "rps")),
        ("RSS MB, max under load", s_rss, p_rss)]
print(f"{'':<26} {'signx':>10} {'peer':>10} {'ratio':>8}")
for name, a, b in rows:
    print(f"{name:<26} {a:>10.1f} {b:>10.1f} {a / b:>7.2f}x")
def bar(name, ok, what): print(f"  {'met    ' if ok else 'NOT met'}  {name}: {what}")
print("issue-20 bars:")
bar("single lead >= 8x the peer, p99 <= 5 ms", single >= 8 and g(sm, "single", "p99_ms") <= 5,
    f"{single:.2f}x, p99 {g(sm, 'single', 'p99_ms'):.2f} ms")
bar("batch of 100 >= 70,000 leads/s", 100 * g(sm, "batch100", "rps") >= 70000,
    f"{100 * g(sm, 'batch100', 'rps'):.0f} leads/s")
bar("batch of 1,000 p50 <= 20 ms", g(sm, "batch1000", "p50_ms") <= 20,
    f"{g(sm, 'batch1000', 'p50_ms'):.1f} ms")
bar("RSS under load <= 1/3 of the peer's", s_rss * 3 <= p_rss,
    f"{s_rss} MB (max over every load) vs {p_rss} MB = {s_rss / p_rss:.2f}")
PY
