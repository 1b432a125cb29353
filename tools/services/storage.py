"""Job files in Django's default storage (a local folder, or an S3-compatible bucket).

Every access goes through the storage API (open, save, exists, delete, listdir), so web and
worker hosts that share only a bucket see the same files. On a local folder a file is written
to a temp file beside its target and renamed over it (``os.replace``): a reader sees the old
file or the new one, never a part, and a crash leaves only a ``.part`` file in the job's folder
(it goes with the folder). An object store's PUT is atomic on its own.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO

from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.storage import FileSystemStorage, default_storage
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


def is_local() -> bool:
    """Whether job files are in a folder of this host (else an object store)."""
    return isinstance(default_storage, FileSystemStorage)


def _local_path(path: str) -> Path:
    return Path(default_storage.path(path))  # FileSystemStorage only; refuses "../"


def store(path: str, data: bytes) -> str:
    """Put ``data`` at ``path`` in storage, replacing any file there in one step."""
    with storage_guard(f"store {path}"):
        if not is_local():
            return default_storage.save(path, ContentFile(data))  # S3: overwrites, atomic
        _replace_local(_local_path(path), data)
        return path


def _replace_local(target: Path, data: bytes) -> None:
    """A temp file in the target's folder (same file system), synced, then renamed over it."""
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(tmp, settings.FILE_UPLOAD_PERMISSIONS or 0o644)
        os.replace(tmp, target)
    except BaseException:  # a full disk, say: no part is left behind
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        raise


# The file layout: every file a job has, in its folder (tools.models.job_dir), named once here.
# Every other module asks ``path`` (or ``revision_path``); none joins a job's path itself.
# Deleting the folder (``delete_files``) removes them all.
FILES = {
    # The job's own file fields (Job.FILE_FIELDS), written by save_bytes / save_image:
    "original": "upload",  # the upload's bytes as received (validated, never served)
    "cutout": "cutout.png",  # RGBA, full resolution: the current revision's
    "alpha": "alpha.png",  # L, full resolution: the current revision's
    "original_preview": "original-preview.jpg",  # long side <= jobs.PREVIEW_SIDE
    "cutout_preview": "cutout-preview.png",
    "background": "background.png",  # a visitor's background image, decoded (<= 8000 px)
    # The rest, written and read through path():
    "background_upload": "background-upload",  # its bytes as received, until a worker decodes
    "background_preview": "background-preview.png",  # for the page's preview
    "labels": "labels.png",  # the subjects' map, full size (services/labels.py)
    "labels_preview": "labels-preview.png",  # and at preview size
    "thumb": "thumb.png",  # a batch job's small cut-out, for the batch page
    "subject_thumb": "subject-{index}.png",  # each listed subject's thumbnail
    "download": "render-{kind}-{key}",  # a made download (services/downloads.py)
    "picture": "view-{name}-{key}-{width}.webp",  # the page's pictures (services/previews.py)
    "picture_sizes": "view-{name}-{key}.json",  # their widths, written last
    "work_image": "work.png",  # the photo at the refine's working size (services/refine.py)
    "work_alpha": "work-alpha.png",  # a revision's alpha at that size (always per revision)
    "strokes": "strokes-{token}.png",  # a refine's stroke mask, until the worker reads it
    "keep_mask": "keep-mask",  # an API call's strokes, as received
    "remove_mask": "remove-mask",
    "api_result": "api-result",  # an API call's output, streamed by the web process
}
REVISION_PREFIX = "rev-{number}-"  # a revision's own copy of a file: rev-2-alpha.png


def path(job: Job | uuid.UUID | str, name: str, /, **parts: object) -> str:
    """The storage path of the job's file ``name`` (a key of FILES, with its ``parts``)."""
    code = job.code if isinstance(job, Job) else job
    return f"{job_dir(code)}/{FILES[name].format(**parts)}"


def revision_path(job: Job, number: int, name: str) -> str:
    """Revision ``number``'s own copy of the job's file ``name`` (flat in the job's folder)."""
    return f"{job_dir(job.code)}/{REVISION_PREFIX.format(number=number)}{FILES[name]}"


