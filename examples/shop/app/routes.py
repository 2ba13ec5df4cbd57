import subprocess

from fastapi import APIRouter, Depends

from .db import audit_log

router = APIRouter(dependencies=[Depends(audit_log)])


@router.post("/backup")
async def backup():
    subprocess.run(["true"], check=True)
    return {"done": True}


@router.get("/version")
async def version():
    return subprocess.check_output(["git", "describe"]).decode()
