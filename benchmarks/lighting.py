"""The dev set under three lighting changes, for ``benchmarks/quality.py``.

    dark    every channel x 0.35 (an under-exposed photo)
    bright  every channel x 1.6, clipped at 255 (an over-exposed one; highlights are lost)
    cast    a warm colour cast: red x 1.15, green x 0.95, blue x 0.6 (tungsten light)

Applied to the 8-bit sRGB values, as a camera's wrong exposure or white balance would leave
them; the ground-truth alpha does not change. The changed photos are written at run time under
``benchmarks/out/`` (git-ignored), never committed.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

GAINS: dict[str, tuple[float, float, float]] = {
    "dark": (0.35, 0.35, 0.35),
    "bright": (1.6, 1.6, 1.6),
    "cast": (1.15, 0.95, 0.6),
}


def relight(image: Image.Image, change: str) -> Image.Image:
    """``image`` (RGB) under the lighting ``change`` (a key of ``GAINS``)."""
    pixels = np.asarray(image.convert("RGB"), dtype=np.float32)
    pixels *= np.asarray(GAINS[change], dtype=np.float32)
    return Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8))
