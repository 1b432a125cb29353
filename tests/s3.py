"""A real S3-compatible server for the tests: moto's server mode (``moto[server]`` from PyPI,
the dev extra), a separate process spoken to over HTTP by django-storages and boto3."""

from __future__ import annotations

import contextlib
import os
import subprocess
import sys
from pathlib import Path

from tests import servers

CREDENTIALS = {  # moto accepts any; boto3 needs some
    "AWS_ACCESS_KEY_ID": "pixelforge-test",
    "AWS_SECRET_ACCESS_KEY": "pixelforge-test",
    "AWS_S3_REGION_NAME": "us-east-1",
}


def start_server(log: Path) -> tuple[subprocess.Popen, str]:
    """``moto_server`` on a free port; returns the process and its endpoint URL."""
    port = servers.free_port()
    moto = Path(sys.executable).with_name("moto_server")
    args = [str(moto), "-H", "127.0.0.1", "-p", str(port)]
    process = servers.start(args, dict(os.environ), log)
    servers.wait_for_port(port)
    return process, f"http://127.0.0.1:{port}"


def client(endpoint: str):
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name=CREDENTIALS["AWS_S3_REGION_NAME"],
        aws_access_key_id=CREDENTIALS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
    )


def create_bucket(endpoint: str, bucket: str) -> None:
    s3 = client(endpoint)
    with contextlib.suppress(s3.exceptions.BucketAlreadyOwnedByYou):
        s3.create_bucket(Bucket=bucket)


def keys(endpoint: str, bucket: str, prefix: str = "") -> list[str]:
    found = client(endpoint).list_objects_v2(Bucket=bucket, Prefix=prefix)
    return [item["Key"] for item in found.get("Contents", [])]


def site_env(endpoint: str, bucket: str) -> dict[str, str]:
    """What a web or worker process needs to keep job files in the bucket."""
    return {
        "PIXELFORGE_MEDIA_STORAGE": "s3",
        "AWS_STORAGE_BUCKET_NAME": bucket,
        "AWS_S3_ENDPOINT_URL": endpoint,
        **CREDENTIALS,
    }
