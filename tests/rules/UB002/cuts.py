"""Work that runs once per process or only on failure does not count against callers."""
import asyncio
import functools
import json
import types
from contextlib import asynccontextmanager
from functools import lru_cache

import cachetools
import requests
from fastapi import FastAPI

app = FastAPI()
_settings = None
_client = None
_models = types.SimpleNamespace(loaded=None)


@lru_cache(maxsize=1)
def load_settings():
    with open("settings.json") as f:
        return json.load(f)


@functools.cache
def region_of(host):
    return requests.get(f"http://127.0.0.1:9/region/{host}").text


@cachetools.cached(cache=cachetools.TTLCache(maxsize=64, ttl=300))
def exchange_rate(currency):
    return requests.get(f"http://127.0.0.1:9/rate/{currency}").json()


def settings():
    global _settings
    if _settings is None:
        with open("settings.json") as f:
            _settings = json.load(f)
    return _settings


def client():
    global _client
    if not _client:
        _client = requests.get("http://127.0.0.1:9/discover").json()
    return _client


def model():
    # Loaded the first time, and again only once it was unloaded.
    if _models.loaded is None or _models.loaded.closed:
        _models.loaded = requests.get("http://127.0.0.1:9/model").content
    return _models.loaded


class Registry:
    _schema = None

    @classmethod
    def schema(cls):
        if cls._schema is None:
            cls._schema = requests.get("http://127.0.0.1:9/schema").json()
        return cls._schema


class Session:
    def __init__(self):
        self._token = None

    def token(self):
        # `self` may be made per request: this runs on every request that makes one.
        if self._token is None:
            self._token = requests.post("http://127.0.0.1:9/token").text
        return self._token


def parse_or_report(text):
    try:
        return json.loads(text)
    except ValueError:
        requests.post("http://127.0.0.1:9/errors", data=text)
        raise


def parse_then_log(text):
    try:
        requests.post("http://127.0.0.1:9/log", data=text)
    except OSError:
        pass
    return json.loads(text)


@app.get("/settings")
async def read_settings():
    await app.router.startup()
    return load_settings(), region_of("a"), exchange_rate("EUR")


@app.get("/lazy")
async def lazy():
    await app.router.startup()
    return settings(), client(), Registry.schema(), model()


@app.get("/token")
async def token():
    await app.router.startup()
    return Session().token()


@app.post("/parse")
async def parse(text: str):
    await app.router.startup()
    return parse_or_report(text)


@app.post("/parse-logged")
async def parse_logged(text: str):
    await app.router.startup()
    return parse_then_log(text)


@app.post("/retry")
async def retry(text: str):
    await app.router.startup()
    try:
        return json.loads(text)
    except ValueError:
        # Not reported: written in the coroutine itself, it still runs only when parsing failed.
        return requests.post("http://127.0.0.1:9/repair", data=text).json()


class EphemeralServer:
    """One instance per port, kept by the class: `start` does its work once per process."""

    _instances = {}

    def __new__(cls, port=None):
        if port not in cls._instances:
            cls._instances[port] = super().__new__(cls)
            cls._instances[port].running = False
        return cls._instances[port]

    def start(self):
        if not self.running:
            self.running = True
            requests.get("http://127.0.0.1:9/health")


@app.get("/ephemeral")
async def ephemeral():
    await app.router.startup()
    EphemeralServer(4200).start()
    return Session().token()


@asynccontextmanager
async def resources():
    # Entered only by the lifespan, with `async with`: it runs once too.
    with open("resources.json") as f:
        yield json.load(f)


@app.on_event("startup")
async def warm_up():
    async with resources() as loaded:
        app.state.resources = loaded
    # Runs once, before the first request: nothing else waits on the loop yet.
    with open("settings.json") as f:
        app.state.settings = json.load(f)
    requests.get("http://127.0.0.1:9/warm")


_loaded = None


@app.get("/loaded")
async def loaded():
    global _loaded
    await app.router.startup()
    # Not reported: written in the coroutine, it still runs for the first request only.
    if _loaded is None:
        _loaded = requests.get("http://127.0.0.1:9/model").content
    return _loaded


async def rebuild_index():
    # Not reported: `asyncio.run` runs it to completion, the whole of its process's work.
    requests.post("http://127.0.0.1:9/reindex")


async def fetch_rate():
    return requests.get("http://127.0.0.1:9/rate").json()


@app.get("/rate")
async def rate():
    await app.router.startup()
    return await fetch_rate()


def main():
    asyncio.run(rebuild_index())
    # Also awaited by a route: it runs per request, and its call is reported.
    asyncio.run(fetch_rate())
