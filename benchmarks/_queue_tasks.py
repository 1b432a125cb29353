"""A tiny task for benchmarks/queues.py: it only says when a worker started it."""

from __future__ import annotations

import time

from django_tasks import task


@task()
def stamp(sent: float) -> float:
    return time.time()
