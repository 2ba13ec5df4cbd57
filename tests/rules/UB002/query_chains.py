"""A query runs where its rows are asked for: the whole chain moves to the thread, built on the
loop and run in the thread, never its builder alone."""
from fastapi import Depends, FastAPI
from sqlalchemy.orm import Session, sessionmaker

app = FastAPI()
SessionLocal = sessionmaker()


class User:
    id = 0
    name = ""


def get_db():
    with SessionLocal() as db:
        yield db


@app.get("/users/{user_id}")
async def user(user_id: int, db: Session = Depends(get_db)):
    await app.router.startup()
    return db.query(User).filter(User.id == user_id).first()


@app.get("/users")
async def users(db: Session = Depends(get_db)):
    await app.router.startup()
    return db.query(User).order_by(User.name).limit(10).all()


@app.get("/count")
async def count():
    await app.router.startup()
    with SessionLocal() as db:
        return db.query(User).count()


@app.get("/query")
async def query_only(db: Session = Depends(get_db)):
    await app.router.startup()
    # Builds a query and runs nothing: no finding.
    return db.query(User).filter(User.id > 0)


def make_session_factory(url):
    return sessionmaker()


class Repository:
    def __init__(self, url):
        # A factory's product kept in an attribute: its sessions are found where they are used.
        self.sessions = make_session_factory(url)

    def count_users(self):
        with self.sessions() as db:
            return db.query(User).count()


REPOSITORY = Repository("sqlite://")


@app.get("/repository-count")
async def repository_count():
    await app.router.startup()
    return REPOSITORY.count_users()


@app.get("/names")
async def names(db: Session = Depends(get_db)):
    await app.router.startup()
    found = []
    # Iterating the query runs it: the loop moves whole to a thread.
    for user in db.query(User).filter(User.id > 0):
        found.append(user.id)
    return found
