"""Decode untrusted input into an 8-bit sRGB ``RGB`` image, within the caller's limits.

Only the formats in ``formats.INPUTS`` are opened: the file is offered to those Pillow plugins
alone, so no other plugin (nor Ghostscript, for EPS) ever sees it. The limits are checked
against the header before any pixel data is decoded, so a decompression bomb costs a header
read, not gigabytes of memory. An image over the working limits (``max_pixels``,
``max_side``) but within ``max_input_pixels`` is scaled down to fit; a JPEG is then decoded at
a reduced scale (``draft``), so a 100-megapixel photo is never held at full size.

Every mode Pillow opens (RGB, RGBA, L, LA, P with transparency, CMYK, 16-bit and float greys)
ends up as 8-bit RGB; an embedded ICC profile is converted to sRGB; EXIF orientation is
applied; animated files give their first frame. No metadata survives: the result's ``info`` is
empty (no EXIF with GPS, no XMP, no comment, no ICC profile), so nothing from the upload can
reach a stored or served file.

Transparency in the input is composited over white. The model was trained on opaque photos,
and the colour of fully transparent pixels is arbitrary (often black), so flattening on white
shows the subject on a plain background, which U2-Net separates well.
"""

from __future__ import annotations

import io
import math
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np
import pillow_heif
from PIL import (
    BmpImagePlugin,  # noqa: F401  (importing a plugin registers it in Image.OPEN)
    ExifTags,
    GifImagePlugin,  # noqa: F401
    Image,
    ImageCms,
    ImageFile,
    ImageOps,
    JpegImagePlugin,  # noqa: F401
    PngImagePlugin,  # noqa: F401
    TiffImagePlugin,  # noqa: F401
    WebPImagePlugin,  # noqa: F401
)

from .errors import ImageTooLarge, UnreadableImage
from .formats import ACCEPTED_TEXT, INPUT_PILLOW_NAMES

pillow_heif.register_heif_opener()

ACCEPTED = ACCEPTED_TEXT
_SRGB = ImageCms.createProfile("sRGB")
_ALPHA_MODES = {"RGBA": "RGB", "LA": "L", "PA": "RGB", "RGBa": "RGB", "La": "L"}


@dataclass(frozen=True)
class DecodeLimits:
    """How large an input may be; the caller decides (the site reads them from its settings).

    ``max_pixels`` and ``max_side`` bound the decoded image: larger inputs are scaled down to
    fit. ``max_input_pixels`` bounds what the file may declare at all: above it the file is
    refused from its header, before any decoding.
    """

    max_pixels: int
    max_side: int
    max_input_pixels: int

    @classmethod
    def unscaled(cls, max_input_pixels: int = 250_000_000) -> DecodeLimits:
        """Full size, never scaled: for the project's own files (fixtures, benchmark photos)."""
        return cls(max_input_pixels, max_input_pixels, max_input_pixels)

    def fit(self, width: int, height: int) -> tuple[int, int]:
        """(width, height) scaled down, keeping the aspect ratio, to fit both limits."""
        scale = min(1.0, self.max_side / max(width, height))
        scale = min(scale, math.sqrt(self.max_pixels / (width * height)))
        if scale >= 1.0:
            return width, height
        # The epsilon keeps 13000 * (12000 / 13000) at 12000, not 11999.
        return max(1, math.floor(width * scale + 1e-6)), max(1, math.floor(height * scale + 1e-6))


@dataclass(frozen=True)
class Decoded:
    image: Image.Image  # RGB, sRGB, no metadata, within the limits
    source_size: tuple[int, int]  # the size the file declares (before EXIF rotation)

    @property
    def size(self) -> tuple[int, int]:
        return self.image.size

    @property
    def scaled(self) -> bool:
        return sorted(self.image.size) != sorted(self.source_size)

    def notice(self) -> str:
        """What to tell the person when the image was scaled down ("" when it was not)."""
        return scaled_notice(self.source_size, self.image.size)


def scaled_notice(source_size: tuple[int, int], size: tuple[int, int]) -> str:
    """What to tell the person when an image of ``source_size`` becomes ``size`` ("" when
    it keeps its size): the one wording, for a decoded image and for a header checked."""
    if sorted(size) == sorted(source_size):
        return ""
    width, height = source_size
    new_width, new_height = size
    return (
        f"Your {width} x {height} pixel image was scaled down to {new_width} x {new_height} "
        "pixels to fit this site's size limit."
    )


# What the decoders say about a damaged file (Pillow, libjpeg, libpng, libwebp, libtiff,
# libheif), as plain words: the one place their raw text becomes a message for people.
_CUT_SHORT = ("truncated", "premature end", "ended early", "ends early", "end of file")
_DAMAGED = "it is damaged: part of its picture data cannot be decoded"
_INCOMPLETE = (
    "it is incomplete: the file was cut off (truncated) before the end of the picture, as "
    "happens when a download, a copy or a transfer from a phone is interrupted"
)
_AFTERWARDS = "Open it on your device to check it, or save or export it again"


def plain_reason(detail: str) -> str:
    """Why a file could not be decoded, in plain words, from a decoder's raw message."""
    text = detail.lower()
    if any(words in text for words in _CUT_SHORT):
        return _INCOMPLETE
    return _DAMAGED


def unreadable(detail: str) -> UnreadableImage:
    """A file that opened as an allowed format but could not be decoded: say why, plainly."""
    return UnreadableImage(
        f"This file could not be read as an image: {plain_reason(detail)}. {_AFTERWARDS}. "
        f"Upload a {ACCEPTED} file."
    )


