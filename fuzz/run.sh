#!/usr/bin/env bash
# Runs every libFuzzer program of a `fuzz` build for a bounded time and prints a summary.
#   fuzz/run.sh [build dir] [seconds per target]     (make fuzz: build/fuzz, FUZZ_SECONDS=30)
# FUZZ_TARGETS="jwt multipart" limits the run to those targets.
# Each target starts from fuzz/corpus/<target>/ and fuzz/regressions/<target>/ (read only); new
# corpus entries go to <build dir>/corpus/<target>/, crash inputs to fuzz/crashes/<target>/ (a
# target stops at its first crash). Keep a crash input as fuzz/regressions/<target>/<name> once it
# is understood: signx_fuzz_replay_test replays it in the normal build. Exit 1 when any crashed.
set -u
cd "$(dirname "$0")/.."
build=${1:-build/fuzz}
seconds=${2:-30}
targets=${FUZZ_TARGETS:-$(ls fuzz/*_fuzz.cc | sed 's|fuzz/||; s|_fuzz\.cc||')}

failed=0
summary=()
for t in $targets; do
  bin="$build/fuzz/signx_${t}_fuzz"
  if [[ ! -x $bin ]]; then
    summary+=("$(printf '%-14s %s' "$t" "MISSING ($bin; run make fuzz)")")
    failed=1
    continue
  fi
  mkdir -p "$build/corpus/$t" "fuzz/crashes/$t" "fuzz/regressions/$t"
  log="$build/fuzz-$t.log"
  echo "== $t: ${seconds}s"
  "$bin" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="fuzz/crashes/$t/" \
    "$build/corpus/$t" "fuzz/corpus/$t" "fuzz/regressions/$t" >"$log" 2>&1
  rc=$?
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
  rate=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
  last=$(grep -E '^#[0-9]+.*cov: ' "$log" | tail -1)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([0-9]*\/[0-9a-zA-Z]*\).*/\1/p' <<<"$last")
  crashes=$(find "fuzz/crashes/$t" -type f ! -name .gitignore | wc -l)
  status=ok
  if ((rc != 0)); then
    status="CRASH (exit $rc, see $log)"
    failed=1
  fi
  summary+=("$(printf '%-14s %-10s %-8s %-7s %-7s %-12s %-8s %s' "$t" "${execs:-?}" "${rate:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$crashes" "$status")")
done

echo
printf '%-14s %-10s %-8s %-7s %-7s %-12s %-8s %s\n' target execs exec/s cov ft corpus crashes status
printf '%s\n' "${summary[@]}"
exit $failed
