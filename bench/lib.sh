# Shared helpers for bench/*.sh (sourced). Everything runs on 127.0.0.1 and stops what it starts.

# wrk_run <label> <wrk args...>: runs wrk --latency and prints "label rps p50 p99 errors".
wrk_run() {
  local label=$1; shift
  local out
  out=$(wrk --latency "$@")
  local rps p50 p99 errs
  rps=$(echo "$out" | awk '/Requests\/sec/ {print $2}')
  p50=$(echo "$out" | awk '$1=="50%" {print $2}')
  p99=$(echo "$out" | awk '$1=="99%" {print $2}')
  errs=$(echo "$out" | awk '/Non-2xx/ {print $NF}')
  local sock
  sock=$(echo "$out" | awk '/Socket errors/ {print $0}')
  printf '%-44s %10s %9s %9s %7s %s\n' "$label" "$rps" "$p50" "$p99" "${errs:-0}" "${sock:+($sock)}"
  LAST_RPS=$rps
  LAST_P99=$p99
}

# rss_mb <pid> [more pids]: resident memory of the processes and their children, in MB.
rss_mb() {
  local total=0 p
  for p in "$@"; do
    total=$((total + $(ps -o rss= -p "$p" 2>/dev/null || echo 0)))
    for c in $(pgrep -P "$p" 2>/dev/null); do total=$((total + $(ps -o rss= -p "$c" || echo 0))); done
  done
  echo $((total / 1024))
}

wait_http() {  # wait_http <url> [tries]
  local i
  for i in $(seq "${2:-200}"); do curl -fs "$1" >/dev/null 2>&1 && return 0; sleep 0.05; done
  echo "timed out waiting for $1" >&2; return 1
}

header() { printf '%-44s %10s %9s %9s %7s\n' test req/s p50 p99 non2xx; }

# build_signx: builds the `signx` target in $SIGNX_BUILD_DIR (default build/release, configured
# Release/RelWithDebInfo) and sets $signx to the binary.
build_signx() {
  local build=${SIGNX_BUILD_DIR:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)/build/release}
  cmake --build "$build" --target signx >/dev/null
  # Absolute, so scripts that cd into a temp dir afterwards still find it.
  signx=$(cd "$build" && pwd)/bin/signx
}
