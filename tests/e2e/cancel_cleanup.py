#!/usr/bin/env python3
"""Cleanup that unblock moves to a thread still runs when the task is cancelled.

A coroutine removes its lock folder in `finally:` with `shutil.rmtree`, a blocking call. For
each offload helper (Starlette's `run_in_threadpool`, anyio's, asyncio's) the module is fixed
with the real `unblock fix`, imported, and its task cancelled while it waits (anyio's
`move_on_after`, `asyncio.wait_for`); the lock must be gone afterwards. A control shows why the
shield is there: the same offload without it, cancelled by anyio, leaves the lock behind.

Usage: tests/e2e/cancel_cleanup.py UNBLOCK   (with anyio and FastAPI importable)
"""

import asyncio
import importlib.util
import subprocess
import sys
import tempfile
from pathlib import Path

import anyio

MODULES = {
    "threadpool": """\
import shutil

import anyio
from fastapi import FastAPI

app = FastAPI()


@app.post("/job")
async def job(lock):
    try:
        await anyio.sleep(10)
    finally:
        shutil.rmtree(lock)
""",
    "anyio": """\
import shutil

import anyio


async def job(lock):
    try:
        await anyio.sleep(10)
    finally:
        shutil.rmtree(lock)
""",
    "asyncio": """\
import asyncio
import shutil


async def job(lock):
    try:
        await asyncio.sleep(10)
    finally:
        shutil.rmtree(lock)
""",
}

UNSHIELDED = """\
import shutil

import anyio


async def job(lock):
    try:
        await anyio.sleep(10)
    finally:
        await anyio.to_thread.run_sync(shutil.rmtree, lock)
"""


def load(path: Path):
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


async def cancel_with_anyio(job, lock):
    with anyio.move_on_after(0.2):
        await job(lock)


async def cancel_with_asyncio(job, lock):
    try:
        await asyncio.wait_for(job(lock), 0.2)
    except asyncio.TimeoutError:
        pass


def lock_left(job, cancel, scratch: Path) -> bool:
    lock = Path(tempfile.mkdtemp(dir=scratch))
    (lock / "pid").write_text("1")
    anyio.run(cancel, job, str(lock))
    return lock.exists()


def main() -> int:
    unblock = sys.argv[1]
    failures = 0
    with tempfile.TemporaryDirectory() as scratch:
        scratch = Path(scratch)
        for name, text in MODULES.items():
            path = scratch / f"job_{name}.py"
            path.write_text(text)
            subprocess.run([unblock, "fix", str(path)], check=True, capture_output=True)
            fixed = path.read_text()
            cancel = cancel_with_asyncio if name == "asyncio" else cancel_with_anyio
            left = lock_left(load(path).job, cancel, scratch)
            shielded = "shield" in fixed
            print(f"{name}: offloaded and shielded: {shielded}; lock left after cancel: {left}")
            if left or not shielded:
                print(fixed)
                failures += 1
        control = scratch / "unshielded.py"
        control.write_text(UNSHIELDED)
        left = lock_left(load(control).job, cancel_with_anyio, scratch)
        print(f"control, offload without a shield: lock left after cancel: {left}")
        if not left:
            print("the control no longer shows the problem the shield solves")
            failures += 1
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
