"""API calls as jobs: the web process validates and queues, a worker removes and renders.

The synchronous call waits for its job (PIXELFORGE_API_WAIT_SECONDS) and answers as it always
did; the asynchronous one (``?async=1`` or ``Prefer: respond-async``) answers 202 with a status
URL at once. Either way the work happens in a worker, never in the web process.
"""

from __future__ import annotations

import dataclasses
import time

from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpRequest
from django.urls import reverse

from tools import pipeline
from tools.api import service
from tools.api.errors import ApiError
from tools.api.params import MASK_NAMES, RemovalRequest
from tools.images import check_within_limits
from tools.models import Job, job_dir
from tools.services import jobs, storage

POLL_SECONDS = 0.2
RESULT_FILE = "api-result"


def wants_async(request: HttpRequest) -> bool:
    prefer = request.headers.get("Prefer", "").lower()
    return request.GET.get("async") in ("1", "true") or "respond-async" in prefer


def _read(upload) -> bytes:
    upload.seek(0)
    data = upload.read()
    upload.seek(0)
    return data


def _check(upload, parameter: str):
    """The upload's size, within the limits; large images are decoded by the worker only."""
    try:
        return check_within_limits(upload)
    except pipeline.ImageTooLarge as exc:
        raise ApiError("image_too_large", str(exc), parameter=parameter) from exc
    except pipeline.UnreadableImage as exc:
        raise ApiError("unreadable_image", str(exc), parameter=parameter) from exc


def options_of(parsed: RemovalRequest) -> dict[str, object]:
    return {
        "format": parsed.format,
        "bg_color": parsed.bg_color,
        "blur": parsed.blur,
        "crop": parsed.crop,
        "margin_value": parsed.crop_margin.value,
        "margin_percent": parsed.crop_margin.percent,
        "size": parsed.size,
        "model": parsed.model,
        "matting": parsed.matting,
        "shadow": parsed.shadow,
        "shadow_style": dataclasses.asdict(parsed.shadow_style),
        "has_background": parsed.bg_image is not None,
        "masks": [name for name in MASK_NAMES if getattr(parsed, name) is not None],
    }


def mask_file(name: str) -> str:
    """The fixed file name a stroke mask of the call is kept under in the job's folder."""
    return name.replace("_", "-")


def submit(parsed: RemovalRequest) -> Job:
    """Check the images can be decoded (413/415 now, not later), then queue the job."""
    data = _read(parsed.image)  # before decoding, which closes the file
    size = _check(parsed.image, "image_file").size
    background = None
    if parsed.bg_image is not None:
        background = _read(parsed.bg_image)
        _check(parsed.bg_image, "bg_image_file")
    masks = {
        mask_file(name): _read(getattr(parsed, name))
        for name in MASK_NAMES
        if getattr(parsed, name) is not None
    }
    try:
        return jobs.submit(
            data,
            size=size,
            filename=parsed.image.name or "",
            kind=Job.Kind.API,
            model=parsed.model,
            api_options=options_of(parsed),
            background=background,
            extra_files=masks,
        )
    except jobs.Busy as exc:
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


# In the worker ------------------------------------------------------------------------------


def request_of(job: Job) -> RemovalRequest:
    """The stored call, as the typed request the service takes."""
    options = job.api_options
    background = None
    if options.get("has_background"):
        background = SimpleUploadedFile("background", storage.read_bytes(job, "background"))
    return RemovalRequest(
        image=SimpleUploadedFile(job.original_name or "image", storage.read_bytes(job, "original")),
        format=options["format"],
        bg_color=options["bg_color"],
        bg_image=background,
        blur=options["blur"],
        crop=options["crop"],
        crop_margin=pipeline.Margin(options["margin_value"], options["margin_percent"]),
        size=options["size"],
        model=options["model"],
        matting=options["matting"],
        shadow=options.get("shadow", "none"),
        shadow_style=pipeline.DropStyle(**options.get("shadow_style", {})),
        **{
            name: SimpleUploadedFile(
                name, storage.read_path(f"{job_dir(job.code)}/{mask_file(name)}")
            )
            for name in options.get("masks", [])
        },
    )


def result_path(job: Job) -> str:
    return f"{job_dir(job.code)}/{RESULT_FILE}"


def process(job: Job, *, on_stage) -> None:
    """Run the call's whole pipeline and store its output; an ApiError becomes the job's
    failure, kept (code, status, detail) for the status and result URLs."""
    parsed = request_of(job)
    on_stage("segmenting")
    try:
        removal = service.remove(parsed)
    except ApiError as exc:
        job.result_meta = {"error": exc.as_dict(), "status": exc.kind.status}
        raise pipeline.PipelineError(exc.detail) from exc
    on_stage("finishing")
    storage.store(result_path(job), removal.data)
    meta = dataclasses.asdict(removal)
    del meta["data"], meta["path"]
    job.result_meta = meta


def removal_of(job: Job) -> service.Removal:
    """The finished call's output, its bytes left in the job's folder (the view streams them:
    a web process never holds a large result, nor its base64)."""
    meta = dict(job.result_meta)
    meta.pop("path", None)
    meta["foreground"] = tuple(meta["foreground"])
    return service.Removal(data=b"", path=result_path(job), **meta)


def error_of(job: Job) -> ApiError:
    error = job.result_meta.get("error") if job.result_meta else None
    if error:
        parameter = (error.get("source") or {}).get("parameter")
        return ApiError(error["code"], error["detail"], parameter=parameter)
    return ApiError("server_error", job.error or "The job failed.")


def status_document(job: Job) -> dict[str, object]:
    document = jobs.status_document(job)
    document.pop("result_url", None)
    document["status_url"] = reverse("api:job", kwargs={"code": job.code})
    if job.status == Job.Status.DONE:
        document["result_url"] = reverse("api:job_result", kwargs={"code": job.code})
    if job.status == Job.Status.FAILED:
        document["errors"] = [error_of(job).as_dict()]
    return document