def open_allowed(fp: BinaryIO) -> ImageFile.ImageFile:
    """Open ``fp`` with the allow-listed plugins only.

    The same loop as Pillow's ``Image.open(fp, formats=...)``, less its process-wide
    decompression-bomb check: our own size checks are stricter for every format, and a large
    JPEG within ``max_input_pixels`` is decoded at a reduced scale, which Pillow's global
    limit would refuse before we could ask for that.
    """
    prefix = fp.read(16)
    for name in INPUT_PILLOW_NAMES:
        factory, accept = Image.OPEN[name]
        if accept is not None and not accept(prefix):
            continue
        fp.seek(0)
        try:
            return factory(fp, "")
        except Image.DecompressionBombError:
            # Pillow's own limit (about 179 MP, far over any site limit) fired while opening:
            # some plugins (WebP) check it before we can read the declared size.
            # The message is what it declares; callers say what is allowed (too_large).
            raise ImageTooLarge(f"over {2 * Image.MAX_IMAGE_PIXELS / 1e6:.0f} megapixels") from None
        except (SyntaxError, IndexError, TypeError, struct.error):
            continue  # claimed by its signature but not that format after all
    raise UnreadableImage(f"This file is not an image we can read. Upload a {ACCEPTED} file.")


def check_size(width: int, height: int, limits: DecodeLimits) -> None:
    """Raise ImageTooLarge when the declared size is over ``max_input_pixels``."""
    if width <= 0 or height <= 0:
        raise UnreadableImage(
            f"This file could not be read as an image: it says the picture is {width} x "
            f"{height} pixels, which is empty. Upload a {ACCEPTED} file."
        )
    if width * height > limits.max_input_pixels:
        raise too_large(f"{width} x {height} pixels", limits)


def too_large(declared: str, limits: DecodeLimits) -> ImageTooLarge:
    """The error for an image that declares ``declared`` ("6000 x 6000 pixels"): what the
    site takes, and what to do."""
    return ImageTooLarge(
        f"This image is {declared}; this site takes images up to "
        f"{limits.max_input_pixels / 1e6:.0f} megapixels and scales them down to at most "
        f"{limits.max_side} pixels on the longest side and {limits.max_pixels / 1e6:.0f} "
        "megapixels. Resize it and try again."
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
    if image.mode == "RGB" and not icc:
        return image  # already what we want: no copy
    if icc:
        try:
            profile = ImageCms.ImageCmsProfile(io.BytesIO(icc))
            return ImageCms.profileToProfile(image, profile, _SRGB, outputMode="RGB")
        except (ImageCms.PyCMSError, OSError, ValueError, TypeError):
            pass  # A broken or mismatched profile: fall back to Pillow's plain conversion.
    return image.convert("RGB")


def _decode(opened: ImageFile.ImageFile, target: tuple[int, int]) -> Image.Image:
    """The first frame as 8-bit sRGB RGB over white, scaled to ``target`` (declared axes)."""
    opened.seek(0)
    if target != opened.size:
        opened.draft(opened.mode, target)  # JPEG: decode at 1/2, 1/4 or 1/8 scale; else no-op
    opened.load()
    icc = opened.info.get("icc_profile")
    image: Image.Image = opened
    if image.size != target:
        if image.mode in ("P", "1"):  # Pillow resizes these by nearest neighbour only
            image = image.convert("RGBA" if "transparency" in image.info else "RGB")
        image = image.resize(target, Image.Resampling.LANCZOS, reducing_gap=3.0)
    if image.getexif().get(ExifTags.Base.Orientation, 1) != 1:  # else no copy to make
        image = ImageOps.exif_transpose(image)
    colour, alpha = _split_alpha(_to_8bit(image))
    rgb = _to_srgb(colour, icc)
    if alpha is not None and alpha.getextrema()[0] < 255:
        white = Image.new("RGB", rgb.size, (255, 255, 255))
        rgb = Image.composite(rgb, white, alpha)
    rgb.info = {}  # no EXIF (GPS), XMP, comment or ICC profile beyond this point
    return rgb


def decode_image(source: bytes | BinaryIO | Path, *, limits: DecodeLimits) -> Decoded:
    """Decode ``source`` into 8-bit sRGB RGB, scaled down to fit ``limits`` when needed.

    Raises UnreadableImage (not an allowed format, or damaged) or ImageTooLarge (declares more
    than ``limits.max_input_pixels``) with a message a person can act on.
    """
    handle = source.open("rb") if isinstance(source, Path) else None
    try:
        fp = io.BytesIO(source) if isinstance(source, bytes | bytearray) else handle or source
        try:
            fp.seek(0)
            opened = open_allowed(fp)
        except UnreadableImage:
            raise
        except ImageTooLarge as exc:
            raise too_large(str(exc), limits) from None
        except Exception as exc:  # whatever a plugin raises on a hostile file: unreadable
            raise unreadable(str(exc) or type(exc).__name__) from exc
        with opened:
            size = opened.size
            check_size(*size, limits)
            try:
                image = _decode(opened, limits.fit(*size))
            except (Image.DecompressionBombError, MemoryError) as exc:
                raise ImageTooLarge(f"This image is too large to decode ({exc}).") from exc
            except Exception as exc:  # a damaged file, whichever library noticed
                raise unreadable(str(exc) or type(exc).__name__) from exc
    finally:
        if handle is not None:
            handle.close()
    return Decoded(image=image, source_size=size)


def load_image(source: bytes | BinaryIO | Path, *, limits: DecodeLimits) -> Image.Image:
    """``decode_image(...).image``: for callers that need no notice about scaling."""
    return decode_image(source, limits=limits).image
