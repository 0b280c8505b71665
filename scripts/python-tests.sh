#!/usr/bin/env bash
# Builds the Python package's wheel (maturin, abi3) and runs its test suite (pytest) in fresh
# virtual environments on CPython 3.11 and on the newest CPython this machine has, with the
# framework packages of the adapter tests at pinned versions. Installs what is missing, only
# once: the venvs live under ~/.cache/airlock-python and are rebuilt when a requirements file
# changes. Called by scripts/test.sh (after setup.sh, so cargo and CARGO_TARGET_DIR are set).
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
pkg="$root/crates/airlock-python"
cache="${AIRLOCK_PYTHON_CACHE:-$HOME/.cache/airlock-python}"
maturin_version="1.16.0"
mkdir -p "$cache"

# The interpreters: 3.11 (the oldest supported), and the newest one found beside it.
interpreters=()
for candidate in python3.11 /usr/bin/python3.11; do
  if command -v "$candidate" >/dev/null 2>&1 && "$candidate" -c 'import venv, ensurepip' 2>/dev/null; then
    interpreters+=("$(command -v "$candidate")")
    break
  fi
done
if [ ${#interpreters[@]} -eq 0 ]; then
  echo "python-tests: installing python3.11 (python3-venv)" >&2
  sudo=""
  [ "$(id -u)" -eq 0 ] || sudo="sudo"
  $sudo apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq python3.11 python3.11-venv >/dev/null
  interpreters+=("/usr/bin/python3.11")
fi
# The newest: on PATH, in the usual prefixes, or among pyenv's versions (whose shims only run
# the versions pyenv has selected).
newest=""
for minor in 14 13 12; do
  for candidate in "python3.$minor" "/usr/local/bin/python3.$minor" "/usr/bin/python3.$minor" \
    $(ls -d "${PYENV_ROOT:-$HOME/.pyenv}"/versions/3."$minor".*/bin/python3."$minor" 2>/dev/null | sort -V -r); do
    if "$candidate" -c 'import venv, ensurepip' >/dev/null 2>&1; then
      newest="$("$candidate" -c 'import sys; print(sys.executable)')"
      break 2
    fi
  done
done
if [ -n "$newest" ]; then
  interpreters+=("$newest")
else
  echo "python-tests: no CPython newer than 3.11 on this machine; testing 3.11 only" >&2
fi

requirements=("$pkg/tests/requirements.txt")
[ -f "$pkg/tests/requirements-frameworks.txt" ] && requirements+=("$pkg/tests/requirements-frameworks.txt")
stamp="$(cat "${requirements[@]}" | sha256sum | cut -c1-16)"

venv_for() {
  local python="$1"
  local version
  version="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  local venv="$cache/venv-$version"
  if [ "$(cat "$venv/.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "python-tests: preparing $venv" >&2
    rm -rf "$venv"
    "$python" -m venv "$venv"
    local args=()
    for r in "${requirements[@]}"; do args+=(-r "$r"); done
    "$venv/bin/pip" install --quiet --disable-pip-version-check "${args[@]}"
    echo "$stamp" > "$venv/.stamp"
  fi
  echo "$venv"
}

# One abi3 wheel serves every interpreter; built with the first.
build_venv="$(venv_for "${interpreters[0]}")"
if ! "$build_venv/bin/maturin" --version 2>/dev/null | grep -q "$maturin_version"; then
  "$build_venv/bin/pip" install --quiet --disable-pip-version-check "maturin==$maturin_version"
fi
wheels="$cache/wheels"
rm -rf "$wheels"
(cd "$pkg" && "$build_venv/bin/maturin" build --quiet --profile dev --compatibility linux \
  --interpreter "${interpreters[0]}" --out "$wheels")
wheel="$(ls "$wheels"/*.whl)"

for python in "${interpreters[@]}"; do
  venv="$(venv_for "$python")"
  "$venv/bin/pip" install --quiet --disable-pip-version-check --force-reinstall --no-deps "$wheel"
  echo "python-tests: $("$venv/bin/python" --version) with $(basename "$wheel")" >&2
  # From the tests folder, so `import airlock` is the installed wheel, not the source tree.
  (cd "$pkg/tests" && "$venv/bin/python" -m pytest -q -p no:cacheprovider .)
done
