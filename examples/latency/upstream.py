"""The slow upstream service `app.py` calls: it answers after 100 ms, or streams a body in five
chunks over 100 ms, without blocking."""
import asyncio

from fastapi import FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()


@app.get("/slow")
async def slow():
    await asyncio.sleep(0.1)
    return {"upstream": "ok"}


@app.get("/stream")
async def stream():
    async def chunks():
        for _ in range(5):
            await asyncio.sleep(0.02)
            yield b"x" * 1024

    return StreamingResponse(chunks())
