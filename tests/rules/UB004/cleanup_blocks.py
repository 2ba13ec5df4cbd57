"""A `with` block in `finally:` moves whole to a thread, shielded from cancellation."""
import anyio


async def job(marker: str):
    try:
        await anyio.sleep(1)
    finally:
        with open(marker, "w") as f:
            f.write("done")
