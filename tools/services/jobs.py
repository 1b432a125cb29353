"""Jobs from the web side: submit an upload, report its state, cancel or delete it.

The web process never runs the model: ``submit`` makes the job's row, stores the upload as
received and enqueues ``tools.tasks.process_job`` (services/queue.py); a worker does the rest
(tools/services/processing.py). A full queue or a full disk raises ``capacity.Busy`` (a 503
with Retry-After), checked before anything is stored. What a job is expected to cost, and its
place in the queue, are in services/estimates.py.
"""

from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.utils import timezone
from PIL import Image

from tools.models import Batch, Job
from tools.services import capacity, metrics, queue, storage

log = logging.getLogger(__name__)

PREVIEW_SIDE = 1600  # long side of the images the result page shows and the browser composites
THUMB_SIDE = 240
MAX_LISTED_SUBJECTS = 12


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
    capacity.check_capacity(width=size[0], height=size[1], upload_bytes=len(data))
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
