#!/usr/bin/env bash
# Installs what building airlock needs, only what is missing; safe to run any number of times.
#   - Debian packages: clang, lld, llvm-14 (llvm-ar) and wasi-libc build QuickJS for wasm32-wasi
#   - python3 runs the example tools and the exec-tool tests
#   - curl and patch check the vendored QuickJS (scripts/quickjs.sh)
#   - the rustup target wasm32-wasip1 for the guest
set -euo pipefail

missing=()
command -v clang >/dev/null 2>&1 || missing+=(clang)
command -v wasm-ld >/dev/null 2>&1 || missing+=(lld)
command -v llvm-ar-14 >/dev/null 2>&1 || missing+=(llvm-14)
[ -e /usr/lib/wasm32-wasi/libc.a ] || missing+=(wasi-libc)
command -v python3 >/dev/null 2>&1 || missing+=(python3)
# scripts/quickjs.sh fetches the published QuickJS crate and applies airlock's patch to it.
command -v curl >/dev/null 2>&1 || missing+=(curl)
command -v patch >/dev/null 2>&1 || missing+=(patch)
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null
fi

if ! rustup target list --installed 2>/dev/null | grep -qx wasm32-wasip1; then
  echo "setup: adding the rustup target wasm32-wasip1" >&2
  rustup target add wasm32-wasip1 >/dev/null
fi

# Reuse one build directory across clones when the caller has not chosen one.
export CARGO_TARGET_DIR="${CARGO_TARGET_DIR:-$HOME/.cache/airlock-target}"
