from __future__ import annotations

import io
import logging
import uuid

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from tests.tool_helpers import TOOL_URL, create_job, open_image, result_url
from tools.models import Job

pytestmark = pytest.mark.django_db


def test_it_shows_the_result_page(client):
    job = create_job(client, name="holiday photo.jpg")
    response = client.get(result_url(job))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Background removed" in body
    assert "holiday photo.jpg" in body
    assert "360 \u00d7 240 px" in body
    assert "processed in" in body
    for fmt in ("png", "webp", "jpg", "mask"):
        assert f"{result_url(job)}download/{fmt}/" in body
    assert 'type="range" id="compare-range"' in body
    assert 'name="bg_color"' in body and 'name="preset" value="#000000"' in body
    assert "Delete now" in body
    assert "<script>" not in body


def test_it_lists_several_subjects_with_thumbnails(client):
    job = create_job(client)
    assert len(job.subjects) == 2
    body = client.get(result_url(job)).content.decode()
    assert "We found 2 separate subjects" in body
    for index in (0, 1):
        assert f'name="keep" value="{index}"' in body
        thumb = client.get(f"{result_url(job)}subjects/{index}/thumb/")
        assert thumb.status_code == 200
        assert thumb["Content-Type"] == "image/png"
        assert open_image(thumb.content).mode == "RGBA"


def test_it_serves_preview_images_inline(client):
    job = create_job(client)
    for kind, content_type in [
        ("original", "image/jpeg"),
        ("cutout", "image/png"),
        ("result", "image/webp"),  # the stored picture of the saved choice
    ]:
        response = client.get(f"{result_url(job)}view/{kind}/")
        assert response.status_code == 200
        assert response["Content-Type"] == content_type
        assert response["Content-Disposition"].startswith("inline")
        assert response["X-Content-Type-Options"] == "nosniff"
        assert open_image(response.content).size == (360, 240)


def test_it_serves_the_cutout_with_only_the_kept_subjects(client):
    job = create_job(client)
    left_only = client.get(f"{result_url(job)}view/cutout/?keep=0")
    alpha = open_image(left_only.content).getchannel("A")
    assert alpha.getpixel((80, 120)) == 255  # the red disc (subject 1: the left one)
    assert alpha.getpixel((270, 120)) == 0  # the blue block is gone
    assert client.get(f"{result_url(job)}view/cutout/?keep=7").status_code == 404
    assert client.get(f"{result_url(job)}view/cutout/?keep=x").status_code == 404


def test_an_unknown_code_gives_404(client):
    response = client.get(f"{TOOL_URL}r/{uuid.uuid4()}/")
    assert response.status_code == 404
    assert client.get(f"{TOOL_URL}r/not-a-uuid/").status_code == 404
    assert client.get(f"{TOOL_URL}r/{uuid.uuid4()}/download/png/").status_code == 404


def test_an_unknown_image_kind_gives_404(client):
    job = create_job(client)
    assert client.get(f"{result_url(job)}view/alpha/").status_code == 404
    assert client.get(f"{result_url(job)}view/background/").status_code == 404


def test_a_one_subject_job_has_no_thumbnails_and_says_404_without_an_error_log(client, caplog):
    image = Image.new("RGB", (240, 180), (230, 230, 230))
    ImageDraw.Draw(image).ellipse((70, 45, 170, 145), fill=(200, 30, 40))
    out = io.BytesIO()
    image.save(out, "PNG")
    response = client.post(TOOL_URL, {"image": SimpleUploadedFile("one.png", out.getvalue())})
    job = Job.objects.get(code=response["Location"].rstrip("/").rsplit("/", 1)[-1])
    assert len(job.subjects) == 1
    with caplog.at_level(logging.WARNING):
        thumb = client.get(f"{result_url(job)}subjects/0/thumb/")
    assert thumb.status_code == 404
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert client.get(f"{result_url(job)}subjects/0/").status_code == 200  # the subject itself
