"""The two task backends side by side on this machine: database (django-tasks-db) and RQ.

    .venv/bin/python -m benchmarks.queues                 # both, 2 workers each
    .venv/bin/python -m benchmarks.queues --backend rq --images 8

For each backend it migrates a throw-away SQLite database, starts a private redis-server on a
free loopback port (RQ only; Debian's redis-server), starts --workers `manage.py worker`
processes and measures:

1. worker idle CPU: the workers' CPU time over --idle seconds with nothing queued;
2. enqueue -> start latency: --tiny tiny tasks, one at a time on an idle queue (p50, p95);
3. a burst of --burst tiny tasks enqueued at once: enqueue time and when the last one started;
4. throughput on real photos: --images photos (tests/fixtures) submitted at once.

The machine is shared, so numbers move between runs; compare backends within one run.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks import _site as site
from benchmarks._site import HOST
from benchmarks._visitor import percentile


def client(env: dict[str, str], mode: str, count: int) -> dict:
    return site.python_json(env, "-m", "benchmarks._queue_client", mode, str(count), timeout=600)


def start_redis(work: Path) -> tuple[subprocess.Popen, int]:
    port = site.free_port()
    command = [shutil.which("redis-server") or "/usr/bin/redis-server", "--bind", HOST]
    command += ["--port", str(port), "--save", "", "--appendonly", "no", "--dir", str(work)]
    process = site.start(command, {}, work / "redis.log")
    site.wait_for_port(port, 30)
    return process, port


def run_backend(backend: str, args: argparse.Namespace) -> dict:
    work = Path(tempfile.mkdtemp(prefix=f"pixelforge-queues-{backend}-"))
    processes: list[subprocess.Popen] = []
    try:
        env = site.site_env(work, web_port=0, database_url=None, workers=args.workers)
        env["PIXELFORGE_TASKS_BACKEND"] = backend
        needs = "the database the site already uses (nothing else)"
        if backend == "rq":
            redis, port = start_redis(work)
            processes.append(redis)
            env["PIXELFORGE_REDIS_URL"] = f"redis://{HOST}:{port}/0"
            needs = "a Redis server (redis-server), the .[rq] extra (django-tasks-rq, RQ)"
        site.manage(env, "migrate", "--no-input")
        workers = []
        for _ in range(args.workers):
            worker = site.start(
                [sys.executable, "manage.py", "worker", "--no-sweep"],
                env,
                work / f"worker-{len(workers)}.log",
            )
            workers.append(worker)
            processes.append(worker)
        client(env, "latency", 2)  # both workers up and importing (warm-up, not counted)
        time.sleep(3)
        pids = [p.pid for p in workers] + [c for p in workers for c in site.children(p.pid)]
        before = site.cpu_seconds(pids)
        time.sleep(args.idle)
        idle = (site.cpu_seconds(pids) - before) / args.idle / args.workers
        delays = client(env, "latency", args.tiny)["delays"]
        burst = client(env, "burst", args.burst)
        images = client(env, "images", args.images) if args.images else None
        peaks = [site.peak_mb(p.pid) for p in workers]
        return {
            "backend": backend,
            "needs": needs,
            "idle_cpu_percent": idle * 100,
            "latency_ms": [d * 1000 for d in delays],
            "burst": burst,
            "images": images,
            "worker_peak_mb": peaks,
        }
    finally:
        for process in reversed(processes):
            site.stop(process)
        shutil.rmtree(work, ignore_errors=True)


def report(result: dict, workers: int) -> None:
    delays = result["latency_ms"]
    print(f"\n{result['backend']} ({workers} workers; needs {result['needs']}):")
    print(f"  worker idle CPU: {result['idle_cpu_percent']:.2f}% of a core per worker")
    print(
        f"  enqueue -> start, idle queue, {len(delays)} tiny tasks: "
        f"p50 {statistics.median(delays):.0f} ms, p95 {percentile(delays, 95):.0f} ms, "
        f"max {max(delays):.0f} ms"
    )
    burst = result["burst"]
    print(
        f"  burst: enqueued in {burst['enqueue_seconds']:.2f} s, "
        f"last started {burst['last_start']:.2f} s after the first enqueue"
    )
    images = result["images"]
    if images:
        rate = images["done"] / images["seconds"]
        print(
            f"  real photos: {images['done']}/{images['count']} done in {images['seconds']:.1f} s "
            f"= {rate:.3f} images/s"
        )
    print("  worker peak RSS: " + ", ".join(f"{mb:.0f}" for mb in result["worker_peak_mb"]) + " MB")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--backend", choices=["database", "rq", "both"], default="both")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--idle", type=float, default=20.0, help="seconds of idle CPU sampling")
    parser.add_argument("--tiny", type=int, default=40, help="tiny tasks, one at a time")
    parser.add_argument("--burst", type=int, default=200, help="tiny tasks at once")
    parser.add_argument("--images", type=int, default=8, help="real photos at once (0: skip)")
    args = parser.parse_args()
    backends = ["database", "rq"] if args.backend == "both" else [args.backend]
    with open("/proc/loadavg") as handle:
        print("load average at start:", " ".join(handle.read().split()[:3]))
    for backend in backends:
        report(run_backend(backend, args), args.workers)


if __name__ == "__main__":
    main()
