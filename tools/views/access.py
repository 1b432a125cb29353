"""The one place that turns a code from a URL into a job (or a batch), or a 404."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest

from tools.models import Batch, Job


def get_job_or_404(request: HttpRequest, code: uuid.UUID, *, done: bool = True) -> Job:
    """A job that has not expired (and, unless ``done=False``, is finished); anything else is
    "not found"."""
    jobs = Job.objects.live()
    if done:
        jobs = jobs.done()
    try:
        return jobs.get(code=code)
    except Job.DoesNotExist:
        raise Http404("No such result; it may have expired or been deleted.") from None


def get_batch_or_404(request: HttpRequest, code: uuid.UUID) -> Batch:
    """A batch that has not expired; like a job, reachable only through its own code."""
    try:
        return Batch.objects.live().get(code=code)
    except Batch.DoesNotExist:
        raise Http404("No such batch; it may have expired or been deleted.") from None


def get_batch_job_or_404(batch: Batch, code: uuid.UUID) -> Job:
    """A finished job of ``batch`` (never one of another batch or upload)."""
    try:
        return batch.jobs.live().done().get(code=code)
    except Job.DoesNotExist:
        raise Http404("No such result in this batch.") from None
