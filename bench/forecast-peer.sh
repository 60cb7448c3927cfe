#!/usr/bin/env bash
# forecast-peer.sh -- SignX's AutoForecast beside R's `forecast` package (Hyndman) on the M4 Hourly
# and Weekly series, in one run: accuracy (sMAPE, MASE, OWA by the M4 folder's evaluate.py) and
# wall time, and SignX's speed-up over each R method.
#
# Usage: bench/forecast-peer.sh [-d M4_DIR] [-p PEER_DIR] [-o OUT_DIR] [-b SIGNX] [FREQ ...]
#   FREQ      Hourly and/or Weekly (default both)
#   -d        the M4 folder (default ../shared/data/m4 beside the repository)
#   -p        the R peer folder with run-m4.sh (default ../shared/peers/forecast-r)
#   -o        output folder (default a new temporary folder)
#   -b        the signx binary (default build/ci/bin/signx)
#   R_HOURLY / R_WEEKLY   R methods to run (defaults below)
#
# What runs (2 cores, as the peer's measured table):
#   SignX:   signx forecast on every series (AutoForecastAll: backtest selection per series, the
#            global model, intervals); the M4 horizons; models see period 24 (Hourly) / 52 (Weekly);
#            MASE and Naive2 use m = 24 / 1 (the M4 rule).
#   R Hourly: snaive theta stlf mstl, and ets on a 30-series subset (ets on all 414 takes ~666 s:
#            that row comes from the peer's measured table, as do auto.arima (100 series, ~2.3 h
#            extrapolated) and tbats (30 series)).
#   R Weekly: snaive theta theta_m1 ets stlf (all series; under a minute).
# Then each R method beside SignX's own implementation of the same method (`signx bench m4
# --methods`), accuracy and time, all series.
# SignX's forecast file sits in the R output folder, so run-m4.sh scores it beside R's methods on
# every subset too (rows "signx").
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
find_shared() {
  for d in "$root/../shared" "$root/../../shared"; do
    [ -d "$d/$1" ] && { (cd "$d/$1" && pwd); return; }
  done
  echo ""
}
data="$(find_shared data/m4)"
peer="$(find_shared peers/forecast-r)"
out=""
signx="$root/build/ci/bin/signx"
while getopts "d:p:o:b:h" o; do
  case "$o" in
    d) data="$OPTARG" ;;
    p) peer="$OPTARG" ;;
    o) out="$OPTARG" ;;
    b) signx="$OPTARG" ;;
    *) sed -n '2,26p' "$0"; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
freqs="${*:-Hourly Weekly}"
out="${out:-$(mktemp -d /tmp/forecast-peer.XXXXXX)}"
[ -x "$signx" ] || { echo "no signx binary at $signx (nice cmake --build --preset ci --target signx)" >&2; exit 2; }
[ -f "$data/evaluate.py" ] || { echo "M4 folder not found (-d)" >&2; exit 2; }
[ -x "$peer/run-m4.sh" ] || { echo "R peer not found (-p)" >&2; exit 2; }
command -v Rscript >/dev/null || { echo "Rscript missing (apt-get install r-base-core r-cran-forecast)" >&2; exit 2; }

