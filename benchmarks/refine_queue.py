"""A refine stroke through the task queue, timed as a visitor's browser waits for it.

    .venv/bin/python -m benchmarks.refine_queue                      # database 0.5 s, 0.1 s, rq
    .venv/bin/python -m benchmarks.refine_queue --configs database:0.1 --strokes 10 --idle 0

For each configuration (task backend, and for the database backend the worker's polling
interval) it starts the deployed shape on loopback ports with production settings: gunicorn
(gunicorn.conf.py), one `manage.py worker` process, nginx (`manage.py nginx_config`), and for
"rq" a private redis-server. Then:

1. Idle cost: with the queue empty, the worker's CPU time over --idle seconds (user + system,
   from /proc), as a share of one core: what polling costs when nobody refines.
2. Strokes: a real photo (tests/fixtures/astronaut.jpg) upscaled to 1024 px is uploaded through
   the form; then --strokes times, after a random pause (a visitor looks before drawing again,
   so a stroke lands at a random point of the worker's sleep), a drag with a 20 px brush across
   the subject's edge is POSTed to the refine page as refine.js sends it (an 8-bit grey PNG,
   1 keep / 2 remove, alternating, Accept: application/json, CSRF token and cookie), and the
   time until the answer naming the new revision is taken.

Each round-trip is split with the task's own timestamps (the database's task row, or RQ's job)
and the revision's `processing_ms`: before the queue (the request is read, the strokes stored,
the task enqueued), queue wait (enqueued -> a worker starts it), the task (of which the
re-solve, `refine_job`), and after (the worker's answer -> the web process notices it and
responds). The reference tool (rembg) has no refine; the comparison is with the re-solve alone
and the old in-request figure in docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import io
import json
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
from PIL import Image

from benchmarks import _site as site
from benchmarks._site import HOST, REPO, load_average
from benchmarks._visitor import Visitor, percentile

PHOTO = REPO / "tests" / "fixtures" / "astronaut.jpg"
SIDE = 1024
TARGET = 1.0  # seconds: the target for one stroke on a 1024 px image
IN_REQUEST_P50 = 0.583  # refine_job median, r=20 px drag, before the queue (docs/benchmarks.md)


@dataclass
class Stroke:
    posted: float  # epoch seconds
    answered: float
    enqueued: float = 0.0
    started: float = 0.0
    finished: float = 0.0
    solve: float = 0.0  # refine_job, from Revision.processing_ms

    @property
    def total(self) -> float:
        return self.answered - self.posted


@dataclass
class Run:
    name: str
    idle_cpu: float | None = None  # share of one core
    idle_redis_cpu: float | None = None
    strokes: list[Stroke] = field(default_factory=list)


class RefineVisitor(Visitor):
    def post_strokes(self, path: str, token: str, mask: bytes, base: int) -> dict:
        boundary = uuid.uuid4().hex
        parts = []
        for name, value in (
            ("csrfmiddlewaretoken", token),
            ("action", "strokes"),
            ("base", str(base)),
        ):
            parts.append(
                f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
                f"{value}\r\n".encode()
            )
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="strokes"; '
            f'filename="strokes.png"\r\nContent-Type: image/png\r\n\r\n'.encode()
        )
        body = b"".join([*parts, mask, f"\r\n--{boundary}--\r\n".encode()])
        headers = {
            "Content-Type": f"multipart/form-data; boundary={boundary}",
            "Accept": "application/json",
            "Cookie": self.cookie,
            "Origin": f"http://{HOST}:{self.port}",
        }
        status, data, _ = self._request("POST", path, body, headers)
        if status != 200:
            raise RuntimeError(f"refine: HTTP {status}: {data[:300]!r}")
        return json.loads(data)

    def fetch(self, path: str) -> bytes:
        status, data, _ = self._request("GET", path)
        if status != 200:
            raise RuntimeError(f"GET {path}: HTTP {status}")
        return data


def photo_1024() -> bytes:
    with Image.open(PHOTO) as image:
        scale = SIDE / max(image.size)
        size = (round(image.width * scale), round(image.height * scale))
        big = image.convert("RGB").resize(size, Image.Resampling.LANCZOS)
    out = io.BytesIO()
    big.save(out, "JPEG", quality=92)
    return out.getvalue()


def stroke_masks(cutout: bytes) -> tuple[bytes, bytes]:
    """The 20 px drag of benchmarks/refine.py as refine.js's PNG: (remove, keep)."""
    from benchmarks.refine import speed_strokes

    with Image.open(io.BytesIO(cutout)) as image:
        alpha = image.convert("RGBA").getchannel("A")
    _label, _keep, drag = speed_strokes(alpha)[1]
    on = np.asarray(drag) > 0
    masks = []
    for value in (2, 1):
        out = io.BytesIO()
        Image.fromarray((on * value).astype(np.uint8), "L").save(out, "PNG")
        masks.append(out.getvalue())
    return masks[0], masks[1]


