"""Background tasks, through Django's Tasks API (the django-tasks backport on Django 5.2).

Each task only calls a service function; the services do the work and are tested on their
own. The backend (database by default, RQ on Redis for several hosts) is TASKS in settings.
"""

from __future__ import annotations

from django_tasks import task
from django_tasks.base import Task

URGENT_QUEUE = "urgent"  # RQ's stand-in for a priority (settings.TASKS, manage.py worker)


def ahead(queued: Task, priority: int) -> Task:
    """``queued`` ahead of the uploads: with ``priority`` where the backend orders by priority
    (the database one); on RQ, which refuses any priority but the default, on the "urgent"
    queue that its workers empty first; else as it is."""
    backend = queued.get_backend()
    if backend.supports_priority:
        return queued.using(priority=priority)
    if URGENT_QUEUE in backend.queues:
        return queued.using(queue_name=URGENT_QUEUE)
    return queued


@task()
def process_job(code: str) -> str:
    """Remove the background of a queued job (tools/services/processing.py)."""
    from tools.apps import configure_pipeline
    from tools.services import processing, refine_queue

    refine_queue.upload_started()  # refines may go ahead of waiting uploads again
    configure_pipeline()
    state = processing.run_job(code)
    if state == "done":  # its downloads at once, so the visitor's first click gets a file
        from tools.services import downloads

        downloads.make_after_job(code)
    return state


@task()
def render_download(code: str, kind: str, key: str) -> str:
    """Make one full-resolution download for a job's current choice (services/downloads.py)."""
    from tools.services import downloads

    return downloads.make(code, kind, key)


@task()  # enqueued ahead of uploads (background_uploads.enqueue): a visitor waits for it
def prepare_background(code: str) -> str:
    """Decode a visitor's uploaded background image (tools/services/background_uploads.py)."""
    from tools.services import background_uploads

    return background_uploads.prepare(code)


@task()
def refine_cutout(code: str, action: dict) -> dict:
    """Re-solve a job's cut-out around brush strokes, or undo/redo (tools/services/refine.py,
    queued by tools/services/refine_queue.py)."""
    from tools.services import refine_queue

    return refine_queue.run_action(code, action)
