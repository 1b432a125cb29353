"""Full-resolution downloads and the page's pictures, made by a worker and kept with the job.

The standard set (the result page's pictures, ``previews``, then PNG, JPEG, WebP, the mask and
each subject) is made by the worker right after the job, and again as soon as a choice is
saved (``request_standard``), so a click on a download serves a stored file. A download GET
for something not made yet asks a worker for it (``tools.tasks.render_download``); the page
shows it being made. The key covers everything the pixels depend on, so a changed choice gets
new files and going back to an earlier choice finds the earlier ones.
"""

from __future__ import annotations

import hashlib
import json
import logging
from dataclasses import dataclass

from django.core.cache import cache

from tools import pipeline
from tools.images import fit_site_limits, fits_site_limits
from tools.models import Job
from tools.pipeline.formats import OUTPUTS
from tools.services import (
    choices,
    compositing,
    counters,
    filenames,
    labels,
    metrics,
    previews,
    queue,
    storage,
)

log = logging.getLogger(__name__)

PENDING_SECONDS = 300  # a render not done in this long may be asked for again
ERROR_SECONDS = 300
STANDARD = "standard"  # the kind asked of the worker for the whole standard set
STANDARD_PRIORITY = 60  # ahead of refines (50) and uploads (0): a visitor waits for it
ORIGINAL_KEY = "0"  # the original's pictures never change
FAILED_MESSAGE = "This download could not be made. Please try again, or change the settings."

FORMATS = OUTPUTS  # url name -> output format (content type, extension)


WHITE = (255, 255, 255)

# What each download shows for each background mode: the page's labels (kept up to date by
# tool.js as the visitor changes the mode) say exactly what the file will be.
DOWNLOAD_LABELS = {
    "png": {
        "none": "transparent",
        "color": "on your colour",
        "image": "on your image",
        "blur": "on the blurred photo",
    },
    "webp": {
        "none": "transparent, smaller",
        "color": "smaller",
        "image": "smaller",
        "blur": "smaller",
    },
    "jpg": {
        "none": "on white",
        "color": "on your colour",
        "image": "on your image",
        "blur": "on the blurred photo",
    },
    "mask": {"none": "alpha", "color": "alpha", "image": "alpha", "blur": "alpha"},
}


def jpeg_background(choice: choices.BackgroundChoice) -> tuple[int, int, int]:
    """JPEG has no alpha: a transparent result is flattened on white, as the page says."""
    return choice.rgb if choice.background == "color" else WHITE


@dataclass(frozen=True)
class Download:
    data: bytes
    content_type: str
    filename: str


def download(job: Job, fmt: str) -> Download:
    """The full-resolution file in ``fmt`` (a key of FORMATS) with the saved choice applied.

    Runs in a worker, once per option set (``make``)."""
    output = FORMATS[fmt]
    choice = choices.choice_of(job)
    data = as_stored(job, fmt, choice)
    if data is None:
        image = compositing.render_choice(job, choice, preview=False, background=fmt != "mask")
        image = fit_site_limits(image)
        data = pipeline.encode(image, fmt, background=jpeg_background(choice))
    return Download(data, output.content_type, filenames.download_name(job, fmt, choice))


# Downloads that are a stored file as it is, for the bare cut-out: its PNG is the cut-out file
# and its mask the alpha file (the same pixels, PNG without metadata); read, not rendered and
# encoded again (about 0.14 of the 0.5 CPU-s a 1 MP job's downloads took).
AS_STORED = {"png": "cutout", "mask": "alpha"}


def as_stored(job: Job, fmt: str, choice: choices.BackgroundChoice) -> bytes | None:
    """The download's bytes when a stored file is exactly it, else None."""
    field = AS_STORED.get(fmt)
    if field is None or choice != choices.BackgroundChoice():
        return None
    if not fits_site_limits((job.width or 0, job.height or 0)):
        return None  # fit_site_limits would scale it (limits lowered since the job)
    return storage.read_bytes(job, field)