# --- The processes -----------------------------------------------------------------------


class Deployed:
    def __init__(self, work: Path, backend: str, interval: float | None) -> None:
        self.work = work
        self.web_port, self.port = site.free_port(), site.free_port()
        self.env = site.site_env(work, web_port=self.web_port, database_url=None, workers=1)
        self.env["PIXELFORGE_ACCEL_REDIRECT_URL"] = site.ACCEL_REDIRECT_URL  # nginx sends files
        self.env.update(PIXELFORGE_TASKS_BACKEND=backend, PIXELFORGE_REFINE_RATE_LIMIT="0")
        self.redis = None
        if backend == "rq":
            redis_port = site.free_port()
            self.redis = site.start(
                ["redis-server", "--bind", HOST, "--port", str(redis_port), "--save", "",
                 "--appendonly", "no"], self.env, work / "redis.log",
            )  # fmt: skip
            self.env["PIXELFORGE_REDIS_URL"] = f"redis://{HOST}:{redis_port}/0"
            site.wait_for_port(redis_port)
        site.manage(self.env, "migrate", "--noinput")
        site.manage(self.env, "collectstatic", "--noinput")
        self.web = site.start_gunicorn(self.env, work)
        command = [sys.executable, "manage.py", "worker", "--no-sweep"]
        if interval is not None:
            command += ["--interval", str(interval)]
        self.worker = site.start(command, self.env, work / "worker.log")
        self.nginx = site.start_nginx(self.env, work, port=self.port, web_port=self.web_port)
        site.wait_for_port(self.web_port)
        site.wait_for_port(self.port)

    def worker_pids(self) -> list[int]:
        return [self.worker.pid, *site.children(self.worker.pid)]

    def close(self) -> None:
        for process in (self.nginx, self.web, self.worker, self.redis):
            if process is not None:
                site.stop(process)


def idle_share(pids: list[int], seconds: float) -> float:
    before = site.cpu_seconds(pids)
    time.sleep(seconds)
    return (site.cpu_seconds(pids) - before) / seconds


def epoch(value: object) -> float:
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.timestamp()


def task_times(deployed: Deployed, backend: str) -> list[tuple[float, float, float]]:
    """(enqueued, started, finished) of every refine task, oldest first."""
    if backend == "database":
        with sqlite3.connect(deployed.work / "db.sqlite3") as db:
            rows = db.execute(
                "SELECT enqueued_at, started_at, finished_at "
                "FROM django_tasks_database_dbtaskresult "
                "WHERE task_path LIKE '%refine_cutout' ORDER BY enqueued_at"
            ).fetchall()
        return [tuple(epoch(v) for v in row) for row in rows]
    from redis import Redis
    from rq.job import Job
    from rq.registry import FinishedJobRegistry

    connection = Redis.from_url(deployed.env["PIXELFORGE_REDIS_URL"])
    jobs = Job.fetch_many(FinishedJobRegistry("default", connection=connection).get_job_ids(),
                          connection=connection)  # fmt: skip
    rows = [(epoch(j.enqueued_at), epoch(j.started_at), epoch(j.ended_at)) for j in jobs
            if j.func_name.endswith("refine_cutout") or "refine_cutout" in str(j.args)]  # fmt: skip
    return sorted(rows)


def solve_seconds(deployed: Deployed) -> list[float]:
    with sqlite3.connect(deployed.work / "db.sqlite3") as db:
        rows = db.execute(
            "SELECT processing_ms FROM tools_revision WHERE number > 0 ORDER BY number"
        ).fetchall()
    return [ms / 1000 for (ms,) in rows]


