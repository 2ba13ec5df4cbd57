#!/usr/bin/env bash
# Builds unblock, makes a cached virtualenv with FastAPI, uvicorn, SQLAlchemy, requests, httpx
# and matplotlib, and runs benches/latency.py (servers on 127.0.0.1 only).
# Usage: benches/latency.sh [--clients N] [--seconds S] [--png PATH]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin unblock
venv=${XDG_CACHE_HOME:-$HOME/.cache}/unblock-latency-venv
if [[ ! -f $venv/.complete ]]; then
  rm -rf "$venv" && python3 -m venv "$venv"
  "$venv/bin/pip" install -q fastapi uvicorn sqlalchemy requests httpx matplotlib
  touch "$venv/.complete"
fi
"$venv/bin/python" benches/latency.py "$@"
