from __future__ import annotations

from functools import cache
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import cache_control, never_cache
from django.views.decorators.http import require_safe

from pixelforge import health
from tools.forms import upload_form_context
from tools.pipeline.manifest import MODELS
from tools.samples import SAMPLES


@require_safe
def home(request: HttpRequest) -> HttpResponse:
    """The home page: its upload form takes a picked, dropped or pasted photo straight to a job."""
    return render(request, "home.html", {**upload_form_context(), "errors": []})


@require_safe
def licences(request: HttpRequest) -> HttpResponse:
    """The licences of the code, of each model's weights and of each sample photo."""
    context = {
        "models": sorted(MODELS.values(), key=lambda spec: spec.name),
        "default_model": settings.PIXELFORGE_DEFAULT_MODEL,
        "samples": SAMPLES,
        "source_url": settings.PIXELFORGE_SOURCE_URL,
    }
    return render(request, "licences.html", context)


@never_cache
@require_safe
def healthz(request: HttpRequest) -> JsonResponse:
    problems = health.problems()
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})


@require_safe
@cache_control(public=True, max_age=86400)
def favicon(request: HttpRequest) -> HttpResponse:
    """/favicon.ico, which browsers and crawlers ask for whatever the page links to."""
    return HttpResponse(_favicon_bytes(), content_type="image/x-icon")


@cache
def _favicon_bytes() -> bytes:
    return Path(finders.find("img/favicon.ico")).read_bytes()
