#!/usr/bin/env bash
# Runs one browser test file (tests/browser/<suite>.test.mjs: headless Debian chromium via
# puppeteer-core) against a freshly started server, then stops that server by its PID.
#
#   tests/browser/run.sh --server signx --binary build/release/bin/signx [--suite ui]
#       `signx serve` on a free port with a temporary SQLite database (--migrate); an org, an
#       admin and a viewer are created with `signx admin ...` first, and `signx demo seed` trains
#       a cost model and — when ../shared/data/leads/Leads.csv (relative to the repository; override
#       with LEADS_CSV) exists — a lead model (without it the lead-scoring step is skipped).
#       LEAD_MODEL=<bundle> registers and promotes that bundle instead of training a lead model.
#   tests/browser/run.sh --server fake --binary build/release/tests/signx_web_test_server
#       the web shell with an in-memory identity (no database).
#   tests/browser/run.sh --server signx --binary ... --suite studio|operations|documents
#       the capability pages (studio.test.mjs, ...): the same orgs and users, no demo seed (only
#       ui.test.mjs uses it), plus an API key of the admin's org with the capability scopes
#       (API_KEY) for seeding through the API. --serve-set KEY=VALUE (repeatable) adds a setting
#       to `signx serve` only, e.g. jobs.workers=0 when the test starts `signx worker` itself
#       (SIGNX_BINARY, SIGNX_SETTINGS and WORKER_PID_FILE tell it how; run.sh stops that worker).
#
# Screenshots go to build/screenshots/<server>/ (override with SCREENSHOT_DIR). Exit 77 (CTest:
# skipped) when the signx binary does not serve the web UI yet or has no `signx admin` command.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
repo="$(cd "$here/../.." && pwd)"
server=signx
binary=""
suite=ui
serve_sets=()
while [ $# -gt 0 ]; do
  case "$1" in
    --server) server="$2"; shift 2 ;;
    --binary) binary="$2"; shift 2 ;;
    --suite) suite="$2"; shift 2 ;;
    --serve-set) serve_sets+=(--set "$2"); shift 2 ;;
    *) echo "run.sh: unknown argument $1" >&2; exit 2 ;;
  esac
done
[ -x "$binary" ] || { echo "run.sh: --binary $binary is not an executable" >&2; exit 2; }
[ -f "$here/$suite.test.mjs" ] || { echo "run.sh: no test file $here/$suite.test.mjs" >&2; exit 2; }
[ "$suite" = ui ] || [ "$server" = signx ] || { echo "run.sh: --suite $suite needs --server signx" >&2; exit 2; }
chromium="${CHROMIUM:-/usr/bin/chromium}"
[ -x "$chromium" ] || { echo "run.sh: $chromium missing (scripts/install-deps.sh installs chromium)" >&2; exit 1; }
[ -d "$repo/web/node_modules/puppeteer-core" ] || {
  echo "run.sh: web/node_modules/puppeteer-core missing (run scripts/install-web.sh)" >&2; exit 1; }

# Waits below are multiplied by SIGNX_TEST_TIME_SCALE (an integer; tests/CMakeLists.txt sets it
# for the sanitizer build).
scale="${SIGNX_TEST_TIME_SCALE:-1}"
tmp="$(mktemp -d /tmp/signx-browser.XXXXXX)"
pid=""
worker_pid_file="$tmp/worker.pid"
stop_processes() {
  # A `signx worker` the test started (and may have left running when it failed).
  if [ -s "$worker_pid_file" ]; then
    wpid="$(cat "$worker_pid_file")"
    if kill -0 "$wpid" 2>/dev/null; then
      kill -TERM "$wpid" 2>/dev/null || true
      for _ in $(seq 1 $((50 * scale))); do kill -0 "$wpid" 2>/dev/null || break; sleep 0.1; done
      kill -KILL "$wpid" 2>/dev/null || true
    fi
  fi
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 $((100 * scale))); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
}
cleanup() {
  stop_processes
  rm -rf "$tmp"
}
trap cleanup EXIT

port="$(node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close();})')"
base="http://127.0.0.1:$port"

admin_email=admin@acme.test
admin_password=admin-pass-123
viewer_email=viewer@acme.test
viewer_password=viewer-pass-123
multi_org=0
capability_pages=0
has_lead_model=0
has_cost_model=0
demo_admin_email=""
demo_admin_password=""
import_csv=""
api_key=""

