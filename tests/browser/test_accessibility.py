"""axe-core on every page of the site, at 1280 and 375 px: no violation of its default rules
(WCAG 2 A and AA, and best practices). axe-core comes from the npm registry (`make axe`, see
tests/browser/axe.py).

One real job is processed for the whole module and put back into the database before each
test (the live server's tests flush it). To check a new page, add a line to PAGES: a name and
a function that opens the page in the browser.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from django.core import serializers
from django.core.management import call_command
from django.test import Client, RequestFactory, override_settings
from django.urls import get_resolver, reverse
from playwright.sync_api import Page

from tests.browser.axe import axe_violations, describe_violations
from tests.conftest import IMMEDIATE_TASKS, LOCMEM_CACHES
from tests.tool_helpers import TOOL_URL, create_job, image_bytes, result_url
from tools.models import Batch, Job
from tools.services import downloads, jobs

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WIDTHS = (1280, 375)
QUEUE_ONLY = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}


@dataclass
class Visit:
    """What an opener needs: the browser page, the site, the module's job and settings."""

    page: Page
    base: str
    job: Job
    settings: Any  # pytest-django's settings fixture: changes undone after the test
    files: Path

    def goto(self, path: str, status: int = 200) -> None:
        response = self.page.goto(self.base + path)
        assert response is not None and response.status == status, (path, response.status)

    def without_site_scripts(self) -> None:
        """The site's own JavaScript does not load (axe still runs): the no-JS page."""
        self.page.route("**/static/js/*.js", lambda route: route.abort())

    def submit_upload(self, path: Path, status: int) -> None:
        self.page.locator("#id_image").set_input_files(path)
        with self.page.expect_navigation() as navigation:
            self.page.locator("[data-upload-submit]").click()
        assert navigation.value.status == status


Opener = Callable[[Visit], None]


def get(path: str | Callable[[Visit], str], status: int = 200) -> Opener:
    def opener(visit: Visit) -> None:
        visit.goto(path(visit) if callable(path) else path, status)

    return opener


def result(visit: Visit) -> str:
    return result_url(visit.job)


def upload_error_without_js(visit: Visit) -> None:
    visit.without_site_scripts()
    visit.goto(TOOL_URL)
    visit.submit_upload(visit.files / "notes.jpg", status=422)
    visit.page.locator(".errorlist").wait_for()


def upload_error_with_js(visit: Visit) -> None:
    visit.goto(TOOL_URL)
    visit.page.locator("#id_image").set_input_files(visit.files / "notes.jpg")
    visit.page.locator("[data-upload-errors] .errorlist").wait_for()


def upload_when_busy(visit: Visit) -> None:
    visit.settings.PIXELFORGE_MAX_QUEUE = 0  # the queue is full: 503
    visit.without_site_scripts()
    visit.goto(TOOL_URL)
    visit.submit_upload(visit.files / "photo.jpg", status=503)


def waiting(visit: Visit) -> None:
    Job.objects.filter(pk=visit.job.pk).update(status=Job.Status.QUEUED, stage="")
    visit.goto(result_url(visit.job))
    visit.page.locator("[data-status-text]").wait_for()


def failed(visit: Visit) -> None:
    jobs.fail(visit.job, "This image could not be processed (a test).")  # files of this test only
    visit.goto(result_url(visit.job))
    visit.page.get_by_role("alert").wait_for()


def chosen(**values: str) -> Opener:
    """The result page after the visitor chose a background (the form posted without JS)."""

    def opener(visit: Visit) -> None:
        data = {"background": "none", "bg_color": "#ffffff", "size": "original", "margin": "0"}
        response = Client().post(result_url(visit.job), {**data, **values})
        assert response.status_code == 302, response.content.decode()[:500]
        visit.goto(result_url(visit.job))

    return opener


def new_choice(visit: Visit) -> None:
    """A choice whose files were never made (the job's own were made with it)."""
    visit.job.render_options = {"margin": 7}
    visit.job.save(update_fields=["render_options"])


def download_wait(visit: Visit) -> None:
    visit.settings.TASKS = QUEUE_ONLY  # the render stays queued: the page waits
    new_choice(visit)
    visit.goto(result_url(visit.job) + "download/png/?wait=1", status=202)


def download_ready(visit: Visit) -> None:
    new_choice(visit)
    url = result_url(visit.job) + "download/png/?wait=1"
    assert visit.page.request.get(visit.base + url).status == 202  # rendered in the request
    visit.goto(url)
    visit.page.locator("[data-download-ready]").wait_for()


def download_rate_limited(visit: Visit) -> None:
    visit.settings.TASKS = QUEUE_ONLY
    visit.settings.PIXELFORGE_RENDER_RATE_LIMIT = "1/hour"
    new_choice(visit)
    url = result_url(visit.job) + "download/{}/?wait=1"
    assert visit.page.request.get(visit.base + url.format("png")).status == 202
    visit.goto(url.format("webp"), status=429)


def articles(visit: Visit) -> str:
    call_command("load_articles", verbosity=0)  # the real articles, from blog/content/
    return reverse("blog:index")


