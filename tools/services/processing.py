"""Jobs from the worker side: the only code that runs the model.

``run_job`` claims a queued job, runs its request through the cut-out service's one path
(services/cutouts.py; ``_process``), reports each stage (decoding, segmenting, matting, finishing)
and a heartbeat while it works, and stores the results. A job deleted or cancelled meanwhile
is noticed at the next stage; its files are discarded. A worker killed mid-job stops its
heartbeat, and the sweep (tools/services/sweep.py) marks the job failed.
"""

from __future__ import annotations

import contextlib
import dataclasses
import logging
import threading
import time
import uuid
from collections.abc import Iterator

from django.db import connection
from django.utils import timezone

from tools import pipeline
from tools.models import Job
from tools.services import cutouts, downloads, labels, storage
from tools.services.jobs import (
    MODEL_DOWN,
    STORAGE_DOWN,
    THUMB_SIDE,
    JobFailed,
    ServiceUnavailable,
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
            _process(job, tracker)
            tracker.enter("")
    except Cancelled:
        log.info("Job %s was cancelled while processing", job.code)
        storage.delete_files(job.code)
        return "cancelled"
    except pipeline.ModelUnavailable as exc:
        log.error("Job %s failed: model %s unavailable: %s", job.code, job.model, exc)
        return _fail(job, _service_message(MODEL_DOWN, job), exc)
    except pipeline.PipelineError as exc:  # about the visitor's file: say what was wrong
        return _fail(job, str(exc), exc)
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
    return str(ServiceUnavailable(what, job.code))


def _fail(job: Job, message: str, exc: Exception | None = None) -> str:
    """Fail the job with ``message``; an API call's failure also keeps its kind and the input
    it is about (cutouts.failure), and its own message, for the API's error codes."""
    if exc is not None and job.kind == Job.Kind.API:
        error = cutouts.failure(exc, job.model)
        job.result_meta = {**job.result_meta, "error": error}
        message = error["message"]
    if Job.objects.filter(pk=job.pk).exists():
        fail(job, message)
    else:
        storage.delete_files(job.code)
    return Job.Status.FAILED


def _process(job: Job, tracker: Tracker) -> None:
    """The one path: the job's request decoded and cut out, then kept for the result page
    (the site) or rendered as the one file it asks for (the API)."""
    tracker.enter("decoding")
    started = time.perf_counter()
    request = cutouts.stored_request(job)
    decoded = cutouts.decode(request)  # its scaled_from is said on the result page, in the
    tracker.enter("segmenting")  # downloads' names and in the API's X-Scaled-From
    if request.output is None:
        result = cutouts.cut_out(request, decoded.image, on_stage=tracker.enter)
        tracker.enter("finishing")
        _keep_for_page(job, result, decoded.scaled_from)
        return
    with cutouts.guard(Cancelled, storage.StorageUnavailable):
        result = cutouts.cut_out(request, decoded.image, on_stage=tracker.enter)
        tracker.enter("finishing")
        output = cutouts.render_output(request, result, decoded, started=started)
    storage.store(storage.path(job, "api_result"), output.data)
    meta = dataclasses.asdict(output)
    del meta["data"]
    job.result_meta = meta


def _keep_for_page(job: Job, result: pipeline.Cutout, scaled: tuple[int, int] | None) -> None:
    """Store the cut-out, its previews, subjects and pictures for the result page."""
    if scaled:  # said on the result page and in the downloads' names (filenames.py)
        job.result_meta = {**job.result_meta, "scaled_from": list(scaled)}
    small_original, small_cutout = preview_of(result.original), preview_of(result.cutout)
    job.subjects, preview_map = labels.label(job, result.alpha, small_cutout)  # once per cut-out
    files = {  # encoded two at a time (pipeline.side_by_side), stored here
        "cutout": lambda: pipeline.encode(result.cutout, "png"),
        "alpha": lambda: pipeline.encode(result.alpha, "png"),
        "original_preview": lambda: storage.encode_for(small_original, "original_preview"),
    }
    if small_cutout is not result.cutout:  # else the same file as the cut-out, encoded once
        files["cutout_preview"] = lambda: pipeline.encode(small_cutout, "png")
    encoded = dict(zip(files, pipeline.side_by_side(list(files.values())), strict=True))
    encoded.setdefault("cutout_preview", encoded["cutout"])
    for field, data in encoded.items():
        storage.save_bytes(job, field, data)
    downloads.make_pictures(job, original=small_original, cutout=small_cutout)  # the page's
    if job.batch_id:  # the batch page lists its files with a small thumbnail each
        storage.store_png(storage.path(job, "thumb"), preview_of(small_cutout, THUMB_SIDE))
    if len(job.subjects) > 1:
        labels.save_subject_thumbs(job, small_original, small_cutout, preview_map)
