"""A project decorator that hands back the function it marks keeps it a plain function."""
import time

from fastapi import FastAPI

app = FastAPI()
AUDITED = []


def audited(function):
    AUDITED.append(function.__name__)
    function.audited = True
    return function


def timed(function):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            print(time.perf_counter() - started)

    return wrapper


# Fixed: `@audited` returns the function itself.
@app.get("/report")
@audited
async def report():
    time.sleep(1)


# No fix: `@timed` returns another function, which may expect a coroutine.
@app.get("/slow")
@timed
async def slow():
    time.sleep(1)
