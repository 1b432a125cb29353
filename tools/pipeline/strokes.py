"""Stroke masks: the brush strokes a visitor (refine page) or an API client sends.

``load_mask`` decodes an untrusted mask file within the size limits, ``check_mask_size`` checks
its proportions against the image's, ``scale_mask`` scales it to the working size, and
``split_strokes`` reads the web client's single-mask format. The re-solve they feed is
``refine.py``.
"""

from __future__ import annotations

import io
from typing import BinaryIO

import numpy as np
from PIL import Image

from .decode import open_allowed
from .errors import ImageTooLarge, UnreadableImage

# Stroke mask values of the web client's single-mask format (see ``split_strokes``).
UNTOUCHED, KEEP, REMOVE = 0, 1, 2


def split_strokes(strokes: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(keep, remove) boolean masks from a single 0/1/2 stroke mask."""
    return strokes == KEEP, strokes == REMOVE


def scale_mask(mask: np.ndarray | Image.Image, size: tuple[int, int]) -> np.ndarray:
    """A boolean mask (non-zero = stroke) scaled to ``size`` (width, height)."""
    image = mask if isinstance(mask, Image.Image) else Image.fromarray(_as_u8(mask))
    image = image.convert("L").point(lambda value: 255 if value else 0)
    if image.size != size:
        image = image.resize(size, Image.Resampling.BOX)
    return np.asarray(image) >= 128


def _as_u8(mask: np.ndarray) -> np.ndarray:
    return (np.asarray(mask) != 0).astype(np.uint8) * 255


def load_mask(source: BinaryIO | bytes, *, max_pixels: int, max_side: int) -> np.ndarray:
    """Decode an untrusted stroke mask into uint8 values (h x w), within the size limits.

    Colour masks are read as grey; fully transparent pixels count as 0 (no stroke). Raises
    ImageTooLarge or UnreadableImage like ``load_image``.
    """
    fp = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        fp.seek(0)
        opened = open_allowed(fp)  # the site's allow-list of formats, as for photos
    except Exception as exc:  # whatever a plugin raises on a hostile file: unreadable
        raise UnreadableImage(
            "The mask could not be read as an image; send a PNG (or another image) in which "
            "non-zero pixels mark the strokes."
        ) from exc
    try:
        width, height = opened.size
        if width <= 0 or height <= 0:
            raise UnreadableImage(f"The mask declares an empty size of {width} x {height}.")
        if width * height > max_pixels or max(width, height) > max_side:
            raise ImageTooLarge(
                f"This mask is {width} x {height} pixels; masks may have at most "
                f"{max_pixels / 1e6:.0f} megapixels and {max_side} pixels on a side."
            )
        try:
            opened.seek(0)
            opened.load()
            alpha = opened.getchannel("A") if "A" in opened.getbands() else None
            if opened.mode == "P" and "transparency" in opened.info:
                rgba = opened.convert("RGBA")
                alpha, grey = rgba.getchannel("A"), rgba.convert("L")
            else:
                grey = opened.convert("L")
        except (Image.DecompressionBombError, MemoryError) as exc:
            raise ImageTooLarge(f"This mask is too large to decode ({exc}).") from exc
        except Exception as exc:  # a damaged file, whichever library noticed
            raise UnreadableImage(f"The mask could not be decoded ({exc}).") from exc
    finally:
        opened.close()
    values = np.asarray(grey).copy()
    if alpha is not None:
        values[np.asarray(alpha) == 0] = 0
    return values


def check_mask_size(mask_size: tuple[int, int], image_size: tuple[int, int]) -> None:
    """Raise ValueError unless a mask has the image's proportions (it is scaled to fit)."""
    mask_w, mask_h = mask_size
    width, height = image_size
    expected = mask_h * width / mask_w
    if abs(expected - height) > max(2.0, 0.02 * height):
        raise ValueError(
            f"The mask is {mask_w} x {mask_h} pixels but the image is {width} x {height}: "
            "send it at the image's size (or the same proportions, it is scaled to fit)."
        )
