"""The one place that turns a code from a URL into a job, or a 404."""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest

from tools.models import Job


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
