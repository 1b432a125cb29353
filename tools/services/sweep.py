"""The periodic clean-up, run by the worker (no cron needed): nothing is left behind.

- expired jobs go with their files; an expired batch goes with all its jobs, and a batch
  left without jobs (each deleted on its own) goes once its upload is long over;
- a processing job whose worker stopped reporting (killed, out of memory) is failed with a
  message, so its visitor learns within a minute;
- failed jobs keep their row (for its reference) but no files;
- a queued job whose upload was never stored (the web process was killed while storing it)
  is failed with a message once PIXELFORGE_JOB_STALE_SECONDS have passed;
- a folder under jobs/ without a row (a cancelled job a worker was still writing) goes, and
  so do, in a live job's folder, what a process killed mid-write leaves once they are older
  than PIXELFORGE_JOB_STALE_SECONDS: a temp file (``.<name>.part``) and the files of a
  revision whose row was never written (``rev-<n>-...``);
- finished task records of the database backend older than the retention go, and so do
  expired counters (tools/services/counters.py).
"""

from __future__ import annotations

import logging
import re
import uuid
from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.utils import timezone

from tools.models import Batch, Job
from tools.services import counters, storage
from tools.services.batches import delete_batch
from tools.services.jobs import fail

log = logging.getLogger(__name__)

SWEEP_LOCK = "tools:sweep"
EMPTY_BATCH_AGE = timedelta(minutes=10)  # far longer than any upload takes to be queued
UPLOAD_LOST_MESSAGE = (
    "Your upload did not arrive whole (the server restarted while storing it). Please upload "
    "the image again. (Reference: {code})"
)
REVISION_FILE = re.compile(r"^rev-(\d+)-")
STALE_MESSAGE = (
    "Processing stopped unexpectedly (the server may have run out of memory on this image). "
    "Please try again, or try a smaller image. (Reference: {code})"
)


@dataclass
class SweepReport:
    expired: int = 0
    stale: int = 0
    lost_uploads: int = 0
    failed_files: int = 0
    stray_files: int = 0
    orphans: int = 0
    batches: int = 0


def sweep(now: timezone.datetime | None = None) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    report.batches = _sweep_batches(now)
    for job in Job.objects.expired(now).only("id", "code"):
        storage.delete_files(job.code)
        job.delete()
        report.expired += 1
    stale_before = now - timedelta(seconds=settings.PIXELFORGE_JOB_STALE_SECONDS)
    for job in Job.objects.stale(stale_before):
        log.error("Job %s: its worker stopped reporting; marking it failed", job.code)
        fail(job, STALE_MESSAGE.format(code=job.code))
        report.stale += 1
    # The upload's name is saved on the row once it is stored (jobs.submit).
    for job in Job.objects.queued().filter(original="", created_at__lt=stale_before):
        log.error("Job %s: its upload was never stored; marking it failed", job.code)
        fail(job, UPLOAD_LOST_MESSAGE.format(code=job.code))
        report.lost_uploads += 1
    for job in Job.objects.filter(status=Job.Status.FAILED).exclude(original=""):
        fail(job, job.error)
        report.failed_files += 1
    # Folders first, then rows: a job's row is made before its folder, so a job created
    # between the two reads is among the rows (the other order would take it for an orphan).
    folders = storage.job_codes_on_disk()
    known = {str(code) for code in Job.objects.values_list("code", flat=True)}
    for name in folders:
        if name not in known:
            storage.delete_files(_code_or_name(name))
            report.orphans += 1
    report.stray_files = _sweep_stray_files(stale_before)
    _prune_task_results(now)
    counters.purge()
    return report


def _sweep_stray_files(before: timezone.datetime) -> int:
    """In finished jobs' folders: temp files of a killed writer, and the files of a revision
    whose row a killed refine never wrote (the next refine would reuse its number), once
    older than ``before`` (a write in progress is younger). Temp files exist on a local
    folder only; elsewhere only refined jobs (with revision rows) are looked at."""
    jobs = Job.objects.done()
    if not storage.is_local():
        jobs = jobs.filter(revisions__isnull=False).distinct()
    removed = 0
    for job in jobs.only("id", "code"):
        numbers = None
        for name in storage.job_file_names(job.code):
            found = REVISION_FILE.match(name)
            stray = name.endswith(".part")
            if found and not stray:
                if numbers is None:
                    numbers = set(job.revisions.values_list("number", flat=True))
                stray = int(found.group(1)) not in numbers
            path = storage.in_job_folder(job.code, name)
            modified = storage.modified_at(path) if stray else None
            if modified is not None and modified < before:
                storage.delete_path(path)
                removed += 1
    return removed


def _sweep_batches(now: timezone.datetime) -> int:
    swept = 0
    for batch in Batch.objects.expired(now):
        delete_batch(batch)
        swept += 1
    empty = Batch.objects.filter(jobs__isnull=True, created_at__lt=now - EMPTY_BATCH_AGE)
    return swept + empty.delete()[1].get("tools.Batch", 0)


def _code_or_name(name: str) -> object:
    try:
        return uuid.UUID(name)
    except ValueError:
        return name


def _prune_task_results(now: timezone.datetime) -> None:
    if settings.PIXELFORGE_TASKS_BACKEND != "database":
        return
    from django_tasks_db.models import DBTaskResult

    keep = timedelta(minutes=settings.PIXELFORGE_RESULT_RETENTION_MINUTES)
    DBTaskResult.objects.filter(finished_at__lt=now - keep).delete()


def maybe_sweep() -> SweepReport | None:
    """Sweep at most once per PIXELFORGE_PURGE_INTERVAL_SECONDS across all workers."""
    if not counters.acquire(SWEEP_LOCK, settings.PIXELFORGE_PURGE_INTERVAL_SECONDS):
        return None
    try:
        report = sweep()
    except Exception:
        log.exception("Sweep failed")
        return None
    if any(vars(report).values()):
        log.info("Sweep: %s", report)
    return report
