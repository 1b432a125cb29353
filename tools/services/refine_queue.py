"""Refines through the task queue: the web process stores the strokes, queues the action and
waits for the worker's answer (re-solving an alpha is matting work, like every heavy step).

Refines are what a visitor waits for, so they go ahead of waiting uploads, within bounds that
keep uploads moving: one action per job in flight (another gets 429), and at most
REFINES_AHEAD refines ahead of waiting uploads in a row (``enqueue_action``).
"""

from __future__ import annotations

import time
import uuid

from django.conf import settings
from django_tasks import TaskResult

from tools.models import Job, Revision
from tools.services import capacity, counters, queue, storage
from tools.services.refine import (
    MAX_MASK_BYTES,
    RefineError,
    decode_mask,
    refine_job,
    remove_subject,
    split_strokes,
    use_revision,
)

WAIT_POLL_SECONDS = 0.02  # a status read per poll; the answer shows within 20 ms of the task
REFINE_PRIORITY = 50  # ahead of queued uploads (0), where the backend orders by priority
# Refines that may go ahead of waiting uploads in a row: the next goes behind them (in turn),
# until a worker starts an upload. A stroke costs up to about 6 s on a 24 MP photo, so waiting
# uploads are delayed by at most about REFINES_AHEAD x 6 s per upload, whoever refines.
REFINES_AHEAD = 3
STREAK_KEY = "tools:refines-ahead"  # a shared counter: both hold under concurrent requests
STREAK_SECONDS = 24 * 3600  # the streak outlives any pause between uploads
IN_FLIGHT_RETRY_AFTER = 2  # seconds: a stroke usually takes less
IN_FLIGHT_MESSAGE = (
    "Your previous change to this cut-out is still being made. Wait for it, then try again."
)


def _in_flight_key(code: object) -> str:
    return f"tools:refine-in-flight:{code}"


def strokes_file(job: Job, token: str) -> str:
    return storage.path(job, "strokes", token=token)


def queue_action(job: Job, action: dict[str, object], strokes: bytes | None = None) -> Revision:
    """Run ``action`` on ``job`` in a worker and wait for it; RefineError as the worker said.

    Busy (a 503) when the new revision would pass the disk budget.
    ``action`` is {"action": "use", "revision": n}, {"action": "remove_subject", "subject": i,
    "base": b} or {"action": "strokes", "base": b} with the stroke mask's bytes in ``strokes``.
    """
    if action.get("action") != "use":  # a new revision: its files count against the budget
        capacity.check_disk(capacity.footprint(job.width, job.height, 0))
    if strokes is not None and len(strokes) > MAX_MASK_BYTES:
        raise RefineError(
            f"The stroke mask is larger than {MAX_MASK_BYTES // (1024 * 1024)} MB.", status=413
        )
    # One action per job in flight: another stroke while one waits or runs gets 429. The
    # worker releases it when done (run_action), so a visitor who stopped waiting still holds
    # it until then; the timeout only frees a lost task's.
    key = _in_flight_key(job.code)
    if not counters.acquire(key, settings.PIXELFORGE_REFINE_WAIT_SECONDS * 4):
        raise RefineError(IN_FLIGHT_MESSAGE, status=429, retry_after=IN_FLIGHT_RETRY_AFTER)
    try:
        result = _queue(job, action, strokes)
    except BaseException:
        counters.release(key)
        raise
    outcome = _wait(result)
    job.refresh_from_db()
    return job.revisions.get(number=outcome["revision"])


def _queue(job: Job, action: dict[str, object], strokes: bytes | None) -> TaskResult:
    if strokes is not None:
        token = uuid.uuid4().hex
        storage.store(strokes_file(job, token), strokes)
        action = {**action, "strokes": token}
    return enqueue_action(str(job.code), action)


def _wait(result: TaskResult) -> dict[str, object]:
    """The worker's answer, or RefineError when it fails or takes too long."""
    from django_tasks import TaskResultStatus

    deadline = time.monotonic() + settings.PIXELFORGE_REFINE_WAIT_SECONDS
    while not result.is_finished:
        if time.monotonic() > deadline:
            raise RefineError(
                "Refining is taking longer than usual because the site is busy. Reload the page "
                "in a moment to see the result.",
                status=503,
            )
        time.sleep(WAIT_POLL_SECONDS)
        result.refresh()
    if result.status != TaskResultStatus.SUCCESSFUL:
        raise RefineError(
            "Something went wrong on our side while refining. Please try again.", status=503
        )
    outcome = result.return_value
    if "error" in outcome:
        raise RefineError(outcome["error"], status=outcome["status"])
    return outcome


def enqueue_action(code: str, action: dict[str, object]) -> TaskResult:
    """Queue ``action`` for the worker: a visitor is waiting, so where the backend orders by
    priority (the database backend) it goes ahead of queued uploads; on RQ it goes to the
    "urgent" queue that workers empty first (queue.ahead). After REFINES_AHEAD such in a
    row with no upload started meanwhile, it is queued as an upload is, behind those waiting."""
    if counters.incr(STREAK_KEY, 1, STREAK_SECONDS) > REFINES_AHEAD:
        return queue.enqueue("refine_cutout", code, action)
    return queue.enqueue("refine_cutout", code, action, priority=REFINE_PRIORITY)


def upload_started() -> None:
    """A worker took an upload: refines may go ahead of the waiting ones again."""
    counters.release(STREAK_KEY)  # the next refine counts from 1 again


def run_action(code: str, action: dict[str, object]) -> dict[str, object]:
    """The worker's side of ``queue_action``: {"revision": n} or {"error": ..., "status": ...}."""
    try:
        job = Job.objects.filter(code=code).first()
        if job is None or job.status != Job.Status.DONE:
            return {"error": "This image is gone: it expired or was deleted.", "status": 404}
        try:
            revision = _apply(job, action)
        except RefineError as exc:
            return {"error": str(exc), "status": exc.status}
        return {"revision": revision.number}
    finally:
        counters.release(_in_flight_key(code))


def _apply(job: Job, action: dict[str, object]) -> Revision:
    kind, base = action.get("action"), action.get("base")
    if kind == "use":
        return use_revision(job, action.get("revision"))
    if kind == "remove_subject":
        return remove_subject(job, int(action["subject"]), base=base)
    path = strokes_file(job, str(action["strokes"]))
    try:
        data = storage.read_path(path)
    finally:
        storage.delete_path(path)
    keep, remove = split_strokes(decode_mask(data))
    return refine_job(job, keep, remove, base=base)
