"""Several images at once in Chromium: pick two files, follow the batch page as it updates
itself (script, or a meta refresh without JavaScript), download the ZIP and check its pixels."""

from __future__ import annotations

import io
import re
import zipfile
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

from tests.conftest import FIXTURES
from tools.models import Batch
from tools.services import processing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOOL = "/tools/remove-background/"
BATCH = re.compile(r".*/tools/batch/([0-9a-f-]{36})/$")
KEPT = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _queue_without_worker(settings):
    settings.TASKS = KEPT  # jobs wait until the test runs them: the page is seen waiting


@pytest.fixture
def photos(tmp_path):
    """Two real photos, small, each with a centred subject on a background."""
    paths = []
    for fixture, name in (("chelsea.jpg", "cat.jpg"), ("astronaut.jpg", "portrait.jpg")):
        image = Image.open(FIXTURES / fixture).convert("RGB")
        image.thumbnail((200, 200))
        image.save(tmp_path / name, quality=90)
        paths.append(tmp_path / name)
    return paths


def run_jobs(page) -> Batch:
    batch = Batch.objects.get(code=BATCH.match(page.url).group(1))
    for job in batch.jobs.all():
        processing.run_job(job.code)
    return batch


def check_zip(data: bytes) -> None:
    archive = zipfile.ZipFile(io.BytesIO(data))
    assert sorted(archive.namelist()) == ["cat.png", "portrait.png"]
    for name in archive.namelist():
        alpha = np.asarray(Image.open(io.BytesIO(archive.read(name))).getchannel("A"))
        h, w = alpha.shape
        assert max(alpha[:8, :8].max(), alpha[:8, -8:].max()) <= 5, name  # background gone
        assert alpha[h // 2 - 4 : h // 2 + 4, w // 2 - 4 : w // 2 + 4].min() >= 250, name


def test_two_files_picked_make_a_batch_page_and_one_zip(
    browser, page, live_server, photos, artifacts
):
    page.goto(live_server.url + TOOL)
    page.locator("#id_image").set_input_files(photos)  # upload.js hands them to batch.js
    page.wait_for_url(BATCH)
    summary = page.locator("[data-batch-summary]")
    assert summary.inner_text().startswith("0 of 2 done")
    assert page.locator("[data-batch-zip]").is_hidden()
    run_jobs(page)
    page.locator("[data-batch-status][data-finished]").wait_for(state="attached")  # no reload
    assert summary.inner_text() == "2 of 2 done."
    page.locator('[data-batch-item][data-state="done"] img').nth(1).wait_for()
    page.wait_for_function(
        "() => [...document.querySelectorAll('[data-batch-thumb] img')].every(i => i.naturalWidth)"
    )
    page.screenshot(path=artifacts / "batch-1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    assert page.evaluate("document.documentElement.scrollWidth") <= 375  # nothing sideways
    page.screenshot(path=artifacts / "batch-375.png", full_page=True)
    with page.expect_download() as download:
        page.locator("[data-batch-zip]").click()
    assert download.value.suggested_filename.endswith(".zip")
    check_zip(Path(download.value.path()).read_bytes())

    # Without JavaScript: the plain form posts both files; a meta refresh follows the batch.
    context = browser.new_context(java_script_enabled=False, viewport={"width": 375, "height": 800})
    plain = context.new_page()
    plain.goto(live_server.url + TOOL)
    plain.locator("#id_image").set_input_files(photos)
    plain.locator("[data-upload-submit]").click()
    plain.wait_for_url(BATCH)
    assert "0 of 2 done" in plain.locator("[data-batch-summary]").inner_text()
    run_jobs(plain)
    plain.locator("[data-batch-summary]", has_text="2 of 2 done").wait_for(timeout=15_000)
    assert plain.locator("[data-batch-zip]").inner_text() == "Download all (ZIP)"
    href = plain.locator("[data-batch-zip]").get_attribute("href")
    response = plain.request.get(live_server.url + href)
    check_zip(response.body())
    context.close()
