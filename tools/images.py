"""Decoding within the site's limits: the one place the web form, the API and the CLI share."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
from django.conf import settings
from PIL import Image

from tools import pipeline
from tools.pipeline import strokes
from tools.pipeline.decode import check_size, open_allowed, scaled_notice, too_large, unreadable


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


def load_strokes(source: bytes | BinaryIO) -> np.ndarray:
    """A stroke mask (``pipeline.strokes.load_mask``: uint8 values) within the site's limits;
    ImageTooLarge or UnreadableImage. For the refine page and the API's keep/remove masks."""
    limits = site_limits()
    return strokes.load_mask(source, max_pixels=limits.max_pixels, max_side=limits.max_side)


def fit_within(image: Image.Image, *, pixels: int, side: int | None = None) -> Image.Image:
    """``image`` scaled down (LANCZOS) to at most ``pixels`` pixels and ``side`` px on its long
    side, keeping its proportions; the same image when it fits already."""
    width, height = image.size
    side = side or max(width, height)
    if fits(image.size, pixels=pixels, side=side):
        return image
    scale = min(math.sqrt(pixels / (width * height)), side / max(width, height))
    size = (max(1, math.floor(width * scale)), max(1, math.floor(height * scale)))
    return image.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)


def fits(size: tuple[int, int], *, pixels: int, side: int) -> bool:
    """Whether ``size`` is within ``pixels`` pixels and ``side`` px on its long side."""
    return size[0] * size[1] <= pixels and max(size) <= side


def fit_site_limits(image: Image.Image) -> Image.Image:
    """Outputs obey the same pixel limits as inputs: a larger canvas is scaled down to fit."""
    return fit_within(
        image, pixels=settings.PIXELFORGE_MAX_PIXELS, side=settings.PIXELFORGE_MAX_SIDE
    )


def fits_site_limits(size: tuple[int, int]) -> bool:
    """Whether an output of ``size`` is left as it is by ``fit_site_limits``."""
    return fits(size, pixels=settings.PIXELFORGE_MAX_PIXELS, side=settings.PIXELFORGE_MAX_SIDE)


@dataclass(frozen=True)
class HeaderChecked:
    """An upload whose header was checked against the limits; a worker decodes its pixels."""

    source_size: tuple[int, int]  # as the file declares it
    size: tuple[int, int]  # what the worker's decode gives (scaled down to fit the limits)

    def notice(self) -> str:
        """What to tell the visitor when the worker will scale the image down ("" if not)."""
        return scaled_notice(self.source_size, self.size)


# How far from the end a complete file's last marker may sit (some cameras and editors append
# a few bytes after it).
TAIL_BYTES = 64 * 1024
ORIENTATION = 0x0112  # the EXIF tag
TURNED = {5, 6, 7, 8}  # orientations that swap width and height
END_MARKERS = {"JPEG": b"\xff\xd9", "MPO": b"\xff\xd9", "PNG": b"IEND"}
JPEG_FORMATS = ("JPEG", "MPO")


def check_within_limits(source: BinaryIO) -> HeaderChecked:
    """For the web process, which must stay small: the header only (allow-listed format, at
    most max_input_pixels) and a cheap check that a JPEG or PNG was not cut short (its end
    marker is there), never the pixels. The worker decodes them and reports a damaged file as
    the job's failure, with the same message a decode here would give."""
    limits = site_limits()
    source.seek(0)
    try:
        with open_allowed(source) as header:
            width, height = header.size
            image_format = header.format or ""
            # The pipeline turns a photo upright. Read from a JPEG's header only: other
            # formats' getexif() may decode the whole image to find the tag.
            if image_format in JPEG_FORMATS and header.getexif().get(ORIENTATION) in TURNED:
                width, height = height, width
    except pipeline.ImageTooLarge as exc:
        raise too_large(str(exc), limits) from None
    except pipeline.UnreadableImage:
        raise
    except Exception as exc:  # whatever a plugin raises on a hostile file: unreadable
        raise unreadable(str(exc) or type(exc).__name__) from exc
    check_size(width, height, limits)
    marker = END_MARKERS.get(image_format)
    if marker is not None:
        source.seek(0, 2)
        source.seek(max(0, source.tell() - TAIL_BYTES))
        if marker not in source.read():
            raise unreadable("the file ends early; it may not have finished uploading")
    source.seek(0)
    return HeaderChecked((width, height), limits.fit(width, height))
