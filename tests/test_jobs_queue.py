"""The job lifecycle seen from the web: queued, waiting page, status JSON, cancel, back-pressure.

Tasks go to django-tasks' DummyBackend here (kept, never run), so a job stays queued for as long
as the test wants; the test then runs it with the worker's own function. Real worker processes
are in tests/test_jobs_worker.py.
"""

from __future__ import annotations

import re

import pytest
from django.core.files.storage import default_storage
from PIL import Image

from tests.api_support import FAST, configure_api, image_bytes, post, subject_image
from tests.tool_helpers import TOOL_URL, damaged_png, open_image, result_url, upload_file
from tools.models import Job
from tools.services import cutouts, metrics, processing
from tools.services.sweep import sweep

pytestmark = pytest.mark.django_db

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _kept_tasks(settings):
    settings.TASKS = DUMMY_TASKS
    configure_api(settings)


def queue(client, **kwargs) -> Job:
    response = client.post(TOOL_URL, {"image": upload_file(**kwargs)})
    assert response.status_code == 302, response.content.decode()[:500]
    code = re.search(r"/r/([0-9a-f-]{36})/", response["Location"]).group(1)
    return Job.objects.get(code=code)


def test_the_upload_answers_at_once_with_a_queued_job(client):
    job = queue(client)
    assert job.status == Job.Status.QUEUED
    assert job.original.name == f"jobs/{job.code}/upload"
    assert default_storage.listdir(f"jobs/{job.code}")[1] == ["upload"]  # nothing else yet


def test_the_waiting_page_shows_state_position_estimate_and_a_cancel_button(client):
    first, second = queue(client), queue(client)
    page = client.get(result_url(second))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Removing the background" in html
    assert "you are number 2 in line" in html
    assert re.search(r"About \d+ s left", html)
    assert '<noscript><meta http-equiv="refresh" content="2"></noscript>' in html
    assert f'action="{result_url(second)}delete/"' in html and ">Cancel</button>" in html
    status = client.get(result_url(first) + "status/").json()
    assert status["state"] == "queued" and status["position"] == 1
    assert status["estimate_seconds"] >= 1
    assert "result_url" not in status


def test_a_processing_job_reports_its_stage(client):
    job = queue(client)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.PROCESSING, stage="matting")
    status = client.get(result_url(job) + "status/").json()
    assert (status["state"], status["stage"]) == ("processing", "matting")
    assert status["stage_label"] == "Refining the edges" and status["position"] is None
    assert (
        'data-stage="matting" aria-current="step"' in client.get(result_url(job)).content.decode()
    )


def test_a_worker_run_reports_stages_and_finishes_the_job(client):
    job = queue(client)
    assert processing.run_job(job.code) == Job.Status.DONE
    job.refresh_from_db()
    assert job.status == Job.Status.DONE and job.stage == ""
    assert set(job.stage_ms) == {"decoding", "segmenting", "matting", "finishing"}
    assert job.processing_ms >= sum(job.stage_ms.values()) - 5
    status = client.get(result_url(job) + "status/").json()
    assert status["state"] == "done" and status["result_url"] == result_url(job)
    assert "Background removed" in client.get(result_url(job)).content.decode()
    assert processing.run_job(job.code) == "skipped"  # a second delivery does nothing


def test_cancel_deletes_a_queued_job_and_the_worker_skips_it(client):
    job = queue(client)
    response = client.post(result_url(job) + "delete/")
    assert response["Location"] == f"{TOOL_URL}?cancelled=1"
    assert not Job.objects.filter(pk=job.pk).exists()
    assert not default_storage.exists(f"jobs/{job.code}/upload")
    assert "Cancelled" in client.get(response["Location"]).content.decode()
    assert processing.run_job(job.code) == "skipped"
    assert client.get(result_url(job) + "status/").status_code == 404


def test_cancel_while_processing_stops_at_the_next_stage(client, monkeypatch):
    job = queue(client)
    real = cutouts.decode

    def decode_then_cancel(request):
        decoded = real(request)
        client.post(result_url(job) + "delete/")  # the visitor cancels meanwhile
        return decoded

    monkeypatch.setattr(cutouts, "decode", decode_then_cancel)
    assert processing.run_job(job.code) == "cancelled"
    assert not Job.objects.filter(code=job.code).exists()
    assert not default_storage.exists(f"jobs/{job.code}")


def test_a_full_queue_answers_503_with_retry_after(client, settings):
    settings.PIXELFORGE_MAX_QUEUE = 2
    queue(client), queue(client)
    before = metrics.counters()["rejected_queue_full"]
    response = client.post(TOOL_URL, {"image": upload_file()})
    assert response.status_code == 503
    assert int(response["Retry-After"]) >= 5
    assert "very busy" in response.content.decode()
    assert Job.objects.count() == 2  # nothing stored for the refused upload
    assert metrics.counters()["rejected_queue_full"] == before + 1
    api = post(client, image_bytes(subject_image()), **FAST)
    assert api.status_code == 503 and api["Retry-After"]
    assert api.json()["errors"][0]["code"] == "busy"


