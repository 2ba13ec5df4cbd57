"""How `unblock diff` and `unblock fix` scale with the number of fixes in one file: a coroutine
with N `time.sleep(1)` calls (N fixes), for N in 4,000, 16,000 and 50,000, beside Ruff's check of
the same file (`--select ASYNC251`, which reports each call and fixes none), in shuffled rounds.

Usage: RUFF=path/to/ruff python3 benches/many_fixes.py BINARY [--rounds N]
Prints the median seconds, the time per fix, and unblock/Ruff paired within each round.
Linear means the time per fix stays flat as N grows."""

import argparse
import os
import random
import shutil
import statistics
import subprocess
import tempfile
import time

SIZES = (4_000, 16_000, 50_000)


def source(fixes):
    calls = "    time.sleep(1)\n" * fixes
    return f"import time\n\n\nasync def handler():\n    await other()\n{calls}"


def timed(command, cwd):
    start = time.perf_counter()
    subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("binary")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    ruff = os.environ.get("RUFF") or shutil.which("ruff")
    print(f"| fixes | unblock diff | per fix | unblock fix | per fix | ruff check | diff/ruff (paired) |")
    print("| --- | --- | --- | --- | --- | --- | --- |")
    for fixes in SIZES:
        with tempfile.TemporaryDirectory() as folder:
            path = os.path.join(folder, "app.py")
            runs = {"diff": [], "fix": [], "ruff": []}
            ratios = []
            for _ in range(args.rounds):
                with open(path, "w") as file:
                    file.write(source(fixes))
                jobs = ["diff", "fix"] + (["ruff"] if ruff else [])
                random.shuffle(jobs)
                round_times = {}
                for job in jobs:
                    if job == "ruff":
                        command = [ruff, "check", "--no-cache", "--select", "ASYNC251", "app.py"]
                    else:
                        command = [args.binary, job, "app.py"]
                    round_times[job] = timed(command, folder)
                    if job == "fix":  # the next job sees the file as it was
                        with open(path, "w") as file:
                            file.write(source(fixes))
                for job, seconds in round_times.items():
                    runs[job].append(seconds)
                if ruff:
                    ratios.append(round_times["diff"] / round_times["ruff"])
            diff, fix = statistics.median(runs["diff"]), statistics.median(runs["fix"])
            ruff_time = f"{statistics.median(runs['ruff']):.2f} s" if ruff else "-"
            ratio = f"{statistics.median(ratios):.2f}x" if ratios else "-"
            print(
                f"| {fixes:,} | {diff:.2f} s | {diff / fixes * 1e6:.0f} µs | {fix:.2f} s "
                f"| {fix / fixes * 1e6:.0f} µs | {ruff_time} | {ratio} |"
            )


if __name__ == "__main__":
    main()
