"""What the result page's stored files cost the worker: the standard downloads (PNG, JPEG,
WebP, mask) and the page's pictures (WebP at each width), made after every job and every save.

    .venv/bin/python -m benchmarks.result_files [DATA] [--megapixels 1 12] [--runs 3]

A real photo of the evaluation set with its ground-truth alpha as the cut-out (no model run:
only the rendering and encoding the standard set adds), enlarged to each size. Prints CPU
seconds per step (median of ``--runs``) as JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import statistics
import sys
import time
from pathlib import Path

from benchmarks._data import add_data_argument, eval_data

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pixelforge.settings")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser()
    add_data_argument(parser, "eval_dir")
    parser.add_argument("--megapixels", type=float, nargs="+", default=[1.0, 12.0])
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    args.eval_dir = args.eval_dir or eval_data()

    import django

    django.setup()
    from PIL import Image

    source = sorted((args.eval_dir / "alphamatting_lowres" / "images").glob("*.png"))[0]
    alpha_path = args.eval_dir / "alphamatting_lowres" / "alpha" / source.name
    photo, alpha = Image.open(source).convert("RGB"), Image.open(alpha_path).convert("L")
    report = {"photo": source.name, "sizes": []}
    for mp in args.megapixels:
        scale = math.sqrt(mp * 1e6 / (photo.width * photo.height))
        size = (round(photo.width * scale), round(photo.height * scale))
        original = photo.resize(size, Image.Resampling.LANCZOS)
        cutout = original.convert("RGBA")
        cutout.putalpha(alpha.resize(size, Image.Resampling.LANCZOS))
        steps: dict[str, list[float]] = {}
        for _ in range(args.runs):
            for name, seconds in standard_set(original, cutout).items():
                steps.setdefault(name, []).append(seconds)
        medians = {name: round(statistics.median(values), 3) for name, values in steps.items()}
        medians["total"] = round(sum(medians.values()), 3)
        report["sizes"].append({"megapixels": mp, "size": list(size), "cpu_seconds": medians})
    print(json.dumps(report, indent=2))


def standard_set(original, cutout) -> dict[str, float]:
    """CPU seconds of each step of the standard set for one photo (as downloads.make_standard)."""
    from PIL import Image

    from tools import pipeline
    from tools.services import previews
    from tools.services.jobs import preview_of

    seconds = {}
    started = time.process_time()
    image = pipeline.render(original, cutout, pipeline.RenderOptions())
    seconds["render"] = time.process_time() - started
    for fmt in ("png", "jpg", "webp", "mask"):
        started = time.process_time()
        pipeline.encode(image, fmt)
        seconds[f"encode {fmt}"] = time.process_time() - started
    small = (preview_of(original), preview_of(cutout))  # made by the job already
    started = time.process_time()
    for picture in small:  # the result's own set is a copy of the cut-out's by default
        for width in previews.widths_for(picture.width):
            height = max(1, round(picture.height * width / picture.width))
            previews.encode(picture.resize((width, height), Image.Resampling.LANCZOS))
    seconds["pictures (2 x widths)"] = time.process_time() - started
    return seconds


if __name__ == "__main__":
    main()
