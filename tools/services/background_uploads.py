"""A visitor's own background image: stored as received by the web process, decoded by a worker.

The result form checks the file's header (and fully decodes a small one, see
tools.images.check_within_limits), so most bad files get a 422 at once. The web process then
stores the bytes as received (``background-upload`` in the job's folder) and asks a worker
(``tools.tasks.prepare_background``) to decode them within the site's limits and store the
two sizes renders use: ``background`` (long side <= BACKGROUND_SIDE, for downloads) and
``background-preview.png`` (for the page's preview). A file only a full decode finds broken
leaves a message for the page instead (``take_error``).
"""

from __future__ import annotations

import logging
import time

from django.core.cache import cache

from tools import pipeline
from tools.models import Job
from tools.services import queue, storage
from tools.services.capacity import check_disk, footprint
from tools.services.jobs import preview_of

log = logging.getLogger(__name__)

BACKGROUND_SIDE = 8000  # an uploaded background never needs to be larger than any output
ERROR_SECONDS = 3600
HOLD_SECONDS = 8  # the result POST waits this long for the worker (usually well under 1 s)
HOLD_POLL = 0.2
FAILED = "Your background image could not be used: {reason}"


def source_path(job: Job) -> str:
    return storage.path(job, "background_upload")


def preview_path(job: Job) -> str:
    return storage.path(job, "background_preview")


BACKGROUND_PRIORITY = 100  # django-tasks' highest: ahead of refines (50) and uploads (0)


def _error_key(job: Job) -> str:
    return f"tools:background-error:{job.code}"


def check_room(data: bytes) -> None:
    """Busy (a 503) when the upload and the images decoded from it would pass the disk budget."""
    check_disk(footprint(0, 0, len(data)))


def store_upload(job: Job, data: bytes) -> None:
    """In the web process: keep the bytes as received and queue their decoding (Busy, a 503,
    when there is no room for them: ``check_room``)."""
    check_room(data)
    cache.delete(_error_key(job))
    storage.store(source_path(job), data)
    # First in the queue where the backend orders by priority: the visitor waits for it.
    queue.enqueue("prepare_background", str(job.code), priority=BACKGROUND_PRIORITY)


def is_pending(job: Job) -> bool:
    return storage.exists(source_path(job))


def take_error(job: Job) -> str:
    """The message of a background that could not be decoded, once ("" when none)."""
    message = cache.get(_error_key(job)) or ""
    if message:
        cache.delete(_error_key(job))
    return message


def wait(job: Job) -> str:
    """Wait for the worker to prepare the upload; its error message, or "" (ready or not yet)."""
    deadline = time.monotonic() + HOLD_SECONDS
    while is_pending(job) and time.monotonic() < deadline:
        time.sleep(HOLD_POLL)
    return take_error(job)


def prepare(code: str) -> str:
    """In the worker: decode the stored upload and store its two sizes."""
    from tools.images import load_within_limits

    job = Job.objects.live().done().filter(code=code).first()
    if job is None:
        return "gone"
    if not is_pending(job):
        return "nothing"  # another task prepared it already
    try:
        data = storage.read_path(source_path(job))
        image = load_within_limits(data)
        del data
        storage.store(preview_path(job), pipeline.encode(preview_of(image), "png"))
        storage.save_image(job, "background", preview_of(image, BACKGROUND_SIDE))
    except pipeline.PipelineError as exc:
        _failed(job, str(exc))
        return "failed"
    except Exception:
        log.exception("Background of job %s could not be prepared", job.code)
        _failed(job, "something went wrong on our side. Please try again.")
        return "failed"
    finally:
        storage.delete_path(source_path(job))
    Job.objects.filter(pk=job.pk).update(background=job.background.name)
    return "done"


def _failed(job: Job, reason: str) -> None:
    """Say why on the page; without an earlier background, the choice falls back to none."""
    cache.set(_error_key(job), FAILED.format(reason=reason), timeout=ERROR_SECONDS)
    saved = dict(job.render_options or {})
    if not job.background and saved.get("background") == "image" and not saved.get("stock"):
        saved["background"] = "none"
        Job.objects.filter(pk=job.pk).update(render_options=saved)
