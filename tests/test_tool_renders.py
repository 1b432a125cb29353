"""Downloads are rendered once per option set, by a worker, and kept with the job."""

from __future__ import annotations

import re

import pytest
from django.core.files.storage import default_storage

from tests.tool_helpers import create_job, open_image, result_url
from tools.images import fit_site_limits
from tools.models import job_dir
from tools.services import downloads, metrics

pytestmark = pytest.mark.django_db

BASE = {"background": "none", "bg_color": "#ffffff", "size": "original", "margin": "0"}
DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


def rendered_files(job) -> list[str]:
    return sorted(
        n for n in default_storage.listdir(job_dir(job.code))[1] if n.startswith("render-")
    )


def kind_files(job, kind: str) -> list[str]:
    return [n for n in rendered_files(job) if n.startswith(f"render-{kind}-")]


def download_links(html: str) -> list[tuple[str, bool]]:
    """(href, marked `download`) of every download link on the result page."""
    links = re.findall(r'<a [^>]*data-download="[^"]+"[^>]*>', html)
    return [(re.search(r'href="([^"]+)"', a).group(1), " download" in a) for a in links]


def test_the_standard_downloads_are_made_with_the_job_and_a_click_serves_them(client):
    job = create_job(client)
    # Made by the worker with the job: each format, each subject, and the page's pictures.
    for kind in downloads.kinds(job):
        assert len(kind_files(job, kind)) == 1, kind
    before = metrics.counters()["renders"]
    page = client.get(result_url(job)).content.decode()
    links = download_links(page)
    assert len(links) == len(downloads.kinds(job))
    for href, marked in links:
        # Every link marked `download` names its stored file; the file comes back, no page.
        assert marked and "?k=" in href, href
        response = client.get(href.replace("&amp;", "&"))
        assert response.status_code == 200
        assert response["Content-Disposition"].startswith("attachment")
        assert response["Content-Type"].startswith("image/")
        open_image(b"".join(response))
    assert metrics.counters()["renders"] == before  # nothing rendered on a click
    # A key of another kind, or of nothing, is a 404 (never saved as the file), not a page.
    png_key = downloads.key_of(job, "png")
    assert client.get(result_url(job) + f"download/mask/?k={png_key}").status_code == 404
    assert client.get(result_url(job) + "download/png/?k=0123456789abcdef0123").status_code == 404
    assert client.get(result_url(job) + "download/png/?k=../../x").status_code == 404


def test_each_option_set_has_its_own_file_and_going_back_finds_the_first(client):
    job = create_job(client)
    client.post(result_url(job), BASE)
    transparent = client.get(result_url(job) + "download/png/").content
    client.post(result_url(job), {**BASE, "background": "color", "bg_color": "#00ff00"})
    green = open_image(client.get(result_url(job) + "download/png/").content)
    assert green.convert("RGB").getpixel((1, 1)) == (0, 255, 0)
    before = metrics.counters()["renders"]
    client.post(result_url(job), BASE)
    assert client.get(result_url(job) + "download/png/").content == transparent
    assert metrics.counters()["renders"] == before  # found, not made again
    assert len(kind_files(job, "png")) == 2


def test_a_download_not_made_yet_is_not_marked_download_and_shows_a_waiting_page(
    client, settings, monkeypatch
):
    job = create_job(client)
    settings.TASKS = DUMMY_TASKS  # the worker never gets to it
    monkeypatch.setattr("tools.views.files.HOLD_SECONDS", 0)
    client.post(result_url(job), {**BASE, "background": "color", "bg_color": "#00ff00"})
    job.refresh_from_db()
    # Not stored yet: the page's links are plain links (a page that explains and refreshes);
    # a subject on its own does not depend on the choice: still stored, still marked.
    page = client.get(result_url(job)).content.decode()
    for href, marked in download_links(page):
        assert marked == ("/subjects/" in href) == ("?k=" in href), href
    state = client.get(result_url(job), headers={"accept": "application/json"}).json()
    assert not state["complete"] and not state["downloads"]["webp"]["ready"]
    response = client.get(result_url(job) + "download/webp/")
    assert response.status_code == 202
    html = response.content.decode()
    assert "Preparing your download" in html
    assert f'content="2;url={result_url(job)}download/webp/?wait=1"' in html
    assert downloads.is_pending(job, "webp")
    # Once the worker made it, the refreshed page offers it (no refresh loop), by its key.
    downloads.make(str(job.code), "webp", downloads.key_of(job, "webp"))
    ready = client.get(result_url(job) + "download/webp/?wait=1").content.decode()
    assert "Your download is ready" in ready and "http-equiv" not in ready
    assert f"download/webp/?k={downloads.key_of(job, 'webp')}" in ready
    assert client.get(result_url(job) + "download/webp/")["Content-Type"] == "image/webp"
    # The whole set, as the worker makes it after a save: every link is then marked.
    downloads.make(str(job.code), downloads.STANDARD, downloads.key_of(job, downloads.STANDARD))
    page = client.get(result_url(job)).content.decode()
    assert all(marked and "?k=" in href for href, marked in download_links(page))


def test_stored_downloads_are_free_and_saves_are_rate_limited_per_address(client, settings):
    job = create_job(client)
    settings.PIXELFORGE_RENDER_RATE_LIMIT = "2/min"
    for fmt in ("png", "webp", "jpg", "mask", "png"):
        assert client.get(result_url(job) + f"download/{fmt}/").status_code == 200
    assert client.post(result_url(job), BASE).status_code == 302
    assert client.post(result_url(job), {**BASE, "margin": "3"}).status_code == 302
    assert client.post(result_url(job), BASE).status_code == 429
    # A download not made yet (the worker is elsewhere) counts as a new render.
    settings.TASKS = DUMMY_TASKS
    job.render_options = {**job.render_options, "margin": 9}
    job.save()
    limited = client.get(result_url(job) + "download/jpg/")
    assert limited.status_code == 429 and limited["Retry-After"]


def test_outputs_are_capped_like_inputs(settings):
    from PIL import Image

    settings.PIXELFORGE_MAX_PIXELS = 10_000
    settings.PIXELFORGE_MAX_SIDE = 200
    capped = fit_site_limits(Image.new("RGB", (400, 100)))
    assert capped.size == (200, 50)
    capped = fit_site_limits(Image.new("RGB", (150, 150)))
    assert capped.width * capped.height <= 10_000 and capped.size[0] == capped.size[1]