def run_config(name: str, args: argparse.Namespace) -> Run:
    backend, _, interval = name.partition(":")
    run = Run(name)
    with tempfile.TemporaryDirectory(prefix="pixelforge-refine-queue-") as folder:
        deployed = Deployed(Path(folder), backend, float(interval) if interval else None)
        try:
            visitor = RefineVisitor(deployed.port)
            result = visitor.upload("astronaut-1024.jpg", photo_1024())
            if visitor.wait(result)["state"] != "done":
                raise RuntimeError("the upload failed")
            if args.idle:
                time.sleep(2)  # the job's last writes
                run.idle_cpu = idle_share(deployed.worker_pids(), args.idle)
                if deployed.redis is not None:
                    run.idle_redis_cpu = idle_share([deployed.redis.pid], 5)
            token = visitor.token  # the page's token matches the visitor's cookie
            masks = stroke_masks(visitor.fetch(result + "view/cutout/"))
            revision = 0
            for i in range(args.strokes):
                time.sleep(random.uniform(*args.pause))
                posted = time.time()
                body = visitor.post_strokes(result + "refine/", token, masks[i % 2], revision)
                answered = time.time()
                if body["revision"] != revision + 1:
                    raise RuntimeError(f"expected revision {revision + 1}, got {body}")
                revision = body["revision"]
                run.strokes.append(Stroke(posted, answered))
                print(f"  {name} stroke {i + 1}: {answered - posted:.3f} s", flush=True)
            times = task_times(deployed, backend)
            solves = solve_seconds(deployed)
            if len(times) != len(run.strokes) or len(solves) != len(run.strokes):
                raise RuntimeError(f"{len(times)} tasks, {len(solves)} revisions")
            for stroke, (enqueued, started, finished), solve in zip(
                run.strokes, times, solves, strict=True
            ):
                stroke.enqueued, stroke.started, stroke.finished = enqueued, started, finished
                stroke.solve = solve
        finally:
            deployed.close()
    return run


# --- Report ------------------------------------------------------------------------------


def table(runs: list[Run]) -> str:
    lines = [
        "| configuration | strokes | round-trip p50 | p95 | max | before queue | queue wait | "
        "task | of which re-solve | after task | overhead (round-trip - re-solve) | "
        "worker idle CPU |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for run in runs:
        s = run.strokes
        totals = [x.total for x in s]

        def p50(values: list[float]) -> str:
            return f"{statistics.median(values):.3f}"

        idle = "-" if run.idle_cpu is None else f"{100 * run.idle_cpu:.2f}%"
        if run.idle_redis_cpu is not None:
            idle += f" (+ redis {100 * run.idle_redis_cpu:.2f}%)"
        lines.append(
            f"| {run.name} | {len(s)} | {p50(totals)} s | {percentile(totals, 95):.3f} s | "
            f"{max(totals):.3f} s | {p50([x.enqueued - x.posted for x in s])} | "
            f"{p50([x.started - x.enqueued for x in s])} | "
            f"{p50([x.finished - x.started for x in s])} | {p50([x.solve for x in s])} | "
            f"{p50([x.answered - x.finished for x in s])} | "
            f"{p50([x.total - x.solve for x in s])} | {idle} |"
        )
    return "\n".join(lines)


def verdicts(runs: list[Run]) -> str:
    lines = []
    for run in runs:
        totals = [x.total for x in run.strokes]
        p95 = percentile(totals, 95)
        solve = statistics.median(x.solve for x in run.strokes)
        lines.append(
            f"- {run.name}: p95 {p95:.3f} s {'<' if p95 < TARGET else '>='} {TARGET:.0f} s target "
            f"({'met' if p95 < TARGET else 'NOT met'}); p50 {statistics.median(totals):.3f} s = "
            f"{statistics.median(totals) / solve:.2f} x the re-solve alone ({solve:.3f} s), "
            f"{statistics.median(totals) / IN_REQUEST_P50:.2f} x the old in-request refine_job "
            f"median ({IN_REQUEST_P50} s)"
        )
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument(
        "--configs",
        nargs="+",
        default=["database:0.5", "database:0.1", "rq"],
        help="backend[:worker polling interval], e.g. database:0.1 or rq",
    )
    parser.add_argument("--strokes", type=int, default=20, help="strokes per configuration")
    parser.add_argument("--idle", type=float, default=60.0, help="idle CPU window, s (0: skip)")
    parser.add_argument("--pause", type=float, nargs=2, default=(0.3, 1.0), metavar=("MIN", "MAX"))
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args(argv)
    random.seed(args.seed)
    print(f"load average at start: {load_average()}", flush=True)
    runs = [run_config(name, args) for name in args.configs]
    report = (
        f"Refine through the queue: {SIDE} px photo, 20 px drag, seconds (medians unless "
        f"named)\n\n{table(runs)}\n\n{verdicts(runs)}\n"
    )
    print("\n" + report)
    out = REPO / "benchmarks" / "out"
    out.mkdir(parents=True, exist_ok=True)
    (out / "refine_queue.md").write_text(report)
    print(f"load average at end: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
