"""Time the two shadow layers (tools/pipeline/shadow.py) at a few photo sizes.

    .venv/bin/python -m benchmarks.shadows [--sizes 1024 4000] [--runs 5]

rembg has no shadows, so there is nothing to compare against in the same run: the figure to
watch is a shadow's cost next to the cut-out's own (docs/benchmarks.md, "Shadows").
"""

from __future__ import annotations

import argparse
import statistics
import time
from functools import partial

from PIL import Image, ImageDraw

from tools.pipeline.shadow import DropStyle, contact_shadow, drop_shadow


def scene(side: int) -> tuple[Image.Image, Image.Image]:
    """A 4:3 photo of a box on a floor with its shadow under it, and the box's alpha."""
    size = (side, side * 3 // 4)
    box = (size[0] * 0.3, size[1] * 0.2, size[0] * 0.6, size[1] * 0.8)
    alpha = Image.new("L", size, 0)
    ImageDraw.Draw(alpha).rounded_rectangle(box, radius=side // 40, fill=255)
    photo = Image.new("RGB", size, (205, 200, 192))
    draw = ImageDraw.Draw(photo)
    shade = (box[0] - side * 0.02, box[3] - side * 0.02, box[2] + side * 0.04, box[3] + side * 0.03)
    draw.ellipse(shade, fill=(120, 115, 110))
    draw.rounded_rectangle(box, radius=side // 40, fill=(30, 90, 170))
    return photo, alpha


def median_seconds(call, runs: int) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4000])
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    print("| long side | drop (default) | drop (softness 100) | contact |")
    print("|---|---|---|---|")
    for side in args.sizes:
        photo, alpha = scene(side)
        drop = median_seconds(partial(drop_shadow, alpha), args.runs)
        soft = median_seconds(partial(drop_shadow, alpha, DropStyle(softness=100)), args.runs)
        contact = median_seconds(partial(contact_shadow, photo, alpha), args.runs)
        print(f"| {side} | {drop:.3f} s | {soft:.3f} s | {contact:.3f} s |")


if __name__ == "__main__":
    main()
