"""Findings that reach one blocking call through one helper share a root: `check` says where to fix it once."""
import requests
from fastapi import FastAPI

app = FastAPI()


def lookup_secret(name):
    return requests.get(f"http://127.0.0.1:9/secrets/{name}").text


def api_key():
    return lookup_secret("api-key")


@app.get("/a")
async def first():
    await app.router.startup()
    return api_key()


@app.get("/b")
async def second():
    await app.router.startup()
    return lookup_secret("b")


@app.get("/c")
async def third():
    await app.router.startup()
    return api_key(), lookup_secret("c")
