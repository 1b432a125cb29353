"""Decoding within the site's limits: the one place the web form, the API and the CLI share."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from PIL import Image

from tools import pipeline
from tools.pipeline.decode import check_size, open_allowed, too_large


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


@dataclass(frozen=True)
class HeaderChecked:
    """An upload whose header was checked against the limits; a worker decodes its pixels."""

    source_size: tuple[int, int]  # as the file declares it
    size: tuple[int, int]  # what the worker's decode gives (scaled down to fit the limits)

    def notice(self) -> str:
        """What to tell the visitor when the worker will scale the image down ("" if not)."""
        if sorted(self.size) == sorted(self.source_size):
            return ""
        width, height = self.source_size
        new_width, new_height = self.size
        return (
            f"Your {width} x {height} pixel image was scaled down to {new_width} x {new_height} "
            "pixels to fit this site's size limit."
        )


def check_within_limits(source: BinaryIO) -> pipeline.Decoded | HeaderChecked:
    """For the web process, which must stay small: an image up to
    PIXELFORGE_WEB_DECODE_PIXELS is decoded in full (every check the pipeline makes); a larger
    one only has its header checked (allow-listed format, at most max_input_pixels), and the
    worker that decodes it reports a damaged file as the job's failure, with the same message."""
    limits = site_limits()
    source.seek(0)
    try:
        with open_allowed(source) as header:
            width, height = header.size
    except pipeline.ImageTooLarge as exc:
        raise too_large(str(exc), limits) from None
    except Exception:
        width = height = 0  # unreadable: the full decode gives the message
    if width * height > settings.PIXELFORGE_WEB_DECODE_PIXELS:
        check_size(width, height, limits)
        return HeaderChecked((width, height), limits.fit(width, height))
    source.seek(0)
    return decode_within_limits(source)
