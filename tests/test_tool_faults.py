"""Faults: a missing model, an unusable media folder, a pipeline crash, purge after a restart."""

from __future__ import annotations

import logging
import os
import subprocess
import sys
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.management import call_command
from django.utils import timezone

from tests.conftest import REPO
from tests.faults import SOLVER_MESSAGE
from tests.tool_helpers import TOOL_URL, create_job, result_url, upload_file
from tools import pipeline
from tools.checks import check_model_file, log_model_problem
from tools.models import Job


@pytest.fixture
def broken_media(settings, tmp_path):
    """A MEDIA_ROOT below a regular file: every mkdir fails (even as root) with ENOTDIR."""
    blocker = tmp_path / "not-a-folder"
    blocker.write_bytes(b"")
    settings.MEDIA_ROOT = str(blocker / "media")
    return blocker


@pytest.mark.django_db
def test_it_answers_503_with_a_message_when_the_media_folder_is_unusable(
    client, broken_media, caplog
):
    response = client.post(TOOL_URL, {"image": upload_file()})
    assert response.status_code == 503
    assert response["Retry-After"]
    page = response.content.decode()
    assert "Background removal is unavailable right now: results cannot be stored" in page
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert str(job.code) in page
    errors = [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
    assert any(str(job.code) in message for message in errors)


@pytest.mark.django_db
def test_result_pages_answer_503_when_stored_files_cannot_be_read(client, settings, tmp_path):
    job = create_job(client)
    blocker = tmp_path / "file"
    blocker.write_bytes(b"")
    settings.MEDIA_ROOT = str(blocker)
    response = client.get(result_url(job) + "view/original/")
    assert response.status_code == 503
    assert "stored results cannot be read" in response.content.decode()
    # A download is made by a worker; its failure is a page that says so, not a 500.
    response = client.get(result_url(job) + "download/png/")
    assert response.status_code == 422
    assert "could not be made" in response.content.decode()


@pytest.mark.django_db
def test_it_answers_503_when_the_model_is_missing(client, settings, tmp_path, caplog):
    real = settings.PIXELFORGE_MODELS_DIR
    settings.PIXELFORGE_MODELS_DIR = tmp_path
    pipeline.configure(models_dir=tmp_path)
    try:
        response = client.post(TOOL_URL, {"image": upload_file()}, follow=True)
    finally:
        pipeline.configure(models_dir=real)
    assert response.status_code == 200  # the upload was taken; the worker could not run it
    page = response.content.decode()
    assert "the cut-out model could not be loaded" in page
    assert str(tmp_path) not in page  # no server paths for the visitor
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert any(str(job.code) in r.getMessage() for r in caplog.records)


def test_a_missing_model_is_a_start_up_warning_not_a_crash(settings, tmp_path, caplog):
    settings.PIXELFORGE_MODELS_DIR = tmp_path
    [warning] = check_model_file()
    assert warning.id == "pixelforge.W001"
    assert "isnet-int8.onnx is missing" in warning.msg
    with caplog.at_level(logging.ERROR, logger="tools"):
        assert "fetch_models" in log_model_problem()
    assert "pixelforge.W001" in caplog.text


def test_a_corrupt_model_is_a_start_up_warning(settings, tmp_path):
    settings.PIXELFORGE_MODELS_DIR = tmp_path
    (tmp_path / "isnet-int8.onnx").write_bytes(b"truncated download")
    [warning] = check_model_file()
    assert "fails its checksum" in warning.msg


def test_a_good_model_gives_no_warning():
    assert check_model_file() == []


@pytest.mark.django_db
def test_a_failure_while_processing_marks_the_job_failed_and_logs_its_code(
    client, failing_matting, caplog
):
    """A real solver failure (tests/faults.py): a clear page with a reference, never a 500."""
    response = client.post(TOOL_URL, {"image": upload_file()}, follow=True)
    assert response.status_code == 200  # the job's page, which says it failed
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    page = response.content.decode()
    assert f"Reference: {job.code}" in page
    assert SOLVER_MESSAGE not in page and "Traceback" not in page
    record = next(r for r in caplog.records if str(job.code) in r.getMessage())
    assert record.levelno == logging.ERROR and SOLVER_MESSAGE in record.exc_text


@pytest.mark.django_db
def test_expired_jobs_are_purged_after_a_restart(client, settings):
    """Expiry lives in the database: a new process (nothing in memory) still finds them."""
    job = create_job(client)
    folder = settings.MEDIA_ROOT / "jobs" / str(job.code)
    assert folder.is_dir()
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))
    cache.clear()  # a restart loses every in-process state, the purge lock included
    call_command("purge_expired")
    assert not Job.objects.filter(pk=job.pk).exists()
    assert not folder.exists()
    assert client.get(result_url(job)).status_code == 404


def test_the_wsgi_app_starts_and_logs_when_the_model_is_missing(tmp_path):
    """gunicorn imports pixelforge.wsgi: it must load (no crash loop) and say what is wrong."""
    env = {**os.environ, "PIXELFORGE_MODELS_DIR": str(tmp_path)}
    result = subprocess.run(
        [sys.executable, "-c", "import pixelforge.wsgi; print('loaded')"],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "loaded"
    assert "pixelforge.W001" in result.stderr
    assert "isnet-int8.onnx is missing; run `python manage.py fetch_models`" in result.stderr
