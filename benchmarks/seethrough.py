"""A see-through dev set made at run time: dev-set subjects made partly transparent over new
real backgrounds, ``alpha * fg + (1 - alpha) * bg``, and the scores on its see-through pixels.

    .venv/bin/python -m benchmarks.seethrough [DATA] [--out benchmarks/out/seethrough]

Each alphamatting subject (its photo as the foreground, its ground-truth alpha) gets a
transparency field that varies smoothly between ``LOW`` and ``HIGH`` (glass, a veil, water: the
true alpha is the subject's alpha times the field) and is laid over a DAVIS frame (a real
photo, another scene), scaled to cover. The result is a source ``seethrough`` with
``images/`` and ``alpha/``, in the layout ``benchmarks/quality.py`` reads. Nothing is committed:
the files are written under ``benchmarks/out/`` (git-ignored).

See-through pixels are those whose true alpha is strictly between 0.05 and 0.95. On them:
MAE, the share left partial (predicted alpha also strictly between 0.05 and 0.95) and the share
made opaque (predicted >= 0.95).
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image
from scipy.ndimage import zoom

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._data import add_data_argument, eval_data
from benchmarks.workers import ROOT

DEFAULT_OUT = ROOT / "benchmarks" / "out" / "seethrough"
SOURCE = "seethrough"
FOREGROUNDS = "alphamatting_lowres"
BACKGROUNDS = "davis2016_val"
LOW, HIGH = 0.25, 0.7  # the transparency field's range
PARTIAL = (0.05, 0.95)


def transparency(shape: tuple[int, int], seed: int) -> np.ndarray:
    """A smooth random field in [LOW, HIGH] (a 4 x 4 grid of random values, cubic-zoomed)."""
    grid = np.random.default_rng(seed).uniform(0.0, 1.0, (4, 4))
    field = zoom(grid, (shape[0] / 4, shape[1] / 4), order=3)[: shape[0], : shape[1]]
    field = (field - field.min()) / max(float(np.ptp(field)), 1e-6)
    return (LOW + (HIGH - LOW) * field).astype(np.float32)


def cover(image: Image.Image, size: tuple[int, int]) -> Image.Image:
    scale = max(size[0] / image.width, size[1] / image.height)
    scaled = image.resize(
        (round(image.width * scale + 0.5), round(image.height * scale + 0.5)),
        Image.Resampling.LANCZOS,
    )
    left, top = (scaled.width - size[0]) // 2, (scaled.height - size[1]) // 2
    return scaled.crop((left, top, left + size[0], top + size[1]))


def generate(data_dir: Path, out_dir: Path = DEFAULT_OUT) -> Path:
    """Write the set under ``out_dir/seethrough/{images,alpha}``; return ``out_dir``."""
    foregrounds = sorted((data_dir / FOREGROUNDS / "images").glob("*.png"))
    backgrounds = sorted((data_dir / BACKGROUNDS / "images").glob("*.jpg"))
    images, alphas = out_dir / SOURCE / "images", out_dir / SOURCE / "alpha"
    images.mkdir(parents=True, exist_ok=True)
    alphas.mkdir(parents=True, exist_ok=True)
    for number, path in enumerate(foregrounds):
        with (
            Image.open(path) as fg_image,
            Image.open(data_dir / FOREGROUNDS / "alpha" / path.name) as alpha_image,
        ):
            fg = np.asarray(fg_image.convert("RGB"), np.float32)
            alpha = np.asarray(alpha_image.convert("L"), np.float32) / 255.0
        with Image.open(backgrounds[(3 * number + 1) % len(backgrounds)]) as bg_image:
            bg = np.asarray(cover(bg_image.convert("RGB"), (fg.shape[1], fg.shape[0])), np.float32)
        alpha = alpha * transparency(alpha.shape, seed=number)
        pixels = alpha[..., None] * fg + (1.0 - alpha[..., None]) * bg
        name = f"st-{path.stem}.png"
        Image.fromarray(np.clip(pixels + 0.5, 0, 255).astype(np.uint8)).save(images / name)
        Image.fromarray(np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8), "L").save(
            alphas / name
        )
    return out_dir


@dataclass(frozen=True)
class SeeThrough:
    mae: float  # on the see-through pixels
    partial: float  # share of them left partial
    opaque: float  # share of them made opaque
    pixels: int


def see_through(pred: np.ndarray, gt: np.ndarray) -> SeeThrough:
    """Scores on the pixels whose true alpha is strictly between 0.05 and 0.95 (uint8 inputs)."""
    p = pred.astype(np.float64) / 255.0
    g = gt.astype(np.float64) / 255.0
    mask = (g > PARTIAL[0]) & (g < PARTIAL[1])
    if not mask.any():
        return SeeThrough(float("nan"), float("nan"), float("nan"), 0)
    values = p[mask]
    return SeeThrough(
        mae=float(np.abs(values - g[mask]).mean()),
        partial=float(((values > PARTIAL[0]) & (values < PARTIAL[1])).mean()),
        opaque=float((values >= PARTIAL[1]).mean()),
        pixels=int(mask.sum()),
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_argument(parser, "data_dir")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or eval_data()
    print(generate(args.data_dir, args.out))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
