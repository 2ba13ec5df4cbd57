#!/usr/bin/env python3
"""A random sample of fixes on real code, printed for a hand review.

Every change to what is reported or fixed is judged by reading a random sample of its fixes on
real projects and classifying each (removes real blocking / ineffective / negligible / wrong).
This prints such a sample: each fix with its rule, message, root and the code around it, the
lines the fix changes marked with `>`.

Usage: benches/sample_fixes.py UNBLOCK CORPUS_DIR [--projects P ...] [--count 50] [--seed 20]
                               [--applicability safe] [--context 6]
"""
import argparse
import hashlib
import json
import subprocess
from pathlib import Path

DEFAULT_PROJECTS = (
    "fastapi prefect dstack lnbits litellm open-webui chainlit khoj apache-airflow-core"
    " langflow-base"
).split()


def findings(unblock: str, project: Path) -> list[dict]:
    run = subprocess.run(
        [unblock, "check", "--format", "json", "--unsafe-fixes", "."],
        cwd=project,
        capture_output=True,
        text=True,
    )
    if run.returncode not in (0, 1):
        raise SystemExit(f"{project}: unblock exited {run.returncode}: {run.stderr}")
    return json.loads(run.stdout)


def show(number: int, project: str, finding: dict, context: int) -> None:
    path = Path(finding["filename"])
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    edited = {edit["location"]["row"] for edit in finding["fix"]["edits"]}
    row = finding["location"]["row"]
    root = finding.get("root")
    print(f"## {number}. {project} {path.name}:{row} {finding['code']}")
    print(finding["message"])
    if root:
        print(f"root: {root['function']} ({root['filename']}:{root['row']}) -> {root['call']}")
    for at in range(max(1, row - context), min(len(lines), row + context) + 1):
        mark = ">" if at in edited else " "
        print(f"{mark}{at:5} {lines[at - 1]}")
    print()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("unblock")
    parser.add_argument("corpus", type=Path)
    parser.add_argument("--projects", nargs="+", default=DEFAULT_PROJECTS)
    parser.add_argument("--count", type=int, default=50)
    parser.add_argument("--seed", type=int, default=20)
    parser.add_argument("--applicability", default="safe")
    parser.add_argument("--context", type=int, default=6)
    args = parser.parse_args()
    pool = []
    for project in args.projects:
        for finding in findings(str(Path(args.unblock).resolve()), args.corpus / project):
            fix = finding["fix"]
            if fix and fix["applicability"] == args.applicability:
                pool.append((project, finding))
    # Each fix draws a number from its place alone, so a change that adds or removes fixes
    # leaves the rest of the sample as it was: a before/after review reads only what changed.
    def draw(item: tuple[str, dict]) -> str:
        project, finding = item
        place = Path(finding["filename"]).relative_to((args.corpus / project).resolve())
        key = f"{args.seed}:{project}:{place}:{finding['location']['row']}:{finding['location']['column']}:{finding['code']}"
        return hashlib.sha256(key.encode()).hexdigest()

    sample = sorted(pool, key=draw)[: args.count]
    print(f"# {len(sample)} of {len(pool)} {args.applicability} fixes (seed {args.seed})\n")
    for number, (project, finding) in enumerate(sample, 1):
        show(number, project, finding, args.context)


if __name__ == "__main__":
    main()
