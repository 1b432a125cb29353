"""The result page: preview, downloads, replace background, subjects, delete now."""

from __future__ import annotations

import json
import logging
import uuid

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_GET, require_POST

from tools import pipeline
from tools.backgrounds import BACKGROUNDS
from tools.forms import ACCEPT_ATTR, COLOR_PRESETS, BackgroundForm, max_upload_bytes
from tools.models import Job
from tools.services import background_uploads, choices, downloads, estimates, jobs
from tools.uploads import cap_uploads, oversize_fields, unreadable_body
from tools.views.access import get_job_or_404
from tools.views.guards import rate_limited_renders, unavailable_as_503, wants_json

log = logging.getLogger(__name__)


def _page(request: HttpRequest, job, form: BackgroundForm, *, status: int = 200) -> HttpResponse:
    if wants_json(request) and status != 200:
        errors = {name: [str(e) for e in errs] for name, errs in form.errors.items()}
        return JsonResponse({"errors": errors}, status=status)
    choice = choices.choice_of(job)
    files = files_document(job)
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
        "files": files,
        "files_json": json.dumps(files),
        "subject_files": [(s, files["downloads"][f"subject-{s['index']}"]) for s in job.subjects],
        "sizes": PICTURE_SIZES,
    }
    return render(request, "tools/result.html", context, status=status)


# The preview's width on the page (tool.css): the column beside the sidebar, or the screen.
PICTURE_SIZES = "(min-width: 56rem) min(860px, calc(100vw - 25rem)), 100vw"


def files_document(job: Job) -> dict:
    """The page's pictures and downloads for the saved choice, as the page and tool.js use
    them: each picture's srcset once a worker made it, each download's URL (with the stored
    file's key once it is there: only such a link is marked `download`). Asks a worker for
    whatever is missing."""
    current = downloads.state(job)
    downloads.request_standard(job, current)
    pictures = {}
    for name, picture in current["pictures"].items():
        if not picture["sizes"]:
            pictures[name] = {"ready": False}
            continue
        base = reverse("tools:image", kwargs={"code": job.code, "kind": name})
        urls = [(f"{base}?k={picture['key']}&w={w}", w, h) for w, h in picture["sizes"]]
        pictures[name] = {
            "ready": True,
            "src": urls[-1][0],
            "srcset": ", ".join(f"{url} {w}w" for url, w, _ in urls),
            "candidates": [{"url": url, "width": w} for url, w, _ in urls],
            "width": urls[-1][1],
            "height": urls[-1][2],
        }
    if pictures["result"]["ready"] and choices.choice_of(job) == choices.BackgroundChoice():
        pictures["cutout"] = pictures["result"]  # the same pixels: the page fetches them once
    links = {}
    for kind, file in current["downloads"].items():
        if kind.startswith("subject-"):
            index = int(kind.removeprefix("subject-"))
            base = reverse("tools:subject_download", kwargs={"code": job.code, "index": index})
        else:
            base = reverse("tools:download", kwargs={"code": job.code, "fmt": kind})
        url = f"{base}?k={file['key']}" if file["ready"] else base
        links[kind] = {"ready": file["ready"], "url": url, "error": file["error"]}
    complete = downloads.complete(current)
    failed = not complete and downloads.failed(job)
    return {
        "version": job.options_version,
        "pictures": pictures,
        "downloads": links,
        "complete": complete,
        "failed": failed,
    }


POLL_SECONDS = 2  # how often the waiting page refreshes without JavaScript


def _waiting(request: HttpRequest, job: Job) -> HttpResponse:
    """The page of a job that is not done: its state, place in the queue and an estimate,
    updating itself (tool.js polls the status URL; a meta refresh without JavaScript)."""
    context = {
        "job": job,
        "progress": estimates.progress(job),
        "stages": Job.Stage.choices,
        "refresh": POLL_SECONDS if job.status != Job.Status.FAILED else None,
    }
    return render(request, "tools/waiting.html", context)


@csrf_exempt
@rate_limited_renders
@unavailable_as_503
def result(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    if request.method == "POST":
        cap_uploads(request, max_upload_bytes())
        if problem := unreadable_body(request):
            job = get_job_or_404(request, code)
            choice = choices.choice_of(job)
            form = BackgroundForm.unread(problem, choice=choice, subjects=job.subjects)
            return _page(request, job, form, status=400)
    return _result(request, code)


@csrf_protect
def _result(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    job = get_job_or_404(request, code, done=request.method == "POST")
    if job.status != Job.Status.DONE:
        return _waiting(request, job)
    if request.method != "POST":
        choice = choices.choice_of(job)
        if error := background_uploads.take_error(job):  # found after the POST had answered
            form = BackgroundForm.unread(error, choice=choice, subjects=job.subjects)
            return _page(request, job, form)
        if wants_json(request):  # tool.js asks what is made while a worker makes the rest
            response = JsonResponse(files_document(job))
            response["Cache-Control"] = "no-store"
            return response
        initial = BackgroundForm.initial_for(choice, job.subjects)
        return _page(request, job, BackgroundForm(initial=initial, subjects=job.subjects))

    form = BackgroundForm(
        request.POST,
        request.FILES,
        subjects=job.subjects,
        saved=choices.choice_of(job),
        oversize=oversize_fields(request),
    )
    if not form.is_valid():
        return _page(request, job, form, status=422)
    try:
        choices.save_choice(job, form.choice(), bg_upload=form.cleaned_data["bg_image"])
    except (ValueError, pipeline.PipelineError) as exc:
        form.add_error(None, str(exc))
        return _page(request, job, form, status=422)
    # A worker decodes a new background image (usually in well under a second): a file only
    # a full decode finds broken is reported here, or on the page's next load.
    if form.cleaned_data["bg_image"] is not None and (error := background_uploads.wait(job)):
        job.refresh_from_db()
        form.add_error("bg_image", error)
        return _page(request, job, form, status=422)
    downloads.request_standard(job)  # a worker makes the new pictures and downloads at once
    if wants_json(request):
        return JsonResponse(files_document(job))
    return redirect(reverse("tools:result", kwargs={"code": job.code}) + "#preview")


@require_POST
@unavailable_as_503
def delete(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Delete a result now, or cancel a job that is still waiting or being processed."""
    job = get_job_or_404(request, code, done=False)
    cancelled = job.status in (Job.Status.QUEUED, Job.Status.PROCESSING)
    jobs.delete_job(job)
    if wants_json(request):
        return JsonResponse({"state": "cancelled" if cancelled else "deleted"})
    done = "?cancelled=1" if cancelled else "?deleted=1"
    return redirect(reverse("tools:remove_background") + done)


@never_cache
@require_GET
def status(request: HttpRequest, code: uuid.UUID) -> JsonResponse:
    """The job's state as JSON, for the waiting page's script (and anyone polling)."""
    job = get_job_or_404(request, code, done=False)
    return JsonResponse(estimates.status_document(job))
