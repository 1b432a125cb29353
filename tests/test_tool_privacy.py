from __future__ import annotations

import io
from datetime import timedelta

import pytest
from django.core.cache import cache
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.utils import timezone
from PIL import Image

from tests.tool_helpers import TOOL_URL, create_job, result_url, scene, upload_file
from tools.models import Job
from tools.services import storage
from tools.services.sweep import maybe_sweep

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def files_of(job):
    return default_storage.listdir(f"jobs/{job.code}")[1]


def expire(job):
    Job.objects.filter(pk=job.pk).update(expires_at=timezone.now() - timedelta(seconds=1))


def test_a_new_job_expires_after_the_retention_time(client, settings):
    settings.PIXELFORGE_RESULT_RETENTION_MINUTES = 30
    before = timezone.now()
    job = create_job(client)
    assert timedelta(minutes=29) < job.expires_at - before <= timedelta(minutes=30, seconds=5)
    assert "cutout.png" in files_of(job)


def test_delete_now_removes_the_files_and_the_job(client):
    job = create_job(client)
    response = client.post(f"{result_url(job)}delete/")
    assert response.status_code == 302
    assert response["Location"] == f"{TOOL_URL}?deleted=1"
    assert not Job.objects.exists()
    assert not default_storage.exists(f"jobs/{job.code}/upload")
    assert client.get(result_url(job)).status_code == 404
    assert "were deleted" in client.get(response["Location"]).content.decode()


def test_delete_needs_post(client):
    job = create_job(client)
    assert client.get(f"{result_url(job)}delete/").status_code == 405
    assert Job.objects.filter(pk=job.pk).exists()


def test_an_expired_job_gives_404_everywhere(client):
    job = create_job(client)
    expire(job)
    for suffix in ("", "download/png/", "view/original/", "subjects/0/", "subjects/0/thumb/"):
        assert client.get(result_url(job) + suffix).status_code == 404
    assert client.post(f"{result_url(job)}delete/").status_code == 404


def test_purge_expired_deletes_old_jobs_and_their_files(client):
    old = create_job(client)
    fresh = create_job(client)
    expire(old)
    call_command("purge_expired", stdout=open("/dev/null", "w"))  # noqa: SIM115
    assert list(Job.objects.all()) == [fresh]
    assert files_of(old) == [] if default_storage.exists(f"jobs/{old.code}") else True
    assert not default_storage.exists(f"jobs/{old.code}/cutout.png")
    assert default_storage.exists(f"jobs/{fresh.code}/cutout.png")


def test_the_worker_sweeps_expired_jobs_at_most_once_an_interval(client):
    first = create_job(client)
    expire(first)
    cache.clear()
    assert maybe_sweep().expired == 1
    assert not Job.objects.filter(pk=first.pk).exists()
    second = create_job(client)
    expire(second)
    assert maybe_sweep() is None  # within the interval: another worker swept already
    assert Job.objects.filter(pk=second.pk).exists()


def test_media_url_does_not_serve_job_files(client):
    job = create_job(client)
    assert client.get(f"/media/jobs/{job.code}/cutout.png").status_code == 404


def test_a_failed_job_is_logged_with_its_code_and_shows_a_friendly_error(client, settings, caplog):
    settings.PIXELFORGE_DEFAULT_MODEL = "no-such-model"  # an operator's mistake, not the visitor's
    response = client.post(TOOL_URL, {"image": upload_file()}, follow=True)
    job = Job.objects.get(status=Job.Status.FAILED)
    assert response.redirect_chain == [(result_url(job), 302)]
    body = response.content.decode()
    assert "We could not remove the background" in body
    assert "Something went wrong on our side" in body
    assert str(job.code) in body
    assert f"Job {job.code} failed" in caplog.text
    assert not default_storage.exists(f"jobs/{job.code}/upload")
    assert client.get(result_url(job) + "download/png/").status_code == 404
    assert client.get(result_url(job) + "status/").json()["state"] == "failed"


def jpeg_with_metadata() -> bytes:
    """A photo as a phone sends it: EXIF with GPS, XMP and a comment segment (COM)."""
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"
    exif[0x8825] = {1: "N", 2: (51.0, 30.0, 12.0), 3: "W", 4: (0.0, 7.0, 40.0)}
    out = io.BytesIO()
    scene().save(
        out,
        "JPEG",
        quality=92,
        exif=exif.tobytes(),
        comment=b"PRIVATE-COMMENT 12 Home Street",
        xmp=b'<x:xmpmeta xmlns:x="adobe:ns:meta/">PRIVATE-XMP</x:xmpmeta>',
    )
    return out.getvalue()


def test_no_metadata_of_the_upload_survives_into_any_served_or_stored_file(client):
    """Every file served, and every file made from the upload, is free of its metadata. The
    upload itself is kept as received until the job expires (the worker decodes it; issue 11)
    and is never served."""
    data = jpeg_with_metadata()
    assert b"PRIVATE-COMMENT" in data and b"PRIVATE-XMP" in data and b"PhoneMaker" in data
    response = client.post(TOOL_URL, {"image": SimpleUploadedFile("phone.jpg", data)})
    job = Job.objects.get(code=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    client.post(result_url(job), {"background": "color", "bg_color": "#00ff00", "size": "original"})
    served = [
        client.get(result_url(job) + suffix)
        for suffix in (
            "view/original/",
            "view/cutout/",
            "view/result/",
            "download/png/",
            "download/webp/",
            "download/jpg/",
            "download/mask/",
        )
    ]
    stored = []
    for name in files_of(job):
        if name == storage.FILES["original"]:
            continue  # the upload as received: never served (checked above)
        with default_storage.open(f"jobs/{job.code}/{name}", "rb") as handle:
            stored.append((name, handle.read()))
    assert all(response.status_code == 200 for response in served)
    for where, body in [(r.request["PATH_INFO"], r.content) for r in served] + stored:
        for secret in (b"PRIVATE-COMMENT", b"PRIVATE-XMP", b"PhoneMaker", b"Exif\x00\x00"):
            assert secret not in body, f"{secret!r} in {where}"
        if where.endswith(".json"):  # the list of a picture set's sizes (services/previews.py)
            continue
        with Image.open(io.BytesIO(body)) as image:
            assert not {"exif", "comment", "xmp", "icc_profile"} & set(image.info), where
            assert not image.getexif(), where
