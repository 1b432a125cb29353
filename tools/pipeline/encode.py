"""Encode results as PNG, WebP, JPEG or a single-channel mask PNG (formats: ``formats.OUTPUTS``).

Nothing from the input's metadata is written: no EXIF, XMP, comment or ICC profile (the pixels
are sRGB already), whatever ``image.info`` holds.
"""

from __future__ import annotations

import io

from PIL import Image

from .formats import OUTPUTS, PNG_COMPRESS_LEVEL, output_format

FORMATS = tuple(OUTPUTS)
WEBP_METHOD = 4


def flatten(image: Image.Image, color: tuple[int, int, int] = (255, 255, 255)) -> Image.Image:
    """An RGB image: ``image`` composited over a solid colour."""
    if image.mode not in ("RGBA", "LA", "PA"):
        return image.convert("RGB")
    base = Image.new("RGBA", image.size, (*color, 255))
    base.alpha_composite(image.convert("RGBA"))
    return base.convert("RGB")


def alpha_of(image: Image.Image) -> Image.Image:
    """The alpha channel ("L"); an "L" image is taken as the mask itself, opaque images give 255."""
    if image.mode == "L":
        return image
    if image.mode in ("RGBA", "LA"):
        return image.getchannel("A")
    return Image.new("L", image.size, 255)


def _bare(image: Image.Image) -> Image.Image:
    """``image`` without any metadata Pillow's encoders would copy from ``info``."""
    if not image.info:
        return image
    bare = image.copy()
    bare.info = {}
    return bare


def encode(
    image: Image.Image,
    fmt: str,
    *,
    quality: int = 90,
    background: tuple[int, int, int] = (255, 255, 255),
) -> bytes:
    """Encode ``image`` as ``fmt`` (png, webp, jpg or mask).

    JPEG has no alpha: a transparent image is flattened on ``background`` (white by default).
    """
    name = output_format(fmt).name
    out = io.BytesIO()
    if name == "png":
        _bare(image).save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    elif name == "mask":
        _bare(alpha_of(image)).save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    elif name == "webp":
        mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
        _bare(image.convert(mode)).save(
            out, "WEBP", quality=quality, alpha_quality=100, method=WEBP_METHOD
        )
    else:  # jpg
        _bare(flatten(image, background)).save(out, "JPEG", quality=quality, optimize=False)
    return out.getvalue()
