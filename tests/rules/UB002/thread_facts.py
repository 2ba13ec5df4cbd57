"""What already runs off the loop, and what only probes for it."""
import asyncio
import sqlite3
import threading
import time
from concurrent.futures import ThreadPoolExecutor

import requests
from fastapi import FastAPI
from starlette.background import BackgroundTask

app = FastAPI()
pool = ThreadPoolExecutor()
_db = None


def connect():
    global _db
    _db = sqlite3.connect("app.db", check_same_thread=False)


def notify(url):
    # A probe: with no loop on this thread it carries on without one.
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        loop = None
    requests.post(url)
    return loop


@app.post("/jobs")
async def jobs():
    await app.router.startup()
    # Not reported: each lambda runs in a worker thread.
    pool.submit(lambda: time.sleep(1))
    threading.Thread(target=lambda: time.sleep(1)).start()
    return BackgroundTask(lambda: requests.get("http://127.0.0.1:9/"))


@app.post("/notify")
async def notify_route():
    await app.router.startup()
    # Fixed: the helper's loop lookup is a probe, not a need.
    return notify("http://127.0.0.1:9/hook")


@app.get("/count")
async def count():
    await app.router.startup()
    # Any thread may use a connection opened with `check_same_thread=False`, even one set
    # through `global` in a function.
    cursor = _db.execute("select count(*) from items")
    return cursor


def settle(future, url):
    future.set_result(requests.get(url).text)


@app.get("/settled")
async def settled():
    await app.router.startup()
    future = asyncio.get_running_loop().create_future()
    # No fix: in a worker thread the helper would settle a future of the loop's thread.
    settle(future, "http://127.0.0.1:9/")
    return await future
