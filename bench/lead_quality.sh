#!/usr/bin/env bash
# Lead-model quality on the peer's own split, both variants, with paired bootstrap intervals of
# the differences SignX − peer (same 1,848 test rows; the peer's scores from its test_scores.csv):
#   all features           vs ../shared/peers/leadscore-fastapi/artifacts/test_scores.csv
#   without tags, lead_quality vs the peer's `train.py --exclude tags,lead_quality` (trained here
#                          into a temp dir when NOLEAK_SCORES is not given; needs /opt/peer).
# The test rows are read from the peer's files (never re-derived); SignX trains, selects and
# early-stops on the other 7,389 rows only.
# Usage: bench/lead_quality.sh        env: SIGNX_BUILD_DIR (build/release), NOLEAK_SCORES, RESAMPLES
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
. "$here/lib.sh"
build_signx
peer_dir=$(cd "${PEERS_DIR:-$root/../shared/peers}" && pwd)/leadscore-fastapi
data=$root/../shared/data/leads/Leads.csv
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT
noleak=${NOLEAK_SCORES:-}
if [ -z "$noleak" ]; then
  [ -f "${PEER_PREFIX:-/opt/peer}/env.sh" ] || { echo "install the peer (setup-python-peer.sh) or set NOLEAK_SCORES" >&2; exit 2; }
  ( . "${PEER_PREFIX:-/opt/peer}/env.sh"; cd "$peer_dir" &&
    python3.11 train.py --exclude tags,lead_quality --out "$work/peer-noleak" >/dev/null )
  noleak=$work/peer-noleak/test_scores.csv
fi
echo "# bench/lead_quality.sh $(date -u +%FT%TZ), load average $(cut -d' ' -f1-3 /proc/loadavg)"
echo "## all features (the peer's served model: AUC 0.9839 / Brier 0.0407 in its README)"
"$signx" train leads --data "$data" --with-leaky-fields --no-compare \
  --test-scores "$peer_dir/artifacts/test_scores.csv" --test-id-column "Lead Number" \
  --resamples "${RESAMPLES:-2000}" --out "$work/all.json"
echo "## without tags, lead_quality (the peer's no-leak model: AUC 0.9301 / Brier 0.0999)"
"$signx" train leads --data "$data" --exclude tags,lead_quality --no-compare \
  --test-scores "$noleak" --test-id-column "Lead Number" \
  --resamples "${RESAMPLES:-2000}" --out "$work/noleak.json"
