"""Job files in Django's default storage: written to a temp file first, then moved into place."""

from __future__ import annotations

import contextlib
import io
import os
import tempfile

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from PIL import Image

from tools.models import Job, job_dir

PNG_LEVEL = 1  # fast; these are working files, not downloads


class _TempFile(File):
    """A finished temp file; FileSystemStorage moves it into place instead of copying."""

    def temporary_file_path(self) -> str:
        return self.file.name


def store(path: str, data: bytes) -> str:
    """Write ``data`` to a temp file, then move it to ``path`` in storage (replacing it)."""
    default_storage.delete(path)
    tmp_dir = settings.FILE_UPLOAD_TEMP_DIR or None
    with tempfile.NamedTemporaryFile(dir=tmp_dir, suffix=".part", delete=False) as tmp:
        tmp.write(data)
        tmp.flush()
        os.fsync(tmp.fileno())
    try:
        with open(tmp.name, "rb") as handle:
            return default_storage.save(path, _TempFile(handle, name=tmp.name))
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp.name)


def save_bytes(job: Job, field: str, data: bytes) -> None:
    """Store ``data`` as the job's ``field`` file (replacing any previous one)."""
    current = getattr(job, field)
    if current:
        default_storage.delete(current.name)
    current.name = store(f"{job_dir(job.code)}/{Job.FILES[field]}", data)


def subject_thumb_path(job: Job, index: int) -> str:
    return f"{job_dir(job.code)}/subject-{index}.png"


def save_image(job: Job, field: str, image: Image.Image) -> None:
    out = io.BytesIO()
    if Job.FILES[field].endswith(".jpg"):
        image.convert("RGB").save(out, "JPEG", quality=88)
    else:
        image.save(out, "PNG", compress_level=PNG_LEVEL)
    save_bytes(job, field, out.getvalue())


def open_image(job: Job, field: str) -> Image.Image:
    """Load one of the job's image files (fully read, file closed)."""
    with getattr(job, field).open("rb") as handle:
        image = Image.open(handle)
        image.load()
    return image


def open_path(path: str) -> Image.Image:
    with default_storage.open(path, "rb") as handle:
        image = Image.open(handle)
        image.load()
    return image


def read_bytes(job: Job, field: str) -> bytes:
    with getattr(job, field).open("rb") as handle:
        return handle.read()


def delete_files(code: object) -> None:
    """Remove every file in the job's folder, and the folder where the storage has one."""
    folder = job_dir(code)
    try:
        _, names = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        names = []
    for name in names:
        default_storage.delete(f"{folder}/{name}")
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(folder))


def read_path(path: str) -> bytes:
    with default_storage.open(path, "rb") as handle:
        return handle.read()
