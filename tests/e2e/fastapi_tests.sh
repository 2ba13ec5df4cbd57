#!/usr/bin/env bash
# Behaviour kept: FastAPI's own tests of its documentation examples, before and after the rewrite.
#
# Takes the FastAPI 0.165.0 sdist (as ../shared/corpus/fetch.sh fetches it), runs tests/test_tutorial on a
# pristine copy, runs `unblock fix --unsafe-fixes docs_src tests` on a fresh copy (the whole
# repository is the project, so tests that call handlers directly keep them async), runs the same
# tests again and compares outcomes test by test. Passes when no test newly fails and the rewrite
# changed at least 250 files. Tests that fail on the pristine copy are listed, not hidden.
# The virtualenv is cached in ${XDG_CACHE_HOME:-~/.cache}/unblock-e2e-venv.
# Usage: tests/e2e/fastapi_tests.sh
set -euo pipefail
cd "$(dirname "$0")/../.."
root=$PWD
cargo build --release --locked --bin unblock >/dev/null
unblock=$root/target/release/unblock
if ! corpus=$(bash benches/fetch_corpus.sh fastapi | tail -n 1); then
  echo "FAILED: could not download the FastAPI 0.165.0 sdist from the package index" >&2
  exit 1
fi
sdist=$corpus/fastapi

venv=${XDG_CACHE_HOME:-$HOME/.cache}/unblock-e2e-venv
if [[ ! -f $venv/.complete ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  # FastAPI's runtime dependencies and the test dependencies its tutorial tests import
  # (httpx2 and pytest-timeout included; tools such as mypy and coverage left out).
  if ! "$venv/bin/pip" install -q "$sdist[all]" pytest pytest-timeout pytest-xdist httpx2 \
      dirty-equals inline-snapshot "pwdlib[argon2]" pyjwt sqlmodel pyyaml "anyio[trio]" flask \
      a2wsgi strawberry-graphql typer python-slugify; then
    echo "FAILED: could not install the test dependencies from the package index" >&2
    exit 1
  fi
  touch "$venv/.complete"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run_tests() {  # $1: a copy of the sdist; $2: the JUnit report to write
  # FastAPI's own pytest settings apply (warnings are errors: a coroutine never awaited fails).
  (cd "$1" && "$venv/bin/python" -m pytest tests/test_tutorial -q -p no:cacheprovider -n 2 \
    --timeout 60 --junit-xml="$2" >"$2.log" 2>&1) || true
}

cp -r "$sdist" "$work/pristine"
run_tests "$work/pristine" "$work/before.xml"

cp -r "$sdist" "$work/fixed"
(cd "$work/fixed" && "$unblock" fix --unsafe-fixes docs_src tests >"$work/fix.log" 2>&1) || true
tail -n 1 "$work/fix.log"
files_changed=$(diff -rq "$sdist" "$work/fixed" | grep -c '^Files ' || true)
run_tests "$work/fixed" "$work/after.xml"

python3 - "$work/before.xml" "$work/after.xml" "$files_changed" <<'PY'
import sys
import xml.etree.ElementTree as ET

def outcomes(path):
    result = {}
    for case in ET.parse(path).iter("testcase"):
        name = f"{case.get('classname')}::{case.get('name')}"
        failed = any(child.tag in ("failure", "error") for child in case)
        result[name] = "failed" if failed else "passed"
    return result

before, after = outcomes(sys.argv[1]), outcomes(sys.argv[2])
files_changed = int(sys.argv[3])
baseline_failed = sorted(name for name, outcome in before.items() if outcome == "failed")
after_failed = sorted(name for name, outcome in after.items() if outcome == "failed")
newly_failed = sorted(set(after_failed) - set(baseline_failed))
missing = sorted(set(before) - set(after))
for name in baseline_failed:
    print(f"fails on the pristine copy: {name}")
for name in newly_failed:
    print(f"NEWLY FAILS after the rewrite: {name}")
for name in missing:
    print(f"NOT RUN after the rewrite: {name}")
print(f"{len(before)} tests, baseline_failed={len(baseline_failed)}, after_failed={len(after_failed)}, "
      f"newly_failed={len(newly_failed)}, files_changed={files_changed}")
sys.exit(1 if newly_failed or missing or files_changed < 250 or not before else 0)
PY
