"""Photos with a known soft alpha composited from shipped images (alpha * fg + (1 - alpha) * bg).

- ``furry_ball``: a brown ball with hundreds of thin hairs (drawn at 4x and averaged, so their
  alpha is fractional) over a real photo (the wooden table of ``tests/fixtures/coffee.jpg``);
- ``glass_disc``: a see-through disc (alpha 0.45 inside a thin opaque rim) tinted like glass
  over a real photo (the evening sky of ``tests/fixtures/rocket.jpg``).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw

FIXTURES = Path(__file__).resolve().parent / "fixtures"
SIZE = (320, 240)
SUPER = 4


def background(
    name: str, box: tuple[int, int, int, int], size: tuple[int, int] = SIZE
) -> np.ndarray:
    """The ``box`` of a shipped photo (a part with no subject of its own), scaled to ``size``."""
    with Image.open(FIXTURES / name) as photo:
        photo = photo.convert("RGB").crop(box)
        scale = max(size[0] / photo.width, size[1] / photo.height)
        photo = photo.resize((round(photo.width * scale + 0.5), round(photo.height * scale + 0.5)))
        return np.asarray(photo.crop((0, 0, *size)), np.float32)


def compose(fg: np.ndarray, alpha: np.ndarray, bg: np.ndarray) -> Image.Image:
    pixels = alpha[..., None] * fg + (1.0 - alpha[..., None]) * bg
    return Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))


def furry_ball(size: tuple[int, int] = SIZE, hairs: int = 400) -> tuple[Image.Image, np.ndarray]:
    """The composite and its true alpha (float in [0, 1])."""
    width, height = size
    big = Image.new("L", (width * SUPER, height * SUPER), 0)
    draw = ImageDraw.Draw(big)
    cx, cy, radius = width / 2 * SUPER, height / 2 * SUPER, 62 * SUPER
    draw.ellipse((cx - radius, cy - radius, cx + radius, cy + radius), fill=255)
    rng = np.random.default_rng(3)
    for _ in range(hairs):
        angle = rng.uniform(0, 2 * np.pi)
        length = rng.uniform(14, 34) * SUPER
        bend = rng.uniform(-0.35, 0.35)
        x, y = cx + np.cos(angle) * radius * 0.95, cy + np.sin(angle) * radius * 0.95
        points = [(x, y)]
        for step in range(1, 7):
            a = angle + bend * step / 6
            points.append(
                (points[-1][0] + np.cos(a) * length / 6, points[-1][1] + np.sin(a) * length / 6)
            )
        draw.line(points, fill=255, width=SUPER)  # one pixel wide at the final size
    alpha = np.asarray(big.resize(size, Image.Resampling.BOX), np.float32) / 255.0
    yy, xx = np.mgrid[0:height, 0:width]
    shade = 0.75 + 0.25 * np.cos((xx - width / 2) / 40.0) * np.cos((yy - height / 2) / 33.0)
    fg = np.array([150, 95, 45], np.float32) * shade[..., None]
    fg += rng.normal(0, 8, (height, width, 3))
    return compose(fg, alpha, background("coffee.jpg", (330, 300, 600, 400))), alpha


def glass_disc(
    size: tuple[int, int] = SIZE, inside: float = 0.45
) -> tuple[Image.Image, np.ndarray]:
    """A tinted see-through disc with an opaque rim; the composite and its true alpha."""
    width, height = size
    yy, xx = np.mgrid[0:height, 0:width]
    distance = np.hypot(xx - width / 2, yy - height / 2)
    radius = 80
    coverage = np.clip(radius - distance + 0.5, 0, 1)
    rim = np.clip(distance - (radius - 6) + 0.5, 0, 1)
    alpha = (coverage * (inside + (1 - inside) * rim)).astype(np.float32)
    fg = np.empty((height, width, 3), np.float32)
    fg[:] = (70, 150, 140)  # a green glass tint
    fg += (40 * np.exp(-((xx - width / 2 + 30) ** 2 + (yy - height / 2 + 30) ** 2) / 300.0))[
        ..., None
    ]
    return compose(fg, alpha, background("rocket.jpg", (0, 0, 150, 110), size)), alpha
