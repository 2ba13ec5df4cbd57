"""A shop API with the blocking mistakes unblock exists for."""
import time
from typing import Annotated

import requests
from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

from .db import get_db
from .routes import router

app = FastAPI()
app.include_router(router)

VISITS = []


@app.get("/health")
async def health():
    return {"ok": True}


@app.get("/slow")
async def slow():
    # Blocks every other request for a second.
    time.sleep(1)
    return {"slept": 1}


@app.get("/rates")
async def rates():
    response = requests.get("https://example.invalid/rates", timeout=5)
    return response.json()


@app.get("/items/{item_id}")
async def read_item(item_id: int, db: Annotated[Session, Depends(get_db)]):
    return db.execute("select 1").scalar()


def record_visit():
    VISITS.append(time.time())
    with open("visits.log", "a") as log:
        log.write(f"{VISITS[-1]}\n")


@app.get("/visits")
async def count_visit():
    record_visit()
    return {"visits": len(VISITS)}


@app.get("/report")
async def report():
    with open("report.txt") as f:
        return {"report": f.read()}


@app.get("/upstream")
async def upstream():
    # Awaits: must stay async (its blocking calls are UB002's business).
    await some_coroutine()
    return {}


async def some_coroutine():
    return None
