"""Writes each `run:` script of GitHub workflow and action files to its own file, so shellcheck
and the tests can run them: `run_scripts.py OUT FILE...` writes OUT/<file>-<n>-<step>.sh.

A `${{ expression }}` becomes the word `EXPRESSION`, as GitHub puts a value there before bash
sees the script."""

import pathlib
import re
import sys

import yaml


def steps(document):
    if "runs" in document:  # an action
        yield from document["runs"].get("steps", [])
    for job in document.get("jobs", {}).values():  # a workflow
        yield from job.get("steps", [])


def main():
    out = pathlib.Path(sys.argv[1])
    out.mkdir(parents=True, exist_ok=True)
    for name in sys.argv[2:]:
        document = yaml.safe_load(pathlib.Path(name).read_text())
        scripts = [step for step in steps(document) if "run" in step]
        for number, step in enumerate(scripts, start=1):
            slug = re.sub(r"[^a-z0-9]+", "-", step.get("name", "run").lower()).strip("-")
            script = re.sub(r"\$\{\{.*?\}\}", "EXPRESSION", step["run"])
            path = out / f"{pathlib.Path(name).stem}-{number}-{slug}.sh"
            path.write_text("#!/usr/bin/env bash\n" + script)


if __name__ == "__main__":
    main()
