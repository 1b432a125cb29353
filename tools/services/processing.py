"""Jobs from the worker side: the only code that runs the model.

``run_job`` claims a queued job, reports each stage (decoding, segmenting, matting, finishing)
and a heartbeat while it works, and stores the results. A job deleted or cancelled meanwhile
is noticed at the next stage; its files are discarded. A worker killed mid-job stops its
heartbeat, and the sweep (tools/services/sweep.py) marks the job failed.
"""

from __future__ import annotations

import contextlib
import logging
import threading
import time
import uuid
from collections.abc import Iterator

from django.db import connection
from django.utils import timezone
from PIL import Image

from tools import pipeline
from tools.images import decode_within_limits
from tools.models import Job
from tools.services import labels, renders, storage
from tools.services.jobs import (
    MODEL_DOWN,
    STORAGE_DOWN,
    THUMB_SIDE,
    JobFailed,
    fail,
    preview_of,
)

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 5


class Cancelled(Exception):
    """The job's row went away while it was processed (the visitor cancelled or deleted it)."""


class Tracker:
    """Stage changes and their durations for one job."""

    def __init__(self, job: Job) -> None:
        self.job = job
        self.stage = ""
        self.started = time.perf_counter()
        self.durations: dict[str, int] = {}

    def enter(self, stage: str) -> None:
        now = time.perf_counter()
        if self.stage:
            self.durations[self.stage] = round((now - self.started) * 1000)
        self.stage, self.started = stage, now
        if stage:
            updated = Job.objects.filter(pk=self.job.pk).update(
                stage=stage, heartbeat_at=timezone.now()
            )
            if not updated:
                raise Cancelled()
            self.job.stage = stage


