"""The client side of benchmarks/queues.py, run with the site's environment (one backend).

    python -m benchmarks._queue_client latency|burst|images N

Prints one JSON document: what it enqueued and when each task started or job finished.
"""

from __future__ import annotations

import json
import os
import sys
import time

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pixelforge.settings")

import django

django.setup()

from benchmarks._queue_tasks import stamp  # noqa: E402

POLL = 0.02
TIMEOUT = 300.0


def wait_all(results: list) -> list[float]:
    """The start time each tiny task recorded (its return value)."""
    deadline = time.monotonic() + TIMEOUT
    started: dict[int, float] = {}
    while len(started) < len(results) and time.monotonic() < deadline:
        for i, result in enumerate(results):
            if i in started:
                continue
            result.refresh()
            if result.is_finished:
                started[i] = result.return_value
        time.sleep(POLL)
    return [started.get(i, float("nan")) for i in range(len(results))]


def latency(count: int) -> dict:
    """One task at a time on an idle queue: enqueue -> start, as a visitor's job sees it."""
    delays = []
    for _ in range(count):
        sent = time.time()
        result = stamp.enqueue(sent)
        (start,) = wait_all([result])
        delays.append(start - sent)
    return {"delays": delays}


def burst(count: int) -> dict:
    """``count`` tiny tasks at once: how fast the backend hands them out."""
    sent = time.time()
    results = [stamp.enqueue(sent) for _ in range(count)]
    enqueued = time.time() - sent
    starts = wait_all(results)
    return {"enqueue_seconds": enqueued, "last_start": max(starts) - sent}


def images(count: int) -> dict:
    """``count`` real photos submitted at once; seconds until the last is done."""
    from pathlib import Path

    from tools.images import check_within_limits
    from tools.models import Job
    from tools.services import jobs

    photos = sorted((Path(__file__).resolve().parent.parent / "tests" / "fixtures").glob("*.jpg"))
    sent = time.time()
    codes = []
    for i in range(count):
        path = photos[i % len(photos)]
        with path.open("rb") as handle:
            checked = check_within_limits(handle)
        job = jobs.submit(path.read_bytes(), size=checked.size, filename=path.name)
        codes.append(job.code)
    deadline = time.monotonic() + TIMEOUT
    while time.monotonic() < deadline:
        states = list(Job.objects.filter(code__in=codes).values_list("status", flat=True))
        if all(state in (Job.Status.DONE, Job.Status.FAILED) for state in states):
            break
        time.sleep(0.1)
    done = Job.objects.filter(code__in=codes, status=Job.Status.DONE).count()
    return {"seconds": time.time() - sent, "done": done, "count": count}


if __name__ == "__main__":
    mode, count = sys.argv[1], int(sys.argv[2])
    print(json.dumps({"latency": latency, "burst": burst, "images": images}[mode](count)))
