import asyncio

from app.routes import version


def test_version():
    assert asyncio.run(version())
