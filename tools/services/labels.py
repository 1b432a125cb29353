"""A job's subjects, labelled once by the worker and stored with the job.

Labelling the connected regions of an alpha is the costly step of choosing subjects (about
0.2 CPU-s at 10 MP). The worker does it once per cut-out, at full size and at preview size,
and stores each as a SubjectMap PNG in the job's folder (a refined revision stores its own).
Renders, subject downloads, thumbnails (``save_subject_thumbs``) and the preview's subject
choice read these maps.
A job made before maps were stored has its alpha labelled on use, as before.
"""

from __future__ import annotations

from PIL import Image

from tools import pipeline
from tools.models import Job
from tools.services import storage
from tools.services.jobs import MAX_LISTED_SUBJECTS, THUMB_SIDE, preview_of

NAMES = {False: "labels", True: "labels_preview"}  # preview? -> its name in storage.FILES


def path_of(job: Job, *, preview: bool, revision: int | None = None) -> str:
    """The map's path: the job's current one, or revision ``revision``'s own."""
    if revision is None:
        return storage.path(job, NAMES[preview])
    return storage.revision_path(job, revision, NAMES[preview])


def listed(subject_map: pipeline.SubjectMap) -> list[dict]:
    """The subjects as stored on the job (and a revision): index, box, area; the largest
    MAX_LISTED_SUBJECTS, in their reading order (their numbers are kept)."""
    largest = sorted(subject_map.subjects, key=lambda s: -s.area)[:MAX_LISTED_SUBJECTS]
    found = sorted(largest, key=lambda s: s.index)
    return [{"index": s.index, "box": list(s.box), "area": s.area} for s in found]


def encode(subject_map: pipeline.SubjectMap) -> bytes:
    return pipeline.encode(subject_map.to_image(), "png")


def label(
    job: Job, alpha: Image.Image, small_cutout: Image.Image, *, revision: int | None = None
) -> tuple[list[dict], pipeline.SubjectMap]:
    """Label a cut-out once, at full size (``alpha``) and at preview size (``small_cutout``),
    and store both maps (the job's, or revision ``revision``'s). Returns the subjects to list
    on the job or revision, and the preview map (for subject thumbnails)."""
    full = pipeline.label_subjects(alpha)
    data = encode(full)
    storage.store(path_of(job, preview=False, revision=revision), data)
    if small_cutout.size == alpha.size:  # the preview is the cut-out itself (preview_of)
        preview = full
    else:
        preview = pipeline.label_subjects(small_cutout.getchannel("A"))
        data = encode(preview)
    storage.store(path_of(job, preview=True, revision=revision), data)
    return listed(full), preview


def copy_revision(job: Job, revision: int, *, to_revision: bool) -> None:
    """Copy a revision's maps to the job's current ones, or (``to_revision``) the job's to
    the revision's. A missing map (a job from before maps were stored) is not copied."""
    for preview in (False, True):
        job_path = path_of(job, preview=preview)
        revision_path = path_of(job, preview=preview, revision=revision)
        source, target = (job_path, revision_path) if to_revision else (revision_path, job_path)
        if storage.exists(source):
            storage.store(target, storage.read_path(source))
        else:
            storage.delete_path(target)


def load(job: Job, *, preview: bool) -> pipeline.SubjectMap:
    """The job's stored map at full or preview size (labelled on use when none is stored)."""
    path = path_of(job, preview=preview)
    subjects = [pipeline.Subject(s["index"], tuple(s["box"]), s["area"]) for s in job.subjects]
    stored = storage.open_image_path(path)
    if stored is not None:
        return pipeline.SubjectMap.from_image(stored, subjects)
    if preview:
        alpha = storage.open_image(job, "cutout_preview").convert("RGBA").getchannel("A")
    else:
        alpha = storage.open_image(job, "alpha")
    return pipeline.label_subjects(alpha)


def save_subject_thumbs(
    job: Job,
    small_original: Image.Image,
    small_cutout: Image.Image,
    preview_map: pipeline.SubjectMap,
) -> None:
    """One thumbnail per listed subject, from the preview-size images and their stored map."""
    alpha = small_cutout.getchannel("A")
    options = pipeline.RenderOptions(crop=True)
    for subject in job.subjects:
        layer = small_cutout.convert("RGBA")
        layer.putalpha(preview_map.keep(alpha, (subject["index"],)))
        thumb = preview_of(pipeline.render(small_original, layer, options), THUMB_SIDE)
        storage.store_png(storage.path(job, "subject_thumb", index=subject["index"]), thumb)
