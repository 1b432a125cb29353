"""API calls as jobs: HTTP in, the cut-out service's request out, and its result back.

The web process checks the images' headers (413/415 now, not later) and submits a
``CutoutRequest`` to the cut-out service (services/cutouts.py), which queues it; a worker runs
it like any job. The synchronous call waits for its job (PIXELFORGE_API_WAIT_SECONDS) and
answers as it always did; the asynchronous one (``?async=1`` or ``Prefer: respond-async``)
answers 202 with a status URL at once. No API code runs in the worker.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.files.uploadedfile import UploadedFile
from django.http import HttpRequest
from django.urls import reverse

from tools import pipeline
from tools.api.errors import ApiError, from_failure, image_error
from tools.api.params import RemovalRequest
from tools.api.results import Removal
from tools.images import HeaderChecked, check_within_limits
from tools.models import Job
from tools.services import capacity, cutouts, estimates, jobs, storage

POLL_SECONDS = 0.2


def wants_async(request: HttpRequest) -> bool:
    prefer = request.headers.get("Prefer", "").lower()
    return request.GET.get("async") in ("1", "true") or "respond-async" in prefer


def _read(upload: UploadedFile | None) -> bytes | None:
    if upload is None:
        return None
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _check(upload: UploadedFile, field: str) -> HeaderChecked:
    """The upload's size, within the limits; large images are decoded by the worker only."""
    try:
        return check_within_limits(upload)
    except pipeline.PipelineError as exc:
        raise image_error(exc, field) from exc


def request_of(parsed: RemovalRequest) -> cutouts.CutoutRequest:
    """The HTTP call as the cut-out service's request."""
    output = cutouts.Output(
        format=parsed.format,
        bg_color=parsed.bg_color,
        blur=parsed.blur,
        crop=parsed.crop,
        margin=parsed.crop_margin,
        preview=parsed.size == "preview",
        shadow=parsed.shadow,
        shadow_style=parsed.shadow_style,
    )
    return cutouts.CutoutRequest(
        _read(parsed.image),  # before decoding, which closes the file
        filename=parsed.image.name or "",
        model=parsed.model,
        matting=parsed.matting,
        background=_read(parsed.bg_image),
        keep=_read(parsed.keep_mask),
        remove=_read(parsed.remove_mask),
        output=output,
    )


def submit(parsed: RemovalRequest) -> Job:
    """Check the images can be decoded (413/415 now, not later), then queue the job."""
    request = request_of(parsed)
    size = _check(parsed.image, "photo").size
    if parsed.bg_image is not None:
        _check(parsed.bg_image, "background")
    try:
        return cutouts.submit(request, size=size)
    except capacity.Busy as exc:
        raise ApiError("busy", str(exc), headers={"Retry-After": str(exc.retry_after)}) from exc
    except jobs.ServiceUnavailable as exc:
        raise ApiError("service_unavailable", str(exc), headers={"Retry-After": "60"}) from exc


def wait(job: Job, seconds: float | None = None) -> Job:
    """Poll until the job is done or failed, or ``seconds`` (the setting) have passed."""
    deadline = time.monotonic() + (seconds or settings.PIXELFORGE_API_WAIT_SECONDS)
    while True:
        job.refresh_from_db()
        if job.status in (Job.Status.DONE, Job.Status.FAILED) or time.monotonic() > deadline:
            return job
        time.sleep(POLL_SECONDS)


def removal_of(job: Job) -> Removal:
    """The finished call's output, its bytes left in the job's folder (the view streams them:
    a web process never holds a large result, nor its base64)."""
    meta = dict(job.result_meta)
    meta.pop("path", None)
    meta["foreground"] = tuple(meta["foreground"])
    return Removal(data=b"", path=storage.path(job, "api_result"), **meta)


def error_of(job: Job) -> ApiError:
    error = job.result_meta.get("error") if job.result_meta else None
    if error and "kind" in error:
        return from_failure(error["kind"], error["message"], error["field"])
    if error:  # kept before the cut-out service (an API error itself), until the job expires
        parameter = (error.get("source") or {}).get("parameter")
        return ApiError(error["code"], error["detail"], parameter=parameter)
    return ApiError("server_error", job.error or "The job failed.")


def status_document(job: Job) -> dict[str, object]:
    document = estimates.status_document(job)
    document.pop("result_url", None)
    document["status_url"] = reverse("api:job", kwargs={"code": job.code})
    if job.status == Job.Status.DONE:
        document["result_url"] = reverse("api:job_result", kwargs={"code": job.code})
    if job.status == Job.Status.FAILED:
        document["errors"] = [error_of(job).as_dict()]
    return document
