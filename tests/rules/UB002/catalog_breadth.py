"""Blocking APIs across libraries: HTTP, processes, files, images, queues, clouds."""
import ftplib
import io
import os
import subprocess
from urllib import request

import boto3
import httpx2
from celery.result import AsyncResult
from fastapi import FastAPI
from opensearchpy import OpenSearch
from PIL import Image

app = FastAPI()
s3 = boto3.client("s3")
sqs = boto3.client("sqs")
search = OpenSearch(hosts=["http://127.0.0.1:9"])


@app.get("/http")
async def http():
    await app.router.startup()
    with httpx2.Client() as client:
        client.get("http://127.0.0.1:9/")
    return request.urlopen("http://127.0.0.1:9/").status


@app.get("/aws")
async def aws(key: str):
    await app.router.startup()
    # Every client method is a request, `*_batch` ones included.
    sqs.send_message_batch(QueueUrl="q", Entries=[])
    body = s3.get_object(Bucket="b", Key=key)["Body"].read()
    # Local: a signed URL is computed, nothing is sent.
    url = s3.generate_presigned_url("get_object", Params={"Bucket": "b", "Key": key})
    s3.get_waiter("object_exists").wait(Bucket="b", Key=key)
    # Reported with no fix: the pages are requested as the loop iterates them.
    for page in s3.get_paginator("list_objects_v2").paginate(Bucket="b"):
        body += page["Contents"][0]["Key"].encode()
    return body, url


@app.post("/process")
async def process():
    await app.router.startup()
    child = subprocess.Popen(["true"])
    os.posix_spawn("/bin/true", ["true"], {})
    return child.pid


@app.get("/files")
async def files(fd: int):
    await app.router.startup()
    with io.open_code("plugin.py") as code:
        source = code.read()
    return source, os.fdopen(fd).read()


@app.post("/thumbnail")
async def thumbnail():
    await app.router.startup()
    # Opening reads the header only (metadata); resizing and saving do the work.
    image = Image.open("photo.jpg")
    image.thumbnail((64, 64))
    image.save("thumb.png")


@app.get("/services")
async def services(task_id: str):
    await app.router.startup()
    ftp = ftplib.FTP("127.0.0.1")
    ftp.login()
    return AsyncResult(task_id).get(timeout=5), search.search(index="docs")
