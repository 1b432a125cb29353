"""The tool page: upload an image (or pick a sample), get redirected to the result.

Several images in one upload make a batch: each is checked like a single upload and becomes
its own job; the visitor is sent to the batch's page (tools/views/batch.py)."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.datastructures import MultiValueDict
from django.views.decorators.csrf import csrf_exempt, csrf_protect
from django.views.decorators.http import require_POST

from tools.forms import SampleForm, UploadForm, max_upload_bytes, upload_form_context
from tools.models import Job
from tools.samples import SAMPLES, SAMPLES_BY_NAME
from tools.services import batches, cutouts
from tools.services.jobs import display_name
from tools.uploads import body_problem, cap_uploads, oversize_fields, oversize_files
from tools.views.guards import charge_uploads, rate_limited_uploads, unavailable_as_503, wants_json

__all__ = ["job_url", "remove_background", "sample", "wants_json"]


def _page(
    request: HttpRequest,
    form: UploadForm,
    *,
    status: int = 200,
    error: str = "",
    more_errors: list[str] | None = None,
) -> HttpResponse:
    errors = [str(e) for errs in form.errors.values() for e in errs] + ([error] if error else [])
    errors += more_errors or []
    if wants_json(request) and status != 200:
        return JsonResponse({"errors": errors}, status=status)
    context = {
        "form": form,
        "errors": errors,
        "samples": SAMPLES,
        **upload_form_context(),
        "deleted": request.GET.get("deleted") == "1",
        "cancelled": request.GET.get("cancelled") == "1",
    }
    return render(request, "tools/remove_background.html", context, status=status)


def _queue(
    request: HttpRequest, data: bytes, size: tuple[int, int], filename: str, notice: str = ""
) -> HttpResponse:
    """Queue the validated upload for a worker and answer at once: the result page waits."""
    job = cutouts.submit(cutouts.CutoutRequest(data, filename=filename), size=size)
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
        cap_uploads(
            request,
            max_upload_bytes(),
            max_files=settings.PIXELFORGE_BATCH_MAX_FILES,
            max_total=settings.PIXELFORGE_BATCH_MAX_BYTES,
        )
        problem, status = body_problem(request)
        if problem:
            return _page(request, UploadForm(), status=status, error=problem)
    return _remove_background(request)


@csrf_protect
def _remove_background(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request, UploadForm())
    if len(request.FILES.getlist("image")) + len(oversize_files(request, "image")) > 1:
        return _queue_batch(request)
    data = _upload_bytes(request)
    form = UploadForm(request.POST, request.FILES, oversize=oversize_fields(request))
    if not form.is_valid():
        return _page(request, form, status=422)
    size = form.cleaned_data["image"].size
    return _queue(request, data, size, form.filename, form.notice)


def _queue_batch(request: HttpRequest) -> HttpResponse:
    """Several files: check each like a single upload, queue the good ones as one batch.

    Bad files are listed with their message on the batch page; when every file is bad the
    form says why, with 422. Each file counts against the upload rate limit."""
    uploads = request.FILES.getlist("image")
    skipped = oversize_files(request, "image")
    limited = charge_uploads(request, len(uploads) + len(skipped) - 1)
    if limited is not None:
        return limited
    too_large = str(UploadForm().too_large_error().message)
    rejected = [batches.Rejected(display_name(name), too_large) for name in skipped]
    accepted: list[batches.Accepted] = []
    for upload in uploads:
        form = UploadForm(request.POST, MultiValueDict({"image": [upload]}))
        if form.is_valid():
            size = form.cleaned_data["image"].size
            accepted.append(batches.Accepted(upload, size, form.filename))
            if form.notice:  # scaled down to fit: said on the batch page, as on a result page
                messages.info(request, f"{display_name(upload.name or '')}: {form.notice}")
        else:
            message = " ".join(str(e) for errs in form.errors.values() for e in errs)
            rejected.append(batches.Rejected(display_name(upload.name or ""), message))
    if not accepted:
        errors = [f"{item.name}: {item.message}" for item in rejected]
        return _page(request, UploadForm(), status=422, more_errors=errors)
    batch = batches.create(accepted, rejected)
    url = reverse("tools:batch", kwargs={"code": batch.code})
    if wants_json(request):
        status_url = reverse("tools:batch_status", kwargs={"code": batch.code})
        return JsonResponse({"url": url, "status_url": status_url}, status=201)
    return redirect(url)


@require_POST
@rate_limited_uploads
@unavailable_as_503
def sample(request: HttpRequest) -> HttpResponse:
    form = SampleForm(request.POST)
    if not form.is_valid():
        return _page(request, UploadForm(), status=422, error="Choose one of the sample photos.")
    data = SAMPLES_BY_NAME[form.data["sample"]].file_path().read_bytes()
    return _queue(request, data, form.cleaned_data["sample"].size, form.filename)
