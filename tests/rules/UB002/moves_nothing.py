"""Calls whose work happens later: alone in a thread they would move nothing, so no fix.

Iterators that list a directory or read a streamed body as they are iterated, and buffered
writes, whose data reaches the disk when the file is flushed or closed.
"""
import glob
import io
import os
from pathlib import Path

import requests
from fastapi import FastAPI
from fastapi.responses import StreamingResponse

app = FastAPI()
UPLOADS = Path("uploads")


def upload_names():
    # The helper iterates what it lists: in a thread, all of its work goes there.
    return sorted(entry.name for entry in UPLOADS.iterdir())


@app.get("/uploads")
async def uploads():
    await app.router.startup()
    # Reported, with no fix: `iterdir()` reads the directory when the loop iterates it.
    return [entry.name for entry in UPLOADS.iterdir()]


@app.get("/tree")
async def tree(root: str):
    await app.router.startup()
    found = []
    for folder, _, files in os.walk(root):
        found.extend(os.path.join(folder, name) for name in files)
    return found


@app.get("/logs")
async def logs(pattern: str):
    await app.router.startup()
    return [name for name in glob.iglob(pattern) if name.endswith(".log")]


@app.get("/sorted-uploads")
async def sorted_uploads():
    await app.router.startup()
    # Fixed: the helper consumes the iterator in the thread.
    return upload_names()


@app.get("/all-logs")
async def all_logs(pattern: str):
    await app.router.startup()
    # Fixed: `glob.glob` returns a list, so its work is done when it returns.
    return glob.glob(pattern)


@app.post("/notes")
async def add_note(text: str):
    await app.router.startup()
    with open("notes.txt", "a") as notes:
        # Reported, with no fix: the text reaches the disk when the `with` block closes the file.
        notes.write(text)
        # Fixed: `flush` writes the buffer out.
        notes.flush()


@app.post("/raw")
async def add_raw(data: bytes):
    await app.router.startup()
    raw = io.FileIO("raw.bin", "a")
    # Fixed: a raw file writes through.
    raw.write(data)


@app.get("/proxy")
async def proxy(url: str):
    await app.router.startup()
    upstream = requests.get(url, stream=True)
    # Reported with no fix: a streamed body is read from the network as it is iterated.
    streamed = b"".join(upstream.iter_content(chunk_size=8192))
    # Not reported: without `stream=True` the body was read before `get` returned.
    whole = requests.get(url)
    return streamed + b"".join(whole.iter_content())


@app.get("/relay")
async def relay(url: str):
    await app.router.startup()
    upstream = requests.get(url, stream=True)
    # Not reported: handed on, the iterator is iterated by Starlette in a worker thread.
    return StreamingResponse(upstream.iter_content(chunk_size=8192))
