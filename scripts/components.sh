#!/usr/bin/env bash
# Builds the example WebAssembly components of examples/components/ from source, installing the
# toolchains they need when missing; safe to run any number of times.
#   usage: bash scripts/components.sh [OUT_DIR]
#   OUT_DIR defaults to $AIRLOCK_PEERS/components ($AIRLOCK_PEERS: ~/.cache/airlock-peers)
#
#   inventory.wasm  Rust, wit-bindgen        (cargo, target wasm32-wasip2)
#   textkit.wasm    JavaScript, jco componentize (componentize-js; npm, pinned by
#                   scripts/components/package-lock.json)
#   stats.wasm      Python, componentize-py  (pip, in a venv)
#   otp-gate.wasm   a layer (wit/layer), Rust: a one-time-password gate
#   tracer.wasm     a layer (wit/layer), JavaScript: one record per call to an HTTP collector
#   probe-layer.wasm  the component host's test layer (crates/airlock-components/tests)
#
# A component is rebuilt only when its folder's files or its toolchain's versions change: the
# hash of both is kept in OUT_DIR/NAME.wasm.src. Prints one line per component.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
examples="$root/examples/components"
peers="${AIRLOCK_PEERS:-$HOME/.cache/airlock-peers}"
out="${1:-$peers/components}"
# Outside the repository, and apart from the workspace's own target directory.
target_dir="${CARGO_TARGET_DIR:-$HOME/.cache/airlock-target}/components"

componentize_py_version="0.25.1"
venv="$peers/componentize-venv"
node_prefix="$peers/node"
node_lock="$root/scripts/components/package-lock.json"

fail() {
  echo "components: $*" >&2
  exit 1
}

# Runs a command with its output kept aside; shows it only if the command fails.
quietly() {
  local what="$1" log
  shift
  log="$(mktemp)"
  if ! "$@" >"$log" 2>&1; then
    cat "$log" >&2
    rm -f "$log"
    fail "$what failed: $*"
  fi
  rm -f "$log"
}

# --- toolchains ---------------------------------------------------------------------------

for tool in cargo rustup python3 node npm sha256sum; do
  command -v "$tool" >/dev/null 2>&1 || fail "$tool is not installed (rustup for Rust; apt-get install python3-venv nodejs npm)"
done
python3 -m venv --help >/dev/null 2>&1 || fail "python3 has no venv module (apt-get install python3-venv)"

if ! rustup target list --installed | grep -qx wasm32-wasip2; then
  echo "components: installing the Rust target wasm32-wasip2" >&2
  quietly "rustup target add" rustup target add wasm32-wasip2
fi

componentize_py="$venv/bin/componentize-py"
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('componentize-py') != '$componentize_py_version')" 2>/dev/null; then
  echo "components: installing componentize-py==$componentize_py_version into $venv" >&2
  quietly "creating the venv" python3 -m venv "$venv"
  quietly "pip install componentize-py" "$venv/bin/pip" install --quiet --disable-pip-version-check \
    "componentize-py==$componentize_py_version"
fi

# The whole npm tree is pinned by the lock file; the stamp says which lock was installed.
jco="$node_prefix/node_modules/.bin/jco"
lock_hash="$(sha256sum "$node_lock" | cut -d' ' -f1)"
if [ ! -x "$jco" ] || [ "$(cat "$node_prefix/.lock.sha256" 2>/dev/null)" != "$lock_hash" ]; then
  echo "components: installing jco and componentize-js into $node_prefix" >&2
  mkdir -p "$node_prefix"
  cp "$root/scripts/components/package.json" "$node_lock" "$node_prefix/"
  quietly "npm ci" npm ci --silent --no-audit --no-fund --prefix "$node_prefix"
  echo "$lock_hash" >"$node_prefix/.lock.sha256"
fi

# --- cache --------------------------------------------------------------------------------

# The hash of a toolchain description and of folders' files (by relative path and content).
source_hash() {
  local toolchain="$1" dir
  shift
  {
    echo "$toolchain"
    for dir in "$@"; do
      (cd "$dir" && find . -type f ! -path '*/__pycache__/*' ! -path './target/*' -print0 |
        LC_ALL=C sort -z | xargs -0 sha256sum)
    done
  } | sha256sum | cut -d' ' -f1
}

# build NAME TOOLCHAIN COMMAND...: runs COMMAND (which writes $staged) unless NAME.wasm is current.
# The sources are examples/components/NAME, or the folders in $sources when set.
build() {
  local name="$1" toolchain="$2" hash start
  shift 2
  # shellcheck disable=SC2086
  hash="$(source_hash "$toolchain" ${sources:-$examples/$name})"
  if [ -f "$out/$name.wasm" ] && [ "$(cat "$out/$name.wasm.src" 2>/dev/null)" = "$hash" ]; then
    echo "components: $name.wasm up to date"
    return
  fi
  start=$SECONDS
  staged="$out/.$name.wasm.tmp"
  rm -f "$staged"
  quietly "building $name" "$@"
  [ -s "$staged" ] || fail "building $name wrote no component"
  mv "$staged" "$out/$name.wasm"
  echo "$hash" >"$out/$name.wasm.src"
  echo "components: $name.wasm built ($((SECONDS - start)) s)"
}

build_inventory() {
  cargo build --quiet --locked --release --target wasm32-wasip2 \
    --manifest-path "$examples/inventory/Cargo.toml" --target-dir "$target_dir"
  cp "$target_dir/wasm32-wasip2/release/airlock_example_inventory.wasm" "$staged"
}

build_textkit() {
  # jco reads the WIT through a relative path: run it from the example's folder.
  (cd "$examples/textkit" && "$jco" componentize app.js --wit wit --world-name textkit \
    --disable all -o "$staged")
}

# build_rust_layer DIR CRATE: a Rust layer component, from its folder (with the WIT it uses).
build_rust_layer() {
  cargo build --quiet --locked --release --target wasm32-wasip2 \
    --manifest-path "$1/Cargo.toml" --target-dir "$target_dir"
  cp "$target_dir/wasm32-wasip2/release/$2.wasm" "$staged"
}

build_tracer() {
  # wit/tracer.wit: the layer world plus wasi:cli/environment (its env grant); wit/deps/layer
  # is a link to the repository's wit/layer.
  (cd "$examples/tracer" && "$jco" componentize app.js --wit wit --world-name tracer \
    --disable stdio random fetch-event -o "$staged")
}

build_stats() {
  (cd "$examples/stats" && PYTHONDONTWRITEBYTECODE=1 "$componentize_py" -d wit -w stats \
    componentize app -o "$staged")
}

mkdir -p "$out"
# The builds run from the examples' folders: a relative OUT_DIR must not depend on that.
out="$(cd "$out" && pwd)"
build inventory "$(rustc --version) $(cargo --version)" build_inventory
build textkit "node $(node --version) lock $lock_hash" build_textkit
build stats "componentize-py $componentize_py_version" build_stats
rust="$(rustc --version) $(cargo --version)"
probe="$root/crates/airlock-components/tests/probe-layer"
sources="$examples/otp-gate $root/wit/layer" \
  build otp-gate "$rust" build_rust_layer "$examples/otp-gate" airlock_example_otp_gate
sources="$examples/tracer $root/wit/layer" \
  build tracer "node $(node --version) lock $lock_hash" build_tracer
sources="$probe $root/wit/layer" \
  build probe-layer "$rust" build_rust_layer "$probe" airlock_probe_layer
