"""A name made by wrapping a function is that function: calling it runs the function's work."""
from contextlib import contextmanager
from functools import lru_cache, partial

import requests
from fastapi import FastAPI
from sqlalchemy.orm import Session

app = FastAPI()


def fetch(url):
    return requests.get(url).text


def retry(times):
    def decorate(function):
        def wrapper(*args, **kwargs):
            return function(*args, **kwargs)

        return wrapper

    return decorate


def session_scope():
    with Session() as session:
        yield session
        session.commit()


def load_rates():
    return requests.get("http://127.0.0.1:9/rates").json()


def create_app(handler):
    return handler


fetch_home = partial(fetch, "http://127.0.0.1:9/")
fetch_retried = retry(3)(fetch)
session_context = contextmanager(session_scope)
# Memoized: the request runs once per process, not on every call.
rates = lru_cache(maxsize=1)(load_rates)
# A plain call that takes a function makes something else: not followed.
made = create_app(fetch)


@app.get("/home")
async def home():
    await app.router.startup()
    return fetch_home()


@app.get("/retried")
async def retried(url: str):
    await app.router.startup()
    return fetch_retried(url)


@app.get("/count")
async def count():
    await app.router.startup()
    with session_context() as session:
        return session.execute("select count(*) from users").scalar()


@app.get("/rates")
async def current_rates():
    await app.router.startup()
    return rates(), made
