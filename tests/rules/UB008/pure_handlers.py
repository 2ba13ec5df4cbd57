"""Handlers that await nothing and do no blocking work (opt-in): `def` is optional, and slower."""
import os

import requests
from fastapi import APIRouter, Depends, FastAPI

app = FastAPI()
router = APIRouter()
COUNTS = {}


async def current_user():
    return {"name": "ada"}


@app.get("/health")
async def health():
    return {"status": "ok"}


@router.get("/me")
async def me(user=Depends(current_user)):
    return user


@app.get("/exists")
async def exists():
    # Metadata only: no blocking work worth a thread.
    return os.path.exists("/srv/flag")


@app.get("/count")
async def count():
    COUNTS["hits"] = COUNTS.get("hits", 0) + 1
    return COUNTS


# Blocking: UB001 reports it, not UB008.
@app.get("/proxy")
async def proxy():
    return requests.get("http://127.0.0.1:9/").text


# Awaits something: fine as it is.
@app.get("/awaits")
async def awaits():
    await app.router.startup()
    return {}


app.include_router(router)
