"""The tool page: upload an image (or pick a sample), get redirected to the result."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from tools.forms import ACCEPT_ATTR, ACCEPTED_TEXT, SampleForm, UploadForm, max_upload_bytes
from tools.models import Job
from tools.samples import SAMPLES, SAMPLES_BY_NAME
from tools.services.jobs import submit
from tools.uploads import cap_uploads, oversize_fields, unreadable_body
from tools.views.guards import rate_limited_uploads, unavailable_as_503, wants_json

__all__ = ["job_url", "remove_background", "sample", "wants_json"]


def _page(
    request: HttpRequest, form: UploadForm, *, status: int = 200, error: str = ""
) -> HttpResponse:
    errors = [str(e) for errs in form.errors.values() for e in errs] + ([error] if error else [])
    if wants_json(request) and status != 200:
        return JsonResponse({"errors": errors}, status=status)
    context = {
        "form": form,
        "errors": errors,
        "samples": SAMPLES,
        "accept": ACCEPT_ATTR,
        "accepted_text": ACCEPTED_TEXT,
        "max_bytes": max_upload_bytes(),
        "deleted": request.GET.get("deleted") == "1",
        "cancelled": request.GET.get("cancelled") == "1",
    }
    return render(request, "tools/remove_background.html", context, status=status)


def _queue(
    request: HttpRequest, data: bytes, size: tuple[int, int], filename: str, notice: str = ""
) -> HttpResponse:
    """Queue the validated upload for a worker and answer at once: the result page waits."""
    job = submit(data, size=size, filename=filename)
    if notice:
        messages.info(request, notice)  # shown on the result page
    if wants_json(request):
        status_url = reverse("tools:status", kwargs={"code": job.code})
        return JsonResponse({"url": job_url(job), "status_url": status_url}, status=201)
    return redirect("tools:result", code=job.code)


def _upload_bytes(request: HttpRequest) -> bytes:
    """The uploaded file's bytes as received (read before the form decodes and closes it)."""
    upload = request.FILES.get("image")
    if upload is None:
        return b""
    data = upload.read()
    upload.seek(0)
    return data


def job_url(job: Job) -> str:
    return reverse("tools:result", kwargs={"code": job.code})


@csrf_exempt
@rate_limited_uploads
@unavailable_as_503
def remove_background(request: HttpRequest) -> HttpResponse:
    # The size cap must be in place before CSRF checking reads the body, hence this order.
    if request.method == "POST":
        cap_uploads(request, max_upload_bytes())
        if problem := unreadable_body(request):
            return _page(request, UploadForm(), status=400, error=problem)
    return _remove_background(request)


@csrf_protect
def _remove_background(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, UploadForm())
    data = _upload_bytes(request)
    form = UploadForm(request.POST, request.FILES, oversize=oversize_fields(request))
    if not form.is_valid():
        return _page(request, form, status=422)
    size = form.cleaned_data["image"].size
    return _queue(request, data, size, form.filename, form.notice)


@require_POST
@rate_limited_uploads
@unavailable_as_503
def sample(request: HttpRequest) -> HttpResponse:
    form = SampleForm(request.POST)
    if not form.is_valid():
        return _page(request, UploadForm(), status=422, error="Choose one of the sample photos.")
    data = SAMPLES_BY_NAME[form.data["sample"]].file_path().read_bytes()
    return _queue(request, data, form.cleaned_data["sample"].size, form.filename)
