"""What a job costs on this site, and how long a waiting visitor has to wait.

A fixed cost plus a cost per megapixel, fitted to the last RECENT_JOBS finished jobs, for the
jobs ahead, the running ones and this one (the waiting page, the status endpoints).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from tools.models import Job

RECENT_JOBS = 30  # the estimate follows the speed of the last this many jobs


@dataclass(frozen=True)
class Speed:
    """What a job costs on this site: a fixed part (the model runs at its own input size, so
    a small photo costs nearly as much as a large one) plus a part per megapixel (decoding,
    matting and encoding grow with the photo)."""

    fixed_ms: float
    ms_per_megapixel: float

    def seconds(self, width: int, height: int) -> float:
        return max(0.5, (self.fixed_ms + self.ms_per_megapixel * width * height / 1e6) / 1000)


# Until jobs were measured: isnet-int8 on a quiet 2-core machine, one thread per worker.
DEFAULT_SPEED = Speed(fixed_ms=1500.0, ms_per_megapixel=250.0)
MIN_SPREAD_MP = 0.5  # the sizes of the recent jobs must differ this much to fit both parts


def measured_speed() -> Speed:
    """The recent jobs' speed: a least-squares line through (megapixels, milliseconds) when
    their sizes differ enough, else their mean as the fixed part with the default slope."""
    recent = list(
        Job.objects.done()
        .filter(processing_ms__gt=0)
        .values_list("processing_ms", "width", "height")[:RECENT_JOBS]
    )
    if not recent:
        return DEFAULT_SPEED
    points = [(w * h / 1e6, float(ms)) for ms, w, h in recent]
    n = len(points)
    mean_mp = sum(mp for mp, _ in points) / n
    mean_ms = sum(ms for _, ms in points) / n
    spread = sum((mp - mean_mp) ** 2 for mp, _ in points)
    if n >= 3 and max(mp for mp, _ in points) - min(mp for mp, _ in points) >= MIN_SPREAD_MP:
        slope = sum((mp - mean_mp) * (ms - mean_ms) for mp, ms in points) / spread
        slope = max(0.0, slope)
        return Speed(max(0.0, mean_ms - slope * mean_mp), slope)
    slope = DEFAULT_SPEED.ms_per_megapixel
    return Speed(max(0.0, mean_ms - slope * mean_mp), slope)


def busy_workers() -> int:
    return max(1, Job.objects.live().processing().count())


def _running() -> list[tuple[int, int, timezone.datetime | None]]:
    return list(Job.objects.live().processing().values_list("width", "height", "started_at"))


def _remaining(width: int, height: int, started_at, speed: Speed) -> float:
    elapsed = (timezone.now() - (started_at or timezone.now())).total_seconds()
    return max(0.5, speed.seconds(width, height) - elapsed)


@dataclass(frozen=True)
class Progress:
    state: str
    stage: str
    stage_label: str
    position: int | None  # 1 = next to be processed; None unless queued
    estimate_seconds: int | None  # until done; None once finished
    error: str


def progress(job: Job) -> Progress:
    speed = measured_speed()
    position = estimate = None
    if job.state == Job.Status.QUEUED:
        ahead = Job.objects.live().queued().filter(created_at__lt=job.created_at)
        position = ahead.count() + 1
        waiting = sum(speed.seconds(w, h) for w, h in ahead.values_list("width", "height"))
        waiting += sum(_remaining(*row, speed) for row in _running())
        estimate = waiting / busy_workers() + speed.seconds(job.width, job.height)
    elif job.state == Job.Status.PROCESSING:
        estimate = _remaining(job.width, job.height, job.started_at, speed)
    label = Job.Stage(job.stage).label if job.stage else ""
    return Progress(
        state=job.state,
        stage=job.stage,
        stage_label=label,
        position=position,
        estimate_seconds=math.ceil(estimate) if estimate is not None else None,
        error=job.error,
    )


def status_document(job: Job) -> dict[str, object]:
    """What the status endpoint answers (and what the page shows)."""
    now = progress(job)
    document: dict[str, object] = {
        "code": str(job.code),
        "state": now.state,
        "stage": now.stage or None,
        "stage_label": now.stage_label or None,
        "position": now.position,
        "estimate_seconds": now.estimate_seconds,
        "width": job.width,
        "height": job.height,
        "error": now.error or None,
        "expires_at": job.expires_at.isoformat(),
    }
    if now.state == Job.Status.DONE:
        document["result_url"] = reverse("tools:result", kwargs={"code": job.code})
        document["processing_ms"] = job.processing_ms
    return document
