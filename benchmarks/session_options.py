"""onnxruntime session options measured on the model that runs: IS-Net at 1024x1024.

    .venv/bin/python -m benchmarks.session_options [--models isnet-int8 isnet] [--rounds 2]
        [--runs 3] [--photo tests/fixtures/chelsea.jpg]

Every configuration (memory arena and memory pattern on or off, graph optimisation level,
intra-op threads) runs in a fresh process of its own, so its peak RSS is its own: it loads the
model with ``tools.pipeline.sessions.session_options`` (PixelForge's settings with one thing
changed), runs one untimed inference, then ``--runs`` timed ones on a real photo. The
configurations alternate, ``--rounds`` times, so a change in the machine's load hits them all
alike; the table gives the median time of every timed run and the largest peak RSS.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

if __package__ in (None, ""):  # run as a script: make `benchmarks` and `tools` importable
    sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.workers import MODELS_DIR, ROOT

# name -> (memory arena and pattern, optimisation level, threads; 0 = one per core)
CONFIGS: dict[str, tuple[bool, str, int]] = {
    "arena off": (False, "ORT_ENABLE_ALL", 0),
    "arena on": (True, "ORT_ENABLE_ALL", 0),
    "extended": (False, "ORT_ENABLE_EXTENDED", 0),
    "basic": (False, "ORT_ENABLE_BASIC", 0),
    "1 thread": (False, "ORT_ENABLE_ALL", 1),
}
DEFAULT_PHOTO = ROOT / "tests" / "fixtures" / "chelsea.jpg"


def one(model: str, config: str, runs: int, photo: Path) -> dict[str, object]:
    """Run in the child: load, one untimed inference, ``runs`` timed ones."""
    import onnxruntime as ort
    from PIL import Image

    from tools.pipeline.manifest import get_spec
    from tools.pipeline.segment import preprocess
    from tools.pipeline.sessions import session_options

    arena, level, threads = CONFIGS[config]
    options = session_options(
        threads, memory_arena=arena, optimization=getattr(ort.GraphOptimizationLevel, level)
    )
    path = MODELS_DIR / get_spec(model).filename
    session = ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])
    with Image.open(photo) as image:
        feed = {session.get_inputs()[0].name: preprocess(image, model=model)}
    first = session.get_outputs()[0].name
    session.run([first], feed)
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        session.run([first], feed)
        times.append(time.perf_counter() - started)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return {"times": times, "peak_rss_mb": peak}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--models", nargs="+", default=["isnet-int8", "isnet"])
    parser.add_argument("--configs", nargs="+", default=list(CONFIGS), choices=list(CONFIGS))
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--photo", type=Path, default=DEFAULT_PHOTO)
    parser.add_argument("--one", nargs=2, metavar=("MODEL", "CONFIG"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.one:
        print(json.dumps(one(args.one[0], args.one[1], args.runs, args.photo)))
        return 0

    times: dict[tuple[str, str], list[float]] = {}
    peaks: dict[tuple[str, str], float] = {}
    for round_ in range(args.rounds):
        for model in args.models:
            for config in args.configs:
                cmd = [sys.executable, "-m", "benchmarks.session_options", "--one", model, config]
                cmd += ["--runs", str(args.runs), "--photo", str(args.photo)]
                out = subprocess.run(cmd, cwd=ROOT, check=True, capture_output=True, text=True)
                answer = json.loads(out.stdout.strip().splitlines()[-1])
                key = (model, config)
                times.setdefault(key, []).extend(answer["times"])
                peaks[key] = max(peaks.get(key, 0.0), answer["peak_rss_mb"])
                print(f"  round {round_ + 1} {model} {config}: {answer['times']}", file=sys.stderr)
    print("| model | options | median s | peak RSS MB |")
    print("|---|---|---:|---:|")
    for (model, config), values in times.items():
        median, peak = statistics.median(values), peaks[model, config]
        print(f"| {model} | {config} | {median:.3f} | {peak:.0f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
