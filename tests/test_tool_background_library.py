"""The background library: pick a ready-made background, with or without JavaScript."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from django.contrib.staticfiles import finders
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.tool_helpers import create_job, open_image, result_url
from tools import pipeline
from tools.backgrounds import BACKGROUNDS, BACKGROUNDS_BY_NAME

pytestmark = pytest.mark.django_db

BASE = {"background": "none", "bg_color": "#ffffff", "size": "original", "margin": "0"}


@pytest.fixture
def job(client):
    return create_job(client)


def png(client, job) -> np.ndarray:
    return np.asarray(open_image(client.get(f"{result_url(job)}download/png/").content))


def test_every_library_background_ships_with_a_thumbnail_and_credit():
    licences = Path(finders.find("backgrounds/LICENSES.md")).read_text()
    for background in BACKGROUNDS:
        assert Image.open(finders.find(background.static_path)).width >= 512
        assert Image.open(finders.find(background.thumb_path)).size == (128, 88)
        assert f"`{background.name}" in licences


def test_picking_a_library_background_shows_it_behind_the_subject(client, job):
    # Without JavaScript the mode may still say "Transparent": picking a picture means "show it".
    response = client.post(result_url(job), {**BASE, "stock": "sunset"})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.render_options["background"] == "image"
    assert job.render_options["stock"] == "sunset"
    pixels = png(client, job)
    expected = np.asarray(pipeline.cover_fit(BACKGROUNDS_BY_NAME["sunset"].open(), (360, 240)))
    assert pixels[..., 3].min() == 255
    corner = np.abs(pixels[:20, :20, :3].astype(int) - expected[:20, :20].astype(int))
    assert corner.mean() < 3  # the sunset's top: yellow
    assert pixels[120, 270, 2] > 150  # the blue block is still there
    page = client.get(result_url(job)).content.decode()
    assert 'value="sunset" id="id_stock_4" checked' in page
    assert ">on your image</small>" in page


def test_an_upload_replaces_the_library_pick(client, job):
    client.post(result_url(job), {**BASE, "background": "image", "stock": "indigo"})
    out = io.BytesIO()
    Image.new("RGB", (90, 60), (20, 160, 60)).save(out, "PNG")
    upload = SimpleUploadedFile("bg.png", out.getvalue(), content_type="image/png")
    response = client.post(result_url(job), {**BASE, "stock": "indigo", "bg_image": upload})
    assert response.status_code == 302
    job.refresh_from_db()
    assert job.render_options["stock"] == "" and job.render_options["background"] == "image"
    assert tuple(png(client, job)[3, 3]) == (20, 160, 60, 255)
    # Switching back to a library picture keeps the upload for later.
    client.post(result_url(job), {**BASE, "background": "image", "stock": "sky"})
    assert png(client, job)[3, 3, 2] > 200
    client.post(result_url(job), {**BASE, "background": "image", "stock": ""})
    assert tuple(png(client, job)[3, 3]) == (20, 160, 60, 255)


def test_an_unknown_library_name_is_refused(client, job):
    response = client.post(result_url(job), {**BASE, "background": "image", "stock": "../x"})
    assert response.status_code == 422
    assert "not one of the available choices" in response.content.decode()
