"""Refine benchmark: how fast a stroke is re-solved, and how much MAE a few strokes recover.

    .venv/bin/python -m benchmarks.refine [DATA] [--strokes 5] [--radius 20]
        [--runs 5] [--out benchmarks/out/refine] [--sources NAME ...] [--skip-quality]

1. Speed. A real photo (the first of the set) is upscaled to 1024 px on the long side, cut out
   once with the default pipeline, then refined with scripted strokes of several brush sizes
   (a short drag, a long drag, a "remove this subject" on the largest subject). Each is timed
   ``--runs`` times: ``tools.pipeline.refine.refine_cutout`` alone (the re-solve with its
   upsampling and foreground colours), and the whole service, ``refine_job`` on a stored job
   (reading the job's files, the re-solve, writing the revision's files and database rows),
   which is what a visitor's request waits for.

2. Recovery. On every pair of the evaluation set, the default cut-out is refined with
   ``--strokes`` scripted discs, one at a time as a visitor would: each disc is placed on the
   largest wrongly classified region of the current alpha (alpha and ground truth on opposite
   sides of 0.5), at the point deepest inside it, with the brush radius (``--radius`` working
   pixels, less where the region is thinner) and the kind ("keep" where the ground truth is
   foreground, "remove" elsewhere) a careful visitor would use. MAE before and after, per source
   and overall, next to the MAE of the same discs simply painted into the alpha (what a plain
   eraser would do). Every refined alpha is written to OUT/<source>/<id>.png.
"""

from __future__ import annotations

import argparse
import io
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw
from scipy import ndimage

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._data import add_data_argument, eval_data
from benchmarks.metrics import mae
from benchmarks.quality_data import Pair, find_pairs, load_alpha
from benchmarks.workers import MODELS_DIR, ROOT

DEFAULT_OUT = ROOT / "benchmarks" / "out" / "refine"
SPEED_SIDE = 1024


@dataclass(frozen=True)
class Disc:
    x: int
    y: int
    radius: int
    keep: bool  # True: a "keep" stroke, False: "remove"


def next_disc(alpha: np.ndarray, gt: np.ndarray, max_radius: int, min_radius: int = 2):
    """The disc a careful visitor would paint next, or None when no wrong region fits one.

    Wrong regions are connected areas where ``alpha`` (uint8) and ``gt`` fall on opposite sides
    of 128, split into "missed" (ground truth foreground) and "extra" (background). The largest
    region that can hold a disc of ``min_radius`` gets one at its deepest point.
    """
    candidates = []
    for keep, wrong in ((True, (gt >= 128) & (alpha < 128)), (False, (gt < 128) & (alpha >= 128))):
        labels, count = ndimage.label(wrong)
        if not count:
            continue
        areas = np.bincount(labels.ravel(), minlength=count + 1)
        for label in np.argsort(areas[1:])[::-1][:8] + 1:
            candidates.append((int(areas[label]), keep, labels, int(label)))
    candidates.sort(key=lambda item: -item[0])
    for _, keep, labels, label in candidates:
        box = ndimage.find_objects((labels == label).astype(np.int32))[0]
        region = labels[box] == label
        depth = ndimage.distance_transform_edt(np.pad(region, 1))[1:-1, 1:-1]
        radius = int(min(depth.max() - 1, max_radius))
        if radius < min_radius:
            continue
        y, x = np.unravel_index(int(np.argmax(depth)), depth.shape)
        return Disc(int(x + box[1].start), int(y + box[0].start), radius, keep)
    return None


def disc_mask(size: tuple[int, int], disc: Disc) -> Image.Image:
    mask = Image.new("L", size, 0)
    r = disc.radius
    ImageDraw.Draw(mask).ellipse((disc.x - r, disc.y - r, disc.x + r, disc.y + r), fill=255)
    return mask


# --- Recovery on the evaluation set ------------------------------------------------------


@dataclass
class Recovery:
    pair: Pair
    before: float
    after: float
    painted: float
    strokes: int
    seconds: list[float]


def default_cutout(pair: Pair, image: Image.Image, cache: Path | None) -> Image.Image:
    """The default pipeline's RGBA cut-out, from ``cache`` when it holds one."""
    from tools.pipeline import remove_background

    path = cache / pair.source / f"{pair.id}.png" if cache is not None else None
    if path is not None and path.exists():
        with Image.open(path) as cached:
            return cached.convert("RGBA")
    cutout = remove_background(image).cutout
    if path is not None:
        path.parent.mkdir(parents=True, exist_ok=True)
        cutout.save(path)
    return cutout


