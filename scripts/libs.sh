#!/usr/bin/env bash
# The npm packages a script can import (crates/airlock-guest/libs): installs the exact versions
# of libs/package-lock.json under ~/.cache (only what is missing) and bundles them with esbuild.
#
#   bash scripts/libs.sh          rebuild crates/airlock-guest/libs/dist (commit the result)
#   bash scripts/libs.sh --check  rebuild into a scratch dir and fail if dist/ differs from it
#
# The bundles are committed so that building airlock needs neither Node nor the network; the
# check (run by scripts/test.sh) proves they are exactly what the pinned packages give. The
# installed packages also serve the tests that compare the sandbox with Node
# (crates/airlock-cli/tests/packages.rs reads them from $AIRLOCK_LIBS_CACHE/node_modules).
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
libs="$root/crates/airlock-guest/libs"
cache="${AIRLOCK_LIBS_CACHE:-$HOME/.cache/airlock-libs}"

command -v npm >/dev/null 2>&1 || { echo "libs: npm is missing (scripts/peers.sh installs it)" >&2; exit 1; }
mkdir -p "$cache"
if ! cmp -s "$libs/package-lock.json" "$cache/package-lock.json" || [ ! -d "$cache/node_modules" ]; then
  echo "libs: installing the pinned packages into $cache" >&2
  cp "$libs/package.json" "$libs/package-lock.json" "$cache/"
  (cd "$cache" && npm ci --silent --no-audit --no-fund >/dev/null)
fi

build() { node "$libs/build.mjs" "$cache/node_modules" "$1"; }
case "${1:-}" in
  --check)
    scratch="$(mktemp -d)"
    trap 'rm -rf "$scratch"' EXIT
    build "$scratch/dist"
    if ! diff -r -q "$libs/dist" "$scratch/dist"; then
      echo "libs: crates/airlock-guest/libs/dist is not what the pinned packages give; run: bash scripts/libs.sh" >&2
      exit 1
    fi
    ;;
  "") build "$libs/dist" ;;
  *) echo "usage: bash scripts/libs.sh [--check]" >&2; exit 2 ;;
esac
