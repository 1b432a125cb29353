"""The result page's pictures, made once by a worker and served as stored files.

Each picture (the original, the cut-out and the result with the saved choice) is kept at a few
widths as WebP (with alpha where it has one), so the page's ``srcset`` fetches one file sized
to the display. A set is found by its key: the original never changes, the cut-out changes with
a refine, the result with every saved choice (``downloads.key_of``). A small JSON manifest is
written last and lists the widths: a set without one is not there yet. The web process only
reads these files; it never renders a preview (tools/views/files.py).
"""

from __future__ import annotations

import functools
import io
import json
import re

from PIL import Image

from tools import pipeline
from tools.models import Job
from tools.services import storage

NAMES = ("original", "cutout", "result")
WIDTHS = (640, 1280)  # and the preview's own width (jobs.PREVIEW_SIDE at most)
QUALITY = 82
METHOD = 2  # half method 4's CPU for files about 5 % larger (docs/benchmarks.md)
KEY = re.compile(r"^[0-9a-f]{1,40}$")


def image_path(job: Job, name: str, key: str, width: int) -> str:
    return storage.path(job, "picture", name=name, key=key, width=width)


def _manifest_path(job: Job, name: str, key: str) -> str:
    return storage.path(job, "picture_sizes", name=name, key=key)


def widths_for(width: int) -> list[int]:
    return sorted({w for w in WIDTHS if w < width} | {width})


def sizes(job: Job, name: str, key: str) -> list[tuple[int, int]] | None:
    """The stored (width, height) of each file of the set, smallest first; None if not made."""
    path = _manifest_path(job, name, key)
    if not storage.exists(path):
        return None
    return [tuple(size) for size in json.loads(storage.read_path(path))["sizes"]]


def store(job: Job, name: str, key: str, image: Image.Image) -> list[tuple[int, int]]:
    """Store ``image`` (a preview-size picture) at each width, then the manifest."""
    widths = widths_for(image.width)
    encoded = pipeline.side_by_side([functools.partial(_at_width, image, w) for w in widths])
    made = []
    for width, (height, data) in zip(widths, encoded, strict=True):
        storage.store(image_path(job, name, key, width), data)
        made.append((width, height))
    storage.store(_manifest_path(job, name, key), json.dumps({"sizes": made}).encode())
    return made


def _at_width(image: Image.Image, width: int) -> tuple[int, bytes]:
    """``image`` at ``width`` px wide: its height and its WebP bytes."""
    if width == image.width:
        return image.height, encode(image)
    height = max(1, round(image.height * width / image.width))
    return height, encode(image.resize((width, height), _LANCZOS))


def copy(job: Job, name: str, key: str, to_name: str, to_key: str) -> None:
    """Store the set ``name``/``key`` again as ``to_name``/``to_key`` (the same pixels)."""
    made = sizes(job, name, key) or []
    for width, _ in made:
        data = storage.read_path(image_path(job, name, key, width))
        storage.store(image_path(job, to_name, to_key, width), data)
    manifest = json.dumps({"sizes": made}).encode()
    storage.store(_manifest_path(job, to_name, to_key), manifest)


def encode(image: Image.Image) -> bytes:
    mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
    if mode == "RGBA" and image.getchannel("A").getextrema() == (255, 255):
        mode = "RGB"  # an opaque result needs no alpha plane
    out = io.BytesIO()
    image.convert(mode).save(out, "WEBP", quality=QUALITY, alpha_quality=90, method=METHOD)
    return out.getvalue()


_LANCZOS = Image.Resampling.LANCZOS
