"""Decoding within the site's limits: the one place the web form, the API and the CLI share."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from PIL import Image

from tools import pipeline


def load_within_limits(source: bytes | BinaryIO | Path) -> Image.Image:
    """``pipeline.load_image`` with PIXELFORGE_MAX_PIXELS and PIXELFORGE_MAX_SIDE."""
    return pipeline.load_image(
        source,
        max_pixels=settings.PIXELFORGE_MAX_PIXELS,
        max_side=settings.PIXELFORGE_MAX_SIDE,
    )
