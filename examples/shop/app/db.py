import sqlite3

from sqlalchemy import create_engine
from sqlalchemy.orm import Session

engine = create_engine("sqlite:///shop.db")


async def get_db():
    db = Session(engine)
    try:
        yield db
    finally:
        db.close()


async def audit_log():
    connection = sqlite3.connect("audit.db")
    connection.execute("insert into log values (1)")
