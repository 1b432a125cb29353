"""Response headers that Django 5.2 does not set by itself."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse


class SecurityHeadersMiddleware:
    """Adds the Content Security Policy and Permissions-Policy to every response.

    Scripts come only from our own static files (no inline script anywhere); images may be
    blob:/data: URLs because the tool previews cut-outs on a canvas in the browser.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self.csp = "; ".join(f"{k} {v}" for k, v in settings.PIXELFORGE_CSP.items())

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        response.headers.setdefault("Content-Security-Policy", self.csp)
        response.headers.setdefault(
            "Permissions-Policy", "camera=(), microphone=(), geolocation=(), interest-cohort=()"
        )
        response.headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        return response


class HealthCheckMiddleware:
    """Answer /healthz before anything looks at the Host header or the scheme.

    A load balancer probes by IP address, over plain HTTP: first in MIDDLEWARE, this answers
    it without ALLOWED_HOSTS validation or the HTTPS redirect (which would give 400 or 301).
    """

    PATH = "/healthz"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path_info == self.PATH:
            from pixelforge.views import healthz

            return healthz(request)
        return self.get_response(request)


class DrainBodyMiddleware:
    """Read what is left of a request's body after its answer, up to the largest body nginx
    lets through.

    A view that answers early (429 over a rate limit, 415, 413) leaves the body unread;
    gunicorn then drains at most 64 KB and closes the connection, which nginx keeps for the
    next request, so another visitor's POST on it fails with 502. Reading the rest keeps the
    connection usable (nginx already holds the whole body: this costs a copy on loopback).
    A body announced larger than that is left alone, and gunicorn closes its connection.
    """

    CHUNK = 256 * 1024

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        try:
            announced = int(request.META.get("CONTENT_LENGTH") or 0)
        except ValueError:
            return response
        if 0 < announced <= settings.PIXELFORGE_MAX_BODY_MB * 1024 * 1024:
            try:
                while request.read(self.CHUNK):
                    pass
            except OSError:  # the client went away: gunicorn closes the connection anyway
                pass
        return response
