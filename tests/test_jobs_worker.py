"""The queue for real: a `manage.py worker` process on the database backend (and, in CI, on
Redis with PIXELFORGE_TASKS_BACKEND=rq), the test process acting as the web side."""

from __future__ import annotations

import re
import signal
import threading
import time
import uuid

import pytest
from django.core.files.storage import default_storage
from django.db import connection
from django.test import Client

from pixelforge import settings as project_settings
from tests import servers
from tests.tool_helpers import TOOL_URL, open_image, result_url, upload_file
from tools.models import Job
from tools.services import counters, refine_queue

pytestmark = [pytest.mark.jobs, pytest.mark.django_db(transaction=True)]
JSON = "application/json"


@pytest.fixture(scope="module")
def site_dirs(tmp_path_factory):
    return tmp_path_factory.mktemp("media"), tmp_path_factory.mktemp("cache")


@pytest.fixture
def shared(settings, site_dirs):
    """The test process sees the worker's database, media folder, cache and task backend."""
    media, cache = site_dirs
    settings.MEDIA_ROOT = media
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(cache),
        }
    }
    settings.TASKS = project_settings.TASKS  # the real backend, not the tests' immediate one
    settings.PIXELFORGE_JOB_STALE_SECONDS = 5
    return site_dirs


@pytest.fixture
def worker(shared, tmp_path, django_db_blocker):
    media, cache = shared
    env = servers.site_env(
        media, cache, PIXELFORGE_PURGE_INTERVAL_SECONDS="1", PIXELFORGE_JOB_STALE_SECONDS="5"
    )
    process = servers.start_worker(env, tmp_path / "worker.log")
    yield process, env
    servers.stop(process)


def wait_for(job: Job, states: set[str], timeout: float = 90) -> Job:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        job.refresh_from_db()
        if job.status in states:
            return job
        time.sleep(0.2)
    raise AssertionError(f"job {job.code} still {job.status} after {timeout} s")


def upload(client, **kwargs) -> Job:
    response = client.post(TOOL_URL, {"image": upload_file(**kwargs)})
    assert response.status_code == 302
    code = re.search(r"/r/([0-9a-f-]{36})/", response["Location"]).group(1)
    return Job.objects.get(code=code)


def test_a_worker_processes_uploads_in_order_and_a_queued_one_can_be_cancelled(client, worker):
    first = upload(client, size=(1200, 800))
    second = upload(client)
    third = upload(client)
    assert first.status == Job.Status.QUEUED  # the upload answered before any processing
    # The only worker takes the first; the others wait their turn.
    status = client.get(result_url(third) + "status/").json()
    assert status["state"] == "queued" and status["position"] >= 1
    cancelled = client.post(result_url(third) + "delete/")
    assert cancelled["Location"].endswith("?cancelled=1")
    for job in (first, second):
        wait_for(job, {Job.Status.DONE})
    assert first.finished_at <= second.started_at
    assert set(first.stage_ms) == {"decoding", "segmenting", "matting", "finishing"}
    assert not Job.objects.filter(code=third.code).exists()
    assert client.get(result_url(first) + "status/").json()["result_url"] == result_url(first)
    page = client.get(result_url(first))
    assert "Background removed" in page.content.decode()
    # A download is rendered by the worker (the request waits for it).
    download = client.get(result_url(first) + "download/png/")
    assert download.status_code == 200
    assert open_image(download.content).size == (1200, 800)


