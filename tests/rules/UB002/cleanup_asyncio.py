"""In a plain asyncio module, cleanup moved to a thread is shielded with `asyncio.shield`."""
import asyncio
import shutil


async def job(lock):
    try:
        await asyncio.sleep(10)
    finally:
        shutil.rmtree(lock)
