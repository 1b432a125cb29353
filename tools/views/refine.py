"""The refine page: keep/remove strokes, remove a subject, undo, redo, restore the original.

Works without JavaScript (every action is a plain form; strokes need the brush, which needs
JavaScript); with ``Accept: application/json`` the same POST answers JSON for refine.js.
"""

from __future__ import annotations

import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect

from tools.models import Job, Revision
from tools.ratelimit import check_setting_rate
from tools.refine_forms import RefineForm, RefineRequest
from tools.services import refine as service
from tools.services import refine_queue
from tools.services.choices import choice_of
from tools.uploads import cap_uploads, oversize_fields
from tools.views.access import get_job_or_404
from tools.views.guards import too_many_requests, unavailable_as_503, wants_json

REFINE_SCOPE = "refine"


@csrf_exempt
@unavailable_as_503
def refine(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    # The size cap must be in place before CSRF checking reads the body.
    if request.method == "POST":
        decision = check_setting_rate(
            request, scope=REFINE_SCOPE, setting="PIXELFORGE_REFINE_RATE_LIMIT"
        )
        if not decision.allowed:
            return too_many_requests(request, decision.retry_after)
        cap_uploads(request, service.MAX_MASK_BYTES)
    return _refine(request, code)


@csrf_protect
def _refine(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    job = get_job_or_404(request, code)
    if request.method != "POST":
        return _page(request, job)
    form = RefineForm(request.POST, request.FILES, oversize=oversize_fields(request))
    if not form.is_valid():
        errors = [str(e) for errs in form.errors.values() for e in errs]
        status = 413 if "strokes" in form.oversize else 422
        return _failed(request, job, errors, status)
    try:
        revision = _run(job, form.request())
    except service.RefineError as exc:
        response = _failed(request, job, [str(exc)], exc.status)
        if exc.retry_after:
            response["Retry-After"] = str(exc.retry_after)
        return response
    if wants_json(request):
        return JsonResponse(state(job, revision))
    return redirect(reverse("tools:refine", kwargs={"code": job.code}) + "#editor")


def _run(job: Job, parsed: RefineRequest) -> Revision:
    """The action runs in a task worker (matting is heavy); this waits for its answer."""
    if parsed.action == "use":
        return refine_queue.queue_action(job, {"action": "use", "revision": parsed.revision})
    if parsed.action == "remove_subject":
        action = {"action": "remove_subject", "subject": parsed.subject, "base": parsed.base}
        return refine_queue.queue_action(job, action)
    action = {"action": "strokes", "base": parsed.base}
    return refine_queue.queue_action(job, action, strokes=parsed.strokes.read())


def state(job: Job, revision: Revision | None) -> dict[str, object]:
    """What refine.js needs after each action (also embedded in the page)."""
    current, undo, redo = service.position(job, revision)
    cutout = reverse("tools:image", kwargs={"code": job.code, "kind": "cutout"})
    return {
        "revision": current,
        "undo": undo,
        "redo": redo,
        "description": revision.description if revision else service.ORIGINAL_DESCRIPTION,
        "cutout": f"{cutout}?v={job.options_version}",
        "subjects": job.subjects,
    }


def _failed(request: HttpRequest, job: Job, errors: list[str], status: int) -> HttpResponse:
    if wants_json(request):
        return JsonResponse({"errors": errors}, status=status)
    return _page(request, job, errors=errors, status=status)


def _page(
    request: HttpRequest, job: Job, *, errors: list[str] | None = None, status: int = 200
) -> HttpResponse:
    current = service.current_revision(job)
    position = state(job, current)
    context = {
        "job": job,
        "choice": choice_of(job),
        "errors": errors or [],
        "revisions": service.revisions(job),
        "position": position,
        "max_revisions": service.MAX_REVISIONS,
    }
    return render(request, "tools/refine.html", context, status=status)
