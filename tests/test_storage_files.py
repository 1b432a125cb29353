"""Job files that survive crashes and races: atomic replacement, a sweep that cannot take a
new job for an orphan or follow a symlink out of the media folder, downloads streamed from
storage, and the working-size photo kept between refine strokes."""

from __future__ import annotations

import os
import threading
import uuid
from pathlib import Path

import numpy as np
import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from PIL import Image

from tests.tool_helpers import TOOL_URL, create_job, open_image, result_url, upload_file
from tools.models import Job, job_dir
from tools.pipeline.remove import WORK_SIDE
from tools.services import refine, storage, sweep
from tools.views import files

pytestmark = pytest.mark.django_db
local_only = pytest.mark.skipif(  # .ci/run's S3 runs share one bucket across tests
    settings.PIXELFORGE_MEDIA_STORAGE != "local", reason="about a local media folder"
)


@local_only
def test_a_replaced_file_is_never_missing_or_partial_for_a_reader():
    """A reader during many replacements sees the old file or the new one, whole, every time
    (the old way deleted the target, then wrote and moved a temp file: a window with none)."""
    path = "jobs/atomic/file.bin"
    payloads = [bytes([n]) * 300_000 for n in (1, 2)]
    storage.store(path, payloads[0])
    done = threading.Event()
    seen: list[str] = []

    def read() -> None:
        while not done.is_set():
            try:
                data = storage.read_path(path)
            except storage.StorageUnavailable:
                seen.append("missing")
                continue
            seen.append("whole" if data in payloads else "partial")

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for n in range(150):
            assert storage.store(path, payloads[n % 2]) == path
    finally:
        done.set()
        reader.join()
    assert seen and set(seen) == {"whole"}, {kind: seen.count(kind) for kind in set(seen)}
    folder = Path(settings.MEDIA_ROOT) / "jobs/atomic"
    assert os.listdir(folder) == ["file.bin"]  # no temp file left beside it


@local_only
def test_a_file_is_written_beside_its_target_not_in_the_system_temp_folder(settings, tmp_path):
    """The temp file is made in the target's folder (one file system, so the rename is atomic):
    a temp folder that cannot be written no longer matters, and the old file stays until the
    new one is complete (the old way deleted it first, then failed here, leaving none)."""
    path = "jobs/beside/file.bin"
    storage.store(path, b"old")
    settings.FILE_UPLOAD_TEMP_DIR = str(tmp_path / "does-not-exist")
    storage.store(path, b"new")
    assert storage.read_path(path) == b"new"


def _make_folder(code: uuid.UUID) -> None:
    storage.store(f"{job_dir(code)}/upload", b"data")


@local_only
def test_the_sweep_keeps_a_job_created_while_it_lists_folders(monkeypatch):
    """An upload that lands while the sweep reads the folders is not an orphan: the sweep
    lists folders before rows (rows are made before folders)."""
    listing = storage.job_codes_on_disk
    created: list[Job] = []

    def list_while_a_visitor_uploads() -> list[str]:
        job = Job.objects.create(width=10, height=10)  # the row first, then its files
        _make_folder(job.code)
        created.append(job)
        return listing()

    monkeypatch.setattr(storage, "job_codes_on_disk", list_while_a_visitor_uploads)
    orphan = uuid.uuid4()
    _make_folder(orphan)
    report = sweep.sweep()
    assert report.orphans == 1
    assert not storage.exists(f"{job_dir(orphan)}/upload")
    assert storage.exists(f"{job_dir(created[0].code)}/upload")


