"""The disk budget (PIXELFORGE_DISK_BUDGET_MB) holds for every write, not only uploads: with the
budget reached, a refine stroke, a new render and a background image get 503 with Retry-After,
as an upload does, while what is already stored is still served."""

from __future__ import annotations

import io
import uuid

import numpy as np
import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.tool_helpers import TOOL_URL, create_job, result_url, upload_file
from tools.models import job_dir
from tools.services import capacity, downloads, storage

pytestmark = pytest.mark.django_db


def _fill_the_budget(settings) -> None:
    settings.PIXELFORGE_DISK_BUDGET_MB = 1
    storage.store(f"{job_dir(uuid.uuid4())}/filler", bytes(1024 * 1024))
    cache.delete(capacity.DISK_USAGE_KEY)  # the usage is cached for a few seconds


def _strokes() -> SimpleUploadedFile:
    mask = np.zeros((240, 360), dtype=np.uint8)
    mask[60:180, 29:137] = 2  # remove the red disc
    out = io.BytesIO()
    Image.fromarray(mask, "L").save(out, "PNG")
    return SimpleUploadedFile("strokes.png", out.getvalue(), content_type="image/png")


def _assert_busy(response) -> None:
    assert response.status_code == 503, response.content[:300]
    assert int(response["Retry-After"]) >= 60


def test_a_refine_and_a_new_render_are_refused_once_the_budget_is_reached(client, settings):
    job = create_job(client)
    assert client.get(f"{result_url(job)}download/png/").status_code == 200  # made before
    _fill_the_budget(settings)
    _assert_busy(client.post(TOOL_URL, {"image": upload_file()}))
    refine = f"{result_url(job)}refine/"
    stroke = {"action": "strokes", "base": 0, "strokes": _strokes()}
    _assert_busy(client.post(refine, stroke, HTTP_ACCEPT="application/json"))
    assert not job.revisions.filter(number__gt=0).exists()
    # The worker made the standard downloads with the job; one that is gone must be made anew
    storage.delete_path(downloads.path_of(job, "webp", downloads.key_of(job, "webp")))
    _assert_busy(client.get(f"{result_url(job)}download/webp/"))
    background = io.BytesIO()
    Image.new("RGB", (64, 48), (20, 200, 40)).save(background, "PNG")
    choice = {"background": "image", "bg_color": "#ffffff", "size": "original", "margin": "0"}
    image = SimpleUploadedFile("green.png", background.getvalue(), content_type="image/png")
    _assert_busy(client.post(result_url(job), {**choice, "bg_image": image}))
    job.refresh_from_db()
    assert job.render_options.get("background", "none") == "none"  # the choice is unchanged
    assert client.get(f"{result_url(job)}download/png/").status_code == 200  # stored: served
    undo = client.post(refine, {"action": "use", "revision": 0}, HTTP_ACCEPT="application/json")
    assert undo.status_code == 200  # going back writes no new revision
    settings.PIXELFORGE_DISK_BUDGET_MB = 0  # no budget: the same stroke goes through
    stroke["strokes"] = _strokes()
    refined = client.post(refine, stroke, HTTP_ACCEPT="application/json")
    assert refined.status_code == 200, refined.content[:300]
    assert refined.json()["revision"] == 1
