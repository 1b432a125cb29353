"""What keeping the working-size photo and alpha saves a refine stroke on a large photo.

    .venv/bin/python -m benchmarks.refine_working [DATA] [--side 6000] [--runs 3]

A real photo of the set and its ground-truth alpha are upscaled to ``--side`` px on the long
side (24 MP at 6000 x 4000) and stored as a job's files would be (PNG). One "remove" stroke is
then timed ``--runs`` times, each from the files as a worker reads them:

- before: decode the photo, the cut-out and the alpha; ``refine_cutout`` scales the photo and
  the alpha down to the working size itself (what every stroke did);
- kept: decode the photo and the cut-out (the alpha is the cut-out's channel), read the stored
  working-size photo and alpha (``work.png``, ``rev-<n>-work-alpha.png``) and pass them in.

Both produce the same cut-out outside the stroke's margin; the figure is the median wall time.
"""

from __future__ import annotations

import argparse
import io
import statistics
import sys
import time
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks._data import add_data_argument, eval_data

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def _png(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, "PNG", compress_level=1)
    return out.getvalue()


def _open(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_data_argument(parser, "data_dir")
    parser.add_argument("--side", type=int, default=6000)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or eval_data()

    from tools.pipeline import refine
    from tools.pipeline.remove import working_image

    source = args.data_dir / "alphamatting_lowres"
    name = sorted((source / "images").iterdir())[0].name
    photo = Image.open(source / "images" / name).convert("RGB")
    alpha = Image.open(source / "alpha" / Path(name).with_suffix(".png").name).convert("L")
    scale = args.side / max(photo.size)
    size = (round(photo.width * scale), round(photo.height * scale))
    photo = photo.resize(size, Image.Resampling.BICUBIC)
    alpha = alpha.resize(size, Image.Resampling.BICUBIC)
    cutout = photo.convert("RGBA")
    cutout.putalpha(alpha)
    jpeg = io.BytesIO()
    photo.save(jpeg, "JPEG", quality=92)
    files = {"photo": jpeg.getvalue(), "cutout": _png(cutout), "alpha": _png(alpha)}
    work = working_image(photo)
    files["work"], files["work_alpha"] = _png(work), _png(working_image(alpha))
    stroke = np.zeros(size[::-1], dtype=bool)
    h, w = size[1], size[0]
    stroke[h // 3 : h // 3 + h // 40, w // 3 : w // 3 + w // 10] = True
    empty = np.zeros_like(stroke)

    def before() -> None:
        refine.refine_cutout(
            _open(files["photo"]), _open(files["alpha"]), _open(files["cutout"]), empty, stroke
        )

    def kept() -> None:
        full = _open(files["cutout"])
        working = refine.Working(_open(files["work"]), _open(files["work_alpha"]))
        refine.refine_cutout(
            _open(files["photo"]), full.getchannel("A"), full, empty, stroke, working=working
        )

    print(f"{name} at {size[0]}x{size[1]} ({size[0] * size[1] / 1e6:.1f} MP), {args.runs} runs")
    results = {}
    for label, run in (("before", before), ("kept", kept)):
        times = []
        for _ in range(args.runs):
            started = time.perf_counter()
            run()
            times.append(time.perf_counter() - started)
        results[label] = statistics.median(times)
        runs = ", ".join(f"{t:.2f}" for t in times)
        print(f"{label:7s} median {results[label]:.2f} s  (runs: {runs})")
    print(f"kept/before: {results['kept'] / results['before']:.2f}")


if __name__ == "__main__":
    main()
