"""Matting variants scored on cached maps: tune the step after the model without running it.

    .venv/bin/python -m benchmarks.matting_lab [DATA] [--variant normal]
        [--set KEY=VALUE ...] [--solver cf] [--fg ml]

Each run scores ``matte.matte`` with the given ``MatteParams`` overrides, and ``--no-matting``
(the sharpened map), on the cached maps of ``benchmarks/maps.py`` (computed on first use), and
prints the means per source and overall, the medians, the relative gain and the seconds spent in
matting and foreground estimation. The published numbers come from ``benchmarks/quality.py``,
which runs the whole pipeline.
"""

from __future__ import annotations

import argparse
import dataclasses
import sys
import time
from pathlib import Path

import numpy as np

if __package__ in (None, ""):
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._data import add_data_argument, eval_data
from benchmarks.maps import cached, load_variant
from benchmarks.metrics import score
from benchmarks.quality_data import find_pairs, load_alpha

METRICS = ("mae", "sad", "grad", "edge_mae", "iou")


def parse_set(items: list[str]) -> dict[str, object]:
    fields = {f.name: f.type for f in dataclasses.fields(__import__(
        "tools.pipeline.matte", fromlist=["MatteParams"]).MatteParams)}  # fmt: skip
    out: dict[str, object] = {}
    for item in items:
        key, _, value = item.partition("=")
        if key not in fields:
            raise SystemExit(f"no MatteParams field {key}")
        out[key] = value if fields[key] in ("str", str) else float(value)
        if fields[key] in ("int", int):
            out[key] = int(float(value))
    return out


def main(argv: list[str] | None = None) -> int:
    from tools.pipeline import matte as mt
    from tools.pipeline.remove import to_float, working_image

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_argument(parser, "data_dir")
    parser.add_argument("--variant", default="normal")
    parser.add_argument(
        "--tag", default="raw", help="maps cache: raw (model saw the photo) or view"
    )
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--per-image", action="store_true")
    parser.add_argument("--sources", nargs="*")
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or eval_data()
    params = dataclasses.replace(mt.DEFAULT_PARAMS, **parse_set(args.set))
    mt.pymatting()
    rows: dict[str, list[tuple[str, dict, dict, float, float]]] = {}
    for pair in find_pairs(args.data_dir, args.sources):
        image = working_image(load_variant(pair, args.variant))
        pixels = to_float(image)
        saliency = cached(pair, args.variant, tag=args.tag, view=args.tag != "raw")
        started = time.process_time()
        alpha = mt.matte(pixels, saliency, params)
        matte_s = time.process_time() - started
        started = time.process_time()
        mt.estimate_foreground(pixels, alpha, params)
        fg_s = time.process_time() - started
        gt = load_alpha(pair.alpha)
        ours = score(np.clip(alpha * 255 + 0.5, 0, 255).astype(np.uint8), gt)
        base = score(np.clip(mt.sharpen(saliency, params) * 255 + 0.5, 0, 255).astype(np.uint8), gt)
        entry = (pair.id, ours.__dict__, base.__dict__, matte_s, fg_s)
        rows.setdefault(pair.source, []).append(entry)
        if args.per_image:
            cells = " ".join(f"{m} {base.__dict__[m]:.4f}->{ours.__dict__[m]:.4f}" for m in METRICS)
            print(f"{pair.source[:5]} {pair.id:24} {cells} t={matte_s:.2f}+{fg_s:.2f}")
    everything = [e for entries in rows.values() for e in entries]
    for name, entries in [*rows.items(), ("overall", everything)]:
        cells = []
        for m in METRICS:
            ours = float(np.mean([e[1][m] for e in entries]))
            base = float(np.mean([e[2][m] for e in entries]))
            med = float(np.median([e[1][m] - e[2][m] for e in entries]))
            cells.append(
                f"{m} {base:.4f}->{ours:.4f} ({(ours - base) / base:+.1%}, med {med:+.4f})"
            )
        secs = np.mean([e[3] for e in entries]), np.mean([e[4] for e in entries])
        print(f"{name[:12]:12} " + " | ".join(cells) + f" | t {secs[0]:.2f}+{secs[1]:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
