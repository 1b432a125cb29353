"""Full-resolution downloads, rendered once per option set by a worker and kept with the job.

A download GET finds the file for the job's current choice in the job's folder, or asks a
worker to make it (``tools.tasks.render_download``) and shows a waiting page until it is
there. The key covers everything the pixels depend on, so a changed choice gets a new file
and going back to an earlier choice finds the earlier file.
"""

from __future__ import annotations

import hashlib
import json
import logging

from django.core.cache import cache

from tools.models import Job, job_dir
from tools.services import counters, metrics, rendering, storage
from tools.services.rendering import Download

log = logging.getLogger(__name__)

PENDING_SECONDS = 300  # a render not done in this long may be asked for again
ERROR_SECONDS = 300


def kinds(job: Job) -> list[str]:
    return [*rendering.FORMATS, *(f"subject-{s['index']}" for s in job.subjects)]


def key_of(job: Job, kind: str) -> str:
    choice = rendering.choice_of(job).to_saved()
    if kind.startswith("subject-"):
        choice = {}  # a subject on its own ignores the background choice
    if choice.get("background") == "image":
        choice["background_version"] = job.options_version
    # A refined cut-out (tools/services/refine.py) is another result: its own renders.
    revision = job.revisions.filter(is_current=True).values_list("number", flat=True).first()
    if revision:
        choice["revision"] = revision
    text = json.dumps([kind, choice], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def path_of(job: Job, kind: str, key: str) -> str:
    return f"{job_dir(job.code)}/render-{key}"


def _marker(job: Job, key: str) -> str:
    return f"tools:render:{job.code}:{key}"


def _error_key(job: Job, key: str) -> str:
    return f"tools:render-error:{job.code}:{key}"


def describe(job: Job, kind: str) -> tuple[str, str]:
    """(content type, file name) of a download."""
    stem = rendering.file_stem(job)
    if kind.startswith("subject-"):
        index = int(kind.removeprefix("subject-"))
        return "image/png", f"{stem}-subject-{index + 1}.png"
    output = rendering.FORMATS[kind]
    suffix = "mask" if kind == "mask" else "no-bg"
    return output.content_type, f"{stem}-{suffix}.{output.extension}"


def find(job: Job, kind: str) -> Download | None:
    path = path_of(job, kind, key_of(job, kind))
    if not storage.exists(path):
        return None
    content_type, filename = describe(job, kind)
    return Download(storage.read_path(path), content_type, filename)


def is_pending(job: Job, kind: str) -> bool:
    return counters.held(_marker(job, key_of(job, kind)))


def request(job: Job, kind: str) -> str | None:
    """Ask a worker for the download (once); None while it is pending, or an error message."""
    from tools import tasks

    key = key_of(job, kind)
    error = cache.get(_error_key(job, key))
    if error:
        cache.delete(_error_key(job, key))
        counters.release(_marker(job, key))
        return error
    if counters.acquire(_marker(job, key), PENDING_SECONDS):  # one render per choice
        tasks.render_download.enqueue(str(job.code), kind, key)
    return None


def make(code: str, kind: str, key: str) -> str:
    """In the worker: render ``kind`` for the job's current choice and store it."""
    job = Job.objects.live().done().filter(code=code).first()
    if job is None:
        return "gone"
    if key_of(job, kind) != key:  # the choice changed since; the page will ask again
        counters.release(_marker(job, key))
        return "stale"
    try:
        data = render_bytes(job, kind)
        storage.store(path_of(job, kind, key), data)
    except Exception as exc:
        log.exception("Render %s of job %s failed", kind, job.code)
        message = (
            str(exc)
            if isinstance(exc, ValueError)
            else ("This download could not be made. Please try again, or change the settings.")
        )
        cache.set(_error_key(job, key), message, timeout=ERROR_SECONDS)
        return "failed"
    finally:
        counters.release(_marker(job, key))
    if not Job.objects.filter(pk=job.pk).exists():  # deleted meanwhile
        storage.delete_files(job.code)
        return "gone"
    metrics.count("renders")
    return "done"


def render_bytes(job: Job, kind: str) -> bytes:
    if kind.startswith("subject-"):
        return rendering.subject_download(job, int(kind.removeprefix("subject-"))).data
    return rendering.download(job, kind).data
