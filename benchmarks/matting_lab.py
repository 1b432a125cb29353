"""Matting variants scored on cached maps: tune the step after the model without running it.

    .venv/bin/python -m benchmarks.matting_lab [DATA] [--set KEY=VALUE ...]
        [--lighting dark|bright|cast] [--seethrough] [--per-image] [--sources NAME ...]

Each run scores the default model's alpha with ``matte.matte`` under the given ``MatteParams``
overrides, against ``--no-matting`` (the sharpened map), through the pipeline's own working size
and guided upsampling (``remove.alpha_at_full_size``), with the maps ``benchmarks/quality.py
--map-cache benchmarks/out/maps/cache`` keeps (computed on first use). It prints the means per
source and overall, the median per-photo change, the relative gain, the see-through scores with
``--seethrough`` and the CPU seconds in matting. The published numbers come from
``benchmarks/quality.py``, which runs the whole pipeline.
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
from benchmarks.lighting import relight
from benchmarks.maps import load_variant
from benchmarks.metrics import score
from benchmarks.quality import cache_maps
from benchmarks.quality_data import find_pairs, load_alpha
from benchmarks.seethrough import generate, see_through
from benchmarks.workers import MODELS_DIR, ROOT

METRICS = ("mae", "sad", "grad", "edge_mae", "iou")
MAP_CACHE = ROOT / "benchmarks" / "out" / "maps" / "cache"


def parse_set(items: list[str]) -> dict[str, object]:
    from tools.pipeline.matte import MatteParams

    fields = {f.name: f.type for f in dataclasses.fields(MatteParams)}
    out: dict[str, object] = {}
    for item in items:
        key, _, value = item.partition("=")
        if key not in fields:
            raise SystemExit(f"no MatteParams field {key}")
        kind = str(fields[key])
        out[key] = value if kind == "str" else int(float(value)) if kind == "int" else float(value)
    return out


def alphas(image, params) -> tuple[np.ndarray, np.ndarray, float]:  # type: ignore[no-untyped-def]
    """(default alpha, --no-matting alpha, CPU seconds in matting) at the image's full size."""
    from tools.pipeline import matte as mt
    from tools.pipeline.guided import guided_upsample
    from tools.pipeline.manifest import DEFAULT_MODEL
    from tools.pipeline.remove import (
        GUIDE_EPS,
        GUIDE_RADIUS,
        WORK_SIDE,
        model_source,
        to_float,
        to_uint8,
        working_image,
    )
    from tools.pipeline.segment import predict_saliency

    work = working_image(image, WORK_SIDE)
    pixels = to_float(work)
    saliency = predict_saliency(
        model_source(image, work, DEFAULT_MODEL), model=DEFAULT_MODEL, size=work.size
    )
    started = time.process_time()
    solved = mt.matte(pixels, saliency, params)
    seconds = time.process_time() - started
    out = []
    for alpha in (solved, mt.sharpen(saliency, params)):
        if work is not image:
            alpha = guided_upsample(pixels, alpha, image, radius=GUIDE_RADIUS, eps=GUIDE_EPS)
        out.append(to_uint8(alpha))
    return out[0], out[1], seconds


def cost(params, runs: int = 3) -> int:  # type: ignore[no-untyped-def]
    """Per sample photo scaled to 1024 px: CPU seconds (all threads) of the whole
    ``remove_background`` and of its matting and foreground estimation, median of ``runs``."""
    from PIL import Image

    from tools.pipeline import matte as mt
    from tools.pipeline import remove, warmup

    warmup()
    spent: dict[str, float] = {}

    def timed(name, function):  # type: ignore[no-untyped-def]
        def wrapper(*args, **kwargs):  # type: ignore[no-untyped-def]
            started = time.process_time()
            try:
                return function(*args, **kwargs)
            finally:
                spent[name] = spent.get(name, 0.0) + time.process_time() - started

        return wrapper

    remove.matte = timed("matte", mt.matte)  # type: ignore[assignment]
    remove.estimate_foreground = timed("foreground", mt.estimate_foreground)  # type: ignore[assignment]
    shares = []
    for path in sorted((ROOT / "static" / "samples").glob("*.jpg")):
        if path.stem.endswith("-thumb"):
            continue
        image = Image.open(path).convert("RGB")
        scale = 1024 / max(image.size)  # the samples are smaller: scaled up, as a job's cap
        image = image.resize((round(image.width * scale), round(image.height * scale)))
        samples = []
        for _ in range(runs):
            spent.clear()
            started = time.process_time()
            remove.remove_background(image, params=params)
            total = time.process_time() - started
            samples.append((total, spent["matte"], spent["foreground"]))
        total, matte_s, fg_s = (float(np.median([s[i] for s in samples])) for i in range(3))
        shares.append((matte_s + fg_s) / total)
        print(
            f"{path.stem:10} {image.size}: job {total:.2f} s CPU, matting {matte_s:.2f} s, "
            f"foreground {fg_s:.2f} s: {shares[-1]:.0%} of the job"
        )
    print(f"matting + foreground: {min(shares):.0%} to {max(shares):.0%} of a 1024 px job")
    return 0