if [ "$server" = signx ]; then
  db="sqlite:///$tmp/signx.db"
  set_db=(--set "database.url=$db" --set "data_dir=$tmp/data")
  if ! "$binary" admin --help 2>&1 | grep -q create-user; then
    echo "run.sh: '$binary admin' is not available yet; skipping the signx browser test" >&2
    exit 77
  fi
  "$binary" migrate "${set_db[@]}" up >"$tmp/migrate.log" 2>&1 || { cat "$tmp/migrate.log" >&2; exit 1; }
  # A lead model (when the public X Education data is there) and a cost model trained on a
  # synthetic history imported into the org "Demo Sign Co" (credentials in $tmp/data/demo.env).
  leads_csv="${LEADS_CSV:-$repo/../shared/data/leads/Leads.csv}"
  if [ -f "$leads_csv" ]; then has_lead_model=1; else
    has_lead_model=0
    echo "run.sh: $leads_csv missing: no lead model; the lead-scoring step is skipped" >&2
  fi
  # LEAD_MODEL=<bundle from `signx train leads`> registers that model instead of training one in
  # the seed (faster; the same model for every run).
  seed_leads=(--leads-data "$leads_csv")
  if [ -n "${LEAD_MODEL:-}" ]; then seed_leads=(--leads-data "$tmp/no-leads.csv"); fi
  if [ "$suite" != ui ]; then
    has_lead_model=0  # the capability suites need no models: no demo seed (it takes a minute)
  elif "$binary" demo seed --help >/dev/null 2>&1; then
    "$binary" demo seed "${set_db[@]}" "${seed_leads[@]}" >"$tmp/seed.out" 2>"$tmp/seed.err" \
      || { cat "$tmp/seed.out" "$tmp/seed.err" >&2; exit 1; }
    if [ -n "${LEAD_MODEL:-}" ]; then
      "$binary" leads register "${set_db[@]}" --model "$LEAD_MODEL" --promote >"$tmp/register.log" 2>&1 \
        || { cat "$tmp/register.log" >&2; exit 1; }
      has_lead_model=1
    else
      grep -q 'lead model .* trained and promoted' "$tmp/seed.err" || has_lead_model=0
    fi
    grep -q 'cost model .* trained and promoted' "$tmp/seed.err" && has_cost_model=1
    demo_admin_email="$(sed -n 's/^SIGNX_DEMO_ADMIN_EMAIL=//p' "$tmp/seed.out")"
    demo_admin_password="$(sed -n 's/^SIGNX_DEMO_ADMIN_PASSWORD=//p' "$tmp/seed.out")"
  else
    has_lead_model=0
    echo "run.sh: '$binary demo seed' is not available: no models" >&2
  fi
  "$binary" admin create-org "${set_db[@]}" --name "Acme Signs" >"$tmp/org.out" 2>"$tmp/org.err" \
    || { cat "$tmp/org.out" "$tmp/org.err" >&2; exit 1; }
  org_id="$(grep -o 'org_[A-Za-z0-9]*' "$tmp/org.out" | head -1)"
  [ -n "$org_id" ] || { echo "run.sh: no org id in: $(cat "$tmp/org.out")" >&2; exit 1; }
  "$binary" admin create-org "${set_db[@]}" --name "Second Shop" >"$tmp/org2.out" 2>"$tmp/org2.err" \
    || { cat "$tmp/org2.out" "$tmp/org2.err" >&2; exit 1; }
  org2_id="$(grep -o 'org_[A-Za-z0-9]*' "$tmp/org2.out" | head -1)"
  create_user() {  # org email password role
    "$binary" admin create-user "${set_db[@]}" --org "$1" --email "$2" --password "$3" --role "$4" \
      >>"$tmp/users.log" 2>&1 || { cat "$tmp/users.log" >&2; exit 1; }
  }
  create_user "$org_id" "$admin_email" "$admin_password" org_admin
  # A second membership (same login) for the org switcher.
  "$binary" admin add-member "${set_db[@]}" --org "$org2_id" --email "$admin_email" \
    --role org_member >>"$tmp/users.log" 2>&1 || { cat "$tmp/users.log" >&2; exit 1; }
  multi_org=1
  create_user "$org_id" "$viewer_email" "$viewer_password" org_viewer
  capability_pages=1
  if [ "$suite" != ui ]; then
    # Seeding through the API: a key of the admin's org with the capability scopes.
    "$binary" admin create-api-key "${set_db[@]}" --org "$org_id" --name "browser $suite" \
      --scopes projects:read,projects:write,quotes:write,operations:read,operations:write,documents:read,documents:write \
      >"$tmp/key.out" 2>"$tmp/key.err" || { cat "$tmp/key.out" "$tmp/key.err" >&2; exit 1; }
    api_key="$(grep -o '^sx_[A-Za-z0-9_]*' "$tmp/key.out" | head -1)"
    [ -n "$api_key" ] || { echo "run.sh: no API key in: $(cat "$tmp/key.out")" >&2; exit 1; }
  # A small synthetic cost history for the import page.
  elif "$binary" demo generate --projects 12 --seed 11 --format csv --out "$tmp/history.csv" \
       >"$tmp/generate.log" 2>&1; then
    import_csv="$tmp/history.csv"
  else
    echo "run.sh: 'signx demo generate' failed; the import step is skipped: $(cat "$tmp/generate.log")" >&2
  fi
  # The UI test's webhook points at 127.0.0.1 (refused by default: SSRF guard, docs/security.md).
  "$binary" serve "${set_db[@]}" --set log.access_log=false --host 127.0.0.1 --port "$port" \
    --set webhooks.allow_private_cidrs=127.0.0.0/8 "${serve_sets[@]}" --migrate >"$tmp/server.log" 2>&1 &
  pid=$!