@local_only
def test_the_sweep_removes_symlinks_in_the_media_folder_without_following_them(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    (outside / "precious.txt").write_text("keep me")
    jobs = Path(settings.MEDIA_ROOT) / "jobs"
    jobs.mkdir(parents=True, exist_ok=True)
    linked_folder = jobs / str(uuid.uuid4())
    linked_folder.symlink_to(outside, target_is_directory=True)
    job = Job.objects.create(width=10, height=10)
    _make_folder(job.code)
    inner_link = jobs / str(job.code) / "link"
    inner_link.symlink_to(outside, target_is_directory=True)
    sweep.sweep()  # the linked folder has no row: an orphan
    assert not linked_folder.is_symlink() and not linked_folder.exists()
    assert (outside / "precious.txt").read_text() == "keep me"
    storage.delete_files(job.code)  # a job deleted with a link among its files
    assert not (jobs / str(job.code)).exists()
    assert (outside / "precious.txt").read_text() == "keep me"
    assert storage.folder_size("jobs") == 0


def test_a_large_download_is_streamed_from_storage_not_read_whole(client, monkeypatch):
    job = create_job(client)
    whole = client.get(f"{result_url(job)}download/png/")
    assert whole.status_code == 200 and not whole.streaming  # a small file: answered whole
    monkeypatch.setattr(files, "READ_WHOLE_BYTES", 0)
    response = client.get(f"{result_url(job)}download/png/")
    assert response.status_code == 200
    assert response.streaming  # a FileResponse on the stored file, read in chunks
    body = b"".join(response.streaming_content)
    assert body == whole.content
    assert int(response["Content-Length"]) == len(body)
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["Content-Type"] == "image/png"
    assert open_image(body).size == (job.width, job.height)


def test_refine_strokes_keep_the_working_size_photo_and_alpha(client):
    size = (1300, 860)  # larger than the working size, so there is something to keep
    response = client.post(TOOL_URL, {"image": upload_file(size=size)})
    assert response.status_code == 302
    job = Job.objects.latest("created_at")
    assert job.status == Job.Status.DONE
    keep = np.zeros(size[::-1], dtype=bool)
    keep[300:500, 700:760] = True  # between the two subjects: becomes foreground
    first = refine.refine_job(job, keep, np.zeros_like(keep))
    work_size = (WORK_SIDE, round(size[1] * WORK_SIDE / size[0]))
    with default_storage.open(storage.path(job, "work_image")) as handle:
        assert Image.open(handle).size == work_size
    for number in (0, first.number):  # the alpha at working size, before and after the stroke
        with default_storage.open(storage.revision_path(job, number, "work_alpha")) as handle:
            assert Image.open(handle).size == work_size
    with default_storage.open(storage.revision_path(job, first.number, "work_alpha")) as handle:
        kept = np.asarray(Image.open(handle))[int(400 * 1024 / 1300), int(730 * 1024 / 1300)]
    assert kept > 200  # the stroke is in the kept working alpha
    remove = np.zeros_like(keep)
    remove[300:500, 700:760] = True  # the second stroke starts from the kept files
    second = refine.refine_job(job, np.zeros_like(keep), remove, base=first.number)
    assert storage.exists(storage.revision_path(job, second.number, "work_alpha"))
    alpha = np.asarray(storage.open_image(job, "alpha"))
    assert alpha[400, 730] < 50 and alpha.shape == size[::-1]
    storage.delete_files(job.code)  # the kept files go with the job's other files
    assert not storage.exists(storage.path(job, "work_image"))


@pytest.fixture
def s3_media(settings, tmp_path):
    """Job files in a bucket of a real S3-compatible server (moto's), for this test only."""
    from tests import s3, servers

    process, endpoint = s3.start_server(tmp_path / "moto.log")
    try:
        s3.create_bucket(endpoint, "pixelforge-files")
        settings.STORAGES = {
            **settings.STORAGES,
            "default": {
                "BACKEND": "storages.backends.s3.S3Storage",
                "OPTIONS": {
                    "bucket_name": "pixelforge-files",
                    "endpoint_url": endpoint,
                    "region_name": s3.CREDENTIALS["AWS_S3_REGION_NAME"],
                    "access_key": s3.CREDENTIALS["AWS_ACCESS_KEY_ID"],
                    "secret_key": s3.CREDENTIALS["AWS_SECRET_ACCESS_KEY"],
                    "file_overwrite": True,
                    "max_memory_size": 1024 * 1024,
                },
            },
        }
        yield endpoint
    finally:
        servers.stop(process)


def test_on_s3_files_are_replaced_streamed_and_deleted_through_the_storage_api(
    client, monkeypatch, s3_media
):
    from tests import s3

    assert not storage.is_local()
    job = create_job(client)
    prefix = f"jobs/{job.code}/"
    assert f"{prefix}upload" in s3.keys(s3_media, "pixelforge-files", prefix)
    storage.store(f"{prefix}note", b"old")
    storage.store(f"{prefix}note", b"new")  # replaced in place: no "note_abc123" beside it
    assert storage.read_path(f"{prefix}note") == b"new"
    assert [key for key in s3.keys(s3_media, "pixelforge-files", prefix) if "note" in key] == [
        f"{prefix}note"
    ]
    monkeypatch.setattr(files, "READ_WHOLE_BYTES", 0)
    response = client.get(f"{result_url(job)}download/png/")
    assert response.status_code == 200 and response.streaming
    body = b"".join(response.streaming_content)
    assert int(response["Content-Length"]) == len(body)
    assert open_image(body).size == (job.width, job.height)
    assert storage.folder_size("jobs") == 0  # a bucket is not this host's disk
    assert client.post(f"{result_url(job)}delete/").status_code == 302
    assert s3.keys(s3_media, "pixelforge-files", prefix) == []
    assert not (Path(settings.MEDIA_ROOT) / "jobs").exists()  # nothing was written locally