def store_png(path: str, image: Image.Image) -> str:
    """Store ``image`` at ``path`` as PNG (no metadata; the pipeline's one PNG encoder)."""
    return store(path, encode(image, "png"))


def save_bytes(job: Job, field: str, data: bytes) -> None:
    """Store ``data`` as the job's ``field`` file (replacing any previous one)."""
    current = getattr(job, field)
    target = path(job, field)
    if current and current.name != target:  # a file of an older layout: it goes
        delete_path(current.name)
    current.name = store(target, data)


def encode_for(image: Image.Image, field: str) -> bytes:
    """``image`` encoded as the job's ``field`` file is (its name says JPEG or PNG)."""
    fmt = "jpg" if FILES[field].endswith(".jpg") else "png"
    return encode(image, fmt, quality=88)


def save_image(job: Job, field: str, image: Image.Image) -> None:
    """Store an image as the job's ``field`` file, encoded without any metadata."""
    save_bytes(job, field, encode_for(image, field))


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
    with storage_guard(f"delete the files of job {code}"):
        if is_local():
            _delete_local_folder(_local_path(folder))
            return
        try:
            _, names = default_storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            names = []
        for name in names:
            default_storage.delete(f"{folder}/{name}")


def _delete_local_folder(folder: Path) -> None:
    """Unlink what is in ``folder`` and the folder, never following a symlink: a link is
    removed itself, and what it points to (outside the media folder, perhaps) is left alone."""
    if folder.is_symlink() or (folder.exists() and not folder.is_dir()):
        folder.unlink()
        return
    try:
        entries = list(os.scandir(folder))
    except FileNotFoundError:
        return
    for entry in entries:
        if entry.is_dir(follow_symlinks=False):
            _delete_local_folder(Path(entry.path))
        else:
            with contextlib.suppress(FileNotFoundError):
                os.unlink(entry.path)
    with contextlib.suppress(FileNotFoundError, OSError):
        folder.rmdir()  # not empty when a late write came in meanwhile: the next sweep


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


def open_file(path: str) -> tuple[BinaryIO, int]:
    """The stored file at ``path`` opened for reading, and its size in bytes; for answering
    it in chunks (the caller closes it). FileNotFoundError when there is none."""
    with storage_guard(f"open {path}"):
        return default_storage.open(path, "rb"), default_storage.size(path)


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
    walked cheaply, such as an object store, whose space is not this host's disk).
    Symlinks are counted as links, not followed."""
    if not is_local():
        return 0
    total = 0
    for dirpath, _dirs, files in os.walk(_local_path(folder)):
        for name in files:
            with contextlib.suppress(OSError):
                total += os.lstat(os.path.join(dirpath, name)).st_size
    return total


def in_job_folder(code: object, name: str) -> str:
    """The path of the file called ``name`` in the job's folder (as ``job_file_names`` lists)."""
    return f"{job_dir(code)}/{name}"


def job_file_names(code: object) -> list[str]:
    """The names of the files in the job's folder, temp files included."""
    folder = job_dir(code)
    with storage_guard(f"list the files of job {code}"):
        try:
            _, names = default_storage.listdir(folder)
        except (FileNotFoundError, NotADirectoryError):
            return []
    return names


def modified_at(path: str) -> datetime | None:
    """When the file at ``path`` was last written (a symlink's own time, never its target's);
    None when it is gone (renamed or deleted meanwhile)."""
    with storage_guard(f"look at {path}"):
        try:
            if is_local():
                return datetime.fromtimestamp(os.lstat(_local_path(path)).st_mtime, tz=UTC)
            return default_storage.get_modified_time(path)
        except FileNotFoundError:
            return None


def job_codes_on_disk() -> list[str]:
    """The names of the folders under jobs/ (each should be a job's code)."""
    try:
        folders, _ = default_storage.listdir("jobs")
    except (FileNotFoundError, NotADirectoryError):
        return []
    return folders
