"""Refine a job's cut-out with brush strokes; every state is a revision to go back to.

Revision 0 is the pipeline's result, saved the first time a job is refined. Each refinement
re-solves the alpha around the strokes (``tools.pipeline.refine``) starting from the current
revision and stores a new one. The current revision's files are copied into the job's own
``alpha``, ``cutout`` and ``cutout_preview`` (with its subjects), so every download, preview
and background choice uses it without knowing about revisions. Undo, redo and "restore the
original" make another revision current.

``refine_job`` is a plain function on a job and two masks, so it can run in a request (it
takes well under a second, see docs/benchmarks.md) or in a task queue.
"""

from __future__ import annotations

import logging
import time

import numpy as np
from django.db import IntegrityError, transaction
from PIL import Image

from tools import pipeline
from tools.images import load_strokes
from tools.models import Job, Revision
from tools.pipeline import refine as refine_pipeline
from tools.pipeline import strokes
from tools.services import labels, storage
from tools.services.choices import choice_of
from tools.services.compositing import open_original
from tools.services.jobs import preview_of

log = logging.getLogger(__name__)

MAX_REVISIONS = 30  # refinements per job; each stores a full-size alpha and cut-out
MAX_MASK_BYTES = 4 * 1024 * 1024  # a stroke mask is mostly zeros: a few KB as PNG
ORIGINAL_DESCRIPTION = "Original cut-out"


class RefineError(Exception):
    """Refining is not possible; the message says why and what to do. ``status`` is for HTTP."""

    def __init__(self, message: str, status: int = 422, retry_after: int | None = None) -> None:
        super().__init__(message)
        self.status = status
        self.retry_after = retry_after  # seconds, for a 429 or 503


# --- Revisions ---------------------------------------------------------------------------


def revisions(job: Job) -> list[Revision]:
    return list(job.revisions.all())


def current_revision(job: Job) -> Revision | None:
    return job.revisions.filter(is_current=True).first()


def position(job: Job, revision: Revision | None) -> tuple[int, int | None, int | None]:
    """(current number, the one undo goes to, the one redo goes to) for ``revision``; a job
    never refined is at 0 with neither."""
    if revision is None:
        return 0, None, None
    child = (
        job.revisions.filter(parent=revision.number)
        .order_by("-number")
        .values_list("number", flat=True)
    ).first()
    return revision.number, revision.parent, child


def ensure_original(job: Job) -> Revision:
    """The job's revision 0 (its pipeline result), saved from the job's files on first use."""
    found = job.revisions.filter(number=0).first()
    if found is not None:
        return found
    revision = Revision(
        job=job,
        number=0,
        description=ORIGINAL_DESCRIPTION,
        is_current=True,
        subjects=job.subjects,
    )
    for field in Revision.FILES:
        storage.store(_revision_file(revision, field), storage.read_bytes(job, field))
    labels.copy_revision(job, 0, to_revision=True)
    revision.save()
    return revision


def _revision_file(revision: Revision, field: str) -> str:
    return storage.revision_path(revision.job, revision.number, field)


def _png(image: Image.Image) -> bytes:
    return pipeline.encode(image, "png")


def _promote(job: Job, revision: Revision, files: dict[str, bytes] | None = None) -> None:
    """Make ``revision`` current: its files become the job's, with its subjects."""
    if files is None:
        files = {
            field: storage.read_path(_revision_file(revision, field)) for field in Revision.FILES
        }
    for field, data in files.items():
        storage.save_bytes(job, field, data)
    labels.copy_revision(job, revision.number, to_revision=False)
    choice = choice_of(job)
    if choice.keep is not None and revision.subjects != job.subjects:
        saved = dict(job.render_options)
        saved["keep"] = None  # the subject numbers changed: keep them all
        job.render_options = saved
    job.subjects = revision.subjects
    job.options_version += 1
    if len(job.subjects) > 1:
        small_cutout = storage.open_image(job, "cutout_preview").convert("RGBA")
        # The stored preview, not the full-size upload decoded again for every stroke.
        small_original = storage.open_image(job, "original_preview").convert("RGB")
        if small_original.size != small_cutout.size:
            small_original = small_original.resize(small_cutout.size, Image.Resampling.LANCZOS)
        preview_map = labels.load(job, preview=True)
        labels.save_subject_thumbs(job, small_original, small_cutout, preview_map)
    job.save(update_fields=[*Revision.FILES, "subjects", "render_options", "options_version"])
    job.revisions.exclude(pk=revision.pk).filter(is_current=True).update(is_current=False)
    if not revision.is_current:
        revision.is_current = True
        revision.save(update_fields=["is_current"])


