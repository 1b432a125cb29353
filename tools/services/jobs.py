"""Jobs from the web side: submit an upload, report its state, cancel or delete it.

The web process never runs the model: ``submit`` makes the job's row, stores the upload as
received and enqueues ``tools.tasks.process_job`` (services/queue.py); a worker does the rest
(tools/services/processing.py). A full queue or a full disk raises ``Busy`` (a 503 with
Retry-After), checked before anything is stored.
"""

from __future__ import annotations

import logging
import math
import uuid
from dataclasses import dataclass

from django.conf import settings
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from PIL import Image

from tools.models import Batch, Job
from tools.services import metrics, queue, storage

log = logging.getLogger(__name__)

PREVIEW_SIDE = 1600  # long side of the images the result page shows and the browser composites
THUMB_SIDE = 240
MAX_LISTED_SUBJECTS = 12
RECENT_JOBS = 30  # the estimate follows the speed of the last this many jobs
DISK_USAGE_KEY = "tools:disk-usage"


class JobFailed(Exception):
    """Processing broke for a reason that is not the visitor's file; ``code`` is the reference."""

    def __init__(self, code: uuid.UUID) -> None:
        super().__init__(
            "Something went wrong on our side while removing the background. Please try again "
            f"in a moment, or try another image. (Reference: {code})"
        )
        self.code = code


class ServiceUnavailable(Exception):
    """The site cannot process images right now (model file or media storage); for a 503."""

    def __init__(self, what: str, code: uuid.UUID | None = None) -> None:
        reference = f" (Reference: {code})" if code else ""
        super().__init__(
            f"Background removal is unavailable right now: {what}. We have been alerted; "
            f"please try again in a few minutes.{reference}"
        )
        self.code = code


class Busy(Exception):
    """Too much waiting work (a full queue or disk budget): try again after ``retry_after`` s."""

    def __init__(self, reason: str, retry_after: int) -> None:
        super().__init__(
            "PixelForge is very busy right now and cannot take another image. "
            f"Please try again in about {retry_after} seconds."
        )
        self.reason = reason
        self.retry_after = retry_after


MODEL_DOWN = "the cut-out model could not be loaded"
STORAGE_DOWN = "results cannot be stored"
QUEUE_DOWN = "the processing queue cannot be reached"


def preview_of(image: Image.Image, side: int = PREVIEW_SIDE) -> Image.Image:
    if max(image.size) <= side:
        return image
    copy = image.copy()
    copy.thumbnail((side, side), Image.Resampling.LANCZOS)
    return copy


def display_name(filename: str) -> str:
    """The upload's base name, for display and download names only (never for a path)."""
    base = filename.replace("\\", "/").rsplit("/", 1)[-1]
    base = "".join(ch for ch in base if ch.isprintable()).strip()
    return base[:255]


# Speed and estimates ------------------------------------------------------------------------


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


# Back-pressure -------------------------------------------------------------------------------


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


# Submitting ----------------------------------------------------------------------------------


def submit(
    data: bytes,
    *,
    size: tuple[int, int],
    filename: str = "",
    kind: str = Job.Kind.SITE,
    model: str | None = None,
    api_options: dict | None = None,
    background: bytes | None = None,
    extra_files: dict[str, bytes] | None = None,
    batch: Batch | None = None,
) -> Job:
    """Make the job's row, store the upload as received, and queue it for a worker. Called
    by the cut-out service (services/cutouts.py), which every way in submits to.

    ``data`` was validated by the caller (a decodable image within the limits, of ``size``).
    """
    check_capacity(width=size[0], height=size[1], upload_bytes=len(data))
    job = Job.objects.create(
        kind=kind,
        original_name=display_name(filename),
        model=model or settings.PIXELFORGE_DEFAULT_MODEL,
        width=size[0],
        height=size[1],
        upload_bytes=len(data),
        api_options=api_options or {},
        batch=batch,
    )
    try:
        storage.save_bytes(job, "original", data)
        if background is not None:
            storage.save_bytes(job, "background", background)
        for name, content in (extra_files or {}).items():  # names of storage.FILES
            storage.store(storage.path(job, name), content)
        job.save(update_fields=["original", "background"])
    except storage.StorageUnavailable as exc:
        log.error("Job %s failed: media storage %s", job.code, exc)
        fail(job, STORAGE_DOWN)
        raise ServiceUnavailable(STORAGE_DOWN, job.code) from exc
    enqueue_job(job)
    metrics.count("submitted")
    log.info("Job %s queued: %sx%s, %s bytes", job.code, job.width, job.height, len(data))
    return job


def enqueue_job(job: Job) -> None:
    try:
        queue.enqueue("process_job", str(job.code))
    except Exception as exc:  # a broker that is down: say so rather than leave it queued
        log.exception("Job %s could not be queued", job.code)
        fail(job, QUEUE_DOWN)
        raise ServiceUnavailable(QUEUE_DOWN, job.code) from exc


# Ending --------------------------------------------------------------------------------------


def discard_files(code: uuid.UUID) -> None:
    try:
        storage.delete_files(code)
    except storage.StorageUnavailable as exc:
        log.error("Job %s: %s", code, exc)


def fail(job: Job, message: str) -> None:
    """Mark the job failed with ``message`` for the visitor; its files go, its row stays
    (with the reference) until it expires."""
    discard_files(job.code)
    for field in Job.FILES:
        setattr(job, field, "")
    job.status = Job.Status.FAILED
    job.error = message
    job.finished_at = timezone.now()
    if job.pk:
        job.save()
    metrics.count("failed")


def delete_job(job: Job) -> None:
    """Remove the job's files at once, then its row. A worker busy with it notices and stops."""
    storage.delete_files(job.code)
    job.delete()
    log.info("Job %s deleted", job.code)
