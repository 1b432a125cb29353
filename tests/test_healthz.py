from __future__ import annotations

import shutil
import subprocess

import pytest
from django.db import OperationalError, connection

from pixelforge import health
from tests import servers


@pytest.mark.django_db
def test_it_is_ok_with_database_and_model(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert "no-cache" in response["Cache-Control"]


@pytest.mark.django_db
def test_it_is_503_without_the_model(client, settings, tmp_path):
    settings.PIXELFORGE_MODELS_DIR = tmp_path
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "isnet-int8.onnx is missing" in response.json()["problems"][0]


@pytest.mark.django_db
def test_it_is_503_with_a_corrupt_model(client, settings, tmp_path):
    settings.PIXELFORGE_MODELS_DIR = tmp_path
    (tmp_path / "isnet-int8.onnx").write_bytes(b"not a model")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "fails its checksum" in response.json()["problems"][0]


@pytest.mark.django_db
def test_it_verifies_the_checksum_once_per_file(client, settings, tmp_path):
    source = settings.PIXELFORGE_MODELS_DIR / "u2netp.onnx"
    shutil.copy(source, tmp_path / "u2netp.onnx")
    settings.PIXELFORGE_MODELS_DIR = tmp_path
    settings.PIXELFORGE_DEFAULT_MODEL = "u2netp"
    health._verified.clear()
    assert client.get("/healthz").status_code == 200
    assert client.get("/healthz").status_code == 200
    assert len([k for k in health._verified if k[0].startswith(str(tmp_path))]) == 1


@pytest.mark.django_db
def test_it_is_503_when_the_database_is_down(client, monkeypatch):
    def broken_cursor(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", broken_cursor)
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["problems"] == ["database unavailable: OperationalError"]


@pytest.mark.django_db
def test_it_is_503_when_the_media_folder_is_not_writable(client, settings, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    settings.MEDIA_ROOT = str(blocker / "media")
    response = client.get("/healthz")
    assert response.status_code == 503
    assert "media storage is not writable" in response.json()["problems"][0]


@pytest.mark.django_db
def test_a_load_balancer_reaches_it_by_address_over_plain_http(client, settings):
    """No Host check (a probe uses the address) and no HTTPS redirect (it speaks plain HTTP)."""
    settings.ALLOWED_HOSTS = ["pixelforge.example"]
    settings.SECURE_SSL_REDIRECT = True
    response = client.get("/healthz", HTTP_HOST="10.0.0.7:8000")
    assert response.status_code == 200
    assert response.json() == {"status": "ok"}
    assert client.get("/", HTTP_HOST="10.0.0.7:8000").status_code == 400  # others still are
    assert client.get("/", HTTP_HOST="pixelforge.example").status_code == 301


@pytest.fixture
def redis_server(tmp_path):
    if not shutil.which("redis-server"):
        pytest.skip("redis-server is not installed")
    port = servers.free_port()
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(tmp_path),
        ],
        stdout=subprocess.DEVNULL,
    )
    try:
        servers.wait_for_port(port)
        yield process, f"redis://127.0.0.1:{port}/0"
    finally:
        process.kill()
        process.wait()


@pytest.mark.django_db
def test_it_is_503_when_redis_the_configured_queue_is_down(client, settings, redis_server):
    # It answered 200 while RQ's Redis was down, and every upload then failed.
    process, url = redis_server
    settings.PIXELFORGE_TASKS_BACKEND = "rq"
    settings.PIXELFORGE_REDIS_URL = url
    assert client.get("/healthz").status_code == 200
    process.kill()
    process.wait()
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["problems"] == ["queue (Redis) unavailable: ConnectionError"]
