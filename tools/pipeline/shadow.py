"""Shadows under a cut-out subject, for product photos.

Two kinds, each returned as a shadow layer: an "L" image the size of the photo whose values are
how dark the shadow is (0 none, 255 black), composited in black under the subject.

- ``drop``: a soft shadow cast by the subject's own silhouette, a little below it, blurred in
  proportion to its size. Works on any photo.
- ``contact``: the real shadow the photo had where the subject meets the surface (a cup on a
  table), which the cut-out drops with the background. It is measured from the original: how
  much darker each background pixel is than the lit surface around it, kept only in a band
  under the subject and faded out with the distance from it.
"""

from __future__ import annotations

import numpy as np
from PIL import Image, ImageFilter
from scipy import ndimage

SHADOWS = ("drop", "contact")
BODY = 0.5  # alpha above this is the subject's body

# Drop shadow, in fractions of the subject's height.
DROP_OFFSET = 0.025
DROP_BLUR = 0.035
DROP_OPACITY = 0.45

# Contact shadow, measured at a small working size (shadows are smooth), in fractions of the
# subject's height unless said otherwise.
CONTACT_SIDE = 320  # long side of the working size
CONTACT_REACH = 0.18  # how far from the subject's lower part a shadow is kept
CONTACT_SURFACE = 0.3  # the neighbourhood whose mean background level is the lit surface
CONTACT_FLOOR = 0.12  # darkening below this is texture or noise, not shadow
CONTACT_STRENGTH = 0.85  # the shadow is kept a little lighter than measured


def _subject(alpha: Image.Image) -> tuple[np.ndarray, tuple[int, int, int, int]] | None:
    """The body mask and its box (top, bottom, left, right) or None when there is no subject."""
    body = np.asarray(alpha.convert("L"), dtype=np.float32) / 255 > BODY
    rows = np.flatnonzero(body.any(axis=1))
    cols = np.flatnonzero(body.any(axis=0))
    if rows.size == 0:
        return None
    return body, (int(rows[0]), int(rows[-1]), int(cols[0]), int(cols[-1]))


def drop_shadow(alpha: Image.Image) -> Image.Image:
    """A soft shadow of the silhouette, offset down and blurred (see module docstring)."""
    found = _subject(alpha)
    if found is None:
        return Image.new("L", alpha.size, 0)
    _, (top, bottom, _, _) = found
    height = bottom - top + 1
    offset = max(1, round(DROP_OFFSET * height))
    radius = max(1.0, DROP_BLUR * height)
    shifted = Image.new("L", alpha.size, 0)
    shifted.paste(alpha.convert("L"), (0, offset))
    blurred = shifted.filter(ImageFilter.GaussianBlur(radius))
    return blurred.point(lambda v: round(v * DROP_OPACITY))


def _luminance(image: Image.Image) -> np.ndarray:
    return np.asarray(image.convert("L"), dtype=np.float32) / 255


def contact_shadow(original: Image.Image, alpha: Image.Image) -> Image.Image:
    """The photo's own shadow under the subject (see module docstring)."""
    scale = min(1.0, CONTACT_SIDE / max(alpha.size))
    small = (max(1, round(alpha.width * scale)), max(1, round(alpha.height * scale)))
    alpha_small = alpha.convert("L").resize(small, Image.Resampling.BILINEAR)
    found = _subject(alpha_small)
    if found is None:
        return Image.new("L", alpha.size, 0)
    body, (top, bottom, _, _) = found
    height = bottom - top + 1
    soft = np.asarray(alpha_small, dtype=np.float32) / 255
    light = _luminance(original.resize(small, Image.Resampling.BILINEAR))
    background = (soft < 0.05).astype(np.float32)

    # The lit surface: the mean background level around each point (the subject left out).
    sigma = max(1.0, CONTACT_SURFACE * height)
    weight = ndimage.gaussian_filter(background, sigma)
    surface = ndimage.gaussian_filter(light * background, sigma) / np.maximum(weight, 1e-3)
    darkening = 1.0 - light / np.maximum(surface, 1e-3)
    darkening = np.clip((darkening - CONTACT_FLOOR) / (1.0 - CONTACT_FLOOR), 0.0, 1.0)
    darkening = ndimage.gaussian_filter(darkening, sigma=1.0)

    # Only close to the subject's lower part, fading with the distance from it and towards
    # the top: a shadow is cast down onto the surface the subject stands on.
    lower = body.copy()
    lower[: top + height // 2] = False
    reach = np.clip(ndimage.distance_transform_edt(~lower) / (CONTACT_REACH * height), 0, 1)
    near = 1.0 - reach * reach * (3.0 - 2.0 * reach)  # smooth fade to 0 at the reach
    rows = np.arange(soft.shape[0], dtype=np.float32)[:, None]
    near *= np.clip((rows - (top + 0.45 * height)) / (0.25 * height), 0.0, 1.0)
    shadow = darkening * near * (1.0 - soft) * CONTACT_STRENGTH
    layer = Image.fromarray(np.clip(shadow * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    layer = layer.resize(alpha.size, Image.Resampling.BILINEAR)
    # Never darken the subject itself at full resolution.
    outside = 255 - np.asarray(alpha.convert("L"), dtype=np.uint16)
    return Image.fromarray((np.asarray(layer, np.uint16) * outside // 255).astype(np.uint8), "L")


def shadow_layer(kind: str, original: Image.Image, alpha: Image.Image) -> Image.Image:
    """The shadow layer for ``kind`` ("drop" or "contact")."""
    if kind == "drop":
        return drop_shadow(alpha)
    if kind == "contact":
        return contact_shadow(original, alpha)
    raise ValueError(f"Unknown shadow {kind!r}; choose one of: {', '.join(SHADOWS)}.")


def with_shadow(layer: Image.Image, shadow: Image.Image) -> Image.Image:
    """The RGBA cut-out ``layer`` over a black shadow whose opacity is ``shadow``."""
    base = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    base.putalpha(shadow)
    return Image.alpha_composite(base, layer)
