"""Decoding within the site's limits: the one place the web form, the API and the CLI share."""

from __future__ import annotations

from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from PIL import Image

from tools import pipeline


def site_limits() -> pipeline.DecodeLimits:
    """The decoding limits from PIXELFORGE_MAX_PIXELS, _MAX_SIDE and _MAX_INPUT_PIXELS."""
    return pipeline.DecodeLimits(
        max_pixels=settings.PIXELFORGE_MAX_PIXELS,
        max_side=settings.PIXELFORGE_MAX_SIDE,
        max_input_pixels=max(settings.PIXELFORGE_MAX_INPUT_PIXELS, settings.PIXELFORGE_MAX_PIXELS),
    )


def decode_within_limits(source: bytes | BinaryIO | Path) -> pipeline.Decoded:
    """``pipeline.decode_image`` with the site's limits (scaled down to fit, with a notice)."""
    return pipeline.decode_image(source, limits=site_limits())


def load_within_limits(source: bytes | BinaryIO | Path) -> Image.Image:
    """``pipeline.load_image`` with the site's limits."""
    return pipeline.load_image(source, limits=site_limits())
