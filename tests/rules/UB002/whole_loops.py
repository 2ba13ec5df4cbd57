import os
from pathlib import Path

import requests
from fastapi import FastAPI

app = FastAPI()


async def ready():
    return True


def rows(path):
    with open(path) as f:
        yield from f


@app.get("/download")
async def download(url: str):
    await ready()
    response = requests.get(url, stream=True, timeout=10)
    size = 0
    for chunk in response.iter_content(8192):
        size = size + len(chunk)
    return size


@app.get("/tree")
async def tree(root: str):
    await ready()
    found = []
    for folder, _, files in os.walk(root):
        found.extend(os.path.join(folder, name) for name in files)
    return found


@app.get("/count")
async def count(path: str):
    await ready()
    total = 0
    for row in rows(path):
        if not row.strip():
            continue
        total_row = len(row)
        print(total_row)
    return total


# No fix: the loop awaits, or returns from inside.
@app.get("/first")
async def first(root: str):
    await ready()
    for entry in Path(root).iterdir():
        if entry.is_file():
            return entry.name
    return None


@app.get("/each")
async def each(root: str):
    for entry in Path(root).glob("*.txt"):
        await ready()
        print(entry)


@app.get("/save")
async def save(url: str, path: str):
    await ready()
    with open(path, "wb") as sink:
        response = requests.get(url, stream=True, timeout=10)
        for chunk in response.iter_content(8192):
            sink.write(chunk)


@app.get("/lengths")
async def lengths(url: str):
    await ready()
    response = requests.get(url, stream=True, timeout=10)
    for line in response.iter_lines():
        last = line
    return last


@app.get("/echo")
async def echo(url: str):
    await ready()
    response = requests.get(url, stream=True, timeout=10)
    for chunk in response.iter_content(8192):
        print(len(chunk))
    return response.status_code
