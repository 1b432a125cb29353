"""Health checks: what the site needs to take an upload. Is the database answering, is the
default model file in place, is the queue reachable (Redis, with the RQ backend; the cache
that keeps rate limits, when it is Redis or memcached), and can job files be written?"""

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


QUEUE_TIMEOUT_SECONDS = 2.0


def queue_problem() -> str | None:
    """With the RQ backend, jobs are queued in Redis: is it answering?"""
    if settings.PIXELFORGE_TASKS_BACKEND != "rq":
        return None  # the database backend's queue is the jobs table: database_problem
    import redis

    client = redis.Redis.from_url(
        settings.PIXELFORGE_REDIS_URL,
        socket_connect_timeout=QUEUE_TIMEOUT_SECONDS,
        socket_timeout=QUEUE_TIMEOUT_SECONDS,
    )
    try:
        client.ping()
    except redis.RedisError as exc:
        return f"queue (Redis) unavailable: {exc.__class__.__name__}"
    finally:
        client.close()
    return None


def limits_problem() -> str | None:
    """Rate limits and locks live in a Redis or memcached cache when one is configured
    (tools/services/counters.py): is it answering?"""
    from tools.services.counters import shared_cache

    cache = shared_cache()
    if cache is None:
        return None  # in the database: database_problem
    try:
        cache.get("pixelforge:health")
    except Exception as exc:  # each cache library raises its own errors
        return f"cache for rate limits unavailable: {exc.__class__.__name__}"
    return None


def problems() -> list[str]:
    checks = (database_problem, model_problem, queue_problem, limits_problem, storage_problem)
    return [problem for check in checks if (problem := check())]
