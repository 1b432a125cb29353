"""Settings are read from the environment and fail loudly when production needs are missing."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from pixelforge.env import cache_from_url, env_list, env_str
from tests.conftest import REPO

PRODUCTION = {
    "DJANGO_DEBUG": "false",
    "DJANGO_SECRET_KEY": "k3y-" + "x7Qp9vR2mT5wZ8bN4cF6hJ1lD3sG0aE" * 2,
    "DJANGO_ALLOWED_HOSTS": "pixelforge.example",
}


def run_manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("DJANGO_")}
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=REPO,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_it_refuses_debug_off_without_secret_key():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_SECRET_KEY must be set" in result.stderr


def test_it_refuses_debug_off_without_allowed_hosts():
    env = {k: v for k, v in PRODUCTION.items() if k != "DJANGO_ALLOWED_HOSTS"}
    result = run_manage("check", env=env)
    assert result.returncode != 0
    assert "DJANGO_ALLOWED_HOSTS must be set" in result.stderr


def test_it_rejects_a_bad_boolean():
    result = run_manage("check", env={"DJANGO_DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DJANGO_DEBUG must be true or false" in result.stderr


def test_it_runs_with_no_variables_set():
    result = run_manage("check", env={})
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


def test_check_deploy_is_clean_with_production_variables():
    result = run_manage("check", "--deploy", "--fail-level", "WARNING", env=PRODUCTION)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


def test_it_reads_database_url():
    code = (
        "import pixelforge.settings as s; d = s.DATABASES['default']; print(d['ENGINE'], d['HOST'])"
    )
    env = {**os.environ, "DATABASE_URL": "postgres://u:p@db.internal:5432/pixelforge"}
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["django.db.backends.postgresql", "db.internal"]


def test_it_defaults_to_sqlite():
    # In a subprocess: the suite itself may run against PostgreSQL (make test-postgres).
    env = {k: v for k, v in os.environ.items() if k != "DATABASE_URL"}
    code = "import pixelforge.settings as s; print(s.DATABASES['default']['ENGINE'])"
    result = subprocess.run(
        [sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True
    )
    assert result.stdout.strip() == "django.db.backends.sqlite3", result.stderr


def settings_in_subprocess(code: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "AWS_", "DATABASE_"))
    }
    return subprocess.run(
        [sys.executable, "-c", "import django; django.setup(); " + code],
        cwd=REPO,
        env={**clean, "DJANGO_SETTINGS_MODULE": "pixelforge.settings", **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


S3 = {
    "PIXELFORGE_MEDIA_STORAGE": "s3",
    "AWS_STORAGE_BUCKET_NAME": "pixelforge-jobs",
    "AWS_S3_ENDPOINT_URL": "https://objects.example:9000",
    "AWS_S3_REGION_NAME": "eu-west-1",
    "AWS_ACCESS_KEY_ID": "test-key",
    "AWS_SECRET_ACCESS_KEY": "test-secret",
}


def test_media_storage_switches_to_s3_from_the_environment():
    code = (
        "from django.core.files.storage import storages; s = storages['default']; "
        "print(type(s).__module__ + '.' + type(s).__name__, s.bucket_name, s.endpoint_url, "
        "s.region_name, s.default_acl)"
    )
    result = settings_in_subprocess(code, S3)  # no request is made: nothing touches the network
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == [
        "storages.backends.s3.S3Storage",
        "pixelforge-jobs",
        "https://objects.example:9000",
        "eu-west-1",
        "None",
    ]


def test_s3_storage_needs_a_bucket():
    env = {k: v for k, v in S3.items() if k != "AWS_STORAGE_BUCKET_NAME"}
    result = settings_in_subprocess("", env)
    assert result.returncode != 0
    assert "AWS_STORAGE_BUCKET_NAME must be set" in result.stderr


def test_media_storage_is_local_by_default(settings):
    assert settings.STORAGES["default"]["BACKEND"].endswith("FileSystemStorage")


@pytest.mark.parametrize(
    ("url", "backend", "location"),
    [
        ("locmem://", "locmem.LocMemCache", "pixelforge"),
        ("file:///var/cache/pixelforge", "filebased.FileBasedCache", "/var/cache/pixelforge"),
        ("redis://cache.internal:6379/1", "redis.RedisCache", "redis://cache.internal:6379/1"),
        ("memcached://a:11211,b:11211", "memcached.PyMemcacheCache", ["a:11211", "b:11211"]),
    ],
)
def test_the_cache_comes_from_a_url(url, backend, location):
    config = cache_from_url(url)
    assert config["BACKEND"] == f"django.core.cache.backends.{backend}"
    assert config["LOCATION"] == location


@pytest.mark.parametrize("url", ["", "mongodb://x", "file://relative/path"])
def test_a_bad_cache_url_fails_loudly(url):
    with pytest.raises(ImproperlyConfigured, match="DJANGO_CACHE_URL"):
        cache_from_url(url)


def test_django_request_limits_follow_the_upload_limit():
    code = (
        "from django.conf import settings as s; print(s.DATA_UPLOAD_MAX_MEMORY_SIZE, "
        "s.FILE_UPLOAD_MAX_MEMORY_SIZE, s.DATA_UPLOAD_MAX_NUMBER_FIELDS, "
        "s.DATA_UPLOAD_MAX_NUMBER_FILES)"
    )
    result = settings_in_subprocess(code, {"PIXELFORGE_MAX_UPLOAD_MB": "2"})
    assert result.returncode == 0, result.stderr
    # Files: twice the batch limit (PIXELFORGE_BATCH_MAX_FILES, 20); the upload handler refuses
    # more than the limit itself, with a message.
    assert result.stdout.split() == [str(3 * 1024 * 1024), str(2_097_152), "100", "40"]


@pytest.mark.parametrize(
    "name",
    [
        "PIXELFORGE_UPLOAD_RATE_LIMIT",
        "PIXELFORGE_API_RATE_LIMIT",
        "PIXELFORGE_ADMIN_LOGIN_RATE_LIMIT",
        "PIXELFORGE_REFINE_RATE_LIMIT",
        "PIXELFORGE_RENDER_RATE_LIMIT",
    ],
)
def test_a_bad_rate_is_a_start_up_error(name):
    # Before, the refine and render rates passed `manage.py check` and every download was a 500.
    result = settings_in_subprocess("", {name: "60/minn"})
    assert result.returncode != 0
    assert f"{name}: '60/minn' is not a rate; use COUNT/PERIOD" in result.stderr


@pytest.mark.parametrize(
    "value", ["pixelforge.example", "https://pixelforge.example/tools/", "ftp://pixelforge.example"]
)
def test_a_public_url_that_is_not_an_origin_is_a_start_up_error(value):
    result = settings_in_subprocess("", {"PIXELFORGE_PUBLIC_URL": value})
    assert result.returncode != 0
    assert "PIXELFORGE_PUBLIC_URL must be an origin" in result.stderr


def test_a_public_url_keeps_its_port_and_drops_a_trailing_slash():
    result = settings_in_subprocess(
        "from django.conf import settings; print(settings.PIXELFORGE_PUBLIC_URL)",
        {"PIXELFORGE_PUBLIC_URL": "https://pixelforge.example:8443/"},
    )
    assert result.stdout.strip() == "https://pixelforge.example:8443", result.stderr


def test_any_variable_can_be_read_from_a_file(monkeypatch, tmp_path):
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("PIXELFORGE_TEST_VALUE_FILE", str(secret))
    monkeypatch.delenv("PIXELFORGE_TEST_VALUE", raising=False)
    assert env_str("PIXELFORGE_TEST_VALUE") == "from-a-file"  # one trailing newline dropped
    keys = tmp_path / "keys"
    keys.write_text("key-one,key-two")
    monkeypatch.setenv("PIXELFORGE_TEST_KEYS_FILE", str(keys))
    assert env_list("PIXELFORGE_TEST_KEYS") == ["key-one", "key-two"]


def test_a_variable_and_its_file_together_or_a_missing_file_fail_loudly(monkeypatch, tmp_path):
    monkeypatch.setenv("PIXELFORGE_TEST_VALUE", "plain")
    monkeypatch.setenv("PIXELFORGE_TEST_VALUE_FILE", str(tmp_path / "secret"))
    with pytest.raises(ImproperlyConfigured, match="not both"):
        env_str("PIXELFORGE_TEST_VALUE")
    monkeypatch.delenv("PIXELFORGE_TEST_VALUE")
    with pytest.raises(ImproperlyConfigured, match="cannot be read"):
        env_str("PIXELFORGE_TEST_VALUE")


def test_production_secrets_come_from_files_and_connections_are_checked(tmp_path):
    key_file = tmp_path / "secret_key"
    key_file.write_text(PRODUCTION["DJANGO_SECRET_KEY"] + "\n")
    url_file = tmp_path / "database_url"
    url_file.write_text("postgres://u:p@db.internal:5432/pixelforge\n")
    env = {
        **{k: v for k, v in PRODUCTION.items() if k != "DJANGO_SECRET_KEY"},
        "DJANGO_SECRET_KEY_FILE": str(key_file),
        "DATABASE_URL_FILE": str(url_file),
        "DATABASE_CONN_MAX_AGE": "120",
    }
    code = (
        "from django.conf import settings as s; d = s.DATABASES['default']; "
        f"print(s.SECRET_KEY == {PRODUCTION['DJANGO_SECRET_KEY']!r}, d['HOST'], "
        "d['CONN_MAX_AGE'], d['CONN_HEALTH_CHECKS'])"
    )
    env.pop("DATABASE_URL", None)
    result = settings_in_subprocess(code, env)
    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "db.internal", "120", "True"]


def test_the_installed_setuptools_meets_the_build_requirement():
    """The venv's setuptools came pinned by ensurepip (65.x, with known advisories); make
    install upgrades it to at least what pyproject.toml's build-system asks for."""
    import re
    import tomllib
    from importlib.metadata import version

    build = tomllib.loads((REPO / "pyproject.toml").read_text())["build-system"]["requires"]
    wanted = int(re.search(r"setuptools>=(\d+)", " ".join(build)).group(1))
    assert wanted >= 78
    assert int(version("setuptools").split(".")[0]) >= wanted


def test_the_accel_redirect_url_is_checked_when_settings_load():
    good = settings_in_subprocess(
        "from django.conf import settings; print(settings.PIXELFORGE_ACCEL_REDIRECT_URL)",
        {"PIXELFORGE_ACCEL_REDIRECT_URL": "/internal-media/"},
    )
    assert good.returncode == 0 and good.stdout.strip() == "/internal-media/"
    bad = settings_in_subprocess("", {"PIXELFORGE_ACCEL_REDIRECT_URL": "internal media"})
    assert bad.returncode != 0
    assert "PIXELFORGE_ACCEL_REDIRECT_URL must be a path" in bad.stderr
