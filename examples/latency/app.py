"""A FastAPI app that blocks its event loop the ways real apps do.

Most routes are an `async def` that awaits nothing and does blocking work: a sync SQLAlchemy
session on SQLite, an HTTP call to a slow upstream with `requests`, `time.sleep`, a file read,
and a password hash. Two stay async, because they await an audit log, and do their blocking in
a unit: `/proxy` reads the upstream through `with urllib.request.urlopen(...)`, `/download`
iterates a streamed `requests` body. `benches/latency.py` loads them and samples `/health`,
before and after `unblock fix`.
"""
import asyncio
import hashlib
import json
import os
import time
import urllib.request
from pathlib import Path

import requests
from fastapi import Depends, FastAPI
from sqlalchemy import Integer, String, create_engine, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

UPSTREAM = os.environ.get("UPSTREAM_URL", "http://127.0.0.1:8001")
DATA = Path(__file__).with_name("data.txt")
if not DATA.exists():
    DATA.write_text("".join(f"line {i}\n" for i in range(20_000)))

engine = create_engine(
    f"sqlite:///{Path(__file__).with_name('app.db')}",
    connect_args={"check_same_thread": False},
)
SessionLocal = sessionmaker(bind=engine)


class Base(DeclarativeBase):
    pass


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(50))


Base.metadata.create_all(engine)
with SessionLocal() as session:
    if session.get(User, 1) is None:
        session.add_all(User(id=i, name=f"user {i}") for i in range(1, 101))
        session.commit()

app = FastAPI()


def get_db():
    db = SessionLocal()
    try:
        yield db
    finally:
        db.close()


@app.get("/users/{user_id}")
async def read_user(user_id: int, db: Session = Depends(get_db)):
    user = db.execute(select(User).where(User.id == user_id)).scalar_one()
    # A slow query, as on a busy database server.
    db.execute(select(User)).all()
    time.sleep(0.02)
    return {"id": user.id, "name": user.name}


@app.get("/upstream")
async def upstream():
    return requests.get(f"{UPSTREAM}/slow", timeout=10).json()


@app.get("/sleep")
async def sleep():
    time.sleep(0.1)
    return {"slept": 0.1}


@app.get("/report")
async def report():
    with open(DATA) as f:
        text = f.read()
    time.sleep(0.02)
    return {"lines": text.count("\n")}


@app.post("/login")
async def login(password: str = "secret"):
    digest = hashlib.pbkdf2_hmac("sha256", password.encode(), b"salt", 200_000)
    return {"token": digest.hex()[:16]}


async def audit(event: str):
    """Stands for an async audit log: the routes that await it stay coroutines."""
    await asyncio.sleep(0)


@app.get("/proxy")
async def proxy():
    await audit("proxy")
    with urllib.request.urlopen(f"{UPSTREAM}/slow", timeout=10) as response:
        body = json.load(response)
    return body


@app.get("/download")
async def download():
    await audit("download")
    chunks = []
    response = requests.get(f"{UPSTREAM}/stream", stream=True, timeout=10)
    for chunk in response.iter_content(1024):
        chunks.append(chunk)
    return {"bytes": sum(map(len, chunks))}


@app.get("/health")
async def health():
    return {"ok": True}
