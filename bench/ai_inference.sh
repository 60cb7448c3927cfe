#!/usr/bin/env bash
# AI runtime batch throughput (docs/ai-runtime.md) on the real binary: a 10,000-lead batch
# (the reference service's 100 example leads × 100, distinct ids) scored by the X Education lead
# model through POST /v1/ai/models/lead/inference-jobs and the job queue (the in-process worker),
# and 1,000 forecast series (2 years of daily demand, period 7, horizon 28). Prints the job's own
# execution metrics (wall_ms of the attempt, rows/s) and the submit → succeeded time seen by the
# client. SQLite under a temp directory.
# Usage: bench/ai_inference.sh   (SIGNX_BUILD_DIR: default build/release, built here)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
build_signx
port=${SIGNX_BENCH_PORT:-18090}
peer_dir=$root/../shared/peers/leadscore-fastapi
work=$(mktemp -d)
pids=()
trap 'for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; wait 2>/dev/null || true; rm -rf "$work"' EXIT
cd "$work"
echo "# bench/ai_inference.sh $(date -u +%FT%TZ) $(nproc) cores"
# The peer keeps its bodies in bench/ (example-batch-100.json now only names that file).
batch=$peer_dir/bench/batch-100.json
[ -f "$batch" ] || batch=$peer_dir/example-batch-100.json
python3 - "$batch" <<'PY'
import json, math, random, sys
leads = json.load(open(sys.argv[1]))["leads"]
rows = [dict(l, lead_id=f"{l['lead_id']}-{k}") for k in range(100) for l in leads]
json.dump({"input": rows}, open("leads-10000.json", "w"))
rng = random.Random(7)
series = []
for s in range(1000):
    level = rng.uniform(5, 200)
    series.append({"series": [round(max(0.0, level * (1 + 0.3 * math.sin(2 * math.pi * d / 7))
                                         + rng.gauss(0, level * 0.1)), 2) for d in range(730)],
                   "horizon": 28, "period": 7})
json.dump({"input": series}, open("series-1000.json", "w"))
PY
"$signx" migrate up >/dev/null 2>&1
"$signx" train leads --data "$root/../shared/data/leads/Leads.csv" --out model.json --no-compare \
  >train.log 2>&1 || { cat train.log >&2; exit 1; }
"$signx" leads register --model model.json --promote >/dev/null 2>&1
org=$("$signx" admin create-org --name bench 2>/dev/null)
key=$("$signx" admin create-api-key --org "$org" --name bench \
  --scopes leads:score,leads:read,jobs:read,operations:write,operations:read 2>/dev/null)
"$signx" serve --port "$port" --set log.access_log=false --set log.level=warn 2>/dev/null &
pids+=("$!")
wait_http "http://127.0.0.1:$port/health/ready"

# run <label> <kind> <body file>: submits, polls until the job ends, prints its metrics.
run() {
  local label=$1 kind=$2 file=$3 t0 id body status
  t0=$(date +%s.%N)
  id=$(curl -fs "http://127.0.0.1:$port/v1/ai/models/$kind/inference-jobs" -H "X-API-Key: $key" \
    -H 'Content-Type: application/json' --data-binary "@$file" | python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])')
  for _ in $(seq 6000); do
    body=$(curl -fs "http://127.0.0.1:$port/v1/ai/inference-jobs/$id" -H "X-API-Key: $key")
    status=$(echo "$body" | python3 -c 'import json,sys; print(json.load(sys.stdin)["status"])')
    [ "$status" = succeeded ] || [ "$status" = failed ] && break
    sleep 0.1
  done
  echo "$body" | python3 -c '
import json, sys
j = json.load(sys.stdin); m = j["metrics"]
print("%-34s %-9s rows %6d  failed %4d  job wall %s ms  %.0f rows/s  submit->done %.2f s" % (
    sys.argv[1], j["status"], m["rows"], m["rows_failed"], m["wall_ms"], m["rows_per_s"] or 0,
    float(sys.argv[2])))
' "$label" "$(awk -v a="$t0" -v b="$(date +%s.%N)" 'BEGIN {print b-a}')"
}
run "lead 10,000 rows (no reasons)" lead leads-10000.json
python3 -c 'import json; d=json.load(open("leads-10000.json")); d["explain"]=True; json.dump(d, open("leads-10000-explain.json","w"))'
run "lead 10,000 rows (explain)" lead leads-10000-explain.json
run "forecast 1,000 series x 730 days" forecast series-1000.json
