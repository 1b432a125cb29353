"""Shared helpers for the API tests: small real images and a request helper."""

from __future__ import annotations

import io

from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image, ImageDraw

from tools import pipeline

URL = "/api/v1/remove-background"
FAST = {"model": "u2netp"}


def configure_api(settings) -> None:
    """No rate limit, no keys, an empty cache: each test sets what it checks."""
    settings.PIXELFORGE_API_RATE_LIMIT = ""
    settings.PIXELFORGE_API_KEYS = []
    settings.PIXELFORGE_TRUSTED_PROXY_COUNT = 0
    cache.clear()


def subject_image(size: tuple[int, int] = (240, 180)) -> Image.Image:
    """A red disc on a light grey backdrop: one clear subject in the middle."""
    width, height = size
    image = Image.new("RGB", size, (230, 230, 230))
    box = (width * 0.3, height * 0.25, width * 0.7, height * 0.8)
    ImageDraw.Draw(image).ellipse(box, fill=(200, 30, 40))
    return image


def image_bytes(image: Image.Image, fmt: str = "PNG") -> bytes:
    out = io.BytesIO()
    image.save(out, fmt)
    return out.getvalue()


def upload(data: bytes, name: str = "photo.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, data, content_type="application/octet-stream")


def post(client: Client, image: bytes | None = None, /, **fields: object):
    """POST multipart fields (files given as bytes under *_file names) to the endpoint.

    Header keyword arguments are given as HTTP_* names, e.g. HTTP_ACCEPT.
    """
    headers = {key: fields.pop(key) for key in list(fields) if key.isupper()}
    data: dict[str, object] = {}
    if image is not None:
        data["image_file"] = upload(image)
    for key, value in fields.items():
        data[key] = upload(value, f"{key}.bin") if isinstance(value, bytes) else value
    body = encode_multipart(BOUNDARY, data)
    return client.generic("POST", URL, body, content_type=MULTIPART_CONTENT, **headers)


def result_image(response) -> Image.Image:
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def header_box(response) -> tuple[int, int, int, int]:
    """(left, top, width, height) from the X-Foreground-* headers."""
    return tuple(
        int(response[f"X-Foreground-{name}"]) for name in ("Left", "Top", "Width", "Height")
    )


def alpha_box(image: Image.Image) -> tuple[int, int, int, int] | None:
    alpha = image if image.mode == "L" else image.getchannel("A")
    return pipeline.subject_bbox(alpha)
