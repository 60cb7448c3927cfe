#!/usr/bin/env bash
# Exports the reference service's test set — scikit-learn
#   train_test_split(np.arange(len(rows)), test_size=0.2, stratify=Converted, random_state=42)
# on ../shared/data/leads/Leads.csv, exactly as ../shared/peers/leadscore-fastapi/train.py does —
# as the `Prospect ID`s of its 1,848 test rows, one per line in the order the split returns them,
# into bench/reference-split/leads-test-ids.txt. `signx train leads --test-ids <that file>` then
# evaluates on the same rows as the reference. Needs the peer's Python (/opt/peer/env.sh, from
# ../shared/peers/setup-python-peer.sh). Usage: bench/reference-split/make-split.sh [Leads.csv]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/../.." && pwd)
csv=${1:-$root/../shared/data/leads/Leads.csv}
. /opt/peer/env.sh
python3.11 - "$csv" "$here/leads-test-ids.txt" <<'PY'
import sys
import numpy as np, pandas as pd
from sklearn.model_selection import train_test_split
df = pd.read_csv(sys.argv[1])
y = df["Converted"].values
_, idx_test = train_test_split(np.arange(len(df)), test_size=0.2, stratify=y, random_state=42)
ids = df["Prospect ID"].iloc[idx_test]
assert ids.is_unique and len(ids) == 1848, len(ids)
with open(sys.argv[2], "w") as f:
    f.write("".join(f"{i}\n" for i in ids))
print(f"{len(ids)} test ids ({int(y[idx_test].sum())} converted) -> {sys.argv[2]}")
PY
