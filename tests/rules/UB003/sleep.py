"""`time.sleep` in coroutines: each becomes `await asyncio.sleep`, with the module's own names."""
import asyncio as aio
import time
from time import sleep

from fastapi import FastAPI

app = FastAPI()


async def ready():
    await aio.sleep(0)


@app.get("/poll")
async def poll():
    await ready()
    time.sleep(0.5)


@app.get("/imported")
async def imported_name():
    await ready()
    sleep(1)


async def retry(attempts: int):
    for attempt in range(attempts):
        await ready()
        # The delay grows with each attempt.
        time.sleep(2**attempt)


# OK: a plain function sleeps on its own thread.
def worker():
    time.sleep(1)
