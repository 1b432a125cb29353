"""Create, delete and purge jobs. Processing happens here, inside the request."""

from __future__ import annotations

import logging
import time
import uuid

from django.conf import settings
from django.core.cache import cache
from django.utils import timezone
from PIL import Image

from tools import pipeline
from tools.models import Job
from tools.services import storage

log = logging.getLogger(__name__)

PREVIEW_SIDE = 1600  # long side of the images the result page shows and the browser composites
THUMB_SIDE = 240
MAX_LISTED_SUBJECTS = 12
PURGE_LOCK = "tools:purge-expired"


class JobFailed(Exception):
    """Processing broke for a reason that is not the visitor's file; ``code`` is the reference."""

    def __init__(self, code: uuid.UUID) -> None:
        super().__init__(
            "Something went wrong on our side while removing the background. Please try again "
            f"in a moment, or try another image. (Reference: {code})"
        )
        self.code = code


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


def create_job(image: Image.Image, *, filename: str = "") -> Job:
    """Remove the background from a decoded image and store the job's files.

    A PipelineError about the image propagates for the caller to show. A missing model or an
    unusable media store is logged with the job code, marks the job failed and raises
    ServiceUnavailable; any other failure does the same and raises JobFailed.
    """
    maybe_purge_expired()
    job = Job(original_name=display_name(filename), model=settings.PIXELFORGE_DEFAULT_MODEL)
    job.width, job.height = image.size
    try:
        started = time.perf_counter()
        result = pipeline.remove_background(image, model=job.model)
        job.processing_ms = round((time.perf_counter() - started) * 1000)
        subjects = pipeline.find_subjects(result.alpha)
        job.subjects = [
            {"index": s.index, "box": list(s.box), "area": s.area}
            for s in subjects[:MAX_LISTED_SUBJECTS]
        ]
        storage.save_image(job, "original", result.original)
        storage.save_image(job, "cutout", result.cutout)
        storage.save_image(job, "alpha", result.alpha)
        storage.save_image(job, "original_preview", preview_of(result.original))
        storage.save_image(job, "cutout_preview", preview_of(result.cutout))
        if len(job.subjects) > 1:
            _save_subject_thumbs(job, result.original, result.cutout)
        job.save()
    except pipeline.ModelUnavailable as exc:
        log.error("Job %s failed: model %s unavailable: %s", job.code, job.model, exc)
        _fail(job)
        raise ServiceUnavailable(MODEL_DOWN, job.code) from exc
    except pipeline.PipelineError:
        _discard_files(job)
        raise
    except storage.StorageUnavailable as exc:
        log.error("Job %s failed: media storage %s", job.code, exc)
        _fail(job)
        raise ServiceUnavailable(STORAGE_DOWN, job.code) from exc
    except Exception as exc:
        log.exception("Job %s failed while processing", job.code)
        _fail(job)
        raise JobFailed(job.code) from exc
    log.info("Job %s done: %sx%s in %s ms", job.code, job.width, job.height, job.processing_ms)
    return job


def _discard_files(job: Job) -> None:
    try:
        storage.delete_files(job.code)
    except storage.StorageUnavailable as exc:
        log.error("Job %s: %s", job.code, exc)


def _fail(job: Job) -> None:
    """Keep a failed job's row (for its reference) without files."""
    _discard_files(job)
    job.status = Job.Status.FAILED
    for field in Job.FILES:
        setattr(job, field, "")
    job.save()


def _save_subject_thumbs(job: Job, original: Image.Image, cutout: Image.Image) -> None:
    for subject in job.subjects:
        options = pipeline.RenderOptions(keep_subjects=(subject["index"],), crop=True)
        thumb = preview_of(pipeline.render(original, cutout, options), THUMB_SIDE)
        storage.store(storage.subject_thumb_path(job, subject["index"]), _png(thumb))


def _png(image: Image.Image) -> bytes:
    return pipeline.encode(image, "png")


def delete_job(job: Job) -> None:
    """Remove the job's files at once, then its row."""
    storage.delete_files(job.code)
    job.delete()
    log.info("Job %s deleted", job.code)


def purge_expired(now: timezone.datetime | None = None) -> int:
    """Delete every expired job with its files; return how many."""
    count = 0
    for job in Job.objects.expired(now).only("id", "code"):
        storage.delete_files(job.code)
        job.delete()
        count += 1
    return count


def maybe_purge_expired() -> int:
    """Purge at most once per PIXELFORGE_PURGE_INTERVAL_SECONDS (across processes that share
    the cache), so expired files go even when no scheduler runs ``purge_expired``."""
    if not cache.add(PURGE_LOCK, 1, timeout=settings.PIXELFORGE_PURGE_INTERVAL_SECONDS):
        return 0
    try:
        return purge_expired()
    except Exception:
        log.exception("Opportunistic purge of expired jobs failed")
        return 0
