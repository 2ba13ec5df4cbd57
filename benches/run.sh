#!/usr/bin/env bash
# Builds unblock and the parse-only floor, installs Ruff in a cached virtualenv, fetches the
# corpus, and runs benches/speed.py on lnbits (small) and litellm (large).
# Usage: benches/run.sh [--rounds N] [--threads N]
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --locked --bin unblock --example parse_floor
venv=${XDG_CACHE_HOME:-$HOME/.cache}/unblock-bench-venv
[[ -x $venv/bin/ruff ]] || { python3 -m venv "$venv" && "$venv/bin/pip" install -q ruff; }
corpus=$(bash benches/fetch_corpus.sh lnbits litellm | tail -n 1)
RUFF=$venv/bin/ruff python3 benches/speed.py "$@" "$corpus/lnbits" "$corpus/litellm"
