"""Shadows under a cut-out subject, for product photos.

Two kinds, each returned as a shadow layer: an "L" image the size of the photo whose values are
how dark the shadow is (0 none, 255 black), composited in black under the subject.

- ``drop``: the shadow the subject casts on the floor it stands on. Its silhouette is laid
  down on the floor from its base (its lowest row): a point ``h`` above the base lands
  ``length * h`` away from the base in the shadow's ``angle`` (0 straight back, up the image;
  90 to the right; 180 towards the viewer), foreshortened like a floor seen from the front.
  It is darkest and sharpest where it meets the subject and lighter and softer with the
  distance, plus a thin dark band of contact right under the base. Each separate subject
  casts its own shadow from its own base. Works on any photo.
- ``contact``: the real shadow the photo had where the subject meets the surface (a cup on a
  table), which the cut-out drops with the background. It is kept only when the photo has
  one: a region darker than the lit surface around it that touches the subject's base. A
  subject with no floor under it (it reaches the bottom of the photo, or the surface under it
  is as light as the rest) gets nothing, and a dark patch that does not touch the base (a
  picture on the wall, a shadow of something else) is never kept.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
from PIL import Image
from scipy import ndimage

SHADOWS = ("drop", "contact")
BODY = 0.5  # alpha above this is the subject's body

# Shadows are smooth: both are made at a small working size (long side) and scaled up.
WORK_SIDE = 512
CONTACT_SIDE = 320  # the contact shadow's wide surface estimate is the costly part

# Drop shadow. Angle in degrees, length in percent of the subject's height, softness 0-100.
MIN_ANGLE, MAX_ANGLE = -180, 180
MAX_LENGTH = 150
MAX_SOFTNESS = 100
DROP_OPACITY = 0.55  # at the base
DROP_FLOOR = 0.25  # a shadow that lies sideways still recedes this much (fraction of length)
DROP_MIN_AREA = 0.02  # a part smaller than this share of the largest casts no shadow of its own
DROP_MAX_PARTS = 8
CONTACT_BAND = 0.04  # the contact band: the subject's lowest rows, as a share of its height
CONTACT_OPACITY = 0.6

# Contact shadow, in fractions of the subject's height unless said otherwise.
CONTACT_REACH = 0.25  # how far from the base a shadow is kept
CONTACT_BEHIND = 0.12  # how far above the base line (behind the subject) it may reach
CONTACT_SURFACE = 0.3  # the neighbourhood whose mean background level is the lit surface
CONTACT_RIM = 0.015  # the subject's own colour may reach this far outside its matte
CONTACT_SMOOTH = 0.015  # the blur that takes texture out of the measured darkening
CONTACT_FLOOR = 0.12  # darkening below this is texture or noise, not shadow
CONTACT_STRENGTH = 0.85  # the shadow is kept a little lighter than measured
CONTACT_TOUCH = 0.06  # a shadow must reach within this distance of the base
CONTACT_MIN_SHARE = 0.25  # ... and darken at least this share of the strip right under it


@dataclass(frozen=True)
class DropStyle:
    """How a drop shadow falls: its direction, how far it reaches and how soft it is."""

    angle: float = 45.0  # degrees: 0 straight back, 90 right, -90 left, 180 towards the viewer
    length: float = 50.0  # percent of the subject's height
    softness: float = 50.0  # 0 crisp, 100 very soft


def _working(alpha: Image.Image, side: int = WORK_SIDE) -> tuple[np.ndarray, float]:
    """The alpha as floats 0-1 at a working size (long side ``side``), and its scale."""
    scale = min(1.0, side / max(alpha.size))
    small = (max(1, round(alpha.width * scale)), max(1, round(alpha.height * scale)))
    work = alpha.convert("L")
    if work.size != small:
        work = work.resize(small, Image.Resampling.BILINEAR)
    return np.asarray(work, dtype=np.float32) / 255, scale


def _to_layer(shadow: np.ndarray, size: tuple[int, int]) -> Image.Image:
    layer = Image.fromarray(np.clip(shadow * 255 + 0.5, 0, 255).astype(np.uint8), "L")
    return layer if layer.size == size else layer.resize(size, Image.Resampling.BILINEAR)


def _parts(body: np.ndarray) -> list[np.ndarray]:
    """The separate subjects of a body mask (the largest few; crumbs left out)."""
    labels, count = ndimage.label(body, structure=np.ones((3, 3), dtype=bool))
    if count == 0:
        return []
    areas = np.bincount(labels.ravel())[1:]
    order = np.argsort(-areas)[:DROP_MAX_PARTS]
    return [labels == i + 1 for i in order if areas[i] >= DROP_MIN_AREA * areas[order[0]]]


def _cast(part: np.ndarray, style: DropStyle) -> np.ndarray:
    """The shadow one subject casts (0-1, working size)."""
    rows = np.flatnonzero(part.any(axis=1))
    top, base = int(rows[0]), int(rows[-1])
    height = base - top + 1
    length = style.length / 100
    theta = math.radians(style.angle)
    kx = length * math.sin(theta)
    ky = length * math.cos(theta)
    if abs(ky) < DROP_FLOOR * max(length, 1e-6):
        ky = math.copysign(DROP_FLOOR * max(length, 1e-6), ky if ky else 1.0)
    shape = part.shape
    silhouette = Image.fromarray((part * 255).astype(np.uint8), "L")
    cast = np.zeros(shape, dtype=np.float32)
    if length > 0:
        # Output (x, y) shows the silhouette point at height h = (base - y) / ky above the
        # base, in column x - kx * h: PIL's affine transform maps output to input.
        b = kx / ky
        coefficients = (1.0, b, -b * base, 0.0, 1.0 / ky, base * (1.0 - 1.0 / ky))
        laid = silhouette.transform(
            silhouette.size, Image.Transform.AFFINE, coefficients, Image.Resampling.BILINEAR
        )
        laid_values = np.asarray(laid, dtype=np.float32) / 255
        soft = style.softness / 100
        near_sigma = max(0.5, (0.004 + 0.02 * soft) * height)
        far_sigma = max(1.0, (0.01 + 0.14 * soft) * height)
        near = ndimage.gaussian_filter(laid_values, near_sigma)
        far = ndimage.gaussian_filter(laid_values, far_sigma)
        # How far along the shadow each row is (0 at the base, 1 at its tip).
        y = np.arange(shape[0], dtype=np.float32)[:, None]
        reach = np.clip((base - y) / (ky * height), 0.0, 1.0)
        cast = (near * (1 - reach) + far * reach) * DROP_OPACITY * (1 - reach) ** 1.5
    # Contact: the lowest rows of the silhouette, pressed onto the floor.
    band = part.copy()
    band[: base - max(1, round(CONTACT_BAND * height))] = False
    sigma = max(0.7, 0.012 * height * (0.5 + style.softness / 100))
    contact = ndimage.shift(band.astype(np.float32), (max(1.0, 0.006 * height), 0), order=1)
    contact = np.clip(ndimage.gaussian_filter(contact, sigma) * 2.0, 0, 1) * CONTACT_OPACITY
    return 1 - (1 - cast) * (1 - contact)


def drop_shadow(alpha: Image.Image, style: DropStyle | None = None) -> Image.Image:
    """The shadow the subject casts on its floor (see the module docstring)."""
    soft, _ = _working(alpha)
    light = np.ones(soft.shape, dtype=np.float32)
    for part in _parts(soft > BODY):
        light *= 1 - _cast(part, style or DropStyle())
    return _to_layer(1 - light, alpha.size)


def _luminance(image: Image.Image, size: tuple[int, int]) -> np.ndarray:
    return np.asarray(image.convert("L").resize(size, Image.Resampling.BILINEAR), np.float32) / 255


def contact_shadow(original: Image.Image, alpha: Image.Image) -> Image.Image:
    """The photo's own shadow under the subject, or nothing (see the module docstring)."""
    soft, _ = _working(alpha, CONTACT_SIDE)
    body = soft > BODY
    rows = np.flatnonzero(body.any(axis=1))
    if rows.size == 0 or rows[-1] >= soft.shape[0] - 2:
        return Image.new("L", alpha.size, 0)  # no subject, or no floor under it in the photo
    top, bottom = int(rows[0]), int(rows[-1])
    height = bottom - top + 1
    light = _luminance(original, (soft.shape[1], soft.shape[0]))
    background = (soft < 0.05).astype(np.float32)

    # The lit surface: the mean background level around each point (the subject left out).
    sigma = max(1.0, CONTACT_SURFACE * height)
    weight = ndimage.gaussian_filter(background, sigma)
    surface = ndimage.gaussian_filter(light * background, sigma) / np.maximum(weight, 1e-3)
    darkening = 1.0 - light / np.maximum(surface, 1e-3)
    darkening = np.clip((darkening - CONTACT_FLOOR) / (1.0 - CONTACT_FLOOR), 0.0, 1.0)
    # Measured on the clear background only: not on the subject, nor on the thin rim of its
    # colour that the matte leaves outside it. A shadow is smooth: texture (wood grain,
    # fabric) is averaged away, over the clear background alone.
    rim = max(1, round(CONTACT_RIM * height))
    clear = ~ndimage.binary_dilation(soft >= 0.05, iterations=rim)
    smooth = max(1.0, CONTACT_SMOOTH * height)
    darkening = ndimage.gaussian_filter(darkening * clear, smooth) / np.maximum(
        ndimage.gaussian_filter(clear.astype(np.float32), smooth), 1e-3
    )
    darkening *= soft < 0.5

    # The base: the subject's lowest rows. A shadow lies on the floor around it.
    base = body.copy()
    base[: bottom - max(1, round(0.08 * height))] = False
    distance = ndimage.distance_transform_edt(~base) / height
    y = np.arange(soft.shape[0], dtype=np.float32)[:, None]
    behind = CONTACT_BEHIND * height
    on_floor = np.clip((y - (bottom - behind)) / (0.5 * behind), 0.0, 1.0)
    region = (distance <= CONTACT_REACH) & (on_floor > 0)

    # Kept only if the photo has a shadow there: the strip right under and beside the base
    # must be darker than the surface around, and only dark parts touching that strip count.
    strip = region & (distance <= CONTACT_TOUCH) & (soft < 0.5)
    dark = (darkening > 0.05) & region
    if not strip.any() or (dark & strip).sum() < CONTACT_MIN_SHARE * strip.sum():
        return Image.new("L", alpha.size, 0)
    labels, _ = ndimage.label(dark, structure=np.ones((3, 3), dtype=bool))
    touching = np.unique(labels[dark & strip])
    kept = np.isin(labels, touching[touching > 0])
    kept = ndimage.gaussian_filter(kept.astype(np.float32), 1.0)

    fade = np.clip(distance / CONTACT_REACH, 0, 1)
    near = 1.0 - fade * fade * (3.0 - 2.0 * fade)  # smooth fade to 0 at the reach
    shadow = darkening * kept * near * on_floor * (1.0 - soft) * CONTACT_STRENGTH
    layer = _to_layer(shadow, alpha.size)
    # Never darken the subject itself at full resolution.
    outside = 255 - np.asarray(alpha.convert("L"), dtype=np.uint16)
    return Image.fromarray((np.asarray(layer, np.uint16) * outside // 255).astype(np.uint8), "L")


def shadow_layer(
    kind: str, original: Image.Image, alpha: Image.Image, style: DropStyle | None = None
) -> Image.Image:
    """The shadow layer for ``kind`` ("drop" or "contact"); ``style`` shapes a drop shadow."""
    if kind == "drop":
        return drop_shadow(alpha, style)
    if kind == "contact":
        return contact_shadow(original, alpha)
    raise ValueError(f"Unknown shadow {kind!r}; choose one of: {', '.join(SHADOWS)}.")


def with_shadow(layer: Image.Image, shadow: Image.Image) -> Image.Image:
    """The RGBA cut-out ``layer`` over a black shadow whose opacity is ``shadow``."""
    base = Image.new("RGBA", layer.size, (0, 0, 0, 0))
    base.putalpha(shadow)
    return Image.alpha_composite(base, layer)
