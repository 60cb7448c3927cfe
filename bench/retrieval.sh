#!/usr/bin/env bash
# Retrieval quality (BEIR nDCG@10 / Recall@100, BM25 vs hybrid) and search latency at 16
# concurrent queries over 100,000 chunks. Usage: bench/retrieval.sh [BEIR_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
BEIR=${1:-../shared/data/beir-scifact}
BUILD=${BUILD:-build/ci}
cmake --build --preset ci --target signx signx_retrieval_bench >/dev/null
MODEL=$(mktemp --suffix=.ubj)
trap 'rm -f "$MODEL"' EXIT
"$BUILD/bin/signx" bench retrieval --beir "$BEIR" --save-reranker "$MODEL"
"$BUILD/bench/signx_retrieval_bench" --beir "$BEIR" --chunks 100000 --threads 16 --reranker "$MODEL"
