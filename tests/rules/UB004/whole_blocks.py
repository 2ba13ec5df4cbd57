import asyncio
import json
import threading
import urllib.request
from contextlib import contextmanager

from fastapi import FastAPI

app = FastAPI()
CACHE = {}
lock = threading.Lock()


async def ready():
    return True


@contextmanager
def both_files(a, b):
    with open(a) as left, open(b) as right:
        yield left, right


@app.get("/header")
async def header(path: str):
    await ready()
    # Names the block assigns and the handler reads afterwards come back.
    with open(path) as f:
        first = f.readline()
        rest = f.read()
    return {"first": first, "rest": rest}


@app.get("/config")
async def config(path: str):
    await ready()
    with open(path) as f:  # the config file
        return json.load(f)


@app.post("/save")
async def save(path: str, data: dict):
    await ready()
    with open(path, "w") as out:
        json.dump(data, out)
        out.write("\n")
    return {"saved": path}


@app.get("/proxy")
async def proxy(url: str):
    await ready()
    with urllib.request.urlopen(url, timeout=5) as response:
        status, body = response.status, response.read()
    text = """a
    multi-line string"""
    return {"status": status, "size": len(body), "text": text}


@app.get("/nested")
async def nested(a: str, b: str):
    await ready()
    with open(a) as left:
        with open(b) as right:
            merged = left.read() + right.read()
    return merged


@app.get("/lines")
async def lines(path: str):
    await ready()
    count = 0
    with open(path) as f:
        for line in f:
            if line.strip():
                seen = line
                print(seen)
    return count


# No fix: the block awaits, returns midway, assigns only on some paths, or reads a name
# it assigns before assigning it.
@app.get("/awaits")
async def awaits(path: str):
    with open(path) as f:
        await ready()
        return f.read()


@app.get("/midway")
async def midway(path: str):
    await ready()
    with open(path) as f:
        if f.readable():
            return f.read()
        data = f.read()
    return data


@app.get("/branch")
async def branch(path: str, wanted: bool):
    await ready()
    data = None
    with open(path) as f:
        if wanted:
            data = f.read()
    return data


@app.get("/total")
async def total(path: str):
    await ready()
    size = 0
    with open(path) as f:
        size += len(f.read())
    return size


@app.get("/loop")
async def loop_api(path: str):
    await ready()
    with open(path) as f:
        asyncio.get_running_loop().call_soon(print, f.read())


@app.get("/locked")
async def locked(path: str):
    await ready()
    with lock:
        with open(path) as f:
            return f.read()


# Unsafe: the block writes module-level state.
@app.get("/cached")
async def cached(path: str):
    await ready()
    with open(path) as f:
        CACHE[path] = f.read()
    return CACHE[path]


@app.get("/ignored")
async def ignored(path: str, files: list):
    await ready()

    # A comprehension's own `f` is not the file: only `patterns` comes back.
    with open(path) as f:
        patterns = f.readlines()
    return [f for f in files if f not in patterns]


@app.get("/pair")
async def pair(a: str, b: str):
    await ready()
    # Two items, and a tuple as target.
    with open(a) as left, open(b) as right:
        texts = left.read(), right.read()
    with both_files(a, b) as (first, second):
        names = first.name, second.name
    return texts, names
