"""Several images in one upload: a batch page, one job per file, one ZIP of all PNGs, limits.

Only the first test runs the model (two small real photos, in the request: ImmediateBackend);
the others stop before anything is queued, or build their rows by hand.
"""

from __future__ import annotations

import io
import re
import zipfile
from datetime import timedelta

import numpy as np
import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone
from PIL import Image

from tests.conftest import FIXTURES
from tests.tool_helpers import TOOL_URL, upload_file
from tools.models import Batch, Job
from tools.services import storage
from tools.services.sweep import sweep

pytestmark = pytest.mark.django_db

BATCH = re.compile(r"^/tools/batch/([0-9a-f-]{36})/$")


def photo(fixture: str, name: str, side: int = 200) -> SimpleUploadedFile:
    """A real photo, small: the model's cost does not depend on it, the test's time does."""
    image = Image.open(FIXTURES / fixture).convert("RGB")
    image.thumbnail((side, side))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def not_an_image(name: str = "notes.jpg") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, b"just some text, not a photo", content_type="image/jpeg")


def nothing_queued() -> bool:
    return not Job.objects.exists() and not Batch.objects.exists()


def test_several_files_make_a_batch_whose_zip_holds_each_cutout(client):
    # Two real photos with the same name (the ZIP must keep both) and one bad file.
    files = [photo("chelsea.jpg", "photo.jpg"), not_an_image(), photo("astronaut.jpg", "photo.jpg")]
    response = client.post(TOOL_URL, {"image": files})
    assert response.status_code == 302
    code = BATCH.match(response["Location"]).group(1)
    batch = Batch.objects.get(code=code)
    jobs = list(batch.jobs.order_by("created_at"))
    assert [job.status for job in jobs] == ["done", "done"]  # each file its own job

    page = client.get(response["Location"]).content.decode()
    assert "2 of 2 done" in page
    assert "Download all (ZIP)" in page
    assert 'http-equiv="refresh"' not in page  # all finished: no more refreshing
    assert "notes.jpg" in page and "not an image we can read" in page  # the bad one, and why
    for job in jobs:
        assert f"/tools/remove-background/r/{job.code}/" in page
        thumb = client.get(f"/tools/batch/{code}/thumb/{job.code}/")
        assert thumb.status_code == 200 and Image.open(io.BytesIO(thumb.content)).mode == "RGBA"

    status = client.get(f"/tools/batch/{code}/status/").json()
    assert (status["total"], status["done"], status["finished"]) == (2, 2, True)
    assert status["rejected"][0]["name"] == "notes.jpg"

    download = client.get(status["zip_url"])
    assert download.status_code == 200 and download["Content-Type"] == "application/zip"
    assert download["Content-Disposition"].startswith('attachment; filename="pixelforge-')
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    assert archive.namelist() == ["photo.png", "photo-2.png"]
    for name, job in zip(archive.namelist(), jobs, strict=True):
        image = Image.open(io.BytesIO(archive.read(name)))
        assert image.format == "PNG" and image.mode == "RGBA"
        assert image.size == (job.width, job.height)
        alpha = np.asarray(image.getchannel("A"))
        h, w = alpha.shape
        corners = [alpha[:8, :8], alpha[:8, -8:]]  # the top corners are background in both
        assert max(c.max() for c in corners) <= 5, name
        subject = alpha[h // 2 - 4 : h // 2 + 4, w // 2 - 4 : w // 2 + 4]  # a face, centred
        assert subject.min() >= 250, name

    # Deleting the batch deletes its jobs and their files.
    assert client.post(f"/tools/batch/{code}/delete/").status_code == 302
    assert nothing_queued()
    assert not any(default_storage.exists(f"jobs/{job.code}/cutout.png") for job in jobs)
    assert client.get(response["Location"]).status_code == 404


def test_only_bad_files_give_422_with_a_message_for_each(client):
    response = client.post(TOOL_URL, {"image": [not_an_image("a.jpg"), not_an_image("b.png")]})
    assert response.status_code == 422
    page = response.content.decode()
    assert "a.jpg: " in page and "b.png: " in page
    assert nothing_queued()


def test_too_many_files_are_refused_before_anything_is_queued(client, settings):
    settings.PIXELFORGE_BATCH_MAX_FILES = 2
    files = [upload_file(name=f"p{i}.jpg", size=(40, 30)) for i in range(3)]
    response = client.post(TOOL_URL, {"image": files})
    assert response.status_code == 422
    assert "Choose at most 2 images at once." in response.content.decode()
    assert nothing_queued()


def test_too_large_a_total_is_refused_with_413(client, settings):
    files = [upload_file(name=f"p{i}.jpg", size=(600, 400)) for i in range(2)]
    settings.PIXELFORGE_BATCH_MAX_BYTES = len(files[0].read()) + 100
    files[0].seek(0)
    response = client.post(TOOL_URL, {"image": files}, HTTP_ACCEPT="application/json")
    assert response.status_code == 413
    assert "add up to more than" in response.json()["errors"][0]
    assert nothing_queued()


def test_a_batch_that_does_not_fit_in_the_queue_gets_503(client, settings):
    settings.PIXELFORGE_MAX_QUEUE = 1
    files = [upload_file(name=f"p{i}.jpg", size=(40, 30)) for i in range(2)]
    response = client.post(TOOL_URL, {"image": files})
    assert response.status_code == 503 and int(response["Retry-After"]) >= 5
    assert nothing_queued()


def test_each_file_counts_against_the_upload_rate_limit(client, settings):
    settings.PIXELFORGE_UPLOAD_RATE_LIMIT = "2/min"
    files = [upload_file(name=f"p{i}.jpg", size=(40, 30)) for i in range(3)]
    response = client.post(TOOL_URL, {"image": files})
    assert response.status_code == 429 and response["Retry-After"]
    assert nothing_queued()


def batch_with_a_job(**batch_fields) -> tuple[Batch, Job]:
    batch = Batch.objects.create(**batch_fields)
    job = Job.objects.create(batch=batch, original_name="x.jpg", status=Job.Status.DONE)
    storage.store(f"jobs/{job.code}/cutout.png", b"png")
    Job.objects.filter(pk=job.pk).update(cutout=f"jobs/{job.code}/cutout.png")
    return batch, job


def test_a_batch_is_reachable_only_through_its_own_code(client):
    batch, job = batch_with_a_job()
    other = Batch.objects.create()
    assert client.get(f"/tools/batch/{batch.code}/").status_code == 200
    assert client.get(f"/tools/batch/{job.code}/").status_code == 404  # a job's code is not one
    assert client.get(f"/tools/batch/{other.code}/thumb/{job.code}/").status_code == 404
    assert client.get(f"/tools/batch/{other.code}/zip/").status_code == 404  # nothing done there
    Batch.objects.filter(pk=batch.pk).update(expires_at=timezone.now())
    for tail in ("", "status/", "zip/"):
        assert client.get(f"/tools/batch/{batch.code}/{tail}").status_code == 404


def test_the_sweep_deletes_expired_and_empty_batches_with_their_jobs(client):
    _, job = batch_with_a_job(expires_at=timezone.now() - timedelta(seconds=1))
    live, kept = batch_with_a_job()
    empty = Batch.objects.create(created_at=timezone.now() - timedelta(hours=1))
    just_made = Batch.objects.create()  # its files may still be on their way
    report = sweep()
    assert report.batches == 2
    assert set(Batch.objects.values_list("pk", flat=True)) == {live.pk, just_made.pk}
    assert list(Job.objects.values_list("pk", flat=True)) == [kept.pk]
    assert not default_storage.exists(f"jobs/{job.code}/cutout.png")
    assert not Batch.objects.filter(pk=empty.pk).exists()


def test_the_admin_lists_a_batch_with_its_jobs(admin_client):
    batch = Batch.objects.create(rejected=[{"name": "notes.txt", "message": "Not an image."}])
    Job.objects.create(batch=batch, original_name="cat.jpg", width=4, height=4)
    listing = admin_client.get("/admin/tools/batch/")
    assert listing.status_code == 200 and str(batch.code) in listing.content.decode()
    page = admin_client.get(f"/admin/tools/batch/{batch.pk}/change/")
    assert page.status_code == 200
    assert "cat.jpg" in page.content.decode() and "Not an image." in page.content.decode()


def test_a_file_scaled_down_to_fit_is_said_so_on_the_batch_page(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    settings.PIXELFORGE_MAX_PIXELS = 10_000  # 200 x 133 does not fit: each side scaled by 0.6
    files = [photo("coffee.jpg", "cup.jpg"), photo("coffee.jpg", "small.jpg", side=90)]
    response = client.post(TOOL_URL, {"image": files}, follow=True)
    assert response.status_code == 200 and BATCH.match(response.request["PATH_INFO"])
    page = response.content.decode()
    assert "cup.jpg: Your 200 x 133 pixel image was scaled down" in page
    assert "small.jpg:" not in page  # 90 x 60 fits: nothing to say
