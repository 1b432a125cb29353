"""Every download link on the result page gives the image, through Chromium's own download
handling, with a real worker idle or busy on another visitor's 4000 px photo; and the page's
pictures are light: each fetched once, sized to the display.

The site is the test's live server plus a `manage.py worker` process sharing its database,
media folder and cache (as tests/test_jobs_worker.py does).
"""

from __future__ import annotations

import json
import re

import numpy as np
import pytest
from django.test import Client
from PIL import Image

from tests import servers
from tests.conftest import FIXTURES
from tests.test_jobs_worker import shared, site_dirs  # noqa: F401  (fixtures)
from tests.tool_helpers import TOOL_URL, scene
from tools.models import Job

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

RESULT = re.compile(r".*/tools/remove-background/r/([0-9a-f-]{36})/$")
FORMATS = {"png": "PNG", "webp": "WEBP", "jpg": "JPEG", "mask": "PNG"}
WAIT_MS = 240_000  # a 4000 px photo ahead on a shared 2-core machine


@pytest.fixture
def worker(shared, tmp_path, django_db_blocker):  # noqa: F811
    media, cache = shared
    env = servers.site_env(media, cache)
    process = servers.start_worker(env, tmp_path / "worker.log")
    yield process
    servers.stop(process)


@pytest.fixture
def photos(tmp_path):
    one = Image.open(FIXTURES / "coffee.jpg").convert("RGB")
    one.thumbnail((360, 360))
    paths = {"one-subject": tmp_path / "coffee cup.jpg", "two-subjects": tmp_path / "two.jpg"}
    one.save(paths["one-subject"], quality=90)
    scene().save(paths["two-subjects"], quality=92)
    return paths


def open_result(page, live_server, path) -> Job:
    page.goto(live_server.url + TOOL_URL)
    page.locator("#id_image").set_input_files(path)
    page.wait_for_url(RESULT, timeout=WAIT_MS)
    page.locator("[data-tool]").wait_for(timeout=WAIT_MS)  # the waiting page has the same URL
    return Job.objects.get(code=RESULT.match(page.url).group(1))


def check(download, kind: str, job: Job) -> Image.Image:
    """The saved file is an image of the kind and size its link promises."""
    image = Image.open(download.path())
    image.load()
    if kind.startswith("subject-"):
        subject = next(s for s in job.subjects if f"subject-{s['index']}" == kind)
        _, _, width, height = subject["box"]  # x, y, w, h of the labelled subject
        assert image.format == "PNG" and image.mode == "RGBA"
        # Cropped to the subject (its soft edge included): about the labelled box's size.
        assert abs(image.width - width) <= 8 and abs(image.height - height) <= 8, image.size
    else:
        assert image.format == FORMATS[kind], (kind, image.format)
        assert image.size == (job.width, job.height), (kind, image.size)
        assert (image.mode == "L") == (kind == "mask")
    assert download.suggested_filename.rsplit(".", 1)[-1] in {"png", "webp", "jpg"}
    return image


def download_every_link(page, job: Job) -> dict[str, Image.Image]:
    links = page.locator("[data-download]")
    kinds = [links.nth(i).get_attribute("data-download") for i in range(links.count())]
    assert len(kinds) == 4 + (len(job.subjects) if len(job.subjects) > 1 else 0)
    saved = {}
    for kind in kinds:
        with page.expect_download(timeout=WAIT_MS) as download:
            page.locator(f'[data-download="{kind}"]').click()
        saved[kind] = check(download.value, kind, job)
    return saved


def big_job() -> None:
    """Another visitor's 4000 px photo: the worker is busy with it for a while."""
    import io

    data = io.BytesIO()
    scene((4000, 2667)).save(data, "JPEG", quality=90)
    data.seek(0)
    data.name = "big.jpg"
    response = Client().post(TOOL_URL, {"image": data})
    assert response.status_code == 302


@pytest.mark.parametrize("busy", [False, True], ids=["idle", "busy"])
def test_every_download_link_gives_the_image(page, live_server, worker, photos, busy):
    jobs = {}
    for name, path in photos.items():
        jobs[name] = job = open_result(page, live_server, path)
        # Made with the job: every link is a stored file, downloaded at once.
        download_every_link(page, job)
    if busy:
        big_job()
        deadline = 60
        while Job.objects.filter(status=Job.Status.PROCESSING).count() == 0 and deadline:
            page.wait_for_timeout(500)
            deadline -= 1
    for name, job in jobs.items():
        page.goto(f"{live_server.url}{TOOL_URL}r/{job.code}/")
        page.locator("[data-canvas]").wait_for(state="visible")
        # A new choice: the worker makes its files (behind the big photo when busy); every
        # click meanwhile says the file is being made, then the browser saves the image.
        page.locator(".segment", has_text="Colour").click()
        page.locator('.swatch[title="Yellow"]').click()
        if busy and name == "one-subject":
            big = Job.objects.get(original_name="big.jpg")
            assert big.status == Job.Status.PROCESSING  # the new choice waits behind it
        saved = download_every_link(page, job)
        assert saved["png"].convert("RGBA").getchannel("A").getextrema() == (255, 255), name
        jpeg = np.asarray(saved["jpg"].convert("RGB")).astype(int)
        corner = jpeg[:4, :4].reshape(-1, 3).mean(axis=0)
        assert np.abs(corner - (0xFD, 0xE6, 0x8A)).max() < 12, (name, corner)


def measure(browser, url: str, viewport: dict) -> dict:
    context = browser.new_context(viewport=viewport)
    page = context.new_page()
    seen: list[tuple[str, int]] = []

    def on_response(response):
        if response.request.resource_type == "image":
            seen.append((response.url, len(response.body())))

    page.on("response", on_response)
    page.goto(url)
    page.locator("[data-canvas]").wait_for(state="visible")
    page.wait_for_load_state("networkidle")
    context.close()
    urls = [u for u, _ in seen]
    return {
        "viewport": viewport["width"],
        "image_bytes": sum(size for _, size in seen),
        "images": len(seen),
        "fetched_twice": sorted({u for u in urls if urls.count(u) > 1}),
        "files": [[u.split("/r/", 1)[-1][37:], size] for u, size in seen],
    }


def test_the_result_page_is_light(browser, live_server, artifacts, tmp_path):
    """A 1 MP photo (astronaut, enlarged, with a film grain so it compresses like a photo)."""
    rng = np.random.default_rng(7)
    image = Image.open(FIXTURES / "astronaut.jpg").convert("RGB").resize((1000, 1000))
    noisy = np.asarray(image).astype(float) + rng.normal(0, 4, (1000, 1000, 3))
    path = tmp_path / "astronaut.jpg"
    Image.fromarray(noisy.clip(0, 255).astype(np.uint8)).save(path, quality=90)
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    job = open_result(page, live_server, path)
    context.close()
    url = f"{live_server.url}{TOOL_URL}r/{job.code}/"
    results = [
        measure(browser, url, {"width": w, "height": h}) for w, h in ((1280, 900), (375, 740))
    ]
    (artifacts / "result-page-weight.json").write_text(json.dumps(results, indent=2))
    desktop, phone = results
    assert not desktop["fetched_twice"] and not phone["fetched_twice"]
    assert desktop["image_bytes"] < 400_000, desktop
    assert phone["image_bytes"] < 250_000, phone
