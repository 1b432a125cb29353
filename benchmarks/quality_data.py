"""The quality benchmark's data: image/alpha pairs on disk, the methods, scored results, the report.

Shared by ``benchmarks/quality.py`` (the run), ``benchmarks/quality_report.py`` (its tables and
checks), ``benchmarks/quality_checks.py`` and the labs that read the same pairs (``maps.py``,
``matting_lab.py``, ``refine.py``).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks.metrics import Scores
from benchmarks.seethrough import SOURCE as SEETHROUGH
from benchmarks.seethrough import SeeThrough

IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".webp")


@dataclass(frozen=True)
class Pair:
    source: str
    id: str
    image: Path
    alpha: Path


@dataclass(frozen=True)
class Method:
    key: str
    label: str
    tool: str  # "pixelforge" | "rembg" | "saved"
    model: str
    matting: bool
    work_fraction: float | None = None  # working side as a fraction of the long side
    saved_dir: Path | None = None  # "saved": where the alphas are
    lighting: str | None = None  # a change of benchmarks/lighting.py applied to each photo


@dataclass
class ImageResult:
    method: str
    pair: Pair
    scores: Scores
    seconds: float | None  # None when reused from the cache
    curve: np.ndarray | None = None  # F-measure at each threshold (for the dataset maxF)
    seethrough: SeeThrough | None = None  # on the see-through set: its see-through pixels


def in_scope(result: ImageResult, source: str | None) -> bool:
    """``source`` None is "overall": every source but the see-through set."""
    return result.pair.source == source if source else result.pair.source != SEETHROUGH


@dataclass
class Report:
    methods: list[Method]
    results: list[ImageResult] = field(default_factory=list)

    def sources(self) -> list[str]:
        return sorted({r.pair.source for r in self.results})

    def mean(self, method: str, source: str | None, metric: str) -> float:
        values = [
            getattr(r.scores, metric) if metric != "seconds" else r.seconds
            for r in self.results
            if r.method == method and in_scope(r, source)
        ]
        values = [v for v in values if v is not None and not math.isnan(v)]
        return float(np.mean(values)) if values else float("nan")

    def curve_max_f(self, method: str, source: str | None) -> float:
        """maxF the usual way: the F-measure curve averaged over images, then its maximum."""
        curves = [
            r.curve
            for r in self.results
            if r.method == method and r.curve is not None
            and in_scope(r, source)
        ]  # fmt: skip
        return float(np.mean(curves, axis=0).max()) if curves else float("nan")

    def count(self, source: str | None) -> int:
        return len({r.pair for r in self.results if in_scope(r, source)})


def find_pairs(data_dir: Path, sources: Iterable[str] | None = None) -> list[Pair]:
    """Every (image, alpha) pair under DATA_DIR/<source>/{images,alpha}, sorted."""
    wanted = set(sources) if sources else None
    pairs = []
    for source_dir in sorted(p for p in data_dir.iterdir() if (p / "images").is_dir()):
        if wanted is not None and source_dir.name not in wanted:
            continue
        for image in sorted((source_dir / "images").iterdir()):
            alpha = source_dir / "alpha" / f"{image.stem}.png"
            if image.suffix.lower() in IMAGE_SUFFIXES and alpha.exists():
                pairs.append(Pair(source_dir.name, image.stem, image, alpha))
    if not pairs:
        raise SystemExit(f"no <source>/images + <source>/alpha pairs found under {data_dir}")
    return pairs


def load_alpha(path: Path) -> np.ndarray:
    with Image.open(path) as img:
        return np.asarray(img.convert("L"))
