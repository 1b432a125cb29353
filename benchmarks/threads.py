"""onnxruntime threads and spinning on the default model, alone and two processes at once.

    .venv/bin/python -m benchmarks.threads [--runs 5] [--rounds 2]

For each configuration (1 thread; 2 threads, spinning; 2 threads, not spinning) it starts a
process running ``--runs`` inferences of the default model at its input size, with
PixelForge's session options (``tools/pipeline/sessions.py``), and reports the median wall and
CPU seconds (every thread of the process) per inference: first one process alone (a lone job's
latency), then two at once (two workers busy: their summed CPU per inference decides the
throughput). The configurations alternate for ``--rounds`` rounds, so a change in the machine's
load falls on all of them. CPU seconds are the figure to trust on a shared machine; wall
seconds only on a quiet one.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ((1, True), (2, True), (2, False))  # (threads, spinning)


def child(threads: int, spinning: bool, runs: int) -> None:
    """One process: ``runs`` timed inferences after a warm-up; one JSON line out."""
    import numpy as np
    import onnxruntime as ort

    sys.path.insert(0, str(ROOT))
    from tools.pipeline import get_spec, sessions
    from tools.pipeline.manifest import DEFAULT_MODEL

    spec = get_spec(DEFAULT_MODEL)
    options = sessions.session_options(threads, spinning=spinning)
    path = sessions.models_dir() / spec.filename
    session = ort.InferenceSession(
        str(path), sess_options=options, providers=["CPUExecutionProvider"]
    )
    side = spec.input_size
    feed = {session.get_inputs()[0].name: np.random.rand(1, 3, side, side).astype(np.float32)}
    session.run(None, feed)
    walls, cpus = [], []
    for _ in range(runs):
        wall, cpu = time.perf_counter(), time.process_time()
        session.run(None, feed)
        walls.append(time.perf_counter() - wall)
        cpus.append(time.process_time() - cpu)
    print(json.dumps({"wall": statistics.median(walls), "cpu": statistics.median(cpus)}))


def start(threads: int, spinning: bool, runs: int) -> subprocess.Popen:
    argv = [sys.executable, "-m", "benchmarks.threads", "--child", str(threads), str(int(spinning))]
    return subprocess.Popen(
        [*argv, "--runs", str(runs)], cwd=ROOT, stdout=subprocess.PIPE, text=True
    )


def measure(threads: int, spinning: bool, runs: int, together: int) -> list[dict]:
    procs = [start(threads, spinning, runs) for _ in range(together)]
    return [json.loads(proc.communicate()[0]) for proc in procs]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--rounds", type=int, default=2)
    parser.add_argument("--child", nargs=2, type=int, metavar=("THREADS", "SPIN"))
    args = parser.parse_args(argv)
    if args.child:
        child(args.child[0], bool(args.child[1]), args.runs)
        return 0
    found: dict[tuple[int, bool, int], list[dict]] = {}
    load = [os.getloadavg()[0]]
    for _ in range(args.rounds):
        for together in (1, 2):
            for threads, spinning in CONFIGS:
                key = (threads, spinning, together)
                found.setdefault(key, []).extend(measure(threads, spinning, args.runs, together))
    load.append(os.getloadavg()[0])
    print(f"Load average {load[0]:.1f} -> {load[1]:.1f}; medians over processes and rounds.")
    print("| processes | threads | spinning | wall s per inference | CPU s per inference |")
    print("|---:|---:|---|---:|---:|")
    for (threads, spinning, together), answers in found.items():
        wall = statistics.median(a["wall"] for a in answers)
        cpu = statistics.median(a["cpu"] for a in answers)
        spin = "yes" if spinning else "no"
        print(f"| {together} | {threads} | {spin} | {wall:.2f} | {cpu:.2f} |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
