#!/usr/bin/env bash
# QuickJS as the guest builds it (crates/airlock-guest/quickjs): the crate rquickjs-sys from
# crates.io, cut down to what a wasm32-wasip1 build reads, with airlock's changes to QuickJS's C
# applied from crates/airlock-guest/quickjs/airlock.patch (its header says what they are and why).
#
#   bash scripts/quickjs.sh          rewrite crates/airlock-guest/quickjs from the crate and the patch
#   bash scripts/quickjs.sh --check  fail if the committed tree is not exactly that
#   bash scripts/quickjs.sh --diff   rewrite the patch's diff from the committed tree, after editing
#                                    the C there (the patch's header is kept)
#
# The tree is committed so that building airlock needs no network beyond cargo's; the check (run
# by scripts/test.sh) proves it is the pinned crate plus the patch and nothing else.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
dest="$root/crates/airlock-guest/quickjs"
patch_file="$dest/airlock.patch"
version=0.14.0
sha256=cee271d0eeba64f0915b846cb7ae02e16faf3dfdffdca91731101d9d30fe3423
cache="${AIRLOCK_QUICKJS_CACHE:-$HOME/.cache/airlock-quickjs}"
crate="$cache/rquickjs-sys-$version.crate"

# What the build reads: the manifest and build script, the Rust bindings for wasm32-wasip1 and
# QuickJS's sources and headers (the list build.rs copies) with its licence.
keep=(
  Cargo.toml build.rs quickjs.bind.h
  src/lib.rs src/inlines src/bindings/wasm32-wasip1.rs
  quickjs/LICENSE quickjs/quickjs.c quickjs/libregexp.c quickjs/libunicode.c quickjs/dtoa.c
  quickjs/builtin-array-fromasync.h quickjs/builtin-iterator-zip-keyed.h
  quickjs/builtin-iterator-zip.h quickjs/cutils.h quickjs/dtoa.h quickjs/libregexp-opcode.h
  quickjs/libregexp.h quickjs/libunicode-table.h quickjs/libunicode.h quickjs/list.h
  quickjs/quickjs-atom.h quickjs/quickjs-opcode.h quickjs/quickjs-c-atomics.h quickjs/quickjs.h
)

fetch() {
  if [ ! -f "$crate" ] || ! echo "$sha256  $crate" | sha256sum -c --quiet - 2>/dev/null; then
    mkdir -p "$cache"
    echo "quickjs: downloading rquickjs-sys $version" >&2
    curl -sSfL -o "$crate.part" "https://static.crates.io/crates/rquickjs-sys/rquickjs-sys-$version.crate"
    if ! echo "$sha256  $crate.part" | sha256sum -c --quiet -; then
      echo "quickjs: rquickjs-sys-$version.crate does not have the pinned sha256" >&2
      exit 1
    fi
    mv "$crate.part" "$crate"
  fi
}

# The pristine cut-down crate into $1.
pristine() {
  local out="$1" unpacked
  unpacked="$(mktemp -d)"
  tar -xzf "$crate" -C "$unpacked" --strip-components=1
  mkdir -p "$out"
  (cd "$unpacked" && cp --parents -r "${keep[@]}" "$out/")
  rm -rf "$unpacked"
}

# The cut-down crate with the patch applied, and the patch itself, into $1: what $dest must hold.
patched() {
  pristine "$1"
  patch --quiet --no-backup-if-mismatch -p1 -d "$1" < "$patch_file"
  cp "$patch_file" "$1/"
}

fetch
scratch="$(mktemp -d)"
trap 'rm -rf "$scratch"' EXIT
case "${1:-}" in
  --check)
    patched "$scratch/tree"
    if ! diff -r -q "$dest" "$scratch/tree"; then
      echo "quickjs: crates/airlock-guest/quickjs is not rquickjs-sys $version plus airlock.patch; run: bash scripts/quickjs.sh" >&2
      exit 1
    fi
    ;;
  --diff)
    pristine "$scratch/a"
    mkdir -p "$scratch/b"
    (cd "$dest" && cp --parents -r "${keep[@]}" "$scratch/b/")
    # The header is everything before the first file's diff.
    sed '/^diff /,$d' "$patch_file" > "$scratch/patch"
    # (file times left out, so that regenerating an unchanged patch changes nothing)
    (cd "$scratch" && diff -ruN a b | sed -E 's/^((---|\+\+\+) [^\t]+)\t.*/\1/' >> patch) || true
    mv "$scratch/patch" "$patch_file"
    ;;
  "")
    patched "$scratch/tree"
    rm -rf "$dest"
    mv "$scratch/tree" "$dest"
    ;;
  *) echo "usage: bash scripts/quickjs.sh [--check | --diff]" >&2; exit 2 ;;
esac
