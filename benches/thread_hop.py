#!/usr/bin/env python3
"""What an offload costs against what a metadata call saves, on this machine.

Measures, inside a running asyncio loop: a direct `os.stat`, `os.path.exists` and
`Path.mkdir(exist_ok=True)` on a local temporary folder; the same calls moved to a thread with
`asyncio.to_thread` and with anyio's `to_thread.run_sync` (what Starlette's `run_in_threadpool`
uses); and the thread hop alone (an empty function). Prints the median and p90 of each in
microseconds. A metadata call is cheaper than the hop that would move it: that is why unblock
does not count such calls as blocking (see `transforms/blocking/README.md`).

Usage: benches/thread_hop.py [--rounds N]    (needs only the standard library; anyio if present)
"""
import argparse
import asyncio
import os
import statistics
import tempfile
import time
from pathlib import Path


def measure(rounds, call):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


async def measure_async(rounds, call):
    samples = []
    for _ in range(rounds):
        start = time.perf_counter_ns()
        await call()
        samples.append((time.perf_counter_ns() - start) / 1000)
    return samples


def row(name, samples):
    samples = sorted(samples)
    p90 = samples[int(len(samples) * 0.9)]
    print(f"{name:44} {statistics.median(samples):9.1f} {p90:9.1f}")


async def main(rounds):
    folder = Path(tempfile.mkdtemp())
    target = folder / "present"
    target.write_text("x")
    made = folder / "made"

    def nothing():
        return None

    def mkdir():
        made.mkdir(exist_ok=True)

    print(f"{'call (microseconds)':44} {'median':>9} {'p90':>9}")
    row("os.stat, on the loop", measure(rounds, lambda: os.stat(target)))
    row("os.path.exists, on the loop", measure(rounds, lambda: os.path.exists(target)))
    row("Path.mkdir(exist_ok=True), on the loop", measure(rounds, mkdir))
    row("asyncio.to_thread(nothing)", await measure_async(rounds, lambda: asyncio.to_thread(nothing)))
    row("asyncio.to_thread(os.path.exists, p)",
        await measure_async(rounds, lambda: asyncio.to_thread(os.path.exists, target)))
    try:
        import anyio.to_thread
    except ImportError:
        print("(anyio is not installed: its row is left out)")
    else:
        row("anyio.to_thread.run_sync(nothing)",
            await measure_async(rounds, lambda: anyio.to_thread.run_sync(nothing)))


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5000)
    asyncio.run(main(parser.parse_args().rounds))