def recover(
    pair: Pair, strokes: int, radius: int, out_dir: Path | None, cache: Path | None = None
) -> Recovery:
    from tools.pipeline import DecodeLimits, load_image
    from tools.pipeline.refine import refine_cutout

    image = load_image(pair.image, limits=DecodeLimits.unscaled())
    gt = load_alpha(pair.alpha)
    cutout = default_cutout(pair, image, cache)
    alpha = cutout.getchannel("A")
    before = mae(np.asarray(alpha), gt)
    painted = np.asarray(alpha).copy()
    seconds = []
    done = 0
    for _ in range(strokes):
        disc = next_disc(np.asarray(alpha), gt, radius)
        if disc is None:
            break
        mask = disc_mask(image.size, disc)
        empty = Image.new("L", image.size, 0)
        started = time.perf_counter()
        refined = refine_cutout(
            image, alpha, cutout, mask if disc.keep else empty, empty if disc.keep else mask
        )
        seconds.append(time.perf_counter() - started)
        alpha, cutout = refined.alpha, refined.cutout
        painted[np.asarray(mask) > 0] = 255 if disc.keep else 0
        done += 1
    final = np.asarray(alpha)
    if out_dir is not None:
        path = out_dir / pair.source / f"{pair.id}.png"
        path.parent.mkdir(parents=True, exist_ok=True)
        Image.fromarray(final, "L").save(path)
    return Recovery(pair, before, mae(final, gt), mae(painted, gt), done, seconds)


def recovery_table(results: Sequence[Recovery]) -> str:
    lines = [
        "| source | images | strokes | MAE before | MAE after | recovered | painted discs |",
        "|---|---:|---:|---:|---:|---:|---:|",
    ]
    groups = [*sorted({r.pair.source for r in results}), None]
    for source in groups:
        rows = [r for r in results if source is None or r.pair.source == source]
        before = statistics.mean(r.before for r in rows)
        after = statistics.mean(r.after for r in rows)
        painted = statistics.mean(r.painted for r in rows)
        strokes = sum(r.strokes for r in rows)
        lines.append(
            f"| {source or '**overall**'} | {len(rows)} | {strokes} | {before:.4f} | "
            f"{after:.4f} | {100 * (before - after) / before:.0f}% | {painted:.4f} |"
        )
    return "\n".join(lines)


def per_image_table(results: Sequence[Recovery]) -> str:
    lines = ["| image | strokes | MAE before | after | painted | slowest stroke |"]
    lines.append("|---|---:|---:|---:|---:|---:|")
    for r in sorted(results, key=lambda r: r.after - r.before):
        slowest = f"{max(r.seconds):.2f} s" if r.seconds else "-"
        lines.append(
            f"| {r.pair.source}/{r.pair.id} | {r.strokes} | {r.before:.4f} | {r.after:.4f} | "
            f"{r.painted:.4f} | {slowest} |"
        )
    return "\n".join(lines)


# --- Speed -------------------------------------------------------------------------------


