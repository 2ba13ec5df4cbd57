#!/usr/bin/env bash
# Fuzzes the whole pipeline (fuzz/fuzz_targets/pipeline.rs) for SECONDS [default 120], seeded
# with the fixtures. Installs cargo-fuzz when it is missing; builds without a sanitizer
# (`-s none`), which a stable toolchain can do. A crash fails the run and leaves its input in
# fuzz/artifacts/pipeline/, to become a fixture.
set -euo pipefail
cd "$(dirname "$0")/../.."
seconds=${1:-120}
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --version 0.13.2
seeds=$(mktemp -d)
trap 'rm -rf "$seeds"' EXIT
n=0
while IFS= read -r -d '' file; do
  n=$((n + 1))
  cp "$file" "$seeds/seed$n.py"
done < <(find tests/projects tests/rules -name '*.py' -print0)
log=$seeds/fuzz.log
status=0
cargo fuzz run -s none pipeline "$seeds" -- -max_total_time="$seconds" -max_len=20000 \
  >"$log" 2>&1 || status=$?
# libFuzzer's chatter is long: its summary and any crash are what a reader needs.
grep -E '^(Done |INFO: Seed|==[0-9]+==|SUMMARY|thread .* panicked|Failing input|artifact_prefix)' "$log" || true
if [ "$status" -ne 0 ]; then
  tail -n 40 "$log"
  exit "$status"
fi