@contextlib.contextmanager
def heartbeat(job: Job) -> Iterator[None]:
    """Touch the job's heartbeat every few seconds from a thread while the block runs.

    Not inside a transaction (a task run in the request, in tests): the thread could not
    write until it ends, and no sweep can run meanwhile anyway.
    """
    if connection.in_atomic_block:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        try:
            while not stop.wait(HEARTBEAT_SECONDS):
                Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now())
        finally:
            connection.close()

    thread = threading.Thread(target=beat, name=f"heartbeat-{job.code}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def claim(code: str | uuid.UUID) -> Job | None:
    """Move a queued job to processing; None when it is gone, cancelled or already taken."""
    now = timezone.now()
    claimed = Job.objects.filter(code=code, status=Job.Status.QUEUED).update(
        status=Job.Status.PROCESSING, started_at=now, heartbeat_at=now
    )
    return Job.objects.filter(code=code).first() if claimed else None


def run_job(code: str | uuid.UUID) -> str:
    """Process one job; returns its final state (for the task result and the tests)."""
    job = claim(code)
    if job is None:
        log.info("Job %s is no longer queued; nothing to do", code)
        return "skipped"
    tracker = Tracker(job)
    started = time.perf_counter()
    try:
        with heartbeat(job):
            if job.kind == Job.Kind.API:
                _process_api(job, tracker)
            else:
                _process_site(job, tracker)
            tracker.enter("")
    except Cancelled:
        log.info("Job %s was cancelled while processing", job.code)
        storage.delete_files(job.code)
        return "cancelled"
    except pipeline.ModelUnavailable as exc:
        log.error("Job %s failed: model %s unavailable: %s", job.code, job.model, exc)
        return _fail(job, _service_message(MODEL_DOWN, job))
    except pipeline.PipelineError as exc:  # about the visitor's file: say what was wrong
        return _fail(job, str(exc))
    except storage.StorageUnavailable as exc:
        log.error("Job %s failed: media storage %s", job.code, exc)
        return _fail(job, _service_message(STORAGE_DOWN, job))
    except Exception:
        log.exception("Job %s failed while processing", job.code)
        return _fail(job, str(JobFailed(job.code)))
    job.processing_ms = round((time.perf_counter() - started) * 1000)
    job.stage_ms = tracker.durations
    finished = Job.objects.filter(pk=job.pk, status=Job.Status.PROCESSING).update(
        status=Job.Status.DONE,
        stage="",
        processing_ms=job.processing_ms,
        stage_ms=job.stage_ms,
        subjects=job.subjects,
        result_meta=job.result_meta,
        finished_at=timezone.now(),
        **{field: getattr(job, field).name for field in Job.FILES},
    )
    if not finished:  # deleted (or failed by the sweep) while finishing
        storage.delete_files(job.code)
        return "cancelled"
    log.info("Job %s done: %sx%s in %s ms", job.code, job.width, job.height, job.processing_ms)
    return Job.Status.DONE


def _service_message(what: str, job: Job) -> str:
    from tools.services.jobs import ServiceUnavailable

    return str(ServiceUnavailable(what, job.code))


def _fail(job: Job, message: str) -> str:
    if Job.objects.filter(pk=job.pk).exists():
        fail(job, message)
    else:
        storage.delete_files(job.code)
    return Job.Status.FAILED


def decode_stored(job: Job) -> pipeline.Decoded:
    """The stored upload decoded within the site's limits, with the size it declares."""
    return decode_within_limits(storage.read_bytes(job, "original"))


def _process_site(job: Job, tracker: Tracker) -> None:
    tracker.enter("decoding")
    decoded = decode_stored(job)
    if decoded.scaled:  # said on the result page and in the downloads' names (filenames.py)
        width, height = decoded.source_size  # as declared, before any EXIF turn
        if (width > height) != (decoded.size[0] > decoded.size[1]):
            width, height = height, width
        job.result_meta = {**job.result_meta, "scaled_from": [width, height]}
    image = decoded.image
    del decoded
    tracker.enter("segmenting")
    result = pipeline.remove_background(image, model=job.model, on_stage=tracker.enter)
    del image
    tracker.enter("finishing")
    small_original, small_cutout = preview_of(result.original), preview_of(result.cutout)
    job.subjects, preview_map = labels.label(job, result.alpha, small_cutout)  # once per cut-out
    cutout_png = _png(result.cutout)
    storage.save_bytes(job, "cutout", cutout_png)
    storage.save_image(job, "alpha", result.alpha)
    storage.save_image(job, "original_preview", small_original)
    if small_cutout is result.cutout:  # it fits the preview size: the same file, encoded once
        storage.save_bytes(job, "cutout_preview", cutout_png)
    else:
        storage.save_image(job, "cutout_preview", small_cutout)
    renders.make_pictures(job, original=small_original, cutout=small_cutout)  # the page's
    if job.batch_id:  # the batch page lists its files with a small thumbnail each
        storage.store(storage.thumb_path(job), _png(preview_of(small_cutout, THUMB_SIDE)))
    if len(job.subjects) > 1:
        save_subject_thumbs(job, small_original, small_cutout, preview_map)


def save_subject_thumbs(
    job: Job,
    small_original: Image.Image,
    small_cutout: Image.Image,
    preview_map: pipeline.SubjectMap,
) -> None:
    """One thumbnail per listed subject, from the preview-size images and their stored map."""
    alpha = small_cutout.getchannel("A")
    options = pipeline.RenderOptions(crop=True)
    for subject in job.subjects:
        layer = small_cutout.convert("RGBA")
        layer.putalpha(preview_map.keep(alpha, (subject["index"],)))
        thumb = preview_of(pipeline.render(small_original, layer, options), THUMB_SIDE)
        storage.store(storage.subject_thumb_path(job, subject["index"]), _png(thumb))


def _png(image: Image.Image) -> bytes:
    return pipeline.encode(image, "png")


def _process_api(job: Job, tracker: Tracker) -> None:
    from tools.api import jobs as api_jobs

    tracker.enter("decoding")
    api_jobs.process(job, on_stage=tracker.enter)
