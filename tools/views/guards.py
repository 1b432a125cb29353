"""What the tool's views answer before or instead of their work: 429 and 503 pages.

Uploads are rate limited per client address (PIXELFORGE_UPLOAD_RATE_LIMIT), checked before the
body is read. A missing model or an unusable media store ends in a 503 page that says so,
never a 500.
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from tools.ratelimit import check_setting_rate
from tools.services import metrics
from tools.services.capacity import Busy
from tools.services.jobs import ServiceUnavailable
from tools.services.storage import StorageUnavailable

log = logging.getLogger(__name__)

UPLOAD_SCOPE = "upload"
RENDER_SCOPE = "render"
RETRY_AFTER_UNAVAILABLE = 120  # seconds

View = Callable[..., HttpResponse]


def wants_json(request: HttpRequest) -> bool:
    return "application/json" in request.headers.get("Accept", "")


def _retry_later(
    request: HttpRequest, status: int, template: str, message: str, retry_after: int
) -> HttpResponse:
    """A refusal the visitor may retry: JSON for the page's scripts, else the page; both with
    Retry-After."""
    if wants_json(request):
        response = JsonResponse({"errors": [message]}, status=status)
    else:
        context = {"message": message, "retry_after": retry_after}
        response = render(request, template, context, status=status)
    response["Retry-After"] = str(retry_after)
    return response


def too_many_requests(
    request: HttpRequest, retry_after: int, what: str = "uploaded a lot of images"
) -> HttpResponse:
    metrics.count("rejected_rate_limit")
    message = f"You have {what} in a short time. Please wait {retry_after} seconds and try again."
    return _retry_later(request, 429, "429.html", message, retry_after)


def unavailable(
    request: HttpRequest, message: str, retry_after: int = RETRY_AFTER_UNAVAILABLE
) -> HttpResponse:
    return _retry_later(request, 503, "tools/unavailable.html", message, retry_after)


def rate_limited_uploads(view: View) -> View:
    """Answer 429 to a client over the upload rate, before its body is read."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "POST":
            decision = check_setting_rate(
                request, scope=UPLOAD_SCOPE, setting="PIXELFORGE_UPLOAD_RATE_LIMIT"
            )
            if not decision.allowed:
                return too_many_requests(request, decision.retry_after)
        return view(request, *args, **kwargs)

    return wrapper


def charge_uploads(request: HttpRequest, extra: int) -> HttpResponse | None:
    """Count ``extra`` more uploads for this client (the files of a batch after the first,
    which rate_limited_uploads counted); a 429 response when that passes the limit."""
    if extra <= 0:
        return None
    decision = check_setting_rate(
        request, scope=UPLOAD_SCOPE, setting="PIXELFORGE_UPLOAD_RATE_LIMIT", cost=extra
    )
    return None if decision.allowed else too_many_requests(request, decision.retry_after)


def rate_limited_renders(view: View) -> View:
    """Background changes (POST) and new downloads (see files.download) share a per-address
    limit, kept in the cache for all processes: each may cost a full-resolution render."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        if request.method == "POST":
            limited = render_limit(request)
            if limited is not None:
                return limited
        return view(request, *args, **kwargs)

    return wrapper


def render_limit(request: HttpRequest) -> HttpResponse | None:
    """A 429 response when the client is over PIXELFORGE_RENDER_RATE_LIMIT, else None."""
    decision = check_setting_rate(
        request, scope=RENDER_SCOPE, setting="PIXELFORGE_RENDER_RATE_LIMIT"
    )
    if decision.allowed:
        return None
    return too_many_requests(request, decision.retry_after, what="changed or downloaded a lot")


def unavailable_as_503(view: View) -> View:
    """A missing model or an unusable media store gives a 503 page that says so."""

    @functools.wraps(view)
    def wrapper(request: HttpRequest, *args: object, **kwargs: object) -> HttpResponse:
        try:
            return view(request, *args, **kwargs)
        except Busy as exc:
            return unavailable(request, str(exc), retry_after=exc.retry_after)
        except ServiceUnavailable as exc:
            return unavailable(request, str(exc))  # the service logged it with the job code
        except StorageUnavailable as exc:
            log.error("Media storage unavailable on %s: %s", request.path, exc)
            return unavailable(request, str(ServiceUnavailable("stored results cannot be read")))

    return wrapper