else
  multi_org=1
  "$binary" --port "$port" >"$tmp/server.log" 2>&1 &
  pid=$!
fi

for _ in $(seq 1 $((150 * scale))); do
  curl -fsS "$base/health/live" >/dev/null 2>&1 && break
  kill -0 "$pid" 2>/dev/null || { echo "run.sh: server exited:" >&2; cat "$tmp/server.log" >&2; exit 1; }
  sleep 0.2
done
curl -fsS "$base/health/live" >/dev/null || { echo "run.sh: server did not start" >&2; cat "$tmp/server.log" >&2; exit 1; }

login_status="$(curl -s -o /dev/null -w '%{http_code}' "$base/login")"
if [ "$login_status" != 200 ]; then
  echo "run.sh: $base/login answers $login_status: the web UI is not wired into this server; skipping" >&2
  exit 77
fi

export BASE_URL="$base" CHROMIUM="$chromium"
export ADMIN_EMAIL="$admin_email" ADMIN_PASSWORD="$admin_password"
export VIEWER_EMAIL="$viewer_email" VIEWER_PASSWORD="$viewer_password" MULTI_ORG="$multi_org"
export CAPABILITY_PAGES="$capability_pages" HAS_LEAD_MODEL="$has_lead_model" HAS_COST_MODEL="$has_cost_model"
export DEMO_ADMIN_EMAIL="$demo_admin_email" DEMO_ADMIN_PASSWORD="$demo_admin_password"
export IMPORT_CSV="$import_csv"
export API_KEY="$api_key" SIGNX_BINARY="$binary" WORKER_PID_FILE="$worker_pid_file" WORKER_LOG="$tmp/worker.log"
# The database and data settings of this run, one a line, for a `signx worker` the test starts.
if [ "$server" = signx ]; then SIGNX_SETTINGS="$(printf '%s\n' "${set_db[@]}")"; else SIGNX_SETTINGS=""; fi
export SIGNX_SETTINGS
export SCREENSHOT_DIR="${SCREENSHOT_DIR:-$repo/build/screenshots/$server}"
mkdir -p "$SCREENSHOT_DIR"
status=0
node "$here/$suite.test.mjs" || status=$?
if [ "$status" != 0 ]; then
  echo "run.sh: browser tests failed; server log:" >&2
  tail -50 "$tmp/server.log" >&2
  [ -f "$tmp/worker.log" ] && { echo "run.sh: worker log:" >&2; tail -30 "$tmp/worker.log" >&2; }
fi
# `make asan`: a sanitizer report from any signx process of this run (the server and worker are
# stopped with SIGTERM, so a leak at their exit shows only in their logs) fails the test.
stop_processes
pattern='==[0-9]+==ERROR: [A-Za-z]+Sanitizer|: runtime error: |SUMMARY: [A-Za-z]+Sanitizer'
for f in "$tmp"/*.log "$tmp"/*.out "$tmp"/*.err; do
  [ -f "$f" ] || continue
  if grep -Eq "$pattern" "$f"; then
    echo "run.sh: sanitizer report in $(basename "$f"):" >&2
    grep -E -A60 "$pattern" "$f" | head -150 >&2
    status=1
  fi
done
exit "$status"
