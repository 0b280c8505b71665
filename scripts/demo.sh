#!/usr/bin/env bash
# Builds airlock (installing what is missing) and runs the example agent script in the sandbox,
# with the embedded default limits and the example tools and policy (examples/airlock.toml).
# Every tool call is journaled; extra arguments go to `airlock run`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/setup.sh"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p airlock-cli
journal="${TMPDIR:-/tmp}/airlock-demo-journal.jsonl"
exec "$CARGO_TARGET_DIR/release/airlock" run "$root/examples/agent.js" \
  --config "$root/examples/airlock.toml" --journal "$journal" "$@"
