"""The result page's pictures are made by the worker and only read by the web process."""

from __future__ import annotations

import pytest

from tests.tool_helpers import create_job, open_image, result_url
from tools.services import compositing, downloads, previews

pytestmark = pytest.mark.django_db

SHADOW_BLUR = {
    "background": "blur",
    "blur": "40",
    "shadow": "drop",
    "bg_color": "#ffffff",
    "size": "original",
    "margin": "0",
}
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def forbid_rendering(monkeypatch) -> list[str]:
    """Any render or encode in this (the web) process fails the test."""
    calls: list[str] = []

    def refuse(name):
        def call(*args, **kwargs):
            calls.append(name)
            raise AssertionError(f"{name} ran in the web process")

        return call

    monkeypatch.setattr("tools.pipeline.render", refuse("pipeline.render"))
    monkeypatch.setattr(compositing, "render_choice", refuse("compositing.render_choice"))
    monkeypatch.setattr(previews, "encode", refuse("previews.encode"))
    monkeypatch.setattr("tools.views.files.pipeline.encode", refuse("pipeline.encode"))
    return calls


def test_widths_follow_the_display_up_to_the_preview():
    assert previews.widths_for(360) == [360]
    assert previews.widths_for(1224) == [640, 1224]
    assert previews.widths_for(1600) == [640, 1280, 1600]


def test_a_preview_get_reads_a_stored_file_and_renders_nothing(client, settings, monkeypatch):
    job = create_job(client)
    # A costly choice (blur and a drop shadow), saved: the worker makes its pictures.
    assert client.post(result_url(job), SHADOW_BLUR).status_code == 302
    job.refresh_from_db()
    calls = forbid_rendering(monkeypatch)
    page = client.get(result_url(job))
    assert page.status_code == 200
    files = page.context["files"]
    for name in previews.NAMES:
        picture = files["pictures"][name]
        assert picture["ready"], name
        for candidate in picture["candidates"]:
            response = client.get(candidate["url"])
            assert response.status_code == 200 and response["Content-Type"] == "image/webp"
            assert "max-age" in response["Cache-Control"]
            assert open_image(response.content).width == candidate["width"]
    current = client.get(result_url(job) + "view/result/")
    assert current.status_code == 200 and current["Content-Type"] == "image/webp"
    # The blurred background shows: the stored result is the saved choice, not the cut-out.
    result = open_image(current.content).convert("RGBA")
    assert result.getchannel("A").getextrema() == (255, 255)
    assert not calls
    # A key or width that was never made is a 404, not a render.
    assert client.get(result_url(job) + "view/result/?k=abc&w=640").status_code == 404
    assert client.get(result_url(job) + "view/result/?k=../x&w=640").status_code == 404
    assert client.get(result_url(job) + "view/nothing/?k=abc&w=640").status_code == 404


def test_while_the_worker_is_busy_the_page_shows_the_cutout_and_renders_nothing(
    client, settings, monkeypatch
):
    job = create_job(client)
    settings.TASKS = DUMMY_TASKS  # the worker has not got to the new choice yet
    assert client.post(result_url(job), SHADOW_BLUR).status_code == 302
    job.refresh_from_db()
    calls = forbid_rendering(monkeypatch)
    html = client.get(result_url(job)).content.decode()
    assert "Applying your settings to the preview" in html
    assert 'http-equiv="refresh"' in html  # without JavaScript the page refreshes itself
    cutout_key = downloads.key_of(job, "cutout")
    assert f"view/cutout/?k={cutout_key}" in html
    response = client.get(result_url(job) + "view/result/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    for _ in range(20):  # a GET flood asks the worker once, and renders nothing itself
        client.get(result_url(job) + "view/result/")
    assert not calls
    assert downloads.is_pending(job, downloads.STANDARD)


def test_a_set_that_fails_is_reported_and_not_asked_for_again(client, monkeypatch):
    job = create_job(client)

    def broken(job):
        raise RuntimeError("a render that fails")

    monkeypatch.setattr(compositing, "render_preview", broken)
    client.post(result_url(job), SHADOW_BLUR)  # the (immediate) worker fails on its pictures
    job.refresh_from_db()
    files = client.get(result_url(job), headers={"accept": "application/json"}).json()
    assert files["failed"] and not files["complete"]
    asked = []

    class Recorder:
        def enqueue(self, *args):
            asked.append(args)

    monkeypatch.setattr("tools.services.queue.ahead", lambda task, priority: Recorder())
    client.get(result_url(job), headers={"accept": "application/json"})
    client.get(result_url(job) + "view/result/")
    assert not asked  # no loop of failing tasks while the page is open
