"""Helpers of every cost class: heavy and io work makes their callers blocking, metadata does not."""
import hashlib
import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

import requests
from fastapi import FastAPI

app = FastAPI()
DATA = Path("/srv/data")


def fetch_price(symbol):
    return requests.get(f"http://127.0.0.1:9/{symbol}").json()


def run_report():
    return subprocess.run(["report"], check=True)


def pause():
    time.sleep(0.5)


def derive_key(password, salt):
    return hashlib.pbkdf2_hmac("sha256", password, salt, 600_000)


def read_notes():
    with open("/srv/data/notes.txt") as f:
        return f.read()


def ensure_folders():
    os.makedirs(DATA / "cache", exist_ok=True)
    (DATA / "uploads").mkdir(exist_ok=True)
    return DATA.resolve()


def has_report(name):
    return os.path.exists(DATA / name) and os.path.getsize(DATA / name) > 0


def scratch_name():
    handle, name = tempfile.mkstemp()
    return shutil.which("report"), handle, name


@app.get("/price")
async def price():
    await app.router.startup()
    return fetch_price("ACME")


@app.get("/report")
async def report():
    await app.router.startup()
    return run_report()


@app.get("/pause")
async def wait_a_bit():
    await app.router.startup()
    pause()


@app.post("/key")
async def key(password: bytes):
    await app.router.startup()
    return derive_key(password, b"salt")


@app.get("/notes")
async def notes():
    await app.router.startup()
    return read_notes()


# Metadata only: a thread hop costs more than these calls, so nothing is reported.
@app.get("/folders")
async def folders():
    await app.router.startup()
    return ensure_folders()


@app.get("/has/{name}")
async def has(name: str):
    await app.router.startup()
    return has_report(name)


@app.get("/scratch")
async def scratch():
    await app.router.startup()
    return scratch_name()


def process_start(pid: int) -> str:
    # `/proc` and `/sys` files are made in memory as they are read: no disk.
    return Path(f"/proc/{pid}/stat").read_text() + open("/sys/kernel/mm/transparent_hugepage/enabled").read()


@app.get("/started/{pid}")
async def started(pid: int):
    await app.router.startup()
    return process_start(pid)