def test_a_worker_killed_mid_job_fails_it_within_a_minute_and_leaves_nothing(
    client, worker, tmp_path
):
    process, env = worker
    job = upload(client, size=(3000, 2000))
    wait_for(job, {Job.Status.PROCESSING}, timeout=60)
    process.send_signal(signal.SIGKILL)
    process.wait()
    killed_at = time.monotonic()
    replacement = servers.start_worker(env, tmp_path / "replacement.log")
    try:
        wait_for(job, {Job.Status.FAILED}, timeout=60)
        assert time.monotonic() - killed_at < 60
        assert "stopped unexpectedly" in job.error
        page = client.get(result_url(job)).content.decode()
        assert "stopped unexpectedly" in page and str(job.code) in page
        deadline = time.monotonic() + 10  # the sweep removes the failed job's files
        while default_storage.exists(f"jobs/{job.code}/upload") and time.monotonic() < deadline:
            time.sleep(0.2)
        assert not default_storage.exists(f"jobs/{job.code}/upload")
        known = {str(code) for code in Job.objects.values_list("code", flat=True)}
        folders, _ = default_storage.listdir("jobs")
        assert set(folders) <= known  # no folder without a row
    finally:
        servers.stop(replacement)


def test_the_synchronous_api_waits_for_the_worker(client, worker):
    from tests.api_support import FAST, image_bytes, post, subject_image

    response = post(client, image_bytes(subject_image()), format="png", **FAST)
    assert response.status_code == 200, response.content[:300]
    assert response["Content-Type"] == "image/png"
    assert open_image(response.content).size == (240, 180)
    assert Job.objects.get(kind=Job.Kind.API).status == Job.Status.DONE


def test_a_refine_is_done_by_the_worker_while_the_visitor_waits(client, worker):
    """A refine goes ahead of the uploads (a priority on the database backend, the "urgent"
    queue on RQ): the worker must take it from there while the web side waits for it."""
    job = wait_for(upload(client), {Job.Status.DONE})
    refine = result_url(job) + "refine/"
    response = client.post(refine, {"action": "use", "revision": 0}, HTTP_ACCEPT="application/json")
    assert response.status_code == 200, response.content.decode()[:500]
    assert response.json()["revision"] == 0


def test_refines_are_one_per_job_in_flight_and_cannot_starve_uploads(client, worker):
    """While the worker is busy: a second action on a job whose first is still queued gets 429;
    refines go ahead of a waiting upload only REFINES_AHEAD in a row, the next ones after it."""
    done = wait_for(upload(client), {Job.Status.DONE})
    refine = result_url(done) + "refine/"
    busy = upload(client, size=(3000, 2000))
    wait_for(busy, {Job.Status.PROCESSING}, timeout=60)  # the only worker is taken
    waiting = upload(client)
    answers = []

    def first_action() -> None:
        visitor = Client()
        answers.append(visitor.post(refine, {"action": "use", "revision": 0}, HTTP_ACCEPT=JSON))
        connection.close()

    thread = threading.Thread(target=first_action)
    thread.start()
    key = refine_queue._in_flight_key(done.code)
    deadline = time.monotonic() + 10
    while not counters.held(key) and time.monotonic() < deadline:
        time.sleep(0.05)
    second = client.post(refine, {"action": "use", "revision": 0}, HTTP_ACCEPT=JSON)
    assert second.status_code == 429 and int(second["Retry-After"]) > 0
    assert "still being made" in second.json()["errors"][0]
    # More refines while the upload waits (other jobs': the cap is per job).
    others = [
        refine_queue.enqueue_action(str(uuid.uuid4()), {"action": "use", "revision": 0})
        for _ in range(refine_queue.REFINES_AHEAD + 1)
    ]
    thread.join(timeout=120)
    assert answers and answers[0].status_code == 200, answers[0].content[:300]
    wait_for(waiting, {Job.Status.DONE})
    for result in others:
        deadline = time.monotonic() + 60
        while not result.is_finished and time.monotonic() < deadline:
            time.sleep(0.1)
            result.refresh()
    ahead = others[: refine_queue.REFINES_AHEAD - 1]  # the first action was one of them
    behind = others[refine_queue.REFINES_AHEAD - 1 :]
    assert all(result.started_at < waiting.started_at for result in ahead)
    assert all(result.started_at > waiting.started_at for result in behind)
