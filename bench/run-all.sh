#!/usr/bin/env bash
# Runs every benchmark script in bench/ and prints their numbers.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
for b in "$here"/http.sh "$here"/leads.sh "$here"/lead_scoring.sh "$here"/estimates.sh "$here"/ml.sh \
         "$here"/storage.sh "$here"/jobs.sh; do
  echo "== $(basename "$b")"
  "$b"
done