def test_the_disk_budget_refuses_before_it_is_exceeded(client, settings):
    settings.PIXELFORGE_DISK_BUDGET_MB = 1
    response = client.post(TOOL_URL, {"image": upload_file(size=(800, 600))})
    assert response.status_code == 503 and response["Retry-After"]
    assert not Job.objects.exists()


def test_the_async_api_answers_202_and_its_status_url_leads_to_the_result(client):
    response = client.post(
        "/api/v1/remove-background?async=1",
        {"image_file": _file(image_bytes(subject_image())), "format": "webp", **FAST},
    )
    assert response.status_code == 202
    status = response.json()
    assert response["Location"] == status["status_url"]
    assert status["state"] == "queued" and "result_url" not in status
    job = Job.objects.get(code=status["code"])
    assert job.kind == Job.Kind.API
    assert client.get(status["status_url"]).json()["state"] == "queued"
    assert client.get(f"{status['status_url']}/result").status_code == 202
    processing.run_job(job.code)
    done = client.get(status["status_url"]).json()
    assert done["state"] == "done"
    result = client.get(done["result_url"])
    assert result.status_code == 200 and result["Content-Type"] == "image/webp"
    assert open_image(result.content).size == (240, 180)
    assert result["X-Width"] == "240"


def test_prefer_respond_async_is_the_same_as_async(client):
    response = client.post(
        "/api/v1/remove-background",
        {"image_file": _file(image_bytes(subject_image())), **FAST},
        HTTP_PREFER="respond-async",
    )
    assert response.status_code == 202


def test_a_failed_api_job_keeps_its_error_code(client):
    blank = image_bytes(Image.new("RGB", (1, 1), (0, 0, 0)))  # nothing to cut out
    response = client.post(
        "/api/v1/remove-background?async=1", {"image_file": _file(blank), **FAST}
    )
    code = response.json()["code"]
    processing.run_job(code)
    status = client.get(response["Location"]).json()
    assert status["state"] == "failed"
    assert status["errors"][0]["code"] == "no_foreground"
    result = client.get(f"{response['Location']}/result")
    assert result.status_code == 422 and result.json()["errors"][0]["code"] == "no_foreground"


def test_a_job_url_of_the_site_is_not_an_api_job(client):
    job = queue(client)
    response = client.get(f"/api/v1/jobs/{job.code}")
    assert response.status_code == 404
    assert response.json()["errors"][0]["code"] == "job_not_found"


def test_the_sweep_fails_a_job_whose_worker_stopped_reporting(client, settings):
    from datetime import timedelta

    from django.utils import timezone

    job = queue(client)
    long_ago = timezone.now() - timedelta(seconds=settings.PIXELFORGE_JOB_STALE_SECONDS + 1)
    Job.objects.filter(pk=job.pk).update(
        status=Job.Status.PROCESSING, started_at=long_ago, heartbeat_at=long_ago
    )
    default_storage.save(f"jobs/{job.code}/cutout.png.part", _file(b"half written"))
    stray = "jobs/0b7c5b3e-0000-4000-8000-000000000000/upload"
    default_storage.save(stray, _file(b"a folder without a row"))
    report = sweep()
    assert (report.stale, report.orphans) == (1, 1)
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert "stopped unexpectedly" in job.error and str(job.code) in job.error
    assert not default_storage.exists(f"jobs/{job.code}/upload")
    assert not default_storage.exists(stray)
    page = client.get(result_url(job)).content.decode()
    assert "stopped unexpectedly" in page


def _file(data: bytes):
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("photo.png", data, content_type="image/png")


def test_a_large_upload_is_checked_by_its_header_and_decoded_by_the_worker(client, settings):
    """The web process never holds a large image: a damaged one fails in the worker, with the
    same message the form would give, on the job's page."""
    import io

    out = io.BytesIO()
    Image.new("RGB", (400, 300), (200, 30, 40)).save(out, "JPEG")
    response = client.post(TOOL_URL, {"image": _file(damaged_png((400, 300)))})
    assert response.status_code == 302  # accepted on its header (and its end marker)
    job = Job.objects.get()
    assert (job.width, job.height) == (400, 300)
    assert processing.run_job(job.code) == Job.Status.FAILED
    page = client.get(result_url(job)).content.decode()
    assert "We could not remove the background" in page
    job.refresh_from_db()
    assert "could not be read as an image" in job.error and "Upload a JPEG" in job.error
    # Over the input limit is still refused at once, from the header alone.
    settings.PIXELFORGE_MAX_INPUT_PIXELS = settings.PIXELFORGE_MAX_PIXELS = 100_000
    response = client.post(TOOL_URL, {"image": _file(out.getvalue())})
    assert response.status_code == 422
    assert "400 x 300 pixels" in response.content.decode()
