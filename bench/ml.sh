#!/usr/bin/env bash
# Exact SHAP and single-row prediction per row for a reference-size model (300 trees, depth 6,
# 194 columns): XGBoost 1.7 pred_contribs / predict vs ml::TreeEnsemble (ml/tree_shap.h).
# Usage: bench/ml.sh [min_time_s=1]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
build=${SIGNX_BUILD_DIR:-$root/build/release}
cmake --build "$build" --target signx_ml_bench >/dev/null
echo "# bench/ml.sh $(date -u +%FT%TZ) $(nproc) cores"
"$build/bench/signx_ml_bench" --benchmark_min_time="${1:-1}" 2>&1 | grep -v '^\*\*\*'
