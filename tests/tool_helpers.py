"""Shared helpers for the tool's tests: small real images and a job made through the site."""

from __future__ import annotations

import io
import re

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from tools.models import Job

TOOL_URL = "/tools/remove-background/"


def scene(size: tuple[int, int] = (360, 240)) -> Image.Image:
    """Two separate, solid subjects on a light background: a red disc and a blue block."""
    width, height = size
    image = Image.new("RGB", size, (236, 236, 230))
    draw = ImageDraw.Draw(image)
    draw.ellipse((width * 0.08, height * 0.28, width * 0.38, height * 0.72), fill=(200, 30, 40))
    draw.rectangle((width * 0.62, height * 0.25, width * 0.9, height * 0.75), fill=(30, 60, 200))
    return image


def image_bytes(fmt: str, size: tuple[int, int] = (360, 240)) -> bytes:
    out = io.BytesIO()
    image = scene(size)
    if fmt == "GIF":
        image = image.convert("P")
    image.save(out, fmt)
    return out.getvalue()


def upload_file(fmt: str = "JPEG", name: str = "photo.jpg", **kwargs: object) -> SimpleUploadedFile:
    return SimpleUploadedFile(name, image_bytes(fmt, **kwargs), content_type="image/jpeg")


def create_job(client, *, name: str = "photo.jpg", fmt: str = "JPEG") -> Job:
    response = client.post(TOOL_URL, {"image": upload_file(fmt, name)})
    assert response.status_code == 302, response.content.decode()[:2000]
    code = re.search(r"/r/([0-9a-f-]{36})/", response["Location"]).group(1)
    return Job.objects.get(code=code)


def result_url(job: Job) -> str:
    return f"{TOOL_URL}r/{job.code}/"


def open_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def damaged_png(size: tuple[int, int] = (400, 300)) -> bytes:
    """A PNG whose header and end are fine and whose pixel data is damaged inside: only a full
    decode (a worker's) finds it."""
    import numpy as np

    noise = (np.random.default_rng(7).random((size[1], size[0], 3)) * 255).astype("uint8")
    out = io.BytesIO()
    Image.fromarray(noise).save(out, "PNG")
    data = bytearray(out.getvalue())
    middle = data.index(b"IDAT") + 50
    data[middle : middle + 64] = b"\xff" * 64
    return bytes(data)
