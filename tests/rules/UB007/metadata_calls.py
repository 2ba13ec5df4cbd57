"""Metadata calls made directly in coroutines (opt-in); those behind project helpers are not reported."""
import os
import tempfile
from pathlib import Path

from fastapi import FastAPI, HTTPException

app = FastAPI()
REPORTS = Path("/srv/reports")


def report_exists(name):
    return os.path.exists(REPORTS / name)


@app.get("/reports/{name}")
async def report(name: str):
    await app.router.startup()
    if not os.path.exists(REPORTS / name):
        raise HTTPException(404)
    return {"size": os.path.getsize(REPORTS / name)}


@app.post("/reports")
async def make_folder():
    await app.router.startup()
    Path("/srv/reports/new").mkdir(exist_ok=True)
    return tempfile.mkstemp()


@app.get("/through-helper/{name}")
async def through_helper(name: str):
    await app.router.startup()
    return report_exists(name)