def use_revision(job: Job, number: int | None) -> Revision:
    """Make revision ``number`` current (undo, redo, restore the original)."""
    ensure_original(job)
    revision = job.revisions.filter(number=number).first() if number is not None else None
    if revision is None:
        raise RefineError("There is no such version of this cut-out.", status=404)
    if not revision.is_current:
        _promote(job, revision)
    return revision


# --- Refining ----------------------------------------------------------------------------


def _describe(keep: np.ndarray, remove: np.ndarray) -> str:
    if keep.any() and remove.any():
        return "Kept and removed areas"
    return "Kept an area" if keep.any() else "Removed an area"


def refine_job(
    job: Job,
    keep: np.ndarray | Image.Image,
    remove: np.ndarray | Image.Image,
    *,
    base: int | None = None,
    description: str = "",
) -> Revision:
    """Refine the job's current cut-out with ``keep`` and ``remove`` masks (any size with the
    image's proportions; non-zero = stroke) and make the result the current revision.

    ``base`` is the revision the strokes were drawn on; when another one is current (another
    tab changed it), RefineError(409) is raised rather than applying them to the wrong state.
    """
    started = time.perf_counter()
    keep_mask = np.asarray(keep) != 0
    remove_mask = np.asarray(remove) != 0
    for mask in (keep_mask, remove_mask):
        try:
            strokes.check_mask_size(mask.shape[::-1], (job.width, job.height))
        except ValueError as exc:
            raise RefineError(str(exc), status=400) from exc
    if not (keep_mask.any() or remove_mask.any()):
        raise RefineError("Draw at least one stroke: keep or remove.", status=400)
    ensure_original(job)
    current = current_revision(job) or ensure_original(job)
    if base is not None and base != current.number:
        raise RefineError(
            "This cut-out was changed in another tab or window. Reload the page to see the "
            "latest version, then draw again.",
            status=409,
        )
    count = job.revisions.count()
    if count > MAX_REVISIONS:
        raise RefineError(
            f"This image has reached the limit of {MAX_REVISIONS} refinements. Go back to an "
            "earlier version, or download the result and upload it again to go on.",
        )
    original = open_original(job)  # the upload as received, decoded as the worker did
    cutout = storage.open_image(job, "cutout")
    alpha = cutout.getchannel("A")  # the job's alpha file holds the same values
    refined = refine_pipeline.refine_cutout(
        original,
        alpha,
        cutout,
        keep_mask,
        remove_mask,
        working=working(job, original, alpha, current.number),
    )
    number = job.revisions.order_by("-number").values_list("number", flat=True).first() + 1
    small_cutout = preview_of(refined.cutout)
    subjects, _ = labels.label(job, refined.alpha, small_cutout, revision=number)  # once
    revision = Revision(
        job=job,
        number=number,
        parent=current.number,
        description=description or _describe(keep_mask, remove_mask),
        subjects=subjects,
        box=list(refined.box) if refined.box else None,
    )
    files = {
        "alpha": _png(refined.alpha),
        "cutout": _png(refined.cutout),
        "cutout_preview": _png(small_cutout),
    }
    for field, data in files.items():
        storage.store(_revision_file(revision, field), data)
    if refined.work_alpha is not None and _keeps_working(job):
        storage.store(work_alpha_path(job, number), _png(refined.work_alpha))
    revision.processing_ms = round((time.perf_counter() - started) * 1000)
    try:
        with transaction.atomic():
            revision.save()
    except IntegrityError as exc:  # another request took this number meanwhile
        raise RefineError(
            "This cut-out was changed at the same time in another tab. Reload the page.",
            status=409,
        ) from exc
    _promote(job, revision, files)
    log.info(
        "Job %s revision %s: %s px solved in %s ms",
        job.code,
        number,
        refined.unknown,
        revision.processing_ms,
    )
    return revision