def subject_download(job: Job, index: int) -> Download:
    """One subject on its own: cropped, transparent PNG at full resolution."""
    options = pipeline.RenderOptions(crop=True)
    original = compositing.open_original(job)
    cutout = storage.open_image(job, "cutout").convert("RGBA")
    cutout.putalpha(labels.load(job, preview=False).keep(cutout.getchannel("A"), (index,)))
    image = fit_site_limits(pipeline.render(original, cutout, options))
    data = pipeline.encode(image, "png")
    name = filenames.download_name(job, f"subject-{index}", choices.choice_of(job))
    return Download(data, "image/png", name)


def kinds(job: Job) -> list[str]:
    """Every download of the job, PNG first: the button most visitors press."""
    return [*FORMATS, *(f"subject-{s['index']}" for s in job.subjects)]


def key_of(job: Job, kind: str) -> str:
    choice = choices.choice_of(job).to_saved()
    if kind.startswith("subject-") or kind == "cutout":
        choice = {}  # a subject on its own (or the bare cut-out) ignores the background choice
    if choice.get("background") == "image":
        choice["background_version"] = job.options_version
    # A refined cut-out (tools/services/refine.py) is another result: its own renders.
    revision = job.revisions.filter(is_current=True).values_list("number", flat=True).first()
    if revision:
        choice["revision"] = revision
    text = json.dumps([kind, choice], sort_keys=True)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def path_of(job: Job, kind: str, key: str) -> str:
    # The kind is in the name: a key of one kind asked for as another finds nothing.
    return storage.path(job, "download", kind=kind, key=key)


def _marker(job: Job, key: str) -> str:
    return f"tools:render:{job.code}:{key}"


def _error_key(job: Job, key: str) -> str:
    return f"tools:render-error:{job.code}:{key}"


def describe(job: Job, kind: str) -> tuple[str, str]:
    """(content type, file name) of a download."""
    name = filenames.download_name(job, kind, choices.choice_of(job))
    if kind.startswith("subject-"):
        return "image/png", name
    return FORMATS[kind].content_type, name


def is_pending(job: Job, kind: str) -> bool:
    return counters.held(_marker(job, key_of(job, kind)))


def request(job: Job, kind: str) -> str | None:
    """Ask a worker for the download (once); None while it is pending, or an error message."""
    key = key_of(job, kind)
    error = cache.get(_error_key(job, key))
    if error:
        cache.delete(_error_key(job, key))
        counters.release(_marker(job, key))
        return error
    if counters.acquire(_marker(job, key), PENDING_SECONDS):  # one render per choice
        queue.enqueue("render_download", str(job.code), kind, key)
    return None


def make(code: str, kind: str, key: str) -> str:
    """In the worker: render ``kind`` (or the STANDARD set) for the job's current choice and
    store it."""
    job = Job.objects.live().done().filter(code=code).first()
    if job is None:
        return "gone"
    if key_of(job, kind) != key:  # the choice changed since; the page will ask again
        counters.release(_marker(job, key))
        return "stale"
    if kind == STANDARD:
        try:
            return make_standard(job)
        finally:
            counters.release(_marker(job, key))
    try:
        data = render_bytes(job, kind)
        storage.store(path_of(job, kind, key), data)
    except Exception as exc:
        log.exception("Render %s of job %s failed", kind, job.code)
        message = str(exc) if isinstance(exc, ValueError) else FAILED_MESSAGE
        cache.set(_error_key(job, key), message, timeout=ERROR_SECONDS)
        return "failed"
    finally:
        counters.release(_marker(job, key))
    if not Job.objects.filter(pk=job.pk).exists():  # deleted meanwhile
        storage.delete_files(job.code)
        return "gone"
    metrics.count("renders")
    return "done"


def render_bytes(job: Job, kind: str) -> bytes:
    if kind.startswith("subject-"):
        return subject_download(job, int(kind.removeprefix("subject-"))).data
    return download(job, kind).data


# The standard set -------------------------------------------------------------------------


def picture_keys(job: Job) -> dict[str, str]:
    """The key of each of the page's pictures (previews.NAMES) for the job as it is now."""
    return {
        "original": ORIGINAL_KEY,
        "cutout": key_of(job, "cutout"),
        "result": key_of(job, "result"),
    }


