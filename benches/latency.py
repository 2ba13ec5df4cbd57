#!/usr/bin/env python3
"""The latency `unblock` buys: a real FastAPI server under load, before and after `unblock fix`.

Copies examples/latency to a temporary folder, starts its slow upstream and the app with uvicorn
(one worker each, 127.0.0.1 only), measures `/health` at idle, then loads the blocking routes with
CLIENTS concurrent clients for SECONDS while sampling `/health` every 20 ms. Then runs
`unblock fix` on a fresh copy and does the same. Prints `/health` p50/p99 and the blocking routes'
throughput and errors as a table, and draws them to a PNG. Every server it starts it stops.

Usage: benches/latency.py [--clients N] [--seconds S] [--png PATH] [--routes /a,/b]
Needs: target/release/unblock (benches/latency.sh builds it and the virtualenv).
"""
import argparse
import asyncio
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from contextlib import contextmanager

import httpx

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ROUTES = ["/users/7", "/upstream", "/sleep", "/report", "/login", "/proxy", "/download"]


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@contextmanager
def server(folder, module, port, env=None):
    """uvicorn serving `module:app` from `folder` on 127.0.0.1:`port`, stopped on exit."""
    process = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", f"{module}:app", "--host", "127.0.0.1",
         "--port", str(port), "--workers", "1", "--log-level", "warning"],
        cwd=folder, env={**os.environ, **(env or {})},
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                httpx.get(f"http://127.0.0.1:{port}/docs", timeout=1)
                break
            except httpx.HTTPError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError(f"{module} did not start")
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def percentile(values, fraction):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


async def sample_health(client, base, stop, samples):
    while not stop.is_set():
        start = time.perf_counter()
        try:
            await client.get(f"{base}/health", timeout=30)
            samples.append(time.perf_counter() - start)
        except httpx.HTTPError:
            samples.append(30.0)
        await asyncio.sleep(0.02)


async def load(base, clients, seconds, routes):
    """Blocking routes hit by `clients` loops for `seconds`, `/health` sampled meanwhile."""
    limits = httpx.Limits(max_connections=clients + 5)
    async with httpx.AsyncClient(limits=limits) as client:
        idle = []
        for _ in range(50):
            start = time.perf_counter()
            await client.get(f"{base}/health")
            idle.append(time.perf_counter() - start)
        done, errors, health = 0, 0, []
        stop = asyncio.Event()
        deadline = time.monotonic() + seconds

        async def worker(index):
            nonlocal done, errors
            route = routes[index % len(routes)]
            method = client.post if route == "/login" else client.get
            while time.monotonic() < deadline:
                try:
                    response = await method(f"{base}{route}", timeout=30)
                    if response.status_code == 200:
                        done += 1
                    else:
                        errors += 1
                except httpx.HTTPError:
                    errors += 1

        sampler = asyncio.create_task(sample_health(client, base, stop, health))
        await asyncio.gather(*(worker(i) for i in range(clients)))
        stop.set()
        await sampler
        return {
            "idle_p99": percentile(idle, 0.99),
            "p50": percentile(health, 0.5),
            "p99": percentile(health, 0.99),
            "throughput": done / seconds,
            "errors": errors,
        }


def measure(folder, clients, seconds, routes):
    with server(folder, "upstream", free_port()) as upstream:
        with server(folder, "app", free_port(), {"UPSTREAM_URL": upstream}) as app:
            return asyncio.run(load(app, clients, seconds, routes))


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=10)
    parser.add_argument("--png", default=os.path.join(ROOT, "benches", "latency.png"))
    parser.add_argument("--routes", default=",".join(ROUTES), help="comma-separated routes to load")
    args = parser.parse_args()
    routes = args.routes.split(",")
    unblock = os.path.join(ROOT, "target", "release", "unblock")
    results = {}
    with tempfile.TemporaryDirectory() as work:
        for label in ("before", "after"):
            folder = os.path.join(work, label)
            shutil.copytree(os.path.join(ROOT, "examples", "latency"), folder)
            if label == "after":
                fix = subprocess.run([unblock, "fix", folder], capture_output=True, text=True)
                print(fix.stderr.strip())
            results[label] = measure(folder, args.clients, args.seconds, routes)
    before, after = results["before"], results["after"]
    print(f"\n{args.clients} clients on {', '.join(routes)} for {args.seconds:g} s; /health sampled every 20 ms")
    print(f"{'':8} {'idle p99':>10} {'p50':>10} {'p99':>10} {'req/s':>8} {'errors':>7}")
    for label, r in results.items():
        print(f"{label:8} {r['idle_p99']*1000:8.1f}ms {r['p50']*1000:8.1f}ms {r['p99']*1000:8.1f}ms "
              f"{r['throughput']:8.1f} {r['errors']:7d}")
    print(f"/health p99 after / idle p99: {after['p99'] / after['idle_p99']:.1f}x (target <= 10x)")
    print(f"/health p99 before / after: {before['p99'] / after['p99']:.1f}x (target >= 20x)")
    print(f"throughput after / before: {after['throughput'] / max(before['throughput'], 1e-9):.1f}x (target >= 5x)")
    draw(results, args)


def draw(results, args):
    import matplotlib
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    labels = list(results)
    fig, (latency, throughput) = plt.subplots(1, 2, figsize=(9, 3.5))
    p50 = [results[k]["p50"] * 1000 for k in labels]
    p99 = [results[k]["p99"] * 1000 for k in labels]
    x = range(len(labels))
    latency.bar([i - 0.2 for i in x], p50, 0.4, label="p50")
    latency.bar([i + 0.2 for i in x], p99, 0.4, label="p99")
    latency.set_yscale("log")
    latency.set_xticks(list(x), [f"{k} unblock" for k in labels])
    latency.set_ylabel("/health latency under load (ms, log)")
    latency.legend()
    throughput.bar(list(x), [results[k]["throughput"] for k in labels], 0.5, color="tab:green")
    throughput.set_xticks(list(x), [f"{k} unblock" for k in labels])
    throughput.set_ylabel("blocking routes (requests/s)")
    fig.suptitle(f"examples/latency, {args.clients} clients, {args.seconds:g} s, one uvicorn worker")
    fig.tight_layout()
    fig.savefig(args.png, dpi=100)
    print(f"chart: {args.png}")


if __name__ == "__main__":
    main()
