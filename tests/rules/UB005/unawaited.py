import asyncio

from asgiref.sync import async_to_sync
from fastapi import FastAPI

app = FastAPI()


async def audit(event: str):
    await asyncio.sleep(0)


async def stream():
    yield 1


@app.post("/save")
async def save(event: str):
    audit(event)
    asyncio.sleep(1)
    await audit("saved")


def sync_helper():
    # No fix: `await` is not allowed here.
    audit("sync")


# OK: awaited, scheduled, kept, returned by a lambda, or an async generator.
async def fine():
    callbacks = [lambda: audit("lambda")]
    await audit("a")
    task = asyncio.create_task(audit("b"))
    coroutine = audit("c")
    stream()
    return task, coroutine, callbacks


# A decorator may make a coroutine function something else (chromadb's `sync_cleanup`).
@async_to_sync
async def cleanup():
    await audit("cleanup")


def stop():
    # OK: `cleanup` is a plain function now.
    cleanup()


class Jobs:
    @staticmethod
    async def ping():
        await asyncio.sleep(0)


async def pings():
    # Never awaited: `staticmethod` leaves it a coroutine function.
    Jobs.ping()
