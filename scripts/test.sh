#!/usr/bin/env bash
# Runs every test (installing what is missing first): formatting, lints, the prelude's own
# suite under Node, and the Rust tests of the whole workspace (the MCP tests against real peers).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/setup.sh"
source "$root/scripts/peers.sh"
cd "$root"
# Incremental caches only help edit-compile loops; here they fill the disk.
export CARGO_INCREMENTAL="${CARGO_INCREMENTAL:-0}"
cargo fmt --all --check
cargo clippy --all-targets --quiet -- -D warnings
# The guest is its own workspace (target wasm32-wasip1); hold it to the same standard.
(cd crates/airlock-guest && cargo fmt --check && cargo clippy --release --quiet -- -D warnings)
node crates/airlock-guest/prelude-test/test.mjs
# The bundled npm packages are exactly what their pinned versions give (and Node has them too,
# for the tests that compare the sandbox with it).
bash "$root/scripts/libs.sh" --check
# The vendored QuickJS is exactly the published crate plus airlock's patch.
bash "$root/scripts/quickjs.sh" --check
cargo test --workspace
bash "$root/scripts/python-tests.sh"
