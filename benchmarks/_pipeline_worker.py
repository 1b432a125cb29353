"""PixelForge's pipeline, driven over stdin/stdout like ``_rembg_worker.py`` (same protocol).

Started by ``benchmarks/speed.py`` in a fresh process per measurement, so its peak RSS belongs to
that measurement alone. At start-up it does what a server does at boot (``warmup()``) and reports
ready; model sessions are created by the harness's first (warm-up) request.

    {"op": "bytes", "image": PATH, "model": "u2net", "matting": true}
        time file bytes -> load_image -> remove_background -> render -> encode("png") bytes;
        also the CPU seconds of every thread of the process.
    {"op": "infer", "model": "u2net", "runs": N}
        bare onnxruntime inference on one input of the model's size: the floor under any pipeline;
        also the execution providers the session uses (CPUExecutionProvider first, or a GPU's).
    {"op": "rss"}   peak resident memory of this process so far.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from _worker_protocol import Handler, peak_rss_mb, serve  # beside this file

from tools import pipeline


def full_pipeline(image: str, model: str, matting: bool) -> dict[str, Any]:
    data = Path(image).read_bytes()
    cpu_started = time.process_time()  # every thread of this process (onnxruntime's too)
    started = time.perf_counter()
    original = pipeline.load_image(data, limits=pipeline.DecodeLimits.unscaled())
    cutout = pipeline.remove_background(original, model=model, matting=matting)
    final = pipeline.render(cutout.original, cutout.cutout, pipeline.RenderOptions())
    png = pipeline.encode(final, "png")
    seconds = time.perf_counter() - started
    cpu = time.process_time() - cpu_started
    return {
        "seconds": seconds,
        "cpu_seconds": cpu,
        "out_bytes": len(png),
        "size": list(original.size),
    }


def bare_inference(model: str, runs: int) -> dict[str, Any]:
    import numpy as np

    spec = pipeline.get_spec(model)
    session = pipeline.get_session(model)
    size = spec.input_size
    feed = {session.get_inputs()[0].name: np.zeros((1, 3, size, size), dtype=np.float32)}
    session.run(None, feed)  # first run allocates; not timed
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.run(None, feed)
        times.append(time.perf_counter() - started)
    return {
        "seconds": statistics.median(times),
        "times": times,
        "providers": session.get_providers(),
    }


def handle(request: dict[str, Any]) -> dict[str, Any]:
    op = request.get("op")
    if op == "bytes":
        return full_pipeline(
            request["image"], request.get("model", "u2net"), bool(request.get("matting", True))
        )
    if op == "infer":
        return bare_inference(request.get("model", "u2net"), int(request.get("runs", 10)))
    if op == "rss":
        return {"peak_rss_mb": peak_rss_mb()}
    raise ValueError(f"unknown op {op!r}")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models-dir", type=Path, default=None)
    parser.add_argument("--threads", type=int, default=None)
    args = parser.parse_args(argv)

    def start() -> tuple[Handler, dict[str, Any]]:
        started = time.perf_counter()
        providers = [p for p in os.environ.get("PIXELFORGE_ONNX_PROVIDERS", "").split(",") if p]
        pipeline.configure(models_dir=args.models_dir, threads=args.threads, providers=providers)
        pipeline.warmup()
        return handle, {"tool": "pixelforge", "load_seconds": time.perf_counter() - started}

    serve(start)


if __name__ == "__main__":
    main()
