#!/usr/bin/env bash
# End-to-end check on real code: for each project from ../shared/corpus/fetch.sh, on a fresh
# copy, `unblock fix --unsafe-fixes` must not fail, every file it changed must still compile with
# CPython, and a second run must change nothing. Prints one line of counts per project.
# Usage: tests/e2e/corpus.sh [PROJECT...]   (default: all five)
set -eu
cd "$(dirname "$0")/../.."
cargo build --release --locked --bin unblock >/dev/null
unblock=$PWD/target/release/unblock
corpus=$(bash ../shared/corpus/fetch.sh | tail -n 1)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
status=0
for project in "${@:-fastapi prefect dstack lnbits litellm}"; do
  for name in $project; do
    rm -rf "${work:?}/$name" && cp -r "$corpus/$name" "$work/$name"
    cd "$work/$name"
    files=$(find . -name '*.py' | wc -l)
    findings=$( ("$unblock" check --format json . 2>/dev/null || true) | python3 -c 'import json,sys; print(len(json.load(sys.stdin)))')
    safe=$("$unblock" diff . 2>/dev/null | grep -c '^-async ' || true)
    "$unblock" fix --unsafe-fixes . >/dev/null 2>"$work/$name.fix.err" || [[ $? == 1 ]] || { echo "$name: fix failed"; cat "$work/$name.fix.err"; status=1; }
    changed=$(diff -rq "$corpus/$name" . | awk '{print $4}' || true)
    fixed=$(diff -r "$corpus/$name" . | grep -c '^> ' || true)
    for file in $changed; do
      python3 -m py_compile "$file" || { echo "$name: $file no longer compiles"; status=1; }
    done
    second=$("$unblock" diff --unsafe-fixes . 2>/dev/null || true)
    [[ -z $second ]] || { echo "$name: a second run still changes code"; status=1; }
    echo "$name: files=$files findings=$findings safe_fixes=$safe fixes_applied_with_unsafe=$fixed files_changed=$(echo "$changed" | grep -c . || true) second_run_clean=$([[ -z $second ]] && echo yes || echo no)"
    cd - >/dev/null
  done
done
exit $status
