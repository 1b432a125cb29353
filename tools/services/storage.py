"""Job files in Django's default storage: written to a temp file first, then moved into place."""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator

from django.conf import settings
from django.core.files import File
from django.core.files.storage import default_storage
from PIL import Image

from tools.models import Job, job_dir
from tools.pipeline.encode import encode


class StorageUnavailable(Exception):
    """Job files cannot be written or read: a full, read-only or unreachable media store."""


def _storage_errors() -> tuple[type[BaseException], ...]:
    errors: list[type[BaseException]] = [OSError]
    try:  # the S3 backend reports through botocore, not OSError
        from botocore.exceptions import BotoCoreError, ClientError
    except ImportError:
        pass
    else:
        errors += [BotoCoreError, ClientError]
    return tuple(errors)


STORAGE_ERRORS = _storage_errors()


@contextlib.contextmanager
def storage_guard(action: str) -> Iterator[None]:
    """Turn the storage's own errors into StorageUnavailable, naming what was being done."""
    try:
        yield
    except STORAGE_ERRORS as exc:
        raise StorageUnavailable(f"could not {action}: {type(exc).__name__}: {exc}") from exc


class _TempFile(File):
    """A finished temp file; FileSystemStorage moves it into place instead of copying."""

    def temporary_file_path(self) -> str:
        return self.file.name


def store(path: str, data: bytes) -> str:
    """Write ``data`` to a temp file, then move it to ``path`` in storage (replacing it)."""
    with storage_guard(f"store {path}"):
        return _store(path, data)


def _store(path: str, data: bytes) -> str:
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
        with storage_guard(f"replace {current.name}"):
            default_storage.delete(current.name)
    current.name = store(f"{job_dir(job.code)}/{Job.FILES[field]}", data)


def subject_thumb_path(job: Job, index: int) -> str:
    return f"{job_dir(job.code)}/subject-{index}.png"


def thumb_path(job: Job) -> str:
    """A small cut-out for the batch page (made for the jobs of a batch only)."""
    return f"{job_dir(job.code)}/thumb.png"


def save_image(job: Job, field: str, image: Image.Image) -> None:
    """Store an image as the job's ``field`` file, encoded without any metadata."""
    fmt = "jpg" if Job.FILES[field].endswith(".jpg") else "png"
    save_bytes(job, field, encode(image, fmt, quality=88))


def open_image(job: Job, field: str) -> Image.Image:
    """Load one of the job's image files (fully read, file closed)."""
    with storage_guard(f"read {field} of job {job.code}"), getattr(job, field).open("rb") as handle:
        image = Image.open(handle)
        image.load()
    return image


def read_bytes(job: Job, field: str) -> bytes:
    with storage_guard(f"read {field} of job {job.code}"), getattr(job, field).open("rb") as handle:
        return handle.read()


def delete_files(code: object) -> None:
    """Remove every file in the job's folder, and the folder where the storage has one."""
    folder = job_dir(code) if _is_code(code) else f"jobs/{code}"
    try:
        _, names = default_storage.listdir(folder)
    except (FileNotFoundError, NotADirectoryError):
        names = []
    with storage_guard(f"delete the files of job {code}"):
        for name in names:
            default_storage.delete(f"{folder}/{name}")
    with contextlib.suppress(NotImplementedError, OSError):
        os.rmdir(default_storage.path(folder))


def _is_code(code: object) -> bool:
    try:
        uuid.UUID(str(code))
    except ValueError:
        return False
    return True


def delete_path(path: str) -> None:
    with storage_guard(f"delete {path}"):
        default_storage.delete(path)


def read_path(path: str) -> bytes:
    with storage_guard(f"read {path}"), default_storage.open(path, "rb") as handle:
        return handle.read()


def exists(path: str) -> bool:
    with storage_guard(f"look for {path}"):
        return default_storage.exists(path)


def open_image_path(path: str) -> Image.Image | None:
    """The image stored at ``path`` (fully read, file closed), or None when there is none."""
    if not exists(path):
        return None
    with storage_guard(f"read {path}"), default_storage.open(path, "rb") as handle:
        image = Image.open(handle)
        image.load()
    return image


def folder_size(folder: str) -> int:
    """Bytes under ``folder`` of the media storage (local storage; 0 where it cannot be
    walked cheaply, such as an object store, whose space is not this host's disk)."""
    try:
        root = default_storage.path(folder)
    except NotImplementedError:
        return 0
    total = 0
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.stat(os.path.join(dirpath, name)).st_size
    return total


def job_codes_on_disk() -> list[str]:
    """The names of the folders under jobs/ (each should be a job's code)."""
    try:
        folders, _ = default_storage.listdir("jobs")
    except (FileNotFoundError, NotADirectoryError):
        return []
    return folders
