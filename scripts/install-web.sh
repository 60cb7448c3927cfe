#!/usr/bin/env bash
# Installs the web UI's npm packages (htmx, embedded into the signx binary; puppeteer-core, for the
# browser tests) into web/node_modules at the exact versions of web/package-lock.json. Idempotent:
# does nothing when node_modules already matches the lockfile. Installs Debian's nodejs + npm only
# when no npm is on the PATH. Set SIGNX_SKIP_DEPS=1 to skip entirely.
set -euo pipefail

[ "${SIGNX_SKIP_DEPS:-0}" = 1 ] && exit 0
cd "$(dirname "$0")/../web"

if ! command -v npm >/dev/null; then
  SUDO=""
  [ "$(id -u)" != 0 ] && SUDO=sudo
  echo "install-web: installing nodejs npm" >&2
  export DEBIAN_FRONTEND=noninteractive
  $SUDO apt-get update -q
  $SUDO apt-get install -y --no-install-recommends nodejs npm
fi

# npm writes node_modules/.package-lock.json on install; when it matches the lockfile we are done.
if [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] \
   && [ -f node_modules/htmx.org/dist/htmx.min.js ] && [ -d node_modules/puppeteer-core ]; then
  exit 0
fi
echo "install-web: npm ci in web/" >&2
# --ignore-scripts: no package may download a browser or run code at install time; the browser
# tests use Debian's /usr/bin/chromium.
npm ci --ignore-scripts --no-audit --no-fund
