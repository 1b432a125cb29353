"""What a download is called: the one place that names the files a visitor saves.

A name says what the file is: ``photo-no-bg.png`` (transparent), ``photo-on-white.jpg``,
``photo-on-colour-3a2fd0.png``, ``photo-on-image.webp``, ``photo-on-blurred-photo.png``,
``photo-mask.png``, ``photo-subject-2.png``; and ``-scaled-1200x923`` when the upload was
scaled down to fit the site's limits, so a saved file never passes for the full resolution.
"""

from __future__ import annotations

import re

from tools.models import Job
from tools.pipeline.formats import OUTPUTS
from tools.services.choices import BackgroundChoice


def file_stem(job: Job) -> str:
    """A safe file name stem from the upload's name: photo.jpg -> photo."""
    stem = job.original_name.rsplit(".", 1)[0] if "." in job.original_name else job.original_name
    stem = re.sub(r"[^\w\-]+", "-", stem, flags=re.UNICODE).strip("-_.")
    return stem[:80] or "image"


def scaled_from(job: Job) -> tuple[int, int] | None:
    """The upload's own size when the worker scaled it down to fit (else None)."""
    size = (job.result_meta or {}).get("scaled_from")
    return (int(size[0]), int(size[1])) if size else None


def _looks(kind: str, choice: BackgroundChoice) -> str:
    """What the picture of a download shows, for its name."""
    if kind == "mask":
        return "mask"
    if choice.background == "color":
        return "on-colour-" + choice.bg_color.lstrip("#").lower()
    if choice.background == "image":
        return "on-image"
    if choice.background == "blur":
        return "on-blurred-photo"
    return "on-white" if kind == "jpg" else "no-bg"  # JPEG has no alpha: flattened on white


def download_name(job: Job, kind: str, choice: BackgroundChoice) -> str:
    """The file name of download ``kind`` (a format of OUTPUTS or "subject-<index>")."""
    if kind.startswith("subject-"):
        looks, extension = f"subject-{int(kind.removeprefix('subject-')) + 1}", "png"
    else:
        looks, extension = _looks(kind, choice), OUTPUTS[kind].extension
    scaled = scaled_from(job)
    size = f"-scaled-{job.width}x{job.height}" if scaled else ""
    return f"{file_stem(job)}-{looks}{size}.{extension}"
