#!/usr/bin/env bash
# Installs the Debian 12 packages SignX needs to build, test and run — only the missing ones.
# Idempotent; works as root or through sudo. Set SIGNX_SKIP_DEPS=1 to skip entirely.
set -euo pipefail

[ "${SIGNX_SKIP_DEPS:-0}" = 1 ] && exit 0

packages=(
  # toolchain
  build-essential cmake ninja-build ccache pkg-config git ca-certificates curl
  # libraries (Boost 1.81 only: never mix with the 1.74 -dev packages)
  libboost1.81-dev libboost-json1.81-dev libboost-url1.81-dev
  libspdlog-dev libfmt-dev libcli11-dev libssl-dev libsqlite3-dev libpq-dev libhiredis-dev
  libargon2-dev libsodium-dev libxgboost-dev libcsv-dev libhnswlib-dev libeigen3-dev libhpdf-dev
  libjemalloc-dev
  # tests and benchmarks
  libgtest-dev libgmock-dev libbenchmark-dev postgresql redis-server wrk prometheus python3 python3-yaml
  libkainjow-mustache-dev chromium  # web UI: HTML templates; headless browser tests
  libpoppler-cpp-dev  # PDF text: documents' extraction; tests read rendered PDFs back
  libxapian-dev  # full-text search (studio projects, documents)
  libtesseract-dev libleptonica-dev tesseract-ocr-eng  # OCR of scanned documents
  libzip-dev libpugixml-dev  # DOCX extraction
  libcurl4-openssl-dev  # SMTP (studio reports, notifications)
)
"$(dirname "$0")/install-web.sh"  # web/node_modules (htmx, puppeteer-core) from the lockfile

missing=()
for p in "${packages[@]}"; do
  status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
  [ "$status" = "install ok installed" ] || missing+=("$p")
done
command -v npm >/dev/null || missing+=(nodejs npm)  # install-duckdb.sh needs npm
[ ${#missing[@]} -eq 0 ] && exec "$(dirname "$0")/install-duckdb.sh"

echo "install-deps: installing ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" != 0 ]; then
  command -v sudo >/dev/null || { echo "install-deps: need root or sudo to install: ${missing[*]}" >&2; exit 1; }
  SUDO=sudo
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
"$(dirname "$0")/install-duckdb.sh"
