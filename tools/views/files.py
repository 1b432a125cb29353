"""Files of a job, served only through its code: previews inline, downloads as attachments."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass
from urllib.parse import quote

from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.http import content_disposition_header
from django.views.decorators.http import require_GET

from tools import pipeline
from tools.services import capacity, compositing, downloads, previews, storage
from tools.services.downloads import Download
from tools.views.access import get_job_or_404
from tools.views.guards import render_limit, unavailable_as_503

# Nothing in these responses may run as a page, even if a browser were to sniff it.
FILE_POLICY = "default-src 'none'; sandbox"
READ_WHOLE_BYTES = 1024 * 1024  # a larger download is streamed from storage in chunks


@dataclass(frozen=True)
class Stored:
    """A rendered download in the job's folder: where it is and how to answer it."""

    path: str
    content_type: str
    filename: str


def _find(job, kind: str, key: str | None = None) -> Stored | None:
    """The stored download for ``key`` (a choice's, current or earlier; by default the
    current choice's), or None."""
    path = downloads.path_of(job, kind, key or downloads.key_of(job, kind))
    if not storage.exists(path):
        return None
    return Stored(path, *downloads.describe(job, kind))


def _headers(response: HttpResponse, filename: str, *, attachment: bool, cache: str) -> None:
    response["Content-Disposition"] = content_disposition_header(attachment, filename)
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_POLICY
    response["Cache-Control"] = cache


def _respond(download: Download, *, attachment: bool, cache: str) -> HttpResponse:
    response = HttpResponse(download.data, content_type=download.content_type)
    _headers(response, download.filename, attachment=attachment, cache=cache)
    response["Content-Length"] = str(len(download.data))
    return response


def _stream(stored: Stored, *, attachment: bool, cache: str) -> HttpResponse:
    """The stored file: sent by nginx from the media folder where it is configured to
    (PIXELFORGE_ACCEL_REDIRECT_URL, X-Accel-Redirect); else answered in chunks from storage (a
    local file or the bucket's object), never read whole into the web process; one of at most
    READ_WHOLE_BYTES is answered whole."""
    if settings.PIXELFORGE_ACCEL_REDIRECT_URL and storage.is_local():
        response = HttpResponse(content_type=stored.content_type)
        _headers(response, stored.filename, attachment=attachment, cache=cache)
        response["X-Accel-Redirect"] = settings.PIXELFORGE_ACCEL_REDIRECT_URL + quote(stored.path)
        return response
    handle, size = storage.open_file(stored.path)
    if size <= READ_WHOLE_BYTES:
        with handle:
            download = Download(handle.read(), stored.content_type, stored.filename)
        return _respond(download, attachment=attachment, cache=cache)
    response = FileResponse(handle, content_type=stored.content_type)
    _headers(response, stored.filename, attachment=attachment, cache=cache)
    response["Content-Length"] = str(size)
    return response


def _inline_png(image, name: str) -> HttpResponse:
    data = pipeline.encode(image, "png")
    return _respond(
        Download(data, "image/png", name), attachment=False, cache="private, max-age=600"
    )


def _parse_keep(text: str, job) -> tuple[int, ...] | None:
    if not text:
        return None
    try:
        keep = tuple(sorted({int(part) for part in text.split(",")}))
    except ValueError:
        raise Http404("Bad subject list") from None
    known = {s["index"] for s in job.subjects}
    if not set(keep) <= known:
        raise Http404("No such subject")
    return keep


@require_GET
@unavailable_as_503
def image(request: HttpRequest, code: uuid.UUID, kind: str) -> HttpResponse:
    """Preview-size images for the page: original, cutout, result, background."""
    job = get_job_or_404(request, code)
    if "w" in request.GET:
        return _picture(job, kind, request.GET.get("k", ""), request.GET["w"])
    if kind == "original":
        stored = Stored(job.original_preview.name, "image/jpeg", "original.jpg")
        return _stream(stored, attachment=False, cache="private, max-age=3600")
    if kind == "cutout":
        keep = _parse_keep(request.GET.get("keep", ""), job)
        if keep is None:
            stored = Stored(job.cutout_preview.name, "image/png", "cutout.png")
            return _stream(stored, attachment=False, cache="private, no-cache")  # refinable
        return _inline_png(compositing.kept_cutout(job, keep, preview=True), "cutout.png")
    if kind == "result":
        return _current_result(job)
    if kind == "background" and job.background:
        return _inline_png(compositing.background_preview(job), "background.png")
    raise Http404("No such image")


