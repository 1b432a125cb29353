from __future__ import annotations

import logging
import uuid

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_safe

from pixelforge.public_url import absolute_url
from tools.api import calls, streaming
from tools.api import openapi as openapi_doc
from tools.api.access import check_api_key, enforce_rate_limit, keys_required
from tools.api.errors import ERRORS, ApiError, error_response
from tools.api.params import declared_params
from tools.api.parsing import parse_removal
from tools.api.results import Removal
from tools.models import Job

log = logging.getLogger(__name__)


@csrf_exempt
def remove_background(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return error_response(
            ApiError(
                "method_not_allowed",
                f"{request.method} is not allowed here; POST a multipart/form-data body.",
                headers={"Allow": "POST"},
            )
        )
    try:
        enforce_rate_limit(request)
        check_api_key(request)
        job = calls.submit(parse_removal(request))
        if calls.wants_async(request):
            return accepted(job)
        job = calls.wait(job)
        if job.status == Job.Status.FAILED:
            raise calls.error_of(job)
        if job.status != Job.Status.DONE:  # still waiting after the timeout
            return accepted(job)
        removal = calls.removal_of(job)
    except ApiError as exc:
        return error_response(exc)
    except Exception:
        reference = uuid.uuid4().hex[:12]
        log.exception("API request failed (reference %s)", reference)
        return error_response(
            ApiError(
                "server_error",
                f"Something went wrong on our side. Please try again. (Reference: {reference})",
            )
        )
    return removal_response(request, removal)


def accepted(job: Job) -> JsonResponse:
    """202: the job is queued; poll the status URL (Location) for its state."""
    document = calls.status_document(job)
    response = JsonResponse(document, status=202)
    response["Location"] = document["status_url"]
    response["Cache-Control"] = "no-store"
    return response


def _api_job(request: HttpRequest, code: uuid.UUID) -> Job:
    check_api_key(request)
    job = Job.objects.live().filter(code=code, kind=Job.Kind.API).first()
    if job is None:
        raise ApiError("job_not_found", "No job has this code; it may have expired.")
    return job


@require_safe
def job_status(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """The state of an asynchronous call: queued, processing, done (with result_url), failed."""
    try:
        job = _api_job(request, code)
    except ApiError as exc:
        return error_response(exc)
    response = JsonResponse(calls.status_document(job))
    response["Cache-Control"] = "no-store"
    return response


@require_safe
def job_result(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """The finished call's output, exactly as the synchronous call answers it."""
    try:
        job = _api_job(request, code)
        if job.status == Job.Status.FAILED:
            raise calls.error_of(job)
        if job.status != Job.Status.DONE:
            return accepted(job)
        removal = calls.removal_of(job)
    except ApiError as exc:
        return error_response(exc)
    return removal_response(request, removal)


def result_headers(removal: Removal) -> dict[str, str]:
    left, top, width, height = removal.foreground
    return {
        "X-Width": str(removal.width),
        "X-Height": str(removal.height),
        "X-Foreground-Top": str(top),
        "X-Foreground-Left": str(left),
        "X-Foreground-Width": str(width),
        "X-Foreground-Height": str(height),
        "X-Processing-Time": f"{removal.seconds:.3f}",
    } | scaled_header(removal)


def scaled_header(removal: Removal) -> dict[str, str]:
    """X-Scaled-From: WIDTHxHEIGHT of the upload, only when it was scaled down to fit."""
    if removal.scaled_from is None:
        return {}
    return {"X-Scaled-From": "{}x{}".format(*removal.scaled_from)}


def wants_json(request: HttpRequest, content_type: str) -> bool:
    return request.get_preferred_type([content_type, "application/json"]) == "application/json"


def removal_response(request: HttpRequest, removal: Removal) -> HttpResponse:
    left, top, width, height = removal.foreground
    if wants_json(request, removal.content_type):
        document = {
            "width": removal.width,
            "height": removal.height,
            "foreground_top": top,
            "foreground_left": left,
            "foreground_width": width,
            "foreground_height": height,
            "processing_time": round(removal.seconds, 3),
            "format": removal.format,
            "content_type": removal.content_type,
            "image_base64": "",  # the output, filled in by streaming (tools/api/streaming.py)
            "scaled_from": (
                dict(zip(("width", "height"), removal.scaled_from, strict=True))
                if removal.scaled_from
                else None
            ),
        }
        response = streaming.json_response(removal, document, "image_base64")
    else:
        response = streaming.raw_response(removal)
        response["Content-Disposition"] = f'inline; filename="{removal.filename}"'
    for name, value in result_headers(removal).items():
        response[name] = value
    response["Cache-Control"] = "no-store"
    response["Vary"] = "Accept"
    return response


@require_safe
def openapi(request: HttpRequest) -> JsonResponse:
    # "/": the host the document came from, never the Host header's name or port echoed back.
    document = openapi_doc.build_document(server_url="/")
    response = JsonResponse(document, json_dumps_params={"indent": 2})
    response["Access-Control-Allow-Origin"] = "*"  # lets online viewers load the document
    return response


@require_safe
def docs(request: HttpRequest) -> HttpResponse:
    endpoint = absolute_url(request, reverse("api:remove_background"))
    return render(
        request,
        "api/docs.html",
        {
            "endpoint": endpoint,
            "openapi_url": absolute_url(request, reverse("api:openapi")),
            "params": declared_params(),
            "errors": sorted(ERRORS.values(), key=lambda kind: (kind.status, kind.code)),
            "headers": openapi_doc.RESULT_HEADERS + openapi_doc.OPTIONAL_HEADERS,
            "keys_required": keys_required(),
            "rate_limit": openapi_doc.rate_limit_text(),
            "wait_seconds": settings.PIXELFORGE_API_WAIT_SECONDS,
        },
    )


def job_not_found(request: HttpRequest) -> HttpResponse:
    """A job address whose code is not a UUID: the same JSON 404 as an unknown job."""
    return error_response(ApiError("job_not_found", "There is no job with this code."))


def not_found(request: HttpRequest) -> HttpResponse:
    return error_response(
        ApiError("not_found", f"Nothing in the API answers at {request.path[:200]}.")
    )
