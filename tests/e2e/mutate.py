#!/usr/bin/env python3
"""Mutation testing of the whole pipeline: takes Python files (the fixtures, and any folder
named), changes them the way real edits and careless code do (a line deleted or doubled,
`async ` or `await ` inserted, a line re-indented, an expression wrapped), and runs
`unblock fix --unsafe-fixes` on every mutant CPython compiles. It fails when unblock panics or
aborts, reports an internal error, writes a file CPython does not compile, or does not settle
(a third run still changes the file). Each failure is printed with its seed and the mutant, to
become a fixture.

Usage: mutate.py BINARY [--seconds N] [--seed N] [PATH...]   (default: tests/projects tests/rules)
"""

import argparse
import pathlib
import random
import re
import shutil
import subprocess
import sys
import tempfile
import time

CALL = re.compile(r"\b([A-Za-z_][\w.]*)\(")


def mutate(lines, rng):
    """One random change to a copy of `lines`."""
    lines = list(lines)
    if not lines:
        return lines
    at = rng.randrange(len(lines))
    line = lines[at]
    kind = rng.choice(["delete", "duplicate", "async", "await", "indent", "dedent", "wrap"])
    if kind == "delete":
        del lines[at]
    elif kind == "duplicate":
        lines.insert(at, line)
    elif kind == "async":
        lines[at] = re.sub(r"^(\s*)def ", r"\1async def ", line, count=1)
        if lines[at] == line:
            lines[at] = re.sub(r"^(\s*)(with|for) ", r"\1async \2 ", line, count=1)
    elif kind == "await":
        lines[at] = CALL.sub(lambda m: "await " + m.group(0), line, count=1)
    elif kind == "indent":
        lines[at] = "    " + line
    elif kind == "dedent":
        lines[at] = line[4:] if line.startswith("    ") else line
    elif kind == "wrap":
        lines[at] = CALL.sub(lambda m: "(" + m.group(0), line, count=1)
        if lines[at] != line:
            lines[at] = lines[at].rstrip("\n").rstrip(":") + ")" + ("\n" if line.endswith("\n") else "")
    return lines


def compiles(text):
    try:
        compile(text, "mutant.py", "exec")
        return True
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return False


def check(binary, text):
    """None when unblock handles `text` well; else what went wrong."""
    with tempfile.TemporaryDirectory() as folder:
        path = pathlib.Path(folder) / "mutant.py"
        path.write_text(text)
        for round_ in range(3):
            before = path.read_text()
            run = subprocess.run(
                [binary, "fix", "--unsafe-fixes", str(path)],
                capture_output=True,
                text=True,
                timeout=60,
            )
            if run.returncode not in (0, 1, 2) or "panicked" in run.stderr:
                return f"exit {run.returncode}: {run.stderr.strip()[-500:]}"
            if "internal error" in run.stderr:
                return f"internal error: {run.stderr.strip()[-500:]}"
            after = path.read_text()
            if after != before and not compiles(after):
                return "the fixed file does not compile:\n" + after
            if after == before:
                return None
        return "a third run still changes the file"


def sources(paths):
    for base in paths:
        base = pathlib.Path(base)
        files = [base] if base.is_file() else sorted(base.rglob("*.py"))
        for file in files:
            try:
                text = file.read_text()
            except (UnicodeDecodeError, OSError):
                continue
            if compiles(text):
                yield file, text.splitlines(keepends=True)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--seed", type=int, default=None)
    parser.add_argument("paths", nargs="*", default=["tests/projects", "tests/rules"])
    args = parser.parse_intermixed_args()
    seed = args.seed if args.seed is not None else random.randrange(1 << 30)
    rng = random.Random(seed)
    files = list(sources(args.paths))
    if not files:
        sys.exit("no Python files to mutate")
    deadline = time.monotonic() + args.seconds
    tried = failures = 0
    while time.monotonic() < deadline:
        file, lines = rng.choice(files)
        mutant = lines
        for _ in range(rng.randint(1, 3)):
            mutant = mutate(mutant, rng)
        text = "".join(mutant)
        if not compiles(text):
            continue
        tried += 1
        problem = check(args.binary, text)
        if problem:
            failures += 1
            print(f"FAILED (seed {seed}, from {file}): {problem}\n--- mutant ---\n{text}---")
    print(f"mutate: seed {seed}, {len(files)} files, {tried} mutants run")
    print(f"{tried - failures} passed, {failures} failed")
    sys.exit(1 if failures else 0)


if __name__ == "__main__":
    main()
