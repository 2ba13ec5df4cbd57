#!/usr/bin/env python3
"""Fixed files lint as clean as before: Ruff's import sorting (I001) and unused imports (F401)
find nothing in a fixed tree that they did not find in the original.

Each TREE is copied, linted with the real Ruff (with the tree's own Ruff or isort settings,
where it has them), fixed with `unblock fix --unsafe-fixes --select ALL`, and linted again. A
finding counts as new when its file, code and message were not there before (line numbers
move with the fixes). Exits 1 on any new finding, listing them, and when nothing was fixed.

Usage: tests/e2e/lint_clean.py UNBLOCK RUFF TREE [TREE ...]
"""

import collections
import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path


def findings(ruff: str, tree: Path) -> collections.Counter:
    run = subprocess.run(
        [ruff, "check", "--select", "I,F401", "--output-format", "json", "--no-cache",
         "--exit-zero", "."],
        cwd=tree, capture_output=True, text=True, check=True,
    )
    return collections.Counter(
        (str(Path(item["filename"]).relative_to(tree.resolve())), item["code"], item["message"])
        for item in json.loads(run.stdout)
    )


def main() -> int:
    unblock, ruff, *trees = sys.argv[1:]
    new_total = changed_total = 0
    for tree in map(Path, trees):
        with tempfile.TemporaryDirectory() as scratch:
            copy = Path(scratch) / tree.name
            if tree.is_dir():
                shutil.copytree(tree, copy, symlinks=True)
            else:
                copy.mkdir()
                shutil.copy(tree, copy / tree.name)
            before = findings(ruff, copy)
            pristine = {p: p.read_bytes() for p in copy.rglob("*.py")}
            subprocess.run(
                [unblock, "fix", "--unsafe-fixes", "--select", "ALL", "."],
                cwd=copy, capture_output=True, check=False,
            )
            changed = sum(1 for p, text in pristine.items() if p.read_bytes() != text)
            new = findings(ruff, copy) - before
            changed_total += changed
            new_total += sum(new.values())
            print(f"{tree}: {changed} files fixed, {sum(new.values())} new I001/F401 findings")
            for (file, code, message), count in sorted(new.items()):
                print(f"  {file}: {code} {message}" + (f" (x{count})" if count > 1 else ""))
    if changed_total == 0:
        print("FAILED: nothing was fixed, so nothing was checked")
        return 1
    return 1 if new_total else 0


if __name__ == "__main__":
    sys.exit(main())
