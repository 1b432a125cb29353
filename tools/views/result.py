"""The result page: preview, downloads, replace background, subjects, delete now."""

from __future__ import annotations

import logging
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from tools import pipeline
from tools.backgrounds import BACKGROUNDS
from tools.forms import ACCEPT_ATTR, COLOR_PRESETS, BackgroundForm, max_upload_bytes
from tools.services import jobs, rendering
from tools.uploads import cap_uploads, oversize_fields, unreadable_body
from tools.views.access import get_job_or_404
from tools.views.guards import unavailable_as_503, wants_json

log = logging.getLogger(__name__)


def _page(request: HttpRequest, job, form: BackgroundForm, *, status: int = 200) -> HttpResponse:
    if wants_json(request) and status != 200:
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse({"errors": errors}, status=status)
    choice = rendering.choice_of(job)
    context = {
        "job": job,
        "form": form,
        "choice": choice,
        "presets": COLOR_PRESETS,
        "backgrounds": BACKGROUNDS,
        "accept": ACCEPT_ATTR,
        "max_bytes": max_upload_bytes(),
        "formats": [("png", "PNG", "transparent"), ("webp", "WebP", "transparent, smaller")],
        "customised": bool(job.render_options),
    }
    return render(request, "tools/result.html", context, status=status)


@csrf_exempt
@unavailable_as_503
def result(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    if request.method == "POST":
        cap_uploads(request, max_upload_bytes())
        if problem := unreadable_body(request):
            job = get_job_or_404(request, code)
            choice = rendering.choice_of(job)
            form = BackgroundForm.unread(problem, choice=choice, subjects=job.subjects)
            return _page(request, job, form, status=400)
    return _result(request, code)


@csrf_protect
def _result(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    job = get_job_or_404(request, code)
    if request.method != "POST":
        choice = rendering.choice_of(job)
        initial = BackgroundForm.initial_for(choice, job.subjects)
        return _page(request, job, BackgroundForm(initial=initial, subjects=job.subjects))

    form = BackgroundForm(
        request.POST,
        request.FILES,
        subjects=job.subjects,
        saved=rendering.choice_of(job),
        oversize=oversize_fields(request),
    )
    if not form.is_valid():
        return _page(request, job, form, status=422)
    try:
        rendering.save_choice(job, form.choice(), bg_image=form.cleaned_data["bg_image"])
    except (ValueError, pipeline.PipelineError) as exc:
        form.add_error(None, str(exc))
        return _page(request, job, form, status=422)
    if wants_json(request):
        preview = reverse("tools:image", kwargs={"code": job.code, "kind": "result"})
        return JsonResponse({"preview": f"{preview}?v={job.options_version}"})
    return redirect(reverse("tools:result", kwargs={"code": job.code}) + "#preview")


@require_POST
@unavailable_as_503
def delete(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    job = get_job_or_404(request, code)
    jobs.delete_job(job)
    return redirect(reverse("tools:remove_background") + "?deleted=1")
