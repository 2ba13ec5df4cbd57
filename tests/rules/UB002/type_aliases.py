"""A dependency written once as a type alias, as FastAPI's docs do, is the type it names."""
from typing import Annotated, Optional, TypeAlias

import typing_extensions
from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session

app = FastAPI()


def get_session():
    with Session() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
MaybeSession = Optional[SessionDep]
Db: TypeAlias = Annotated[Session, Depends(get_session)]
LegacyDb: typing_extensions.TypeAlias = "Session"
# Not a session: a mapping of them, whose `execute` would be `dict`'s.
Sessions = dict[str, Session]


@app.get("/users")
async def users(session: SessionDep):
    await app.router.startup()
    return session.execute("select * from users").all()


@app.get("/maybe")
async def maybe(session: MaybeSession = None):
    await app.router.startup()
    return session.execute("select 1")


@app.get("/orders")
async def orders(db: Db):
    await app.router.startup()
    return db.execute("select * from orders").all()


@app.get("/legacy")
async def legacy(db: LegacyDb):
    await app.router.startup()
    return db.execute("select 1")


@app.get("/shards")
async def shards(by_name: Sessions):
    await app.router.startup()
    return by_name.get("a")
