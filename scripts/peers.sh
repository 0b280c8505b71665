#!/usr/bin/env bash
# Installs the real MCP peers the tests talk to, only what is missing; safe to run any number
# of times. Sourced by scripts/test.sh; exports AIRLOCK_PEERS.
#   - the official Python MCP SDK (`mcp` from PyPI) in a venv: the client of `airlock serve`
#     and a small upstream server
#   - @modelcontextprotocol/server-everything (npm) in its own prefix: an upstream server
#   - independent implementations the layers are checked against, in the same venv: pyotp
#     (TOTP codes), opentelemetry-proto (an OTLP receiver), detect-secrets (redaction)
#   - Debian's docker-registry (CNCF distribution): the OCI registry of the registry tests, the
#     minisign command, which the signatures are checked against, and htpasswd (apache2-utils)
#     for the registry that asks for credentials
#   - wkg (crates.io), which shares components with airlock through the registry
set -euo pipefail

export AIRLOCK_PEERS="${AIRLOCK_PEERS:-$HOME/.cache/airlock-peers}"
mcp_version="2.3.0"
layer_peers=(pyotp==2.12.1 opentelemetry-proto==1.45.2 detect-secrets==1.5.0)
everything_version="2026.8.31"

apt_missing=()
command -v node >/dev/null 2>&1 || apt_missing+=(nodejs)
command -v npm >/dev/null 2>&1 || apt_missing+=(npm)
python3 -m venv --help >/dev/null 2>&1 || apt_missing+=(python3-venv)
# A real OCI registry (CNCF distribution) for the registry tests; started per test on loopback.
[ -x /usr/bin/docker-registry ] || apt_missing+=(docker-registry)
# The minisign command: signatures airlock makes and checks must agree with it.
command -v minisign >/dev/null 2>&1 || apt_missing+=(minisign)
# htpasswd (bcrypt) for the registry that asks for credentials.
command -v htpasswd >/dev/null 2>&1 || apt_missing+=(apache2-utils)
command -v redis-server >/dev/null 2>&1 || apt_missing+=(redis-server)
if [ ${#apt_missing[@]} -gt 0 ]; then
  echo "peers: installing ${apt_missing[*]}" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${apt_missing[@]}" >/dev/null
fi

mkdir -p "$AIRLOCK_PEERS"
venv="$AIRLOCK_PEERS/venv"
if ! "$venv/bin/python" -c "import importlib.metadata as m, sys; sys.exit(m.version('mcp') != '$mcp_version')" 2>/dev/null; then
  echo "peers: installing mcp==$mcp_version into $venv" >&2
  python3 -m venv "$venv"
  "$venv/bin/pip" install --quiet --disable-pip-version-check "mcp==$mcp_version"
fi

if ! "$venv/bin/python" -c "import pyotp, detect_secrets; from opentelemetry.proto.collector.trace.v1 import trace_service_pb2" 2>/dev/null; then
  echo "peers: installing ${layer_peers[*]} into $venv" >&2
  "$venv/bin/pip" install --quiet --disable-pip-version-check "${layer_peers[@]}"
fi
# The layers' tests run `python3` and `detect-secrets`: the venv's come first.
export PATH="$venv/bin:$PATH"

everything="$AIRLOCK_PEERS/npm/node_modules/@modelcontextprotocol/server-everything"
if ! grep -q "\"version\": \"$everything_version\"" "$everything/package.json" 2>/dev/null; then
  echo "peers: installing @modelcontextprotocol/server-everything@$everything_version" >&2
  npm install --silent --no-audit --no-fund --prefix "$AIRLOCK_PEERS/npm" \
    "@modelcontextprotocol/server-everything@$everything_version" >/dev/null
fi

# wkg (the Bytecode Alliance's package tool): the registry tests check that components pushed by
# airlock are pulled by wkg and the other way round. Built once from crates.io and kept.
wkg_version="0.16.1"
export AIRLOCK_WKG="$AIRLOCK_PEERS/wkg/bin/wkg"
if ! "$AIRLOCK_WKG" --version 2>/dev/null | grep -q "$wkg_version"; then
  echo "peers: installing wkg $wkg_version (cargo install, a few minutes once)" >&2
  cargo install --quiet --locked "wkg@$wkg_version" --root "$AIRLOCK_PEERS/wkg" \
    --target-dir "$AIRLOCK_PEERS/wkg-build" >&2
  rm -rf "$AIRLOCK_PEERS/wkg-build"
fi

# The example components, built from source in three languages (see scripts/components.sh).
export AIRLOCK_COMPONENTS="$AIRLOCK_PEERS/components"
bash "$(dirname "${BASH_SOURCE[0]}")/components.sh" "$AIRLOCK_COMPONENTS" >&2

# The TypeScript compiler that comes with the JavaScript component toolchain (pinned by its
# lock file): the sandbox's declarations are type-checked with it (crates/airlock-tools/tests/dts.rs).
if [ -z "${AIRLOCK_TSC:-}" ] && [ -x "$AIRLOCK_PEERS/node/node_modules/.bin/tsc" ]; then
  export AIRLOCK_TSC="$AIRLOCK_PEERS/node/node_modules/.bin/tsc"
fi
