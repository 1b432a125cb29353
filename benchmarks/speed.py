"""Speed and memory benchmark: PixelForge's full pipeline against rembg 2.0.86 with alpha matting.

    .venv/bin/python -m benchmarks.speed [--runs 3] [--sizes 1024 2048 4000]
        [--skip-rembg-above PX] [--data-dir DATA] [--out benchmarks/out/speed]

The inputs are real photos from the evaluation set (about 800 px on the long side), upscaled with
LANCZOS to each size and saved as JPEG (quality 92) in a temporary folder. Each tool is timed from
the file's bytes to encoded PNG bytes, in the same run:

- PixelForge: load_image -> remove_background (matting) -> render -> encode("png"), with the
  default model (``pixelforge``) and, when that is not it, the float32 IS-Net
  (``pixelforge-isnet``); with the CPU seconds of the worker process (all its threads) per
  megapixel of the photo;
- rembg: rembg.remove(bytes, session=new_session("u2net"), alpha_matting=True) -> PNG bytes.

Each (tool, size) is measured in a fresh worker process, warmed up first on a 256 px copy (model
session, numba), so its peak RSS (from wait4 when it exits) is that measurement's alone. rembg
with matting costs minutes and gigabytes at 4000 px, so its runs are capped: all runs at <=1024 px,
2 at <=2048 px, 1 run on the first photo above that; --skip-rembg-above drops it entirely.
Last, click-to-result: a 1 MP JPEG through the web form with `make run`'s processes
(``benchmarks/_click.py``), median of --click-runs on an idle queue.

Bare onnxruntime inference of the default model (one 1024x1024 input for isnet, PixelForge's
session settings) is the floor; the execution provider that session used is printed (see
docs/deployment.md for GPUs). The results, targets and report are in ``speed_report.py``.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import asdict
from pathlib import Path

from PIL import Image

if __package__ in (None, ""):  # run as a script: make `benchmarks` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks._click import click_to_result
from benchmarks._data import eval_data
from benchmarks.speed_report import (
    JPEG_QUALITY,
    PIXELFORGE_TOOLS,
    Measurement,
    SpeedResults,
    markdown,
)
from benchmarks.workers import ROOT, Worker, rembg_available, start_pipeline, start_rembg
from tools.pipeline.manifest import DEFAULT_MODEL

DEFAULT_OUT = ROOT / "benchmarks" / "out" / "speed"
# Real photos with different edge content: a doll with long hair (studio), a person outdoors.
DEFAULT_PHOTOS = ("alphamatting_lowres/images/GT02.png", "davis2016_val/images/parkour_00000.jpg")
WARMUP_SIDE = 256


def scale_to(image: Image.Image, side: int) -> Image.Image:
    factor = side / max(image.size)
    size = (max(1, round(image.width * factor)), max(1, round(image.height * factor)))
    return image.resize(size, Image.Resampling.LANCZOS)


def prepare_photos(data_dir: Path, photos: Sequence[str], sizes: Sequence[int], tmp: Path) -> None:
    """Write tmp/<size>/<name>.jpg for every size, plus a small warm-up copy."""
    for rel in photos:
        with Image.open(data_dir / rel) as opened:
            rgb = opened.convert("RGB")
        name = Path(rel).stem
        for side in [WARMUP_SIDE, *sizes]:
            (tmp / str(side)).mkdir(exist_ok=True)
            scale_to(rgb, side).save(tmp / str(side) / f"{name}.jpg", quality=JPEG_QUALITY)


def rembg_plan(size: int, runs: int, photos: Sequence[str]) -> tuple[list[str], int]:
    if size <= 1024:
        return list(photos), runs
    if size <= 2048:
        return list(photos), min(runs, 2)
    return list(photos[:1]), 1


def measure(
    worker: Worker, tool: str, size: int, photos: Sequence[str], runs: int, tmp: Path
) -> Measurement:
    result = Measurement(tool, size)
    model = PIXELFORGE_TOOLS.get(tool, "u2net")
    request = {"op": "bytes", "matting": True, "model": model}
    with worker:
        worker.request(**request, image=str(tmp / str(WARMUP_SIDE) / f"{photos[0]}.jpg"))
        for name in photos:
            path = tmp / str(size) / f"{name}.jpg"
            with Image.open(path) as img:
                result.pixels[name] = list(img.size)
            for _ in range(runs):
                answer = worker.request(**request, image=str(path))
                result.times.setdefault(name, []).append(float(answer["seconds"]))
                if "cpu_seconds" in answer:
                    result.cpu.setdefault(name, []).append(float(answer["cpu_seconds"]))
                print(f"  {tool} {size}px {name}: {answer['seconds']:.2f}s", file=sys.stderr)
        if tool == "pixelforge":
            answer = worker.request(op="infer", model=DEFAULT_MODEL, runs=5)
            result.bare_inference_s = float(answer["seconds"])
    result.peak_rss_mb = worker.peak_rss_mb
    return result


def bare_inference(runs: int) -> tuple[float, float | None, list[str]]:
    """Median inference of the default model in a process that loads nothing else, and the
    execution providers its session uses."""
    with start_pipeline() as worker:
        answer = worker.request(op="infer", model=DEFAULT_MODEL, runs=max(runs, 5))
    return float(answer["seconds"]), worker.peak_rss_mb, list(answer.get("providers", []))


def run(
    sizes: Sequence[int],
    runs: int,
    *,
    data_dir: Path | None = None,
    photos: Sequence[str] = DEFAULT_PHOTOS,
    skip_rembg_above: int | None = None,
) -> SpeedResults:
    names = [Path(p).stem for p in photos]
    measurements: list[Measurement] = []
    with tempfile.TemporaryDirectory(prefix="pixelforge-speed-") as tmpname:
        tmp = Path(tmpname)
        prepare_photos(data_dir or eval_data(), photos, sizes, tmp)
        infer_s, infer_rss, providers = bare_inference(runs)
        for size in sizes:
            for tool in PIXELFORGE_TOOLS:
                measurements.append(measure(start_pipeline(), tool, size, names, runs, tmp))
            if skip_rembg_above is not None and size > skip_rembg_above:
                continue
            if not rembg_available():
                print("rembg venv missing: run benchmarks/setup_rembg.sh", file=sys.stderr)
                continue
            rembg_photos, rembg_runs = rembg_plan(size, runs, names)
            measurements.append(
                measure(start_rembg("u2net"), "rembg", size, rembg_photos, rembg_runs, tmp)
            )
    return SpeedResults(
        sizes=list(sizes),
        runs=runs,
        photos=list(photos),
        bare_inference_s=infer_s,
        bare_inference_rss_mb=infer_rss,
        providers=providers,
        measurements=measurements,
        environment=environment(),
    )


def environment() -> dict[str, str]:
    cpu = "unknown"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "date": time.strftime("%Y-%m-%d %H:%M %Z"),
        "cpu": cpu,
        "cores": str(os.cpu_count()),
        "python": platform.python_version(),
        "OPENBLAS_CORETYPE": os.environ.get("OPENBLAS_CORETYPE", "(unset)"),
        "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "(unset)"),
        "load_average_at_start": " ".join(f"{x:.2f}" for x in os.getloadavg()),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="PixelForge vs rembg (alpha matting) speed.")
    parser.add_argument("--runs", type=int, default=3, help="timed runs per photo (default 3)")
    parser.add_argument("--sizes", type=int, nargs="+", default=[1024, 2048, 4000])
    parser.add_argument("--skip-rembg-above", type=int, default=None, metavar="PX")
    parser.add_argument(
        "--data-dir", type=Path, help="the evaluation set (default: benchmarks/_data.py)"
    )
    parser.add_argument("--photos", nargs="+", default=list(DEFAULT_PHOTOS))
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT)
    parser.add_argument("--click-runs", type=int, default=5, help="0: no click-to-result")
    args = parser.parse_args(argv)
    args.data_dir = args.data_dir or eval_data()

    load = os.getloadavg()[0]
    if load > 0.5:
        print(f"warning: load average {load:.2f}: other work will slow both tools", file=sys.stderr)
    started = time.perf_counter()
    results = run(
        args.sizes,
        args.runs,
        data_dir=args.data_dir,
        photos=args.photos,
        skip_rembg_above=args.skip_rembg_above,
    )
    if args.click_runs:
        photo = args.data_dir / args.photos[0]
        results.click = click_to_result(photo, args.click_runs)
    text = markdown(results)
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "results.md").write_text(text + "\n")
    (args.out / "results.json").write_text(json.dumps(asdict(results), indent=2))
    print(text)
    print(f"\nTook {time.perf_counter() - started:.0f} s; written to {args.out}/results.md")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