def main(argv: list[str] | None = None) -> int:
    from tools.pipeline import configure, remove
    from tools.pipeline import matte as mt

    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    add_data_argument(parser, "data_dir")
    parser.add_argument("--lighting", choices=["dark", "bright", "cast"])
    parser.add_argument("--set", nargs="*", default=[], metavar="KEY=VALUE")
    parser.add_argument("--per-image", action="store_true")
    parser.add_argument("--seethrough", action="store_true")
    parser.add_argument("--sources", nargs="*")
    parser.add_argument(
        "--cost", action="store_true", help="CPU share of matting in 1024 px jobs (samples)"
    )
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or eval_data()
    params = dataclasses.replace(mt.DEFAULT_PARAMS, **parse_set(args.set))
    configure(models_dir=MODELS_DIR)
    if args.cost:
        return cost(params)
    cache_maps(MAP_CACHE)
    # cache_maps patches remove's name; this module imports it from segment
    sys.modules["tools.pipeline.segment"].predict_saliency = remove.predict_saliency  # type: ignore[attr-defined]
    mt.pymatting()
    pairs = find_pairs(args.data_dir, args.sources)
    if args.seethrough:
        pairs += find_pairs(generate(args.data_dir))
    rows: dict[str, list[tuple[str, dict, dict, float]]] = {}
    clear: list[tuple[object, object]] = []
    for pair in pairs:
        image = load_variant(pair, "normal")
        if args.lighting:
            image = relight(image, args.lighting)
        ours_a, base_a, seconds = alphas(image, params)
        gt = load_alpha(pair.alpha)
        ours, base = score(ours_a, gt), score(base_a, gt)
        if pair.source == "seethrough":
            clear.append((see_through(ours_a, gt), see_through(base_a, gt)))
        rows.setdefault(pair.source, []).append((pair.id, ours.__dict__, base.__dict__, seconds))
        if args.per_image:
            cells = " ".join(f"{m} {base.__dict__[m]:.4f}->{ours.__dict__[m]:.4f}" for m in METRICS)
            print(f"{pair.source[:5]} {pair.id:24} {cells} t={seconds:.2f}")
    dev = [e for name, entries in rows.items() if name != "seethrough" for e in entries]
    for name, entries in [*rows.items(), ("overall", dev)]:
        cells = []
        for m in METRICS:
            ours = float(np.mean([e[1][m] for e in entries]))
            base = float(np.mean([e[2][m] for e in entries]))
            med = float(np.median([(e[1][m] - e[2][m]) / max(e[2][m], 1e-9) for e in entries]))
            cells.append(f"{m} {base:.4f}->{ours:.4f} ({(ours - base) / base:+.1%} med {med:+.1%})")
        secs = float(np.mean([e[3] for e in entries]))
        print(f"{name[:12]:12} " + " | ".join(cells) + f" | t {secs:.2f}")
    if clear:
        for label, index in (("default", 0), ("no-matting", 1)):
            got = [c[index] for c in clear]
            weights = np.array([g.pixels for g in got], float)
            mean = {
                k: float(np.average([getattr(g, k) for g in got], weights=weights))
                for k in ("mae", "partial", "opaque")
            }
            print(
                f"see-through pixels {label:10}: MAE {mean['mae']:.3f} partial "
                f"{mean['partial']:.1%} opaque {mean['opaque']:.1%}"
            )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
