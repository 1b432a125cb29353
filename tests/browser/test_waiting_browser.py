"""The waiting page in Chromium: queue place, stage and estimate, updates by itself (script or,
without JavaScript, a meta refresh), opens the result when done, and can be cancelled."""

from __future__ import annotations

import re

import pytest

from tests.tool_helpers import image_bytes
from tools.models import Job
from tools.services import processing

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TOOL = "/tools/remove-background/"
RESULT = re.compile(r".*/tools/remove-background/r/([0-9a-f-]{36})/$")
KEPT = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@pytest.fixture(autouse=True)
def _queue_without_worker(settings):
    settings.TASKS = KEPT  # jobs wait until the test runs them


@pytest.fixture
def photo(tmp_path):
    path = tmp_path / "waiting.jpg"
    path.write_bytes(image_bytes("JPEG"))
    return path


def upload(page, live_server, photo) -> Job:
    page.goto(live_server.url + TOOL)
    page.locator("#id_image").set_input_files(photo)
    if page.locator("[data-upload-submit]").is_visible():
        page.locator("[data-upload-submit]").click()
    page.wait_for_url(RESULT)
    return Job.objects.get(code=RESULT.match(page.url).group(1))


def test_it_waits_then_opens_the_result_by_itself(page, live_server, photo, artifacts):
    job = upload(page, live_server, photo)
    status = page.locator("[data-status-text]")
    assert "number 1 in line" in status.inner_text()
    assert re.search(r"About \d+ s left", status.inner_text())
    page.screenshot(path=artifacts / "tool-waiting-1280.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.screenshot(path=artifacts / "tool-waiting-375.png", full_page=True)
    Job.objects.filter(pk=job.pk).update(status=Job.Status.PROCESSING, stage="matting")
    page.locator('[data-stage="matting"][aria-current="step"]').wait_for()
    assert "Refining the edges" in status.inner_text()
    Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED, stage="")
    processing.run_job(job.code)
    page.locator("[data-canvas]").wait_for(state="visible")  # the result page, no click
    assert "Background removed" in page.content()


def test_without_javascript_it_refreshes_to_the_result(browser, live_server, photo):
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    job = upload(page, live_server, photo)
    assert "Removing the background" in page.content()
    processing.run_job(job.code)
    page.locator("[data-result-image]").wait_for(state="visible", timeout=15_000)
    context.close()


def test_cancel_works_with_and_without_javascript(browser, page, live_server, photo):
    job = upload(page, live_server, photo)
    page.locator("button", has_text="Cancel").click()
    page.wait_for_url(re.compile(r".*\?cancelled=1$"))
    assert "Cancelled" in page.content()
    assert not Job.objects.filter(pk=job.pk).exists()
    context = browser.new_context(java_script_enabled=False)
    plain = context.new_page()
    job = upload(plain, live_server, photo)
    plain.locator("button", has_text="Cancel").click()
    plain.wait_for_url(re.compile(r".*\?cancelled=1$"))
    assert not Job.objects.filter(pk=job.pk).exists()
    context.close()


def test_behind_others_it_keeps_polling_and_moves_up_then_opens_the_result(
    browser, page, live_server, photo
):
    """Behind another upload the page polls less often (static/js/waiting.js) but still moves
    up the line, and opens the result once its own job is done."""
    other = browser.new_context()
    first = upload(other.new_page(), live_server, photo)
    other.close()
    job = upload(page, live_server, photo)
    status = page.locator("[data-status-text]")
    assert "number 2 in line" in status.inner_text()
    asked: list[str] = []
    page.on("request", lambda request: asked.append(request.url))
    processing.run_job(first.code)
    page.wait_for_function(
        "() => document.querySelector('[data-status-text]').textContent.includes('number 1')"
    )
    assert any(url.endswith(f"/r/{job.code}/status/") for url in asked)
    processing.run_job(job.code)
    page.locator("[data-canvas]").wait_for(state="visible")
    assert RESULT.match(page.url).group(1) == str(job.code)
