"""kill -9 of the site's processes at chosen moments, then an audit of the media folder against
the database: after a restart and the sweep, no file without a row, no row without its files,
and nothing partial served.

Real processes on the test database and a temp media folder: `manage.py worker` (killed from
outside while it processes a job, and killed by tests/crash_launcher.py at the exact moment it
moves a refine's or a job's file into place) and gunicorn (killed while it stores an upload).
The test process plays the visitor's web side for the other uploads (jobs.submit, as the
form does). Cheap: small photos, one model load per worker that runs the model.
"""

from __future__ import annotations

import http.client
import io
import os
import re
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from PIL import Image

from pixelforge import settings as project_settings
from tests import servers
from tests.tool_helpers import TOOL_URL, result_url, upload_file
from tools.models import Job, Revision
from tools.services import downloads, refine_queue, storage
from tools.services.sweep import sweep

pytestmark = pytest.mark.django_db(transaction=True)

STALE_SECONDS = (
    5  # PIXELFORGE_JOB_STALE_SECONDS here (its minimum): also the grace of the sweep's checks
)
LAUNCHER = str(Path(__file__).with_name("crash_launcher.py"))
API = "/api/v1/remove-background"


def upload(client, **kwargs) -> Job:
    response = client.post(TOOL_URL, {"image": upload_file(**kwargs)})
    assert response.status_code == 302
    code = re.search(r"/r/([0-9a-f-]{36})/", response["Location"]).group(1)
    return Job.objects.get(code=code)


def wait_for(condition, what: str, timeout: float = 90) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still not {what} after {timeout} s")
        time.sleep(0.1)


def status(job: Job) -> str:
    job.refresh_from_db()
    return job.status


def worker(env: dict[str, str], log: Path, crash_at: str | None = None) -> subprocess.Popen:
    if crash_at is None:
        return servers.start_worker(env, log)
    args = [sys.executable, LAUNCHER, "manage.py", "worker", "--interval", "0.2"]
    return servers.start(args, {**env, "CRASH_AT": crash_at}, log)


def killed(process: subprocess.Popen, timeout: float = 90) -> None:
    """Wait for a process that kills itself at its crash point."""
    assert process.wait(timeout=timeout) == -signal.SIGKILL


