"""Back-pressure: room in the queue and on the disk for new work, checked before it is stored.

A full queue or a full disk budget raises ``Busy``: the site and the API answer 503 with
Retry-After.
"""

from __future__ import annotations

import logging
import math

from django.conf import settings
from django.core.cache import cache

from tools.models import Job
from tools.services import metrics, storage
from tools.services.estimates import measured_speed

log = logging.getLogger(__name__)

DISK_USAGE_KEY = "tools:disk-usage"


class Busy(Exception):
    """Too much waiting work (a full queue or disk budget): try again after ``retry_after`` s."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(
            "PixelForge is very busy right now and cannot take another image. "
            f"Please try again in about {retry_after} seconds."
        )
        self.reason = reason
        self.retry_after = retry_after


def retry_after_seconds() -> int:
    """About how long until the queue has room again."""
    return max(5, math.ceil(measured_speed().seconds(1000, 1000) * 2))


def disk_usage() -> int:
    """Bytes held by job files (cached for a few seconds: it walks the media folder)."""
    used = cache.get(DISK_USAGE_KEY)
    if used is None:
        used = storage.folder_size("jobs")
        cache.set(DISK_USAGE_KEY, used, timeout=10)
    return used


def footprint(width: int, height: int, upload_bytes: int) -> int:
    """A generous guess of a job's files: the upload, the RGBA cut-out, the alpha, previews."""
    return upload_bytes + width * height * 4 + 4_000_000


def check_capacity(*, width: int, height: int, upload_bytes: int) -> None:
    """Raise Busy when the queue is full or the job would pass the disk budget."""
    check_room(jobs=1, footprint_bytes=footprint(width, height, upload_bytes))


def check_room(*, jobs: int, footprint_bytes: int) -> None:
    """Raise Busy unless ``jobs`` more fit in the queue and ``footprint_bytes`` on the disk
    (a batch asks once for all its files, before any is stored)."""
    if Job.objects.live().queued().count() + jobs > settings.PIXELFORGE_MAX_QUEUE:
        metrics.count("rejected_queue_full")
        raise Busy("queue_full", retry_after_seconds())
    check_disk(footprint_bytes)


def check_disk(footprint_bytes: int) -> None:
    """Raise Busy unless ``footprint_bytes`` more fit in the disk budget: a new job, and every
    later write that grows one (a refine's revision, a new render)."""
    budget = settings.PIXELFORGE_DISK_BUDGET_MB * 1024 * 1024
    if budget and disk_usage() + footprint_bytes > budget:
        metrics.count("rejected_disk_full")
        log.error("Disk budget of %s MB reached; refusing new work", budget // 2**20)
        raise Busy("disk_full", max(60, settings.PIXELFORGE_PURGE_INTERVAL_SECONDS))
