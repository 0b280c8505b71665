#!/usr/bin/env bash
# Builds airlock (installing what is missing) and runs an example agent script in the sandbox
# with the embedded default limits. Extra arguments go to `airlock run`.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
source "$root/scripts/setup.sh"
cargo build --release --quiet --manifest-path "$root/Cargo.toml" -p airlock-cli
exec "$CARGO_TARGET_DIR/release/airlock" run "$root/examples/agent.js" "$@"
