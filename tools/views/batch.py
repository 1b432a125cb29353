"""A batch's page: each file's state and result, overall progress, one ZIP of all PNGs.

The upload view makes batches (tools/views/upload.py); these views only show them. The page
updates itself: batch.js polls the status URL, a <noscript> meta refresh does it without
JavaScript until every file is finished.
"""

from __future__ import annotations

import uuid

from django.http import Http404, HttpRequest, HttpResponse, JsonResponse, StreamingHttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import content_disposition_header
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from tools.services import batches, storage
from tools.views.access import get_batch_job_or_404, get_batch_or_404
from tools.views.files import FILE_POLICY, Stored, _stream
from tools.views.guards import unavailable_as_503, wants_json

POLL_SECONDS = 2  # how often the page refreshes without JavaScript while files are waiting


@never_cache
@require_GET
def batch(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    found = get_batch_or_404(request, code)
    status = batches.status_document(found)
    context = {
        "batch": found,
        "status": status,
        "refresh": None if status["finished"] else POLL_SECONDS,
    }
    return render(request, "tools/batch.html", context)


@never_cache
@require_GET
def batch_status(request: HttpRequest, code: uuid.UUID) -> JsonResponse:
    """The batch's state as JSON, for the page's script (and anyone polling)."""
    return JsonResponse(batches.status_document(get_batch_or_404(request, code)))


@require_GET
@unavailable_as_503
def batch_zip(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Every finished cut-out as a transparent PNG, in one ZIP streamed from stored files."""
    found = get_batch_or_404(request, code)
    entries = batches.zip_entries(found)
    if not entries:
        raise Http404("Nothing in this batch is ready to download yet.")
    response = StreamingHttpResponse(batches.stream_zip(entries), content_type="application/zip")
    response["Content-Disposition"] = content_disposition_header(True, batches.zip_name(found))
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cache-Control"] = "private, no-store"
    return response


@require_GET
@unavailable_as_503
def batch_thumb(request: HttpRequest, code: uuid.UUID, job: uuid.UUID) -> HttpResponse:
    found = get_batch_job_or_404(get_batch_or_404(request, code), job)
    path = storage.path(found, "thumb")
    if not storage.exists(path):
        raise Http404("No thumbnail for this result.")
    stored = Stored(path, "image/png", "thumb.png")
    return _stream(stored, attachment=False, cache="private, max-age=600")


@require_POST
@unavailable_as_503
def batch_delete(request: HttpRequest, code: uuid.UUID) -> HttpResponse:
    """Delete every image of the batch and its results now (waiting ones are cancelled)."""
    batches.delete_batch(get_batch_or_404(request, code))
    if wants_json(request):
        return JsonResponse({"state": "deleted"})
    return redirect(reverse("tools:remove_background") + "?deleted=1")