def _picture(job, name: str, key: str, width: str) -> HttpResponse:
    """A stored picture of the result page (tools/services/previews.py), read, never made:
    its key and width are in the URL, so it can be cached for as long as the job lives."""
    if name not in previews.NAMES or not previews.KEY.match(key) or not width.isdigit():
        raise Http404("No such picture")
    path = previews.image_path(job, name, key, int(width))
    if not storage.exists(path):
        raise Http404("No such picture")
    stored = Stored(path, "image/webp", f"{name}.webp")
    return _stream(stored, attachment=False, cache="private, max-age=86400")


def _current_result(job) -> HttpResponse:
    """The result for the saved choice, largest stored width; while a worker makes it, the
    bare cut-out and no caching (the page shows the picture being made)."""
    key = downloads.key_of(job, "result")
    sizes = previews.sizes(job, "result", key)
    if sizes is None:
        downloads.request_standard(job)
        stored = Stored(job.cutout_preview.name, "image/png", "cutout.png")
        return _stream(stored, attachment=False, cache="no-store")
    stored = Stored(
        previews.image_path(job, "result", key, sizes[-1][0]), "image/webp", "result.webp"
    )
    return _stream(stored, attachment=False, cache="private, no-cache")


WAIT_REFRESH_SECONDS = 2
HOLD_SECONDS = 8  # a new render usually takes less: answer with the file rather than a page
HOLD_POLL = 0.25


def _wait_for(job, kind: str) -> Stored | None:
    deadline = time.monotonic() + HOLD_SECONDS
    while time.monotonic() < deadline:
        time.sleep(HOLD_POLL)
        found = _find(job, kind)
        if found is not None or not downloads.is_pending(job, kind):
            return found
    return None


def _download(request: HttpRequest, job, kind: str) -> HttpResponse:
    """Serve the rendered file, or have a worker make it: wait a few seconds for it (most
    renders take less), then show a page that refreshes until it is there."""
    if "k" in request.GET:  # a link marked `download`: the stored file, never a page
        return _stored(job, kind, request.GET["k"])
    found = _find(job, kind)
    context = {"job": job, "url": request.path, "refresh": WAIT_REFRESH_SECONDS}
    if found is not None:
        if request.GET.get("wait"):  # the waiting page's refresh: say it is ready, no loop
            key = downloads.key_of(job, kind)
            context.update(ready=True, filename=found.filename, key=key)
            return render(request, "tools/download_wait.html", context)
        return _stream(found, attachment=True, cache="private, no-store")
    if not downloads.is_pending(job, kind):
        capacity.check_disk(
            capacity.footprint(job.width, job.height, 0)
        )  # Busy: a 503, as an upload
        limited = render_limit(request)
        if limited is not None:
            return limited
    error = downloads.request(job, kind)
    if not error and not request.GET.get("wait"):
        found = _wait_for(job, kind)
        if found is not None:
            return _stream(found, attachment=True, cache="private, no-store")
        error = downloads.request(job, kind)  # reports a failure that happened meanwhile
    if error:
        return render(request, "tools/download_wait.html", {**context, "error": error}, status=422)
    response = render(request, "tools/download_wait.html", context, status=202)
    response["Cache-Control"] = "no-store"
    return response


def _stored(job, kind: str, key: str) -> HttpResponse:
    """The file made for ``key`` (the page marks a link `download` only once it is there):
    a 404, which a browser never saves as the file, when it is gone."""
    if not previews.KEY.match(key):
        raise Http404("No such file")
    found = _find(job, kind, key)
    if found is None:
        raise Http404("This file is no longer here: reload the result page.")
    return _stream(found, attachment=True, cache="private, max-age=86400")


@require_GET
@unavailable_as_503
def download(request: HttpRequest, code: uuid.UUID, fmt: str) -> HttpResponse:
    job = get_job_or_404(request, code)
    if fmt not in downloads.FORMATS:
        raise Http404("No such format")
    return _download(request, job, fmt)


def _subject_index(job, index: int) -> int:
    if index not in {s["index"] for s in job.subjects}:
        raise Http404("No such subject")
    return index


@require_GET
@unavailable_as_503
def subject_download(request: HttpRequest, code: uuid.UUID, index: int) -> HttpResponse:
    job = get_job_or_404(request, code)
    return _download(request, job, f"subject-{_subject_index(job, index)}")


@require_GET
@unavailable_as_503
def subject_thumb(request: HttpRequest, code: uuid.UUID, index: int) -> HttpResponse:
    job = get_job_or_404(request, code)
    if len(job.subjects) < 2:  # thumbnails are made only to choose among several subjects
        raise Http404("No subject thumbnails for this job")
    path = storage.path(job, "subject_thumb", index=_subject_index(job, index))
    stored = Stored(path, "image/png", f"subject-{index + 1}.png")
    return _stream(stored, attachment=False, cache="private, no-cache")  # refinable
