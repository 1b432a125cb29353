"""The copy of a photo the segmentation model sees: exposure and colour cast normalised.

IS-Net's input is a fixed ``(x - 128) / 256``, so a dark, over-exposed or colour-cast photo
moves its map (on the dev set made darker x0.35 the raw map's MAE rose 15%, brighter x1.6 16%,
warm cast 6%). Normalising every photo hurts normal ones, so each correction acts only when a
measurement says the photo is clearly off (thresholds from ``benchmarks/quality.py --lighting``
on the dev set; the normal photos' range is in the comments):

- under-exposed: the 99th luminance percentile below ``DARK_P99`` (normal photos: >= 0.62):
  scaled so that it reaches ``TARGET_P99``;
- over-exposed: the median luminance above ``BRIGHT_P50`` with more than ``BRIGHT_CLIPPED`` of
  the pixels clipped white (normal: median <= 0.68, clipped <= 1.2%): a gamma brings the median
  to ``TARGET_P50``;
- colour cast: the brightest 5% of the pixels, which a neutral light leaves near grey, differ
  between channels by more than ``CAST_RATIO`` (normal: mostly <= 1.2): each channel is scaled
  so they are grey.

Only the model's copy changes: matting, foreground colours and the output use the original
pixels. Measured on a 1/4-size thumbnail, so it costs a few milliseconds.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
DARK_P99 = 0.5
TARGET_P99 = 0.9
MAX_GAIN = 4.0
BRIGHT_P50 = 0.6
BRIGHT_CLIPPED = 0.02
TARGET_P50 = 0.45
CAST_RATIO = 1.5
HIGHLIGHT_PERCENTILE = 95.0
PROBE_SIDE = 256


def measure(image: Image.Image) -> dict[str, float]:
    """The luminance percentiles and highlight colour ``model_view`` decides by."""
    probe = image.convert("RGB")
    probe.thumbnail((PROBE_SIDE, PROBE_SIDE))
    pixels = np.asarray(probe, dtype=np.float32).reshape(-1, 3) / 255.0
    luma = pixels @ LUMA
    top = pixels[luma >= np.percentile(luma, HIGHLIGHT_PERCENTILE)].mean(axis=0)
    return {
        "p50": float(np.percentile(luma, 50)),
        "p99": float(np.percentile(luma, 99)),
        "clipped": float(np.mean(pixels.max(axis=1) >= 0.99)),
        "cast": float(top.max() / max(top.min(), 1e-3)),
        "top_r": float(top[0]),
        "top_g": float(top[1]),
        "top_b": float(top[2]),
    }


def model_view(image: Image.Image) -> Image.Image:
    """``image`` (RGB) normalised for the model when it is clearly off; else ``image`` itself."""
    stats = measure(image)
    gains = np.ones(3, dtype=np.float32)
    gamma = 1.0
    if stats["cast"] > CAST_RATIO:
        top = np.array([stats["top_r"], stats["top_g"], stats["top_b"]], dtype=np.float32)
        gains = top.max() / np.maximum(top, 1e-3)
        gains = np.minimum(gains, MAX_GAIN)
    if stats["p99"] < DARK_P99:
        gains = gains * min(MAX_GAIN, TARGET_P99 / max(stats["p99"], 1e-3))
    elif stats["p50"] > BRIGHT_P50 and stats["clipped"] > BRIGHT_CLIPPED:
        gamma = float(np.log(TARGET_P50) / np.log(min(stats["p50"], 0.99)))
    if gamma == 1.0 and np.allclose(gains, 1.0):
        return image
    table = []
    for gain in gains:
        levels = np.arange(256, dtype=np.float32) / 255.0
        levels = np.clip(levels * gain, 0.0, 1.0) ** gamma
        table += list(np.clip(levels * 255.0 + 0.5, 0, 255).astype(np.uint8))
    return image.convert("RGB").point(table)
