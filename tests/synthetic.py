"""Generated test images with known shapes, shared by the pipeline tests."""

from __future__ import annotations

import math

import numpy as np
from PIL import Image, ImageDraw, ImageFilter


def textured_disc(
    size: tuple[int, int] = (320, 240), radius: int = 70, fuzz: float = 0.0
) -> tuple[Image.Image, np.ndarray]:
    """A shaded, noisy red ball on a plain light grey background, and its true mask.

    With ``fuzz`` > 0 the ball's edge is blended over that many pixels (a soft edge).
    """
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    cx, cy = width / 2, height / 2
    distance = np.hypot(xx - cx, yy - cy)
    shade = 1.0 - 0.5 * np.clip((xx - cx + yy - cy) / (2 * radius) + 0.5, 0, 1)
    ball = np.array([200, 60, 40], np.float32) * (0.6 + 0.6 * shade)[..., None]
    ball += np.random.default_rng(0).normal(0, 12, (height, width, 3))
    if fuzz > 0:
        coverage = np.clip((radius - distance) / fuzz + 0.5, 0, 1)[..., None]
    else:
        coverage = (distance <= radius)[..., None].astype(np.float32)
    background = np.array([235, 235, 235], np.float32)
    pixels = coverage * ball + (1 - coverage) * background
    image = Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))
    return image, distance <= radius


def star(size: tuple[int, int] = (320, 240)) -> tuple[Image.Image, np.ndarray]:
    """A blue five-pointed star on a near-white background, and its true mask."""
    width, height = size
    points = []
    for i in range(10):
        r = 90 if i % 2 == 0 else 40
        angle = math.pi * i / 5 - math.pi / 2
        points.append((width / 2 + r * math.cos(angle), height / 2 + r * math.sin(angle)))
    image = Image.new("RGB", size, (240, 240, 240))
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(image).polygon(points, fill=(30, 90, 200))
    ImageDraw.Draw(mask).polygon(points, fill=255)
    return image, np.asarray(mask) > 127


def soft_square_cutout(
    size: tuple[int, int] = (200, 100), box: tuple[int, int, int, int] = (50, 20, 90, 60)
) -> Image.Image:
    """An RGBA cutout: an opaque green square at ``box`` with a 2 px soft border."""
    alpha = Image.new("L", size, 0)
    ImageDraw.Draw(alpha).rectangle(box, fill=255)
    alpha = alpha.filter(ImageFilter.BoxBlur(1))
    cutout = Image.new("RGBA", size, (20, 160, 60, 0))
    cutout.putalpha(alpha)
    return cutout


def iou(a: np.ndarray, b: np.ndarray) -> float:
    return float((a & b).sum() / max((a | b).sum(), 1))


def off_centre_shape(size: tuple[int, int] = (320, 240)) -> tuple[Image.Image, np.ndarray]:
    """A shaded blue "L" in the left third, on a near-white background, and its true mask.

    Neither the shape nor its place is mirror-symmetric, so a prediction un-mirrored the wrong
    way (or taken from the wrong side) cannot overlap the truth.
    """
    width, height = size
    outline = [(40, 50), (95, 50), (95, 150), (150, 150), (150, 195), (40, 195)]
    mask = Image.new("L", size, 0)
    ImageDraw.Draw(mask).polygon(outline, fill=255)
    truth = np.asarray(mask) > 127
    rows = np.arange(height, dtype=np.float32)[:, None].repeat(width, axis=1)
    shade = 0.75 + 0.25 * (rows / height)
    rng = np.random.default_rng(3)
    subject = np.array([40, 80, 190], np.float32) * shade[..., None] + rng.normal(
        0, 6, (height, width, 3)
    )
    pixels = np.where(truth[..., None], subject, np.float32(238))
    return Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)), truth
