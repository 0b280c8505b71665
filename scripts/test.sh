#!/usr/bin/env bash
# Runs every test (installing what is missing first): formatting, lints, the prelude's own
# suite under Node when Node is present, and the Rust tests of the whole workspace.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/setup.sh"
cd "$root"
cargo fmt --all --check
cargo clippy --all-targets --quiet -- -D warnings
# The guest is its own workspace (target wasm32-wasip1); hold it to the same standard.
(cd crates/airlock-guest && cargo fmt --check && cargo clippy --release --quiet -- -D warnings)
if command -v node >/dev/null 2>&1; then
  node crates/airlock-guest/prelude-test/test.mjs
fi
cargo test --workspace