def state(job: Job) -> dict:
    """What is stored for the job's current choice: each picture's key and sizes (None while
    not made) and each download's key and whether its file is there."""
    pictures = {
        name: {"key": key, "sizes": previews.sizes(job, name, key)}
        for name, key in picture_keys(job).items()
    }
    downloads = {}
    for kind in kinds(job):
        key = key_of(job, kind)
        ready = storage.exists(path_of(job, kind, key))
        error = None if ready else cache.get(_error_key(job, key))
        downloads[kind] = {"key": key, "ready": ready, "error": error}
    return {"pictures": pictures, "downloads": downloads}


def complete(current: dict) -> bool:
    return all(p["sizes"] for p in current["pictures"].values()) and all(
        d["ready"] for d in current["downloads"].values()
    )


def failed(job: Job) -> bool:
    """The standard set of the current choice failed lately (ERROR_SECONDS): not asked again."""
    return cache.get(_error_key(job, key_of(job, STANDARD))) is not None


def request_standard(job: Job, current: dict | None = None) -> None:
    """Ask a worker (once) for whatever of the standard set the current choice still lacks."""
    if complete(current or state(job)):
        return
    key = key_of(job, STANDARD)
    if failed(job):
        return
    if counters.acquire(_marker(job, key), PENDING_SECONDS):
        queue.enqueue("render_download", str(job.code), STANDARD, key, priority=STANDARD_PRIORITY)


def make_pictures(job: Job, *, original=None, cutout=None) -> None:
    """The page's pictures for the job as it is now; ``original`` and ``cutout`` are the
    preview-size images when the caller has them in memory (the job's own processing)."""
    keys = picture_keys(job)
    if previews.sizes(job, "original", keys["original"]) is None:
        image = original or storage.open_image(job, "original_preview")
        previews.store(job, "original", keys["original"], image)
    if previews.sizes(job, "cutout", keys["cutout"]) is None:
        image = cutout or storage.open_image(job, "cutout_preview")
        previews.store(job, "cutout", keys["cutout"], image)
    if previews.sizes(job, "result", keys["result"]) is not None:
        return
    if choices.choice_of(job) == choices.BackgroundChoice():  # the bare cut-out
        previews.copy(job, "cutout", keys["cutout"], "result", keys["result"])
    else:
        previews.store(job, "result", keys["result"], compositing.render_preview(job))


def make_standard(job: Job) -> str:
    """In the worker: the pictures, then each download not stored yet for the current choice.
    Stops when the choice changes meanwhile (a newer request makes the newer set)."""
    started = key_of(job, STANDARD)
    try:
        make_pictures(job)
    except ValueError:  # a background image still being decoded: the next request makes it
        log.info("Pictures of job %s wait for its background image", job.code)
        return "waiting"
    except Exception:
        log.exception("Pictures of job %s failed", job.code)
        cache.set(_error_key(job, started), FAILED_MESSAGE, timeout=ERROR_SECONDS)
        return "failed"
    made = broken = 0
    for kind in kinds(job):
        job = Job.objects.live().done().filter(pk=job.pk).first()
        if job is None or key_of(job, STANDARD) != started:
            return "stale"
        key = key_of(job, kind)
        path = path_of(job, kind, key)
        if storage.exists(path) or not counters.acquire(_marker(job, key), PENDING_SECONDS):
            continue  # made already, or being made by a click's own request
        try:
            storage.store(path, render_bytes(job, kind))
            made += 1
        except Exception as exc:
            log.exception("Render %s of job %s failed", kind, job.code)
            message = str(exc) if isinstance(exc, ValueError) else FAILED_MESSAGE
            cache.set(_error_key(job, key), message, timeout=ERROR_SECONDS)
            broken += 1
        finally:
            counters.release(_marker(job, key))
    if broken:  # not asked again for a while: the page says so instead of waiting
        cache.set(_error_key(job, started), FAILED_MESSAGE, timeout=ERROR_SECONDS)
    if not Job.objects.filter(pk=job.pk).exists():  # deleted meanwhile
        storage.delete_files(job.code)
        return "gone"
    if made:
        metrics.count("renders", made)
    return "done"


def make_after_job(code: str) -> str:
    """Right after a site job is done, in the same worker: its downloads, so the visitor's
    first click serves a stored file (the pictures were made with the job). A batch's jobs
    are made when their page is opened."""
    job = Job.objects.live().done().filter(code=code, kind=Job.Kind.SITE).first()
    if job is None or job.batch_id:
        return "skipped"
    return make_standard(job)
