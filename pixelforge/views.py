from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from pixelforge import health
from tools.pipeline.manifest import MODELS
from tools.samples import SAMPLES


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "home.html")


@require_GET
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
@require_GET
def healthz(request: HttpRequest) -> JsonResponse:
    problems = health.problems()
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})
