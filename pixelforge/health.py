"""Health checks: is the database answering, is the default model file in place, and can job
files be written?"""

from __future__ import annotations

import threading
import uuid
from pathlib import Path

from django.conf import settings
from django.core.files.storage import default_storage
from django.db import DatabaseError, connection

from tools.pipeline.manifest import get_spec
from tools.pipeline.provision import sha256_of

_verified: dict[tuple[str, int, int], bool] = {}
_lock = threading.Lock()


def model_problem() -> str | None:
    """None when the default model file is present and verified, else the reason.

    The checksum is computed once per process for a given file (path, size, mtime).
    """
    spec = get_spec(settings.PIXELFORGE_DEFAULT_MODEL)
    path = Path(settings.PIXELFORGE_MODELS_DIR) / spec.filename
    try:
        stat = path.stat()
    except FileNotFoundError:
        return f"model file {spec.filename} is missing; run `python manage.py fetch_models`"
    key = (str(path), stat.st_size, stat.st_mtime_ns)
    with _lock:
        if key not in _verified:
            _verified[key] = sha256_of(path) == spec.sha256
        ok = _verified[key]
    if not ok:
        return f"model file {spec.filename} fails its checksum; run `python manage.py fetch_models`"
    return None


def database_problem() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"database unavailable: {exc.__class__.__name__}"
    return None


def storage_problem() -> str | None:
    """Can job files be written, read back and deleted? (A full or read-only media store.)"""
    from tools.services import storage

    path = f"health/probe-{uuid.uuid4().hex}"
    try:
        storage.store(path, b"ok")
        if storage.read_path(path) != b"ok":
            return "media storage returned different bytes"
        with storage.storage_guard(f"delete {path}"):
            default_storage.delete(path)
    except storage.StorageUnavailable as exc:
        return f"media storage is not writable: {exc}"
    return None


def problems() -> list[str]:
    return [p for p in (database_problem(), model_problem(), storage_problem()) if p]
