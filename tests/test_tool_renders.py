"""Downloads are rendered once per option set, by a worker, and kept with the job."""

from __future__ import annotations

import pytest
from django.core.files.storage import default_storage

from tests.tool_helpers import create_job, open_image, result_url
from tools.models import job_dir
from tools.services import metrics, rendering, renders

pytestmark = pytest.mark.django_db

BASE = {"background": "none", "bg_color": "#ffffff", "size": "original", "margin": "0"}
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def rendered_files(job) -> list[str]:
    return sorted(
        n for n in default_storage.listdir(job_dir(job.code))[1] if n.startswith("render-")
    )


def test_a_download_is_rendered_once_and_served_from_then_on(client):
    job = create_job(client)
    before = metrics.counters()["renders"]
    first = client.get(result_url(job) + "download/png/")
    second = client.get(result_url(job) + "download/png/")
    assert first.status_code == second.status_code == 200
    assert first.content == second.content
    assert metrics.counters()["renders"] == before + 1
    assert len(rendered_files(job)) == 1


def test_each_option_set_has_its_own_file_and_going_back_finds_the_first(client):
    job = create_job(client)
    client.post(result_url(job), BASE)
    transparent = client.get(result_url(job) + "download/png/").content
    client.post(result_url(job), {**BASE, "background": "color", "bg_color": "#00ff00"})
    green = open_image(client.get(result_url(job) + "download/png/").content)
    assert green.convert("RGB").getpixel((1, 1)) == (0, 255, 0)
    client.post(result_url(job), BASE)
    assert client.get(result_url(job) + "download/png/").content == transparent
    assert len(rendered_files(job)) == 2


def test_a_pending_render_shows_a_waiting_page_that_refreshes(client, settings, monkeypatch):
    job = create_job(client)
    settings.TASKS = DUMMY_TASKS  # the worker never gets to it
    monkeypatch.setattr("tools.views.files.HOLD_SECONDS", 0)
    response = client.get(result_url(job) + "download/webp/")
    assert response.status_code == 202
    html = response.content.decode()
    assert "Preparing your download" in html
    assert f'content="2;url={result_url(job)}download/webp/?wait=1"' in html
    assert renders.is_pending(job, "webp")
    # Once the worker made it, the refreshed page offers it (no refresh loop).
    renders.make(str(job.code), "webp", renders.key_of(job, "webp"))
    ready = client.get(result_url(job) + "download/webp/?wait=1").content.decode()
    assert "Your download is ready" in ready and "http-equiv" not in ready
    assert client.get(result_url(job) + "download/webp/")["Content-Type"] == "image/webp"


def test_new_renders_are_rate_limited_per_address(client, settings):
    job = create_job(client)
    settings.PIXELFORGE_RENDER_RATE_LIMIT = "2/min"
    assert client.get(result_url(job) + "download/png/").status_code == 200
    assert client.get(result_url(job) + "download/png/").status_code == 200  # cached: free
    assert client.get(result_url(job) + "download/webp/").status_code == 200
    limited = client.get(result_url(job) + "download/jpg/")
    assert limited.status_code == 429 and limited["Retry-After"]
    assert client.post(result_url(job), BASE).status_code == 429


def test_outputs_are_capped_like_inputs(settings):
    from PIL import Image

    settings.PIXELFORGE_MAX_PIXELS = 10_000
    settings.PIXELFORGE_MAX_SIDE = 200
    capped = rendering.cap_pixels(Image.new("RGB", (400, 100)))
    assert capped.size == (200, 50)
    capped = rendering.cap_pixels(Image.new("RGB", (150, 150)))
    assert capped.width * capped.height <= 10_000 and capped.size[0] == capped.size[1]