def speed_strokes(alpha: Image.Image) -> list[tuple[str, Image.Image, Image.Image]]:
    """(label, keep mask, remove mask) at the size of ``alpha``: drags across the subject's
    edge with three brush sizes, and the largest subject removed whole."""
    from tools.pipeline import find_subjects, keep_subjects

    width, height = alpha.size
    values = np.asarray(alpha)
    ys, xs = np.nonzero(values > 127)
    cy = int(ys.mean())
    left_edge = int(xs.min())
    empty = Image.new("L", alpha.size, 0)
    strokes = []
    for label, radius, length in (
        ("drag, r=8 px, 150 px long", 8, 150),
        ("drag, r=20 px, 300 px long", 20, 300),
        ("drag, r=40 px, 500 px long", 40, 500),
    ):
        mask = Image.new("L", alpha.size, 0)
        x0 = max(radius, left_edge - length // 3)
        y0 = min(max(radius, cy - length // 2), height - radius)
        y1 = min(max(radius, cy + length // 2), height - radius)
        ImageDraw.Draw(mask).line(
            (x0, y0, min(width - radius, x0 + 60), y1), fill=255, width=2 * radius
        )
        strokes.append((label, empty, mask))
    subjects = find_subjects(alpha)
    if subjects:  # the largest (subjects are numbered in reading order)
        largest = max(subjects, key=lambda subject: subject.area)
        body = keep_subjects(alpha, (largest.index,)).point(lambda v: 255 if v > 127 else 0)
        strokes.append((f"remove subject ({largest.area} px)", empty, body))
    return strokes


def timed(function, runs: int) -> list[float]:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return times


def speed(
    photo: Path, runs: int, side: int = SPEED_SIDE
) -> list[tuple[str, list[float], list[float], int, bool]]:
    """Per stroke: (label, refine_cutout seconds, refine_job seconds, pixels solved, solved)."""
    from tools.pipeline import DecodeLimits, load_image
    from tools.pipeline.refine import refine_cutout

    image = load_image(photo, limits=DecodeLimits.unscaled())
    scale = side / max(image.size)
    image = image.resize(
        (round(image.width * scale), round(image.height * scale)), Image.Resampling.LANCZOS
    )
    job = _stored_job(image)  # the pipeline runs once, as for an upload
    from tools.services import storage

    alpha, cutout = storage.open_image(job, "alpha"), storage.open_image(job, "cutout")
    rows = []
    for label, keep, remove in speed_strokes(alpha):
        refined = refine_cutout(image, alpha, cutout, keep, remove)  # warm
        pipeline_times = timed(
            lambda k=keep, r=remove: refine_cutout(image, alpha, cutout, k, r), runs
        )
        service_times = [_refine_and_undo(job, keep, remove) for _ in range(runs)]
        rows.append((label, pipeline_times, service_times, refined.unknown, refined.solved))
    return rows


def _setup_django() -> None:
    """An in-memory database and a temp media folder: nothing outside this process."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pixelforge.settings")
    folder = tempfile.mkdtemp(prefix="pixelforge-bench-")
    os.environ["DATABASE_URL"] = f"sqlite:///{folder}/db.sqlite3"
    os.environ["DJANGO_MEDIA_ROOT"] = f"{folder}/media"
    os.environ["PIXELFORGE_TASKS_BACKEND"] = "immediate"  # the job is processed in place
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def _stored_job(image: Image.Image):
    """A finished job of ``image``, made as an upload makes it (processed in this process)."""
    from tools.models import Job
    from tools.services.jobs import submit

    out = io.BytesIO()
    if max(image.size) > SPEED_SIDE:  # a large photo comes as a JPEG, as from a camera
        image.save(out, "JPEG", quality=92)
    else:
        image.save(out, "PNG")
    job = submit(out.getvalue(), size=image.size, filename="bench")
    job.refresh_from_db()
    if job.status != Job.Status.DONE:
        raise RuntimeError(f"the benchmark's job did not finish: {job.status} {job.error}")
    return job


def _refine_and_undo(job, keep: Image.Image, remove: Image.Image) -> float:
    """Seconds refine_job takes; then back to the start (untimed) for the next run."""
    from tools.services import refine

    started = time.perf_counter()
    revision = refine.refine_job(job, keep, remove)
    seconds = time.perf_counter() - started
    refine.use_revision(job, revision.parent)
    return seconds


def speed_table(rows) -> str:
    lines = [
        "| stroke | pixels solved | closed form | refine_cutout median (max) | "
        "refine_job median (max) |",
        "|---|---:|---|---:|---:|",
    ]
    for label, pipeline_times, service_times, unknown, solved in rows:
        lines.append(
            f"| {label} | {unknown:,} | {'yes' if solved else 'fallback'} | "
            f"{statistics.median(pipeline_times):.3f} s ({max(pipeline_times):.3f}) | "
            f"{statistics.median(service_times):.3f} s ({max(service_times):.3f}) |"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    add_data_argument(parser, "data_dir")
    parser.add_argument("--strokes", type=int, default=5, help="scripted discs per image")
    parser.add_argument("--radius", type=int, default=20, help="largest disc radius, px")
    parser.add_argument("--runs", type=int, default=5, help="timed runs per speed stroke")
    parser.add_argument(
        "--side", type=int, default=SPEED_SIDE, help="long side of the speed photo (6000: 24 MP)"
    )
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--sources", nargs="*", default=None)
    parser.add_argument("--skip-quality", action="store_true")
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument(
        "--reuse-base",
        action="store_true",
        help="reuse the default cut-outs of an earlier run (OUT/base/), for tuning only",
    )
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or eval_data()

    os.environ.setdefault("NUMBA_CACHE_DIR", str(ROOT / ".numba-cache"))
    from tools.pipeline import configure

    configure(models_dir=MODELS_DIR)
    pairs = find_pairs(args.data_dir, args.sources)
    sections = []
    if not args.skip_speed:
        _setup_django()
        rows = speed(pairs[0].image, args.runs, args.side)
        sections.append(
            f"Speed: {pairs[0].source}/{pairs[0].id} at {args.side} px, {args.runs} runs\n\n"
            + speed_table(rows)
        )
        print(sections[-1] + "\n", flush=True)
    if not args.skip_quality:
        results = []
        for i, pair in enumerate(pairs, 1):
            cache = args.out / "base" if args.reuse_base else None
            results.append(recover(pair, args.strokes, args.radius, args.out, cache))
            r = results[-1]
            print(f"  {i}/{len(pairs)} {pair.source}/{pair.id}: {r.before:.4f} -> "
                  f"{r.after:.4f} ({r.strokes} strokes)", file=sys.stderr)  # fmt: skip
        sections.append(
            f"Recovery: up to {args.strokes} scripted discs (radius <= {args.radius} px) "
            f"per image\n\n{recovery_table(results)}\n\nPer image:\n\n{per_image_table(results)}"
        )
        print(sections[-1])
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text("\n\n".join(sections) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
