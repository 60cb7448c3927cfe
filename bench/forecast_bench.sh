#!/usr/bin/env bash
# forecast_bench.sh -- AutoForecast over 10,000 item series of 2 years' daily demand (synthetic:
# level, weekday profile, trend, yearly wave, noise; one item in seven intermittent), with the
# per-series rolling-origin backtest selection, the global model and intervals, on 2 threads.
# Target: <= 60 s wall on 2 cores. Prints wall and CPU time, series/s, accuracy on 14 held-out days
# (OWA against Naive2, MASE with m = 7) and the 80 % interval coverage.
#
# Usage: bench/forecast_bench.sh [SIGNX] [extra flags for `signx bench demand`]
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
signx="${1:-$root/build/ci/bin/signx}"
[ $# -gt 0 ] && shift
[ -x "$signx" ] || { echo "no signx binary at $signx" >&2; exit 2; }
echo "load before: $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) cores"
"$signx" bench demand --series 10000 --length 730 --horizon 14 --period 7 --threads 2 "$@"
echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