def stroke(job: Job) -> bytes:
    """A "remove" stroke across the middle of the photo (0 untouched, 2 remove)."""
    mask = Image.new("L", (job.width, job.height), 0)
    mask.paste(2, (job.width // 3, job.height // 3, job.width // 2, job.height // 2))
    out = io.BytesIO()
    mask.save(out, "PNG")
    return out.getvalue()


def whole_image(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()  # raises on a truncated file
    return image


def audit(media: Path) -> None:
    """Every row's files are there and whole; every folder and file belongs to a row."""
    jobs = {str(job.code): job for job in Job.objects.all()}
    folders = {entry.name for entry in os.scandir(media / "jobs")}
    assert folders <= set(jobs), f"folders without a row: {folders - set(jobs)}"
    for code, job in jobs.items():
        assert job.status in (Job.Status.DONE, Job.Status.FAILED), (code, job.status)
        if job.status == Job.Status.FAILED:
            assert code not in folders, f"failed job {code} kept its files"
            continue
        names = set(os.listdir(media / "jobs" / code))
        assert not [n for n in names if n.endswith(".part")], f"temp files left in {code}"
        numbers = set(job.revisions.values_list("number", flat=True))
        for name in names:
            found = re.match(r"rev-(\d+)-", name)
            assert not found or int(found.group(1)) in numbers, f"{name}: no revision row"
        for field in Job.FILES:
            if field == "background" or field == "original":
                continue
            whole_image(storage.read_bytes(job, field))
        for revision in job.revisions.all():
            for field in Revision.FILES:
                path = storage.revision_path(revision.job, revision.number, field)
                whole_image(storage.read_path(path))
        for name in names:
            if name.endswith((".png", ".webp", ".jpg")) or name.startswith("render-"):
                whole_image((media / "jobs" / code / name).read_bytes())


def test_kill_9_at_any_moment_leaves_no_file_without_a_row_and_no_row_without_files(
    client, settings, tmp_path
):
    media, cache, run = tmp_path / "media", tmp_path / "cache", tmp_path / "run"
    for folder in (media, cache, run):
        folder.mkdir()
    settings.MEDIA_ROOT = media
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(cache),
        }
    }
    settings.TASKS = project_settings.TASKS  # the real database backend
    settings.PIXELFORGE_JOB_STALE_SECONDS = STALE_SECONDS
    env = servers.site_env(
        media,
        cache,
        PIXELFORGE_JOB_STALE_SECONDS=str(STALE_SECONDS),
        PIXELFORGE_PURGE_INTERVAL_SECONDS="1",
    )
    processes: list[subprocess.Popen] = []
    try:
        # 1. A worker finishes a job (its downloads too), then is killed from outside while it
        #    processes the next one.
        first = worker(env, run / "w1.log")
        processes.append(first)
        done = upload(client)
        wait_for(lambda: status(done) == Job.Status.DONE, "done")
        png = downloads.path_of(done, "png", downloads.key_of(done, "png"))
        wait_for(lambda: storage.exists(png), "its PNG download made")
        mid_job = upload(client, size=(1200, 800))
        wait_for(lambda: status(mid_job) == Job.Status.PROCESSING, "processing")
        time.sleep(0.5)
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()

        # 2. gunicorn killed while it moves an upload into place (the row is written, the
        #    file is not): the visitor's request gets no answer.
        web_port = servers.free_port()
        gunicorn = servers.start(
            [
                *(sys.executable, LAUNCHER, "-m", "gunicorn", "-c", "gunicorn.conf.py"),
                *("pixelforge.wsgi", "--bind", f"127.0.0.1:{web_port}", "--workers", "1"),
            ],
            {**env, "CRASH_AT": r"/upload$", "GUNICORN_ACCESS_LOG": ""},
            run / "gunicorn-crash.log",
        )
        processes.append(gunicorn)
        servers.wait_for_port(web_port)
        before = set(Job.objects.values_list("code", flat=True))
        body = (
            b'--b\r\nContent-Disposition: form-data; name="image_file"; filename="a.jpg"\r\n'
            b"Content-Type: image/jpeg\r\n\r\n" + upload_file().read() + b"\r\n--b--\r\n"
        )
        connection = http.client.HTTPConnection("127.0.0.1", web_port, timeout=30)
        connection.request("POST", API, body, {"Content-Type": "multipart/form-data; boundary=b"})
        with pytest.raises((http.client.RemoteDisconnected, ConnectionError)):
            connection.getresponse()  # no answer: the process died storing the upload
        connection.close()
        os.killpg(gunicorn.pid, signal.SIGKILL)
        gunicorn.wait()
        (lost_upload,) = Job.objects.exclude(code__in=before)

        # 3. A worker killed while it moves a refine's new cut-out into place (the revision's
        #    alpha is stored, its row is not).
        refiner = worker(env, run / "w2.log", crash_at=r"rev-[1-9]\d*-cutout\.png$")
        processes.append(refiner)
        refine_queue._queue(done, {"action": "strokes", "base": None}, stroke(done))
        killed(refiner)

        # 4. A worker killed while it moves a new job's full-size cut-out into place.
        writer = worker(env, run / "w3.log", crash_at=r"/cutout\.png$")
        processes.append(writer)
        mid_write = upload(client)
        killed(writer)
        assert status(mid_write) == Job.Status.PROCESSING
        leftovers = os.listdir(media / "jobs" / str(mid_write.code))
        assert [name for name in leftovers if name.endswith(".part")]  # the crash's trace

        # Restart: a worker sweeps within a second; whatever a crash left is older than the
        # grace by then.
        time.sleep(STALE_SECONDS + 0.5)
        recovered = worker(env, run / "w4.log")
        processes.append(recovered)
        for job in (mid_job, mid_write, lost_upload):
            wait_for(lambda job=job: status(job) == Job.Status.FAILED, f"{job.code} failed")
        assert "upload the image again" in lost_upload.error
        wait_for(lambda: not any(media.glob("jobs/*/.*.part")), "temp files swept")
        sweep()  # once more, to be sure the worker's last sweep saw the failed jobs' files go
        audit(media)

        # The site answers every job's page and file whole, and a refine works again.
        refine_queue._queue(done, {"action": "strokes", "base": None}, stroke(done))
        wait_for(lambda: done.revisions.filter(number=1, is_current=True).exists(), "refined")
        audit(media)
        web = run / "web"
        web.mkdir()
        with servers.proxied_site(web, workers=1, threads=2, DJANGO_MEDIA_ROOT=str(media)) as base:
            page = result_url(done)
            with urllib.request.urlopen(base + page, timeout=30) as answer:  # asks for the set
                assert answer.status == 200
            done.refresh_from_db()
            key = downloads.key_of(done, "png")
            wait_for(lambda: storage.exists(downloads.path_of(done, "png", key)), "PNG again")
            for path in (
                "view/original/",
                "view/cutout/",
                "view/result/",
                f"download/png/?k={key}",
            ):
                with urllib.request.urlopen(base + page + path, timeout=30) as answer:
                    data = answer.read()
                    assert int(answer.headers["Content-Length"]) == len(data)
                whole_image(data)
            for job in (mid_job, mid_write, lost_upload):
                with urllib.request.urlopen(base + result_url(job), timeout=30) as answer:
                    assert answer.status == 200
                    assert str(job.code) in answer.read().decode()
    finally:
        for process in processes:
            servers.stop(process, signal.SIGKILL)
