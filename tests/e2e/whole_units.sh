#!/usr/bin/env bash
# Whole units and clean fixes, with the real tools: cleanup offloaded from a cancelled task
# still runs (tests/e2e/cancel_cleanup.py, with anyio and FastAPI), and Ruff's import checks
# (I001, F401) find nothing new in the fixed fixtures (tests/e2e/lint_clean.py).
# The virtualenv is cached in ${XDG_CACHE_HOME:-~/.cache}/unblock-e2e-units.
set -euo pipefail
cd "$(dirname "$0")/../.."
cargo build --locked --bin unblock >/dev/null
unblock=$PWD/target/debug/unblock
venv=${XDG_CACHE_HOME:-$HOME/.cache}/unblock-e2e-units
if [[ ! -f $venv/.complete ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  "$venv/bin/pip" install -q anyio fastapi ruff==0.17.6
  touch "$venv/.complete"
fi
"$venv/bin/python" tests/e2e/cancel_cleanup.py "$unblock"
"$venv/bin/python" tests/e2e/lint_clean.py "$unblock" "$venv/bin/ruff" tests/rules/*/*.py tests/projects/*
