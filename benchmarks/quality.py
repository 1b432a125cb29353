"""Quality benchmark: PixelForge against rembg 2.0.86 on images with ground-truth alpha.

    .venv/bin/python -m benchmarks.quality [DATA_DIR] [--out benchmarks/out/quality]
        [--methods pf pf-quarter pf-nomatting pf-u2net pf-u2netp rembg rembg-matting]
        [--sources NAME ...] [--reuse-rembg] [--saved LABEL=DIR ...] [--seethrough]
    # issue 19: the default beside --no-matting, under three lighting changes, see-through set
    .venv/bin/python -m benchmarks.quality --seethrough --methods pf pf-nomatting pf-dark \
        pf-bright pf-cast pf-nomatting-dark pf-nomatting-bright pf-nomatting-cast

DATA_DIR (default: ``benchmarks/_data.py``) holds ``<source>/images/<id>.(png|jpg)`` and
``<source>/alpha/<id>.png``. PixelForge runs in this process (``tools.pipeline``); rembg in its
own virtualenv through a worker (``benchmarks/setup_rembg.sh``) with the same u2net weights.
Alphas go to ``OUT/<method>/<source>/<id>.png``, tables to stdout and ``OUT/results.md``,
per-image scores to ``OUT/per_image.csv``.

``--saved LABEL=DIR`` scores alphas saved earlier under ``DIR/<source>/<id>.png`` (for example
the previous pipeline's, from a run of an older commit) beside the others.

``pf-quarter`` forces the working side to a quarter of each image's long side, so the guided
upsampling (``guided.py``) is scored against matting at full size (``pf``).

``pf-dark``, ``pf-bright``, ``pf-cast`` (and the ``pf-nomatting-*`` twins) run on the photos
changed by ``benchmarks/lighting.py``; the report compares each with the unchanged photos.
``--seethrough`` also makes the see-through set (``benchmarks/seethrough.py``) and scores every
PixelForge method on it, with MAE on its see-through pixels and the shares left partial and
made opaque; it is kept out of the "overall" means.

``--reuse-rembg`` reuses rembg alphas cached by an earlier run (same rembg version and model), so
tuning the pipeline costs only PixelForge's own time. Published numbers come from a run without it.

Importable: ``evaluate(pairs, predict)`` scores any ``Path -> alpha array`` function, e.g. a
pipeline variant with other parameters.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

import numpy as np
from PIL import Image

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._data import add_data_argument, eval_data
from benchmarks.lighting import GAINS, relight
from benchmarks.metrics import f_curve, score
from benchmarks.quality_data import (
    ImageResult,
    Method,
    Pair,
    Report,
    find_pairs,
    load_alpha,
)

# target_check is re-exported: `quality.target_check(report)` reads as part of the run.
from benchmarks.quality_report import target_check as target_check
from benchmarks.quality_report import write_outputs
from benchmarks.seethrough import SOURCE as SEETHROUGH
from benchmarks.seethrough import see_through
from benchmarks.workers import MODELS_DIR, ROOT, Worker, start_rembg
from tools.pipeline.manifest import DEFAULT_MODEL as DEFAULT

DEFAULT_OUT = ROOT / "benchmarks" / "out" / "quality"

Predict = Callable[[Path], np.ndarray]


METHODS: dict[str, Method] = {
    m.key: m
    for m in (
        Method("pf", f"PixelForge default ({DEFAULT}, matting)", "pixelforge", DEFAULT, True),
        Method(
            "pf-quarter",
            f"PixelForge {DEFAULT}, matting at 1/4 side + guided upsampling",
            "pixelforge",
            DEFAULT,
            True,
            work_fraction=0.25,
        ),
        Method("pf-isnet", "PixelForge isnet float32 (matting)", "pixelforge", "isnet", True),
        Method("pf-int8", "PixelForge isnet-int8 (matting)", "pixelforge", "isnet-int8", True),
        Method(
            "pf-nomatting", f"PixelForge --no-matting ({DEFAULT})", "pixelforge", DEFAULT, False
        ),
        Method("pf-u2net", "PixelForge u2net (matting)", "pixelforge", "u2net", True),
        Method("pf-u2netp", "PixelForge u2netp (matting)", "pixelforge", "u2netp", True),
        *(
            Method(
                f"pf-{change}",
                f"PixelForge default, {change}",
                "pixelforge",
                DEFAULT,
                True,
                lighting=change,
            )
            for change in GAINS
        ),
        *(
            Method(
                f"pf-nomatting-{change}",
                f"PixelForge --no-matting, {change}",
                "pixelforge",
                DEFAULT,
                False,
                lighting=change,
            )
            for change in GAINS
        ),
        Method("rembg", "rembg 2.0.86 u2net", "rembg", "u2net", False),
        Method("rembg-matting", "rembg 2.0.86 u2net alpha_matting", "rembg", "u2net", True),
    )
}
DEFAULT_METHODS = ("pf", "pf-quarter", "pf-u2net", "rembg", "rembg-matting")


def pixelforge_predictor(
    model: str = DEFAULT,
    matting: bool = True,
    work_fraction: float | None = None,
    lighting: str | None = None,
) -> Predict:
    """PixelForge's public pipeline as a ``Path -> uint8 alpha`` function (an all-zero alpha
    when it finds no subject)."""
    from tools.pipeline import (
        DecodeLimits,
        NoSubjectFound,
        configure,
        load_image,
        remove_background,
    )
    from tools.pipeline.remove import WORK_SIDE

    configure(models_dir=MODELS_DIR)
    limits = DecodeLimits.unscaled()

    def predict(image: Path) -> np.ndarray:
        loaded = load_image(image, limits=limits)
        if lighting is not None:
            loaded = relight(loaded, lighting)
        side = WORK_SIDE
        if work_fraction is not None:
            side = max(8, round(max(loaded.size) * work_fraction))
        try:
            cutout = remove_background(loaded, model=model, matting=matting, work_side=side)
        except NoSubjectFound:
            return np.zeros((loaded.height, loaded.width), np.uint8)
        return np.asarray(cutout.alpha.convert("L"))

    return predict


def cache_maps(folder: Path) -> None:
    """Keep the model's maps in ``folder``, keyed by a hash of the pixels the model sees.

    The map is deterministic, so ``pf`` and ``pf-nomatting`` (and a rerun after a change to
    matting alone) run the model once per photo. The key covers the exact input (after
    ``exposure.model_view``), the model and the map's size: a change there misses the cache.
    """
    import hashlib

    from tools.pipeline import remove

    folder.mkdir(parents=True, exist_ok=True)
    predict = remove.predict_saliency

    def cached(image: Image.Image, *, model: str, size: tuple[int, int]) -> np.ndarray:
        digest = hashlib.sha256(image.tobytes())
        digest.update(f"{image.size} {image.mode} {model} {size}".encode())
        path = folder / f"{digest.hexdigest()[:32]}.npy"
        if path.exists():
            return np.load(path)
        values = predict(image, model=model, size=size)
        np.save(path, values)
        return values

    remove.predict_saliency = cached  # type: ignore[assignment]


def _save_alpha(alpha: np.ndarray, path: Path) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".tmp.png")
    Image.fromarray(alpha, mode="L").save(tmp)
    tmp.replace(path)


def evaluate(
    pairs: Sequence[Pair],
    predict: Predict,
    *,
    method: str = "custom",
    save_dir: Path | None = None,
    progress: bool = True,
) -> list[ImageResult]:
    """Score ``predict`` on every pair; optionally save each alpha under save_dir/<source>/."""
    results = []
    for i, pair in enumerate(pairs, 1):
        started = time.perf_counter()
        alpha = predict(pair.image)
        seconds = time.perf_counter() - started
        gt = load_alpha(pair.alpha)
        if alpha.shape != gt.shape:
            raise ValueError(f"{method} {pair.image}: alpha {alpha.shape} != GT {gt.shape}")
        if save_dir is not None:
            _save_alpha(alpha, save_dir / pair.source / f"{pair.id}.png")
        results.append(
            ImageResult(
                method,
                pair,
                score(alpha, gt),
                seconds,
                f_curve(alpha, gt),
                see_through(alpha, gt) if pair.source == SEETHROUGH else None,
            )
        )
        if progress:
            print(f"  [{method}] {i}/{len(pairs)} {pair.source}/{pair.id} {seconds:.2f}s",
                  file=sys.stderr)  # fmt: skip
    return results


def _rembg_cache_key(model: str, matting: bool, worker: Worker | None) -> dict[str, object]:
    version = worker.info.get("version") if worker else None
    return {"model": model, "matting": matting, "rembg": version, "fg": 240, "bg": 10, "erode": 10}


def evaluate_rembg(
    pairs: Sequence[Pair],
    method: Method,
    out_dir: Path,
    *,
    reuse: bool = False,
    progress: bool = True,
) -> list[ImageResult]:
    """rembg through its worker; with ``reuse``, cached alphas from an earlier run are scored."""
    save_dir = out_dir / method.key
    meta_path = save_dir / "cache.json"
    cached_meta = json.loads(meta_path.read_text()) if meta_path.exists() else None
    worker: Worker | None = None
    results = []
    try:
        for i, pair in enumerate(pairs, 1):
            path = save_dir / pair.source / f"{pair.id}.png"
            seconds: float | None = None
            if not (reuse and cached_meta and path.exists()):
                if worker is None:
                    worker = start_rembg(method.model)
                    meta = _rembg_cache_key(method.model, method.matting, worker)
                    if cached_meta not in (None, meta):
                        cached_meta = None  # a different rembg or setting: never mix
                    save_dir.mkdir(parents=True, exist_ok=True)
                    meta_path.write_text(json.dumps(meta))
                path.parent.mkdir(parents=True, exist_ok=True)
                answer = worker.request(
                    op="alpha", image=str(pair.image), out=str(path), matting=method.matting
                )
                seconds = float(answer["seconds"])
            gt = load_alpha(pair.alpha)
            alpha = load_alpha(path)
            if alpha.shape != gt.shape:
                raise ValueError(f"{method.key} {pair.image}: alpha {alpha.shape} != {gt.shape}")
            results.append(
                ImageResult(method.key, pair, score(alpha, gt), seconds, f_curve(alpha, gt))
            )
            if progress:
                took = "cached" if seconds is None else f"{seconds:.2f}s"
                print(f"  [{method.key}] {i}/{len(pairs)} {pair.source}/{pair.id} {took}",
                      file=sys.stderr)  # fmt: skip
    finally:
        if worker is not None:
            worker.close()
    return results


def evaluate_saved(
    pairs: Sequence[Pair], method: Method, *, progress: bool = True
) -> list[ImageResult]:
    """Score alphas saved earlier under ``method.saved_dir/<source>/<id>.png``."""
    assert method.saved_dir is not None
    results = []
    for pair in pairs:
        path = method.saved_dir / pair.source / f"{pair.id}.png"
        if not path.exists():
            raise SystemExit(f"{method.label}: no saved alpha {path}")
        alpha, gt = load_alpha(path), load_alpha(pair.alpha)
        results.append(ImageResult(method.key, pair, score(alpha, gt), None, f_curve(alpha, gt)))
    if progress:
        print(f"  [{method.key}] {len(pairs)} saved alphas scored", file=sys.stderr)
    return results


def saved_method(spec: str) -> Method:
    """``LABEL=DIR`` from the command line as a method that scores saved alphas."""
    label, sep, folder = spec.partition("=")
    if not sep or not label or not folder:
        raise argparse.ArgumentTypeError(f"expected LABEL=DIR, got {spec!r}")
    return Method(f"saved:{label}", label, "saved", "", True, saved_dir=Path(folder))


def run(
    data_dir: Path,
    out_dir: Path = DEFAULT_OUT,
    *,
    methods: Sequence[str] = DEFAULT_METHODS,
    sources: Iterable[str] | None = None,
    reuse_rembg: bool = False,
    progress: bool = True,
    saved: Sequence[Method] = (),
    seethrough: bool = False,
    map_cache: Path | None = None,
) -> Report:
    if map_cache is not None:
        cache_maps(map_cache)
    pairs = find_pairs(data_dir, sources)
    extra: list[Pair] = []
    if seethrough:
        from benchmarks.seethrough import generate

        extra = find_pairs(generate(data_dir))
    report = Report([METHODS[key] for key in methods] + list(saved))
    warmed = False
    for method in report.methods:
        if method.tool == "saved":
            report.results += evaluate_saved(pairs, method, progress=progress)
            continue
        if method.tool == "rembg":
            report.results += evaluate_rembg(
                pairs, method, out_dir, reuse=reuse_rembg, progress=progress
            )
            continue
        predict = pixelforge_predictor(
            method.model, method.matting, method.work_fraction, method.lighting
        )
        if not warmed:  # numba compile and session creation must not land in the first image
            from tools.pipeline import warmup

            warmup()
            warmed = True
        predict(pairs[0].image)  # creates this model's session
        scored = pairs if method.lighting else pairs + extra
        report.results += evaluate(
            scored, predict, method=method.key, save_dir=out_dir / method.key, progress=progress
        )
    return report


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="PixelForge vs rembg alpha quality.")
    add_data_argument(parser, "data_dir")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="alphas, results.md, csv")
    parser.add_argument(
        "--methods", nargs="+", choices=list(METHODS), default=list(DEFAULT_METHODS)
    )
    parser.add_argument("--sources", nargs="+", help="only these sources (default: all)")
    parser.add_argument(
        "--reuse-rembg", action="store_true", help="reuse cached rembg alphas (iteration only)"
    )
    parser.add_argument(
        "--saved", nargs="+", type=saved_method, default=[], metavar="LABEL=DIR",
        help="also score alphas saved earlier under DIR/<source>/<id>.png",
    )  # fmt: skip
    parser.add_argument(
        "--seethrough", action="store_true", help="also make and score the see-through set"
    )
    parser.add_argument(
        "--map-cache", type=Path, metavar="DIR",
        help="keep the model's maps in DIR (e.g. benchmarks/out/maps/cache): each photo's map "
        "is computed once for every method and every later run",
    )  # fmt: skip
    parser.add_argument("-q", "--quiet", action="store_true", help="no per-image progress")
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or eval_data()

    started = time.perf_counter()
    report = run(
        args.data_dir,
        args.out,
        methods=args.methods,
        sources=args.sources,
        reuse_rembg=args.reuse_rembg,
        progress=not args.quiet,
        saved=args.saved,
        seethrough=args.seethrough,
        map_cache=args.map_cache,
    )
    print(write_outputs(report, args.data_dir, args.out))
    reused = " (rembg alphas reused from cache)" if args.reuse_rembg else ""
    print(f"Took {time.perf_counter() - started:.0f} s{reused}; written to {args.out}/results.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
