#!/usr/bin/env bash
# Installs the DuckDB C API (analytics lake) into third_party/duckdb/ — DuckDB is not packaged in
# Debian 12, so the pinned npm tarballs are fetched with `npm pack`, checked against the sha512
# integrity recorded below (the registry's `dist.integrity`) and only then unpacked:
#
#   third_party/duckdb/include/duckdb.h    from npm `duckdb` (source tarball, src/duckdb/src/include)
#   third_party/duckdb/lib/libduckdb.so    from npm `@duckdb/node-bindings-linux-x64`
#   third_party/duckdb/VERSION             the pinned versions (idempotency stamp)
#   third_party/duckdb/dist/*.tgz          the verified tarballs (re-install works offline)
#
# Idempotent: does nothing when the stamp matches. Needs npm (install-deps.sh installs it) and
# registry.npmjs.org the first time. Set SIGNX_SKIP_DEPS=1 to skip. To upgrade, change the four
# pins together: `npm view <pkg>@<ver> dist.integrity` for each, and both must carry the same
# DuckDB version (check `duckdb_library_version()` against the header's DUCKDB_API_VERSION).
set -euo pipefail

[ "${SIGNX_SKIP_DEPS:-0}" = 1 ] && exit 0

readonly DUCKDB_VERSION=1.4.4
readonly LIB_PKG=@duckdb/node-bindings-linux-x64
readonly LIB_VER=1.4.4-r.4
readonly LIB_TGZ=duckdb-node-bindings-linux-x64-${LIB_VER}.tgz
readonly LIB_SHA512=jBTL/WvfwxLToFa/pVHfT6elMtltJGnc3wSuxZD9OfMltit9YUdVFS37vBFQzXMT1Z8OWjtSjMh+zPKxOwHLHA==
readonly HDR_PKG=duckdb
readonly HDR_VER=1.4.4
readonly HDR_TGZ=duckdb-${HDR_VER}.tgz
readonly HDR_SHA512=hEJJ5hyVF0VLj3dmOLpsWrQR0b3d4Ykqtygm6iUXjHJDDnSqg/USKxcb5qvNrOhFYPgktayU6dXCtgPqcmmpog==

root=$(cd "$(dirname "$0")/.." && pwd)
dest="$root/third_party/duckdb"
stamp="duckdb ${DUCKDB_VERSION} (${LIB_PKG}@${LIB_VER}, ${HDR_PKG}@${HDR_VER})"

die() { echo "install-duckdb: $*" >&2; exit 1; }

if [ -f "$dest/VERSION" ] && [ "$(cat "$dest/VERSION")" = "$stamp" ] &&
   [ -f "$dest/lib/libduckdb.so" ] && [ -f "$dest/include/duckdb.h" ]; then
  exit 0
fi

[ "$(uname -s)-$(uname -m)" = Linux-x86_64 ] ||
  die "only Linux x86_64 is pinned (npm ${LIB_PKG}); add the matching bindings package for $(uname -m)"
command -v openssl >/dev/null || die "openssl is needed to verify checksums (apt-get install openssl)"

sha512_b64() { openssl dgst -sha512 -binary "$1" | base64 -w0; }

mkdir -p "$dest/dist"
# Fetches <pkg>@<ver> into dist/ unless a verified copy is already there, then verifies it.
fetch() {
  local pkg=$1 ver=$2 tgz=$3 want=$4
  if [ -f "$dest/dist/$tgz" ] && [ "$(sha512_b64 "$dest/dist/$tgz")" = "$want" ]; then
    return 0
  fi
  command -v npm >/dev/null ||
    die "npm not found: run scripts/install-deps.sh (installs nodejs + npm), then this script again"
  echo "install-duckdb: fetching ${pkg}@${ver}" >&2
  rm -f "$dest/dist/$tgz"
  (cd "$dest/dist" && npm pack --silent "${pkg}@${ver}" >/dev/null) ||
    die "npm pack ${pkg}@${ver} failed (is registry.npmjs.org reachable? proxy settings: npm config)"
  [ -f "$dest/dist/$tgz" ] || die "npm pack did not produce $tgz"
  local got
  got=$(sha512_b64 "$dest/dist/$tgz")
  if [ "$got" != "$want" ]; then
    mv "$dest/dist/$tgz" "$dest/dist/$tgz.rejected"
    die "checksum mismatch for ${pkg}@${ver}: expected sha512-${want}, got sha512-${got}"
  fi
}
fetch "$LIB_PKG" "$LIB_VER" "$LIB_TGZ" "$LIB_SHA512"
fetch "$HDR_PKG" "$HDR_VER" "$HDR_TGZ" "$HDR_SHA512"

# Unpack into a staging folder, then move into place so a failed run leaves nothing half-done.
stage=$(mktemp -d "$dest/.stage.XXXXXX")
trap 'rm -rf "$stage"' EXIT
tar -xzf "$dest/dist/$LIB_TGZ" -C "$stage" package/libduckdb.so package/LICENSE
mv "$stage/package/LICENSE" "$stage/LICENSE"
tar -xzf "$dest/dist/$HDR_TGZ" -C "$stage" package/src/duckdb/src/include/duckdb.h
mkdir -p "$stage/lib" "$stage/include"
mv "$stage/package/libduckdb.so" "$stage/lib/libduckdb.so"
mv "$stage/package/src/duckdb/src/include/duckdb.h" "$stage/include/duckdb.h"
chmod 0644 "$stage/lib/libduckdb.so" "$stage/include/duckdb.h"
rm -rf "$stage/package"
echo "$stamp" >"$stage/VERSION"

rm -rf "$dest/lib" "$dest/include" "$dest/LICENSE" "$dest/VERSION"
mv "$stage/lib" "$stage/include" "$stage/LICENSE" "$dest/"
mv "$stage/VERSION" "$dest/VERSION"  # last: the stamp marks a complete install
echo "install-duckdb: installed $stamp into $dest" >&2
