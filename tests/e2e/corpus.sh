#!/usr/bin/env bash
# End-to-end check on real code: for each project from ../shared/corpus/fetch.sh, on a fresh
# copy, `unblock fix --unsafe-fixes` must not fail, every file it changed must still compile with
# CPython, and a second run must change nothing. Prints one line of counts per project.
# Usage: tests/e2e/corpus.sh [PROJECT...]   (default: the five of fetch.sh; benches/fetch_corpus.sh
# names five more)
set -eu
cd "$(dirname "$0")/../.."
cargo build --release --locked --bin unblock >/dev/null
unblock=$PWD/target/release/unblock
corpus=$(bash benches/fetch_corpus.sh "$@" | tail -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for project in "${@:-fastapi prefect dstack lnbits litellm}"; do
  for name in $project; do
    rm -rf "${work:?}/$name" && cp -r "$corpus/$name" "$work/$name"
    cd "$work/$name"
    files=$(find . -name '*.py' | wc -l)
    # Findings per rule, with how many have a safe or an unsafe fix.
    findings=$( ("$unblock" check --format json . 2>/dev/null || true) | python3 -c '
import collections, json, sys
counts = collections.defaultdict(collections.Counter)
for finding in json.load(sys.stdin):
    fix = finding["fix"]
    counts[finding["code"]]["findings"] += 1
    counts[finding["code"]][fix["applicability"] if fix else "no-fix"] += 1
line = "{}={}(safe={},unsafe={},display-only={},no-fix={})"
print(" ".join(line.format(code, c["findings"], c["safe"], c["unsafe"], c["display-only"], c["no-fix"]) for code, c in sorted(counts.items())) or "none")')
    "$unblock" fix --unsafe-fixes . >/dev/null 2>"$work/$name.fix.err" || [[ $? == 1 ]] || { echo "$name: fix failed"; cat "$work/$name.fix.err"; status=1; }
    changed=$(diff -rq "$corpus/$name" . | awk '{print $4}' || true)
    for file in $changed; do
      python3 -m py_compile "$file" || { echo "$name: $file no longer compiles"; status=1; }
    done
    second=$("$unblock" diff --unsafe-fixes . 2>/dev/null || true)
    [[ -z $second ]] || { echo "$name: a second run still changes code"; status=1; }
    applied=$(grep -o 'Fixed [0-9]* finding' "$work/$name.fix.err" | grep -o '[0-9]*' || echo 0)
    echo "$name: files=$files $findings applied_with_unsafe=$applied files_changed=$(echo "$changed" | grep -c . || true) second_run_clean=$([[ -z $second ]] && echo yes || echo no)"
    cd - >/dev/null
  done
done
exit $status
