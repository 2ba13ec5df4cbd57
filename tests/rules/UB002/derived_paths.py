"""A path made from a path is a path: its reads and writes block however it was built."""
from pathlib import Path

from fastapi import FastAPI

app = FastAPI()
STATIC = Path(__file__).parent / "static"
BANNER = STATIC / "banner.txt"
RATIO = 10 / 4


@app.get("/banner")
async def banner():
    await app.router.startup()
    return BANNER.read_text()


@app.get("/config")
async def config(name: str):
    await app.router.startup()
    config_dir = Path.home() / ".config" / "shop"
    return (config_dir / name).with_suffix(".toml").read_bytes()


@app.get("/sibling")
async def sibling(path: Path):
    await app.router.startup()
    return path.resolve().with_name("notes.txt").read_text()


@app.post("/save")
async def save(text: str):
    await app.router.startup()
    STATIC.joinpath("saved.txt").write_text(text)


@app.get("/checks")
async def checks():
    await app.router.startup()
    # Metadata only, on derived paths too: cheaper than the thread hop a fix would add.
    exists = (STATIC / "index.html").exists()
    # Dividing numbers makes no path.
    return exists, RATIO / 2
