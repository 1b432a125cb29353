"""python manage.py worker: run background jobs, and the periodic sweep beside them.

Runs the worker of the configured task backend (PIXELFORGE_TASKS_BACKEND): `db_worker` for the
database backend, RQ's worker for Redis. A thread sweeps expired and stalled jobs every
PIXELFORGE_PURGE_INTERVAL_SECONDS, so no cron job is needed.
"""

from __future__ import annotations

import os
import threading
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection

from tools.apps import configure_pipeline
from tools.services.sweep import maybe_sweep

# A visitor waits on every refine stroke, and an idle worker finds a new task on its next poll:
# 0.1 s keeps that wait to about 0.06 s (0.5 s: 0.2 s), for about 2% of a core per idle worker
# on SQLite (benchmarks/refine_queue.py, docs/benchmarks.md). RQ's workers are pushed tasks.
POLL_SECONDS = 0.1


def sweep_forever(stop: threading.Event) -> None:
    try:
        while not stop.is_set():
            maybe_sweep()
            stop.wait(settings.PIXELFORGE_PURGE_INTERVAL_SECONDS)
    finally:
        connection.close()


def limit_threads(threads: int) -> None:
    """Numba and OpenMP get ``threads`` each: with one worker per core, more only contend for
    the same cores. Numba reads its variable when pymatting first imports it, in the first job
    (numpy's BLAS, loaded already, keeps its own; the pipeline barely uses it); an explicit
    variable wins. Onnxruntime keeps one thread per core (PIXELFORGE_ONNX_THREADS sets
    another): its threads do not spin (pipeline/sessions.py), so a lone job's inference uses
    both cores and two jobs at once cost 4% more CPU than with a thread each."""
    if not threads:
        return
    for name in ("NUMBA_NUM_THREADS", "OMP_NUM_THREADS"):
        os.environ.setdefault(name, str(threads))


def configure_worker() -> None:
    """The thread limits and the model settings of a worker process, before its first job."""
    limit_threads(settings.PIXELFORGE_WORKER_THREADS)
    configure_pipeline()


class Command(BaseCommand):
    help = "Run queued background-removal jobs and the periodic sweep (no cron needed)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--interval",
            type=float,
            default=POLL_SECONDS,
            help=f"Seconds between polls of an empty queue (database backend; {POLL_SECONDS}).",
        )
        parser.add_argument("--no-sweep", action="store_true", help="Leave sweeping to others.")

    def handle(self, *args: Any, **options: Any) -> None:
        configure_worker()
        stop = threading.Event()
        if not options["no_sweep"]:
            threading.Thread(target=sweep_forever, args=(stop,), daemon=True).start()
        backend = settings.PIXELFORGE_TASKS_BACKEND
        try:
            if backend == "database":
                call_command(
                    "db_worker", interval=options["interval"], startup_delay=False, reload=False
                )
            elif backend == "rq":
                # SimpleWorker runs jobs in this process, so the model session is loaded once
                # per worker instead of once per job in a forked work horse. RQ takes its
                # queues in order: "urgent" (tools.services.queue.ahead) before "default".
                call_command(
                    "rqworker",
                    "urgent",
                    "default",
                    job_class="django_tasks_rq.Job",
                    worker_class="rq.worker.SimpleWorker",
                )
            else:
                raise CommandError(f"The {backend!r} task backend has no worker to run.")
        finally:
            stop.set()
