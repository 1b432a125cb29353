"""Batches: several images uploaded at once, each processed as its own job.

The web process checks every file (its header only, as for one upload), makes sure all the
good ones fit in the queue and on the disk, makes the batch's row, then submits each file to
the cut-out service (``cutouts.submit``). The batch page lists the jobs; "Download all"
streams the cut-outs the workers already wrote (transparent PNG files) into one ZIP, copying
bytes only: no image is decoded or encoded in the web process.
"""

from __future__ import annotations

import logging
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass

from django.core.files.uploadedfile import UploadedFile
from django.urls import reverse

from tools.models import Batch, Job
from tools.services import capacity, cutouts, jobs, storage
from tools.services.filenames import file_stem

log = logging.getLogger(__name__)

ZIP_CHUNK = 256 * 1024
STATE_LABELS = {
    Job.Status.QUEUED: "Queued",
    Job.Status.PROCESSING: "Processing",
    Job.Status.DONE: "Done",
    Job.Status.FAILED: "Failed",
    Job.Status.EXPIRED: "Expired",
}


@dataclass(frozen=True)
class Accepted:
    """A file that passed the checks of a single upload."""

    upload: UploadedFile
    size: tuple[int, int]
    filename: str


@dataclass(frozen=True)
class Rejected:
    """A file that did not, and why (shown on the batch page)."""

    name: str
    message: str


# Submitting ----------------------------------------------------------------------------------


def check_room(files: list[Accepted]) -> None:
    """Busy (a 503 with Retry-After) unless every file fits in the queue and on the disk."""
    footprint = sum(capacity.footprint(*f.size, f.upload.size) for f in files)
    capacity.check_room(jobs=len(files), footprint_bytes=footprint)


def create(accepted: list[Accepted], rejected: list[Rejected]) -> Batch:
    """Make the batch (before any file is stored) and submit each accepted file as a job.

    A file that no longer fits (another upload took the room meanwhile) is listed as
    rejected; when none could be queued the batch goes and Busy is raised.
    """
    check_room(accepted)
    batch = Batch.objects.create(rejected=[_rejected(r) for r in rejected])
    busy: capacity.Busy | None = None
    for item in accepted:
        item.upload.seek(0)
        data = item.upload.read()  # one file in memory at a time
        try:
            request = cutouts.CutoutRequest(data, filename=item.filename)
            cutouts.submit(request, size=item.size, batch=batch)
        except capacity.Busy as exc:
            busy = exc
            batch.rejected.append(_rejected(Rejected(jobs.display_name(item.filename), str(exc))))
        except jobs.ServiceUnavailable:
            pass  # its job is there, failed, with the message and reference
    if busy is not None:
        if not batch.jobs.exists():
            batch.delete()
            raise busy
        batch.save(update_fields=["rejected"])
    log.info("Batch %s: %s files queued, %s refused", batch.code, len(accepted), len(rejected))
    return batch


def _rejected(item: Rejected) -> dict[str, str]:
    return {"name": item.name, "message": item.message}


# Reporting -----------------------------------------------------------------------------------


def jobs_of(batch: Batch) -> list[Job]:
    return list(batch.jobs.order_by("created_at", "id"))


@dataclass(frozen=True)
class Summary:
    total: int
    done: int
    failed: int

    @property
    def finished(self) -> bool:
        return self.done + self.failed >= self.total

    @property
    def text(self) -> str:
        text = f"{self.done} of {self.total} done"
        return f"{text}, {self.failed} failed" if self.failed else text


def summary(items: list[Job]) -> Summary:
    states = [job.state for job in items]
    done = states.count(Job.Status.DONE)
    # An expired job will not finish either: count it with the failed ones.
    failed = states.count(Job.Status.FAILED) + states.count(Job.Status.EXPIRED)
    return Summary(total=len(items), done=done, failed=failed)


def state_label(job: Job) -> str:
    if job.state == Job.Status.PROCESSING and job.stage:
        return Job.Stage(job.stage).label
    return STATE_LABELS[job.state]


def item_document(batch: Batch, job: Job) -> dict[str, object]:
    done = job.state == Job.Status.DONE
    return {
        "code": str(job.code),
        "name": job.original_name,
        "state": job.state,
        "state_label": state_label(job),
        "error": job.error or None,
        "result_url": reverse("tools:result", kwargs={"code": job.code}),
        "thumb_url": thumb_url(batch, job) if done else None,
    }


def thumb_url(batch: Batch, job: Job) -> str:
    return reverse("tools:batch_thumb", kwargs={"code": batch.code, "job": job.code})


def status_document(batch: Batch) -> dict[str, object]:
    """What the batch's status endpoint answers (and what its page shows)."""
    items = jobs_of(batch)
    now = summary(items)
    return {
        "code": str(batch.code),
        "total": now.total,
        "done": now.done,
        "failed": now.failed,
        "finished": now.finished,
        "summary": now.text,
        "zip_url": reverse("tools:batch_zip", kwargs={"code": batch.code}) if now.done else None,
        "files": [item_document(batch, job) for job in items],
        "rejected": batch.rejected,
        "expires_at": batch.expires_at.isoformat(),
    }


# The ZIP -------------------------------------------------------------------------------------


def zip_entries(batch: Batch) -> list[tuple[str, Job]]:
    """(name in the ZIP, job) for each done job: the upload's name as .png, de-duplicated."""
    entries: list[tuple[str, Job]] = []
    taken: set[str] = set()
    for job in jobs_of(batch):
        if job.state != Job.Status.DONE or not job.cutout:
            continue
        stem, number = file_stem(job), 1
        name = f"{stem}.png"
        while name.lower() in taken:
            number += 1
            name = f"{stem}-{number}.png"
        taken.add(name.lower())
        entries.append((name, job))
    return entries


def zip_name(batch: Batch) -> str:
    return f"pixelforge-{str(batch.code)[:8]}.zip"


class _Sink:
    """A write-only file for ZipFile: it keeps what was written until the stream takes it."""

    def __init__(self) -> None:
        self.chunks: list[bytes] = []

    def write(self, data: bytes) -> int:
        self.chunks.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        return None

    def take(self) -> bytes:
        data = b"".join(self.chunks)
        self.chunks.clear()
        return data


def stream_zip(entries: list[tuple[str, Job]]) -> Iterator[bytes]:
    """The ZIP, piece by piece: each cut-out PNG stored as it is (PNG is compressed already),
    read in chunks, so memory stays small whatever the number and size of the files."""
    sink = _Sink()
    with zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_STORED) as archive:
        for name, job in entries:
            info = zipfile.ZipInfo(name, date_time=job.finished_at.timetuple()[:6])
            info.external_attr = 0o644 << 16
            with (
                storage.storage_guard(f"read the cut-out of job {job.code}"),
                job.cutout.open("rb") as source,
                archive.open(info, "w") as target,
            ):
                while chunk := source.read(ZIP_CHUNK):
                    target.write(chunk)
                    yield sink.take()
            yield sink.take()
    yield sink.take()


# Ending --------------------------------------------------------------------------------------


def delete_batch(batch: Batch) -> None:
    """Delete every job of the batch (files first, as jobs.delete_job does), then the batch."""
    for job in batch.jobs.all():
        jobs.delete_job(job)
    batch.delete()
    log.info("Batch %s deleted", batch.code)
