"""Decode untrusted input into an 8-bit sRGB ``RGB`` image.

The size limits are checked against the header before any pixel data is decoded, so a
decompression bomb costs a header read, not gigabytes of memory. Every mode Pillow opens
(RGB, RGBA, L, LA, P with transparency, CMYK, 16-bit and float greys) ends up as 8-bit RGB;
an embedded ICC profile is converted to sRGB; EXIF orientation is applied; animated files
give their first frame.

Transparency in the input is composited over white. The model was trained on opaque photos,
and the colour of fully transparent pixels is arbitrary (often black), so flattening on white
shows the subject on a plain background, which U2-Net separates well.
"""

from __future__ import annotations

import io
import struct
from pathlib import Path
from typing import BinaryIO

import numpy as np
from PIL import Image, ImageCms, ImageOps

from .errors import ImageTooLarge, UnreadableImage

ACCEPTED = "JPEG, PNG, WebP, GIF, BMP or TIFF"
DECODE_ERRORS = (
    OSError,
    SyntaxError,
    ValueError,
    EOFError,
    IndexError,
    KeyError,
    TypeError,
    ZeroDivisionError,
    struct.error,
    ImageCms.PyCMSError,
)
_SRGB = ImageCms.createProfile("sRGB")
_ALPHA_MODES = {"RGBA": "RGB", "LA": "L", "PA": "RGB", "RGBa": "RGB", "La": "L"}


def _unreadable(detail: str) -> UnreadableImage:
    return UnreadableImage(
        f"This file could not be read as an image ({detail}). Upload a {ACCEPTED} file."
    )


def _open(source: bytes | BinaryIO | Path, *, max_pixels: int, max_side: int) -> Image.Image:
    fp: BinaryIO | Path = io.BytesIO(source) if isinstance(source, bytes | bytearray) else source
    try:
        return Image.open(fp)
    except Image.DecompressionBombError as exc:
        # Pillow's own guard (far above our limits) fired before we could read the size.
        raise ImageTooLarge(
            "This image declares far too many pixels to process; the limit is "
            f"{max_side} pixels on the longest side and {max_pixels / 1e6:.0f} megapixels "
            "in total. Resize it and try again."
        ) from exc
    except FileNotFoundError:
        raise
    except Image.UnidentifiedImageError as exc:
        raise _unreadable("its format was not recognised") from exc
    except DECODE_ERRORS as exc:
        raise _unreadable(type(exc).__name__ if not str(exc) else str(exc)) from exc


def check_size(width: int, height: int, *, max_pixels: int, max_side: int) -> None:
    """Raise ImageTooLarge when the declared size is over either limit."""
    if width <= 0 or height <= 0:
        raise _unreadable(f"it declares an empty size of {width} x {height}")
    if max(width, height) > max_side or width * height > max_pixels:
        raise ImageTooLarge(
            f"This image is {width} x {height} pixels; the limit is {max_side} pixels on the "
            f"longest side and {max_pixels / 1e6:.0f} megapixels in total. Resize it and try again."
        )


def _to_8bit(image: Image.Image) -> Image.Image:
    """Bring 16-bit, 32-bit integer and float greys to mode "L"."""
    if image.mode.startswith("I;16"):
        values = np.asarray(image).astype(np.float32) / 257.0
    elif image.mode == "I":
        values = np.asarray(image).astype(np.float32)
        if values.max(initial=0) > 255:
            values /= 257.0
    elif image.mode == "F":
        values = np.asarray(image).astype(np.float32)
        finite = values[np.isfinite(values)]
        if finite.size and finite.max() <= 1.0:
            values *= 255.0
        values = np.nan_to_num(values)
    else:
        return image
    return Image.fromarray(np.clip(values + 0.5, 0, 255).astype(np.uint8), "L")


def _split_alpha(image: Image.Image) -> tuple[Image.Image, Image.Image | None]:
    """Return (colour part in L, RGB or CMYK, alpha or None)."""
    if image.mode == "P":
        image = image.convert("RGBA" if "transparency" in image.info else "RGB")
    elif image.mode == "1":
        image = image.convert("L")
    elif image.mode in _ALPHA_MODES:
        image = image.convert("LA" if _ALPHA_MODES[image.mode] == "L" else "RGBA")
    if image.mode in ("RGBA", "LA"):
        return image.convert(image.mode[:-1]), image.getchannel("A")
    if image.mode not in ("L", "RGB", "CMYK"):
        image = image.convert("RGB")
    return image, None


def _to_srgb(image: Image.Image, icc: bytes | None) -> Image.Image:
    """Convert an L, RGB or CMYK image to sRGB RGB, through its ICC profile when it has one."""
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, profile, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # A broken or mismatched profile: fall back to Pillow's plain conversion.
    return image.convert("RGB")


def load_image(
    source: bytes | BinaryIO | Path,
    *,
    max_pixels: int = 40_000_000,
    max_side: int = 12_000,
) -> Image.Image:
    """Decode ``source`` into an 8-bit sRGB RGB image within the size limits."""
    opened = _open(source, max_pixels=max_pixels, max_side=max_side)
    try:
        check_size(*opened.size, max_pixels=max_pixels, max_side=max_side)
        try:
            opened.seek(0)
            opened.load()
            icc = opened.info.get("icc_profile")
            image = ImageOps.exif_transpose(opened)
            colour, alpha = _split_alpha(_to_8bit(image))
            rgb = _to_srgb(colour, icc)
        except (Image.DecompressionBombError, MemoryError) as exc:
            raise ImageTooLarge(f"This image is too large to decode ({exc}).") from exc
        except DECODE_ERRORS as exc:
            raise _unreadable(str(exc) or type(exc).__name__) from exc
    finally:
        opened.close()
    if alpha is not None and alpha.getextrema()[0] < 255:
        white = Image.new("RGB", rgb.size, (255, 255, 255))
        rgb = Image.composite(rgb, white, alpha)
    return rgb
