from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.faults"]  # the failing_matting fixture

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


IMMEDIATE_TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
LOCMEM_CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}


@pytest.fixture(scope="session")
def django_db_modify_db_settings(django_db_modify_db_settings_parallel_suffix):
    """A SQLite test database in a file (not in memory), so a real worker process started by
    the queue tests (tests/test_jobs_worker.py) can open it too."""
    from django.conf import settings

    database = settings.DATABASES["default"]
    if database["ENGINE"] == "django.db.backends.sqlite3":
        database.setdefault("TEST", {})["NAME"] = str(REPO / ".test-db.sqlite3")


@pytest.fixture(scope="session", autouse=True)
def _media_bucket():
    """With PIXELFORGE_MEDIA_STORAGE=s3 (.ci/run runs the job tests so, on moto's server), the
    bucket the settings name exists before any test stores a file in it."""
    from django.conf import settings

    if settings.PIXELFORGE_MEDIA_STORAGE == "s3":
        from tests import s3

        options = settings.STORAGES["default"]["OPTIONS"]
        s3.create_bucket(options["endpoint_url"], options["bucket_name"])


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    """Media in a temp folder, a cheap password hasher, a per-test cache, and tasks run in
    the request (ImmediateBackend) for every test that is not about the queue itself."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PIXELFORGE_UPLOAD_RATE_LIMIT = ""  # tests that check the limit set their own
    settings.PIXELFORGE_RENDER_RATE_LIMIT = ""
    settings.TASKS = IMMEDIATE_TASKS
    settings.CACHES = LOCMEM_CACHES
    from django.core.cache import cache

    cache.clear()  # counters and rate limits start at zero in every test
