"""Background tasks, through Django's Tasks API (the django-tasks backport on Django 5.2).

Thin entry points: each task calls one service function, which does the work and is tested on
its own. Services queue them through tools/services/queue.py. The backend (database by
default, RQ on Redis for several hosts) is TASKS in settings.
"""

from __future__ import annotations

from django_tasks import task

from tools.apps import configure_pipeline
from tools.services import background_uploads, downloads, processing, refine_queue


@task()
def process_job(code: str) -> str:
    """Remove the background of a queued job (tools/services/processing.py), then make its
    downloads at once, so the visitor's first click gets a file."""
    refine_queue.upload_started()  # refines may go ahead of waiting uploads again
    configure_pipeline()
    state = processing.run_job(code)
    if state == "done":
        downloads.make_after_job(code)
    return state


@task()
def render_download(code: str, kind: str, key: str) -> str:
    """Make one download (or the standard set) for a job's current choice (services/downloads)."""
    return downloads.make(code, kind, key)


@task()  # queued ahead of uploads (background_uploads.store_upload): a visitor waits for it
def prepare_background(code: str) -> str:
    """Decode a visitor's uploaded background image (tools/services/background_uploads.py)."""
    return background_uploads.prepare(code)


@task()
def refine_cutout(code: str, action: dict) -> dict:
    """Re-solve a job's cut-out around brush strokes, or undo/redo (tools/services/refine.py,
    queued by tools/services/refine_queue.py)."""
    return refine_queue.run_action(code, action)
