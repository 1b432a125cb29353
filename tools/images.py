"""Decoding within the site's limits: the one place the web form, the API and the CLI share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from PIL import Image

from tools import pipeline
from tools.pipeline.decode import check_size


def load_within_limits(source: bytes | BinaryIO | Path) -> Image.Image:
    """``pipeline.load_image`` with PIXELFORGE_MAX_PIXELS and PIXELFORGE_MAX_SIDE."""
    return pipeline.load_image(
        source,
        max_pixels=settings.PIXELFORGE_MAX_PIXELS,
        max_side=settings.PIXELFORGE_MAX_SIDE,
    )


@dataclass(frozen=True)
class HeaderChecked:
    """An upload whose header was checked against the limits; a worker decodes its pixels."""

    size: tuple[int, int]


def check_within_limits(source: BinaryIO) -> Image.Image | HeaderChecked:
    """For the web process, which must stay small: an image up to
    PIXELFORGE_WEB_DECODE_PIXELS is decoded in full (every check the pipeline makes); a larger
    one only has its header checked against the limits, and the worker that decodes it reports
    a damaged file as the job's failure, with the same message."""
    source.seek(0)
    try:
        with Image.open(source) as header:
            width, height = header.size
    except Image.DecompressionBombError:
        width = height = 0  # far over any limit: let the full check say so
    except Exception:
        width = height = 0  # unreadable: the full check gives the message
    if width * height > settings.PIXELFORGE_WEB_DECODE_PIXELS:
        check_size(
            width,
            height,
            max_pixels=settings.PIXELFORGE_MAX_PIXELS,
            max_side=settings.PIXELFORGE_MAX_SIDE,
        )
        return HeaderChecked((width, height))
    source.seek(0)
    return load_within_limits(source)