now() { date +%s.%N; }
for freq in $freqs; do
  case "$freq" in
    Hourly) h=48; period=24; mase=24; methods="${R_HOURLY:-snaive theta stlf mstl ets:30}" ;;
    Weekly) h=13; period=52; mase=1; methods="${R_WEEKLY:-snaive theta theta_m1 ets stlf}" ;;
    *) echo "FREQ must be Hourly or Weekly" >&2; exit 2 ;;
  esac
  dir="$out/$freq"
  mkdir -p "$dir"
  echo "=== $freq: SignX" >&2
  t0="$(now)"
  "$signx" forecast --data "$data/$freq-train.csv" --horizon "$h" --period "$period" \
    --mase-period "$mase" --test "$data/$freq-test.csv" --out "$dir/$freq-signx.csv" \
    --intervals "$dir/signx-intervals.csv" --threads 2 > "$dir/signx.log"
  t1="$(now)"
  signx_wall="$(awk -v a="$t0" -v b="$t1" 'BEGIN {printf "%.2f", b - a}')"
  echo "=== $freq: R forecast ($methods)" >&2
  "$peer/run-m4.sh" -d "$data" -o "$dir" -c 2 "$freq" $methods > "$dir/r-table.txt"

  echo
  echo "## M4 $freq: SignX beside R forecast 8.20 (2 cores; OWA by evaluate.py)"
  echo
  cat "$dir/signx.log"
  echo
  echo "scored by run-m4.sh (evaluate.py); rows on a subset are relative to Naive2 on that subset:"
  column -t -s $'\t' "$dir/results.tsv"
  echo
  echo "speed: SignX ${signx_wall} s wall for all series (process start, reading, forecasting, writing)"
  printf "%-10s %-10s %9s %9s %12s %10s\n" method scored_on OWA R_wall_s R_all_est_s SignX_x
  n_all="$(($(wc -l < "$data/$freq-test.csv") - 1))"
  measured="$peer/results/$freq-results.tsv"
  # This run's R rows with a time, then the measured table's rows not run here.
  { awk -F'\t' 'NR > 1 && $7 != "-" && $7 != "" {print $0 "\tthis run"}' "$dir/results.tsv"
    [ -f "$measured" ] && awk -F'\t' -v ran="$(cut -f2,3 "$dir/results.tsv" | tr '\t' ':' | tr '\n' ' ')" \
      'NR > 1 && $7 != "-" && index(" " ran " ", " " $2 ":" $3 " ") == 0 {print $0 "\tmeasured table"}' "$measured"
  } | while IFS=$'\t' read -r _f m on s q o w sps src; do
    n="$n_all"
    case "$on" in sub*) n="${on#sub}"; n="${n%%s*}" ;; esac
    est="$(awk -v w="$w" -v n="$n" -v a="$n_all" 'BEGIN {printf "%.1f", w * a / n}')"
    x="$(awk -v e="$est" -v s="$signx_wall" 'BEGIN {printf "%.1f", e / s}')"
    printf "%-10s %-10s %9s %9s %12s %9sx  (%s)\n" "$m" "$on" "$o" "$w" "$est" "$x" "$src"
  done
  echo "(R_all_est_s: the R method's wall time scaled to all $n_all series for subset rows; SignX_x = R_all_est_s / SignX wall)"

  # Like for like: each R method of this run beside SignX's implementation of the same method
  # (stlf and mstl beside SignX's decomposition + SES, the nearest SignX has), all series.
  case "$freq" in
    Hourly) pairs="snaive:sNaive theta:Theta ets:ETS stlf:MSD-SES mstl:MSD-SES" ;;
    Weekly) pairs="snaive:sNaive theta:Theta ets:ETS stlf:Damped" ;;
  esac
  smethods="$(for p in $pairs; do echo "${p#*:}"; done | sort -u | tr '\n' ' ')"
  # shellcheck disable=SC2086
  "$signx" bench m4 --freq "$(echo "$freq" | tr '[:upper:]' '[:lower:]')" --data "$data" \
    --threads 2 --methods $smethods > "$dir/signx-methods.txt"
  echo
  echo "same method, all $n_all series: R's wall time (this run) / SignX's forecasting wall time"
  printf "%-8s %9s %9s   %-10s %9s %9s %9s\n" R OWA wall_s SignX OWA wall_s R/SignX
  for p in $pairs; do
    r="${p%%:*}"; x="${p#*:}"
    rrow="$(awk -F'\t' -v m="$r" '$2 == m && $3 == "all" {print $6, $7}' "$dir/results.tsv")"
    xrow="$(awk -v m="$x" '$1 == m {sub("s$", "", $5); print $4, $5}' "$dir/signx-methods.txt")"
    [ -n "$rrow" ] && [ -n "$xrow" ] || continue
    set -- $rrow $xrow
    printf "%-8s %9s %9s   %-10s %9s %9s %8sx\n" "$r" "$1" "$2" "$x" "$3" "$4" \
      "$(awk -v a="$2" -v b="$4" 'BEGIN {printf "%.0f", a / (b > 0.005 ? b : 0.005)}')"
  done
  echo "(SignX wall_s is the forecasting time of bench m4, 2 threads; 0.00 s is counted as 0.005 s)"
done
echo >&2
echo "outputs: $out" >&2
