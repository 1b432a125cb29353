"""Encode results as PNG, WebP, JPEG or a single-channel mask PNG."""

from __future__ import annotations

import io

from PIL import Image

FORMATS = ("png", "webp", "jpeg", "mask")
PNG_COMPRESS_LEVEL = 1  # see docs/benchmarks.md: level 6 takes seconds on a 4000 px RGBA image
WEBP_METHOD = 4
CONTENT_TYPES = {
    "png": "image/png",
    "webp": "image/webp",
    "jpeg": "image/jpeg",
    "mask": "image/png",
}
EXTENSIONS = {"png": ".png", "webp": ".webp", "jpeg": ".jpg", "mask": ".png"}


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


def encode(
    image: Image.Image,
    fmt: str,
    *,
    quality: int = 90,
    background: tuple[int, int, int] = (255, 255, 255),
) -> bytes:
    """Encode ``image`` as ``fmt`` (png, webp, jpeg or mask).

    JPEG has no alpha: a transparent image is flattened on ``background`` (white by default).
    """
    out = io.BytesIO()
    if fmt == "png":
        image.save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    elif fmt == "mask":
        alpha_of(image).save(out, "PNG", compress_level=PNG_COMPRESS_LEVEL)
    elif fmt == "webp":
        mode = "RGBA" if image.mode in ("RGBA", "LA", "PA") else "RGB"
        image.convert(mode).save(
            out, "WEBP", quality=quality, alpha_quality=100, method=WEBP_METHOD
        )
    elif fmt == "jpeg":
        flatten(image, background).save(out, "JPEG", quality=quality, optimize=False)
    else:
        raise ValueError(f"Unknown format {fmt!r}; choose one of: {', '.join(FORMATS)}")
    return out.getvalue()
