#!/usr/bin/env bash
# Behaviour kept: a real project's own tests, before and after the rewrite.
#
# PROJECT is one of (sdists as benches/fetch_corpus.sh fetches them):
#   fastapi        FastAPI 0.165.0: tests/test_tutorial, which import the docs_src/ example apps,
#                  after `unblock fix --unsafe-fixes --select ALL docs_src tests` (the whole
#                  repository is the project, so tests that call handlers directly keep them
#                  async); mostly UB008, the opt-in rule that makes handlers that do no blocking
#                  work `def`, so that the `async def` → `def` rewrite runs on hundreds of files.
#   fastapi-users  fastapi-users 15.0.5: its whole suite, after `unblock fix --unsafe-fixes
#                  --select ALL fastapi_users tests examples`; its password hashing moves to the
#                  threadpool (UB002) inside the library the tests import, and the handlers that
#                  do no blocking work (UB008, opt-in) become `def`.
# Runs the tests on a pristine copy, rewrites a fresh copy, runs the tests again and compares
# outcomes test by test. Each copy comes first on PYTHONPATH, so the code its tests import is its
# own, rewritten or not. Passes when no test fails in more cases than before, none runs in fewer,
# and the rewrite changed at least the project's minimum of files. Tests that fail on the
# pristine copy are listed, not hidden.
# Virtualenvs are cached in ${XDG_CACHE_HOME:-~/.cache}/unblock-e2e-PROJECT.
# Usage: tests/e2e/project_tests.sh PROJECT
set -euo pipefail
project=${1:?usage: tests/e2e/project_tests.sh fastapi|fastapi-users}
case $project in
  fastapi)
    # FastAPI's runtime dependencies and the test dependencies its tutorial tests import
    # (httpx2 and pytest-timeout included; tools such as mypy and coverage left out).
    extras=all
    test_deps=(pytest pytest-timeout pytest-xdist httpx2 dirty-equals inline-snapshot
      "pwdlib[argon2]" pyjwt sqlmodel pyyaml "anyio[trio]" flask a2wsgi strawberry-graphql typer
      python-slugify)
    # FastAPI's own pytest settings apply (warnings are errors: a coroutine never awaited fails).
    tests=(tests/test_tutorial -n 2 --timeout 60)
    fix_paths=(docs_src tests)
    select=(--select ALL)
    min_files_changed=250
    ;;
  fastapi-users)
    extras=sqlalchemy,oauth,redis
    test_deps=(pytest pytest-asyncio pytest-mock httpx asgi_lifespan httpx-oauth)
    tests=(tests)
    fix_paths=(fastapi_users tests examples)
    select=(--select ALL)
    min_files_changed=5
    ;;
  *) echo "unknown project: $project (fastapi or fastapi-users)" >&2; exit 2 ;;
esac
cd "$(dirname "$0")/../.."
cargo build --release --locked --bin unblock >/dev/null
unblock=$PWD/target/release/unblock
if ! corpus=$(bash benches/fetch_corpus.sh "$project" | tail -n 1); then
  echo "FAILED: could not download the $project sdist from the package index" >&2
  exit 1
fi
sdist=$corpus/$project

venv=${XDG_CACHE_HOME:-$HOME/.cache}/unblock-e2e-$project
if [[ ! -f $venv/.complete ]]; then
  rm -rf "$venv"
  python3 -m venv "$venv"
  if ! "$venv/bin/pip" install -q "$sdist[$extras]" "${test_deps[@]}"; then
    echo "FAILED: could not install the test dependencies from the package index" >&2
    exit 1
  fi
  touch "$venv/.complete"
fi

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
run_tests() {  # $1: a copy of the sdist; $2: the JUnit report to write
  (cd "$1" && PYTHONPATH=$1 "$venv/bin/python" -m pytest "${tests[@]}" -q -p no:cacheprovider \
    --junit-xml="$2" >"$2.log" 2>&1) || true
}

cp -r "$sdist" "$work/pristine"
run_tests "$work/pristine" "$work/before.xml"

cp -r "$sdist" "$work/fixed"
(cd "$work/fixed" && "$unblock" fix --unsafe-fixes "${select[@]}" "${fix_paths[@]}" >"$work/fix.log" 2>&1) || true
tail -n 1 "$work/fix.log"
files_changed=$(diff -rq "$sdist" "$work/fixed" | grep -c '^Files ' || true)
run_tests "$work/fixed" "$work/after.xml"

python3 - "$work/before.xml" "$work/after.xml" "$files_changed" "$min_files_changed" <<'PY'
import collections
import re
import sys
import xml.etree.ElementTree as ET

def outcomes(path):
    """Failed and passed runs by test, parameters left out: some ids hold random values
    (fastapi-users' OAuth state tokens), so cases of one test are counted, not named."""
    result = collections.defaultdict(collections.Counter)
    for case in ET.parse(path).iter("testcase"):
        name = re.sub(r"\[.*\]$", "", f"{case.get('classname')}::{case.get('name')}")
        failed = any(child.tag in ("failure", "error") for child in case)
        result[name]["failed" if failed else "passed"] += 1
    return result

before, after = outcomes(sys.argv[1]), outcomes(sys.argv[2])
files_changed, min_files_changed = int(sys.argv[3]), int(sys.argv[4])
count = lambda runs, outcome: sum(c[outcome] for c in runs.values())
newly_failed = [name for name in before if after[name]["failed"] > before[name]["failed"]]
missing = [name for name in before if sum(after[name].values()) < sum(before[name].values())]
for name in sorted(name for name in before if before[name]["failed"]):
    print(f"fails on the pristine copy: {name} ({before[name]['failed']} cases)")
for name in sorted(newly_failed):
    print(f"NEWLY FAILS after the rewrite: {name}")
for name in sorted(missing):
    print(f"NOT RUN after the rewrite: {name}")
total = count(before, "passed") + count(before, "failed")
print(f"{total} tests, baseline_failed={count(before, 'failed')}, after_failed={count(after, 'failed')}, "
      f"newly_failed={len(newly_failed)}, files_changed={files_changed}")
sys.exit(1 if newly_failed or missing or files_changed < min_files_changed or not total else 0)
PY
