"""The copy of a photo the segmentation model sees: exposure normalised when clearly off.

IS-Net's input is a fixed ``(x - 128) / 256``, so a dark, over-exposed or colour-cast photo
moves its map (on the dev set made darker x0.35 the raw map's MAE rose 15%, brighter x1.6 16%,
warm cast 6%). Normalising every photo hurts normal ones, so each correction acts only when a
measurement says the photo is clearly off (thresholds from the ``pf-dark`` and ``pf-bright`` runs of
``benchmarks/quality.py`` on the dev set; the normal photos' range is in the comments):

- under-exposed: the 99th luminance percentile below ``DARK_P99`` (normal photos: >= 0.62):
  scaled so that it reaches ``TARGET_P99``;
- over-exposed: more than ``BRIGHT_CLIPPED`` of the pixels clipped white with the median
  luminance above ``BRIGHT_P50`` (normal photos: clipped <= 3.4%; the dev set at x1.6: >= 11.7%):
  scaled down so that the median is ``TARGET_P50``, as a shorter exposure would. The gamma used
  before (median to 0.45) bent the mid-tones: on the dev set at x1.6 it left the default's MAE
  +39% above the unchanged photos' without the one photo whose subject the model mistakes
  (soapbox_00000), the scale +21%; with it, +8.7% against +3.8% (docs/benchmarks.md).

No colour-cast correction: scaling the channels so the brightest pixels are grey (the only
cast measure tried) also fired on 5 of the 23 normal photos, whose highlights are coloured
(sky, a red object), and raised one photo's map error from 0.012 to 0.175, while a strong warm
cast moved the raw map's MAE by only 6%.

Only the model's copy changes: matting, foreground colours and the output use the original
pixels. Measured on a 256 px thumbnail, so it costs a few milliseconds.
"""

from __future__ import annotations

import numpy as np
from PIL import Image

LUMA = np.array([0.2126, 0.7152, 0.0722], dtype=np.float32)
DARK_P99 = 0.5
TARGET_P99 = 0.7  # dim normal photos have a p99 of 0.62..0.76: do not overshoot
MAX_GAIN = 3.0
BRIGHT_P50 = 0.4
BRIGHT_CLIPPED = 0.08
TARGET_P50 = 0.4
PROBE_SIDE = 256


def measure(image: Image.Image) -> dict[str, float]:
    """The luminance percentiles and clipped share ``model_view`` decides by."""
    probe = image.convert("RGB")
    probe.thumbnail((PROBE_SIDE, PROBE_SIDE))
    pixels = np.asarray(probe, dtype=np.float32).reshape(-1, 3) / 255.0
    luma = pixels @ LUMA
    return {
        "p50": float(np.percentile(luma, 50)),
        "p99": float(np.percentile(luma, 99)),
        "clipped": float(np.mean(pixels.max(axis=1) >= 0.99)),
    }


def model_view(image: Image.Image) -> Image.Image:
    """``image`` (RGB) normalised for the model when it is clearly off; else ``image`` itself."""
    stats = measure(image)
    gain = 1.0
    if stats["p99"] < DARK_P99:
        gain = min(MAX_GAIN, TARGET_P99 / max(stats["p99"], 1e-3))
    elif stats["clipped"] > BRIGHT_CLIPPED and stats["p50"] > BRIGHT_P50:
        gain = TARGET_P50 / stats["p50"]
    if gain == 1.0:
        return image
    levels = np.clip(np.arange(256, dtype=np.float32) / 255.0 * gain, 0.0, 1.0)
    table = list(np.clip(levels * 255.0 + 0.5, 0, 255).astype(np.uint8)) * 3
    return image.convert("RGB").point(table)
