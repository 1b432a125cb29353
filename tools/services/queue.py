"""The one way services put work on the task queue; tools/tasks.py runs it in a worker.

Services import this module, tasks import the services, and nothing imports back: a task is
named here by its dotted path and looked up only when enqueued (``import_string``), so this
module imports neither the tasks nor any service.
"""

from __future__ import annotations

from django.utils.module_loading import import_string
from django_tasks import TaskResult
from django_tasks.base import Task

URGENT_QUEUE = "urgent"  # RQ's stand-in for a priority (settings.TASKS, manage.py worker)
TASKS = "tools.tasks"  # the module that defines the tasks (django-tasks' @task)


def task(name: str) -> Task:
    """The task ``name`` of tools/tasks.py (process_job, render_download, prepare_background,
    refine_cutout)."""
    return import_string(f"{TASKS}.{name}")


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


def enqueue(name: str, *args: object, priority: int | None = None) -> TaskResult:
    """Queue task ``name`` with ``args``; with a ``priority``, ahead of waiting uploads."""
    queued = task(name)
    if priority is not None:
        queued = ahead(queued, priority)
    return queued.enqueue(*args)
