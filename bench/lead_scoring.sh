#!/usr/bin/env bash
# Per-lead scoring cost in process (no HTTP): leads::Scorer::ScoreJson with and without reasons
# (exact TreeSHAP over every tree) on the X Education model that bench/leads.sh serves, trained
# here with the same command. The reference service's 100 example leads, cycled. The *Batch100
# benchmarks time what POST /v1/leads/score/batch does outside the model on the peer's 100-lead
# body (parse, validate, lake feature text and rows, display values, rendering); their
# items_per_second is leads per second of CPU.
# Usage: bench/lead_scoring.sh [min_time_s=1]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
build=${SIGNX_BUILD_DIR:-$root/build/release}
build_signx
cmake --build "$build" --target signx_lead_scoring_bench >/dev/null
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"
"$signx" train leads --data "$root/../shared/data/leads/Leads.csv" --out model.json --no-compare \
  >train.log 2>&1 || { cat train.log >&2; exit 1; }
echo "# bench/lead_scoring.sh $(date -u +%FT%TZ) $(nproc) cores"
grep -E "test AUC" train.log || true
# The peer keeps its bodies in bench/ (example-batch-100.json now only names that file).
batch=$root/../shared/peers/leadscore-fastapi/bench/batch-100.json
[ -f "$batch" ] || batch=$root/../shared/peers/leadscore-fastapi/example-batch-100.json
SIGNX_BENCH_LEADS_MODEL=$work/model.json \
SIGNX_BENCH_LEADS_BATCH=$batch \
  "$build/bench/signx_lead_scoring_bench" --benchmark_min_time="${1:-1}" 2>&1 | grep -v '^\*\*\*'
