"""Cached saliency maps, so matting can be tuned without running the model again.

The model's map is deterministic for a given image, model and working size, so it is computed
once and kept under ``benchmarks/out/maps/<variant>/<source>/<id>.npy`` (git-ignored).

    .venv/bin/python -m benchmarks.maps [DATA] [--variants normal dark bright cast]

``variant`` is ``normal`` or a lighting change of ``benchmarks/lighting.py``; the model sees the
photo the way ``remove_background`` shows it (after ``exposure.model_view``).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
from PIL import Image

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._data import add_data_argument, eval_data
from benchmarks.lighting import GAINS, relight
from benchmarks.quality_data import Pair, find_pairs
from benchmarks.workers import MODELS_DIR, ROOT

MAPS_DIR = ROOT / "benchmarks" / "out" / "maps"


def load_variant(pair: Pair, variant: str) -> Image.Image:
    from tools.pipeline import DecodeLimits, load_image

    image = load_image(pair.image, limits=DecodeLimits.unscaled())
    return image if variant == "normal" else relight(image, variant)


def saliency(image: Image.Image, *, model: str = "isnet", view: bool = True) -> np.ndarray:
    """The map ``remove_background`` would matte for ``image`` (at its working size)."""
    from tools.pipeline.remove import model_source, working_image

    work = working_image(image)
    from tools.pipeline.segment import predict_saliency

    source = model_source(image, work, model, view=view)
    return predict_saliency(source, model=model, size=work.size)


def cached(
    pair: Pair, variant: str = "normal", *, tag: str = "view", view: bool = True
) -> np.ndarray:
    path = MAPS_DIR / tag / variant / pair.source / f"{pair.id}.npy"
    if path.exists():
        return np.load(path)
    from tools.pipeline import configure
    from tools.pipeline.exposure import model_view

    configure(models_dir=MODELS_DIR)
    image = load_variant(pair, variant)
    if view and model_view(image) is image:  # unchanged for the model: the raw map holds
        return cached(pair, variant, tag="raw", view=False)
    values = saliency(image, view=view)
    path.parent.mkdir(parents=True, exist_ok=True)
    np.save(path, values.astype(np.float32))
    return values


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_argument(parser, "data_dir")
    parser.add_argument("--variants", nargs="+", default=["normal", *GAINS])
    parser.add_argument("--raw", action="store_true", help="the model sees the photo unchanged")
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or eval_data()
    tag = "raw" if args.raw else "view"
    for variant in args.variants:
        for pair in find_pairs(args.data_dir):
            cached(pair, variant, tag=tag, view=not args.raw)
            print(variant, pair.source, pair.id, file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
