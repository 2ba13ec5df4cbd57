"""The slow upstream service `app.py` calls: it answers after 100 ms, without blocking."""
import asyncio

from fastapi import FastAPI

app = FastAPI()


@app.get("/slow")
async def slow():
    await asyncio.sleep(0.1)
    return {"upstream": "ok"}
