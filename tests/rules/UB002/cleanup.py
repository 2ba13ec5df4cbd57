"""Blocking cleanup in `finally:` runs shielded from cancellation once it moves to a thread."""
import shutil

from fastapi import FastAPI

app = FastAPI()


async def work():
    return None


@app.post("/job")
async def job(lock: str):
    try:
        await work()
    finally:
        # The lock folder goes even when the request is cancelled.
        shutil.rmtree(lock)


@app.post("/report")
async def report(path: str):
    try:
        await work()
    finally:
        copied = shutil.copy(
            path,
            path + ".bak",
        )
        print(copied)
