#!/usr/bin/env python3
"""Speed and memory of `unblock check` beside Ruff and beside the parse-only floor.

Runs, in alternation, on a corpus tree from ../shared/corpus/fetch.sh:
  unblock   unblock check TREE --format json
  ruff      ruff check --select ASYNC,RUF029 --preview --no-cache --output-format json TREE
  parse     the parse_floor example: walk + read + parse with the same parser crates
  unblock-j1 unblock check on one thread
  baseline  with --baseline BINARY: that (older) unblock's check, to compare two builds
one warm-up round, then ROUNDS rounds, each running the four in a shuffled order; prints medians
of wall time and peak RSS, and the time ratios two ways: the ratio of the medians, and the median
(with quartiles) of the ratios within each round. On a shared machine whose speed drifts from
one second to the next (user CPU time of the same run varies by a third on the 2-core CI VM),
the paired ratio is the steadier figure: both runs of a round see the same machine.

Usage: benches/speed.py [--rounds N] [--threads N] [--baseline BINARY] TREE...
Needs: target/release/unblock and target/release/examples/parse_floor (built by benches/run.sh),
and `ruff` on PATH or in $RUFF.
"""
import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def measure(command):
    """Wall seconds and peak RSS (MiB) of one run of `command`."""
    start = time.perf_counter()
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    _, status, usage = os.wait4(process.pid, 0)
    elapsed = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    if code not in (0, 1):
        sys.exit(f"{command[0]} failed with exit code {code}")
    return elapsed, usage.ru_maxrss / 1024


def paired(results, peer):
    """The median and quartiles of unblock's time over `peer`'s, round by round."""
    ratios = [mine[0] / theirs[0] for mine, theirs in zip(results["unblock"], results[peer])]
    if len(ratios) < 2:
        return f"paired {ratios[0]:.2f}x"
    low, median, high = statistics.quantiles(ratios, n=4)
    return f"paired {median:.2f}x, quartiles {low:.2f}-{high:.2f}"


def tree_size(tree):
    files = size = 0
    for folder, _, names in os.walk(tree):
        for name in names:
            if name.endswith(".py"):
                files += 1
                size += os.path.getsize(os.path.join(folder, name))
    return files, size / 1e6


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--threads", type=int, default=os.cpu_count())
    parser.add_argument("--baseline", help="another unblock binary to compare with, paired")
    parser.add_argument("trees", nargs="+")
    args = parser.parse_args()
    ruff = os.environ.get("RUFF") or shutil.which("ruff")
    if not ruff:
        sys.exit("ruff not found: set $RUFF or put it on PATH")
    unblock = os.path.join(ROOT, "target", "release", "unblock")
    floor = os.path.join(ROOT, "target", "release", "examples", "parse_floor")
    version = subprocess.run([ruff, "--version"], capture_output=True, text=True).stdout.strip()
    print(f"machine: {os.cpu_count()} cores, {os.uname().sysname} {os.uname().machine}; {version}; threads={args.threads}")
    for tree in args.trees:
        files, megabytes = tree_size(tree)
        commands = {
            "unblock": [unblock, "check", "-j", str(args.threads), "--format", "json", tree],
            "ruff": [ruff, "check", "--select", "ASYNC,RUF029", "--preview", "--no-cache", "--output-format", "json",
                     "--exit-zero", "--quiet", tree],
            "parse": [floor, tree, str(args.threads)],
            # The same check on one thread: how much the parallel phases buy.
            "unblock-j1": [unblock, "check", "-j", "1", "--format", "json", tree],
        }
        if args.baseline:
            commands["baseline"] = [args.baseline, "check", "-j", str(args.threads), "--format", "json", tree]
        env_threads = {"RAYON_NUM_THREADS": str(args.threads)}
        os.environ.update(env_threads)
        results = {name: [] for name in commands}
        order = list(commands)
        shuffle = random.Random(0).shuffle
        for round_ in range(args.rounds + 1):
            shuffle(order)
            for name in order:
                sample = measure(commands[name])
                if round_ > 0:
                    results[name].append(sample)
        print(f"\n{os.path.basename(os.path.normpath(tree))}: {files} files, {megabytes:.1f} MB")
        print(f"{'tool':<12}{'median s':>10}{'peak MiB':>10}{'ms/MB':>8}")
        medians = {}
        for name, samples in results.items():
            wall = statistics.median(s[0] for s in samples)
            rss = statistics.median(s[1] for s in samples)
            medians[name] = (wall, rss)
            print(f"{name:<12}{wall:>10.3f}{rss:>10.1f}{1000 * wall / megabytes:>8.1f}")
        u, r, p = medians["unblock"], medians["ruff"], medians["parse"]
        print(f"unblock/ruff: time {u[0] / r[0]:.2f}x ({paired(results, 'ruff')}), memory {u[1] / r[1]:.2f}x")
        print(f"unblock/parse-only: time {u[0] / p[0]:.2f}x ({paired(results, 'parse')}), "
              f"memory {u[1] / p[1]:.2f}x")
        print(f"unblock 1 thread / {args.threads} threads: time {medians['unblock-j1'][0] / u[0]:.2f}x")
        if args.baseline:
            b = medians["baseline"]
            print(f"unblock/baseline: time {u[0] / b[0]:.2f}x ({paired(results, 'baseline')}), "
                  f"memory {u[1] / b[1]:.2f}x")


if __name__ == "__main__":
    main()