# --- The working-size photo and alpha, kept between strokes ---------------------------------
# A stroke is solved at the working resolution: scaling a 24 MP photo and its alpha down again
# for every stroke cost more than the solve. The job's folder keeps the photo at that size
# (work.png, made at the first stroke) and each revision's alpha at that size
# (rev-<n>-work-alpha.png; names in tools/services/storage.FILES); they go with the job's other
# files, and the disk budget counts them with the revision's (refine_queue.queue_action).


def work_image_path(job: Job) -> str:
    return storage.path(job, "work_image")


def work_alpha_path(job: Job, number: int) -> str:
    return storage.revision_path(job, number, "work_alpha")


def _keeps_working(job: Job) -> bool:
    """Only a photo larger than the working size has anything to keep."""
    from tools.pipeline.remove import WORK_SIDE

    return max(job.width, job.height) > WORK_SIDE


def working(
    job: Job, original: Image.Image, alpha: Image.Image, number: int
) -> refine_pipeline.Working | None:
    """Revision ``number``'s photo and alpha at the working size: stored ones, or made from
    ``original`` and ``alpha`` (full size) and stored for the next stroke."""
    if not _keeps_working(job):
        return None
    from tools.pipeline.remove import working_image

    image = storage.open_image_path(work_image_path(job))
    if image is None:
        image = working_image(original.convert("RGB"))
        storage.store(work_image_path(job), _png(image))
    work_alpha = storage.open_image_path(work_alpha_path(job, number))
    if work_alpha is None or work_alpha.size != image.size:
        work_alpha = working_image(alpha.convert("L"))
        storage.store(work_alpha_path(job, number), _png(work_alpha))
    return refine_pipeline.Working(image.convert("RGB"), work_alpha.convert("L"))


def remove_subject(job: Job, index: int, *, base: int | None = None) -> Revision:
    """Remove one of the listed subjects whole (its soft fringe re-solved)."""
    if index not in {subject["index"] for subject in job.subjects}:
        raise RefineError("There is no such subject in this cut-out.", status=404)
    alpha = storage.open_image(job, "alpha")
    body = np.asarray(labels.load(job, preview=False).keep(alpha, (index,))) > 127
    empty = np.zeros_like(body)
    return refine_job(job, empty, body, base=base, description=f"Removed subject {index + 1}")


def decode_mask(data: bytes) -> np.ndarray:
    """Decode an uploaded stroke mask (uint8 values) within the site's limits, or RefineError."""
    if len(data) > MAX_MASK_BYTES:
        raise RefineError(
            f"The stroke mask is larger than {MAX_MASK_BYTES // (1024 * 1024)} MB.", status=413
        )
    try:
        return load_strokes(data)
    except pipeline.ImageTooLarge as exc:
        raise RefineError(str(exc), status=413) from exc
    except pipeline.UnreadableImage as exc:
        raise RefineError(str(exc), status=400) from exc


def split_strokes(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The web client's single mask: 0 untouched, 1 keep, 2 remove."""
    if values.size and int(values.max()) > strokes.REMOVE:
        raise RefineError(
            "The stroke mask may only hold 0 (untouched), 1 (keep) and 2 (remove).", status=400
        )
    return strokes.split_strokes(values)