def article(visit: Visit) -> str:
    from blog.models import Article

    call_command("load_articles", verbosity=0)
    return Article.objects.published().order_by("published_at").first().get_absolute_url()


def handled_error(status: int) -> Opener:
    """400 and 500 pages come from Django's error handlers, which no page of ours reaches on
    purpose: the configured handler's response is served at a site URL."""

    def opener(visit: Visit) -> None:
        handler = get_resolver().resolve_error_handler(status)
        request = RequestFactory().get("/")
        response = handler(request) if status == 500 else handler(request, Exception("bad"))
        assert response.status_code == status
        url = f"{visit.base}/error-{status}/"
        visit.page.route(
            url,
            lambda route: route.fulfill(
                status=status, body=response.content, content_type=response["Content-Type"]
            ),
        )
        visit.goto(url.removeprefix(visit.base), status)

    return opener


def batch(visit: Visit) -> str:
    """The batch page listing the module's job (done) and a refused file."""
    group = Batch.objects.create(rejected=[{"name": "notes.jpg", "message": "Not an image."}])
    Job.objects.filter(pk=visit.job.pk).update(batch=group)
    return reverse("tools:batch", args=[group.code])


PAGES: list[tuple[str, Opener]] = [
    ("home", get("/")),
    ("upload", get(TOOL_URL)),
    ("upload-deleted", get(TOOL_URL + "?deleted=1")),
    ("upload-error-nojs", upload_error_without_js),
    ("upload-error-js", upload_error_with_js),
    ("upload-busy-503", upload_when_busy),
    ("waiting", waiting),
    ("waiting-failed", failed),
    ("result", get(result)),
    ("result-colour", chosen(background="color", bg_color="#3a2fd0")),
    ("result-image", chosen(background="image", stock="brick", shadow="drop")),
    ("result-blur", chosen(background="blur", blur="8", size="square")),
    ("refine", get(lambda visit: result(visit) + "refine/")),
    ("download-wait", download_wait),
    ("download-ready", download_ready),
    ("download-429", download_rate_limited),
    ("blog", get(articles)),
    ("article", get(article)),
    ("api", get("/api/")),
    ("licences", get("/licences/")),
    ("400", handled_error(400)),
    ("404", get("/no-such-page/", status=404)),
    ("500", handled_error(500)),
    ("admin-login", get("/admin/login/")),
    ("batch", get(batch)),
]


@pytest.fixture(scope="module")
def job_rows(django_db_setup, django_db_blocker, tmp_path_factory) -> tuple[str, Path]:
    """One small image processed for real; its rows (serialised) and its media folder."""
    media = tmp_path_factory.mktemp("axe-media")
    settings = {"MEDIA_ROOT": media, "TASKS": IMMEDIATE_TASKS, "CACHES": LOCMEM_CACHES}
    with django_db_blocker.unblock(), override_settings(**settings):
        job = create_job(Client())
        assert Job.objects.get(pk=job.pk).status == Job.Status.DONE
        rows = serializers.serialize("json", [job, *job.revisions.all()])
    return rows, media


@pytest.fixture
def visit(page, live_server, settings, job_rows, tmp_path) -> Visit:
    rows, media = job_rows
    settings.MEDIA_ROOT = shutil.copytree(media, tmp_path / "media")  # renders stay per test
    objects = list(serializers.deserialize("json", rows))
    for obj in objects:
        obj.save()
    (tmp_path / "photo.jpg").write_bytes(image_bytes("JPEG"))
    (tmp_path / "notes.jpg").write_bytes(b"These are notes, not a photo.\n")
    return Visit(page, live_server.url, objects[0].object, settings, tmp_path)


@pytest.mark.parametrize("opener", [o for _, o in PAGES], ids=[name for name, _ in PAGES])
def test_it_has_no_axe_violations(visit, opener, axe_source):
    """Each page is opened once, at the first width, then checked at every width (the
    viewport is resized in place: the style sheets' media queries apply as on a phone)."""
    visit.page.set_viewport_size({"width": WIDTHS[0], "height": 900})
    opener(visit)
    problems = []
    for width in WIDTHS:
        visit.page.set_viewport_size({"width": width, "height": 900})
        if found := axe_violations(visit.page, axe_source):
            problems.append(f"{visit.page.url} at {width} px: " + describe_violations(found))
    assert not problems, "\n".join(problems)


def test_the_download_page_waits_without_reloading_then_opens_the_file(visit):
    """download-wait.js polls instead of the (no-JS only) meta refresh: the page stays put
    while the file is made, then the ready page opens by itself."""
    download_wait(visit)
    visit.page.evaluate("() => { window.stillHere = true; }")
    with visit.page.expect_response(lambda r: "wait=1" in r.url and r.status == 202):
        pass  # the script asked once and the file is not ready yet
    assert visit.page.evaluate("() => window.stillHere") is True
    downloads.make(str(visit.job.code), "png", downloads.key_of(visit.job, "png"))
    visit.page.locator("[data-download-ready]").wait_for()
