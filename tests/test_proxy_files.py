"""Stored job files sent by a real nginx (X-Accel-Redirect to an internal location), as deployed
with PIXELFORGE_ACCEL_REDIRECT_URL: the site looks the job up and names the file, nginx sends
it, with the same headers Django would have sent. Without the setting (`make run`) Django sends
the files itself (tests/test_tool_previews.py, tests/test_tool_downloads.py)."""

from __future__ import annotations

import http.client
import io
import shutil
import urllib.parse
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import pytest
from PIL import Image

from tests import servers
from tests.tool_helpers import create_job, result_url
from tools.services import downloads, storage
from tools.views.files import FILE_POLICY

pytestmark = [
    pytest.mark.proxy,
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(not shutil.which("nginx"), reason="nginx is not installed"),
]

ACCEL = "/internal-media/"


def fetch(base: str, path: str) -> tuple[int, dict[str, str], bytes]:
    parts = urllib.parse.urlsplit(base)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
    try:
        connection.request("GET", path)
        response = connection.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        connection.close()


def test_django_names_the_file_and_sends_no_bytes(client, settings):
    settings.PIXELFORGE_ACCEL_REDIRECT_URL = ACCEL
    job = create_job(client)
    response = client.get(result_url(job) + "view/result/")
    assert response.status_code == 200
    assert response["X-Accel-Redirect"].startswith(f"{ACCEL}jobs/{job.code}/view-result-")
    assert response.content == b""
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Security-Policy"] == FILE_POLICY


def test_nginx_sends_stored_files_whole_with_the_sites_headers(client, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"  # the folder the site behind nginx uses
    job = create_job(client)
    downloads.make_after_job(str(job.code))  # the standard downloads, as the worker does
    page = result_url(job)
    key = downloads.key_of(job, "png")
    with servers.proxied_site(tmp_path, PIXELFORGE_ACCEL_REDIRECT_URL=ACCEL) as base:
        for path, content_type, stored in (
            (page + "view/result/", "image/webp", None),
            (page + "view/original/", "image/jpeg", job.original_preview.name),
            (page + "view/cutout/", "image/png", job.cutout_preview.name),
            (page + f"download/png/?k={key}", "image/png", downloads.path_of(job, "png", key)),
        ):
            status, headers, body = fetch(base, path)
            assert status == 200, (path, status, body[:200])
            assert headers["content-type"] == content_type
            assert "x-accel-redirect" not in headers
            assert int(headers["content-length"]) == len(body)
            Image.open(io.BytesIO(body)).load()  # a whole image
            if stored is not None:
                assert body == storage.read_path(stored)
            # Django's headers for a file, kept by nginx.
            assert headers["content-security-policy"] == FILE_POLICY
            assert headers["x-content-type-options"] == "nosniff"
            assert headers["x-frame-options"] == "DENY"
            assert headers["referrer-policy"] == "same-origin"
        assert headers["content-disposition"].startswith("attachment")
        assert headers["cache-control"] == "private, max-age=86400"
        # The internal location is not reachable from outside, and only after the site's
        # lookup: an expired or deleted job's files are never sent.
        status, _, _ = fetch(base, f"{ACCEL}jobs/{job.code}/cutout.png")
        assert status == 404
        # A flood of one job's pictures, from anyone: beyond its burst nginx answers 429
        # itself, and pages are still answered.
        with ThreadPoolExecutor(20) as pool:
            flood = Counter(pool.map(lambda _: fetch(base, page + "view/result/")[0], range(120)))
        assert flood[200] >= 40 and flood[429] > 0 and set(flood) <= {200, 429}, flood
        assert fetch(base, page)[0] == 200
        client.post(page + "delete/")
        status, _, body = fetch(base, page + "view/result/")
        assert status == 404
