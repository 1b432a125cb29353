"""A download is named after what it is (issue 22: files on a colour were named -no-bg), and a
photo scaled down to fit says so on the result page and in its downloads' names."""

from __future__ import annotations

import pytest

from tests.tool_helpers import create_job, result_url

pytestmark = pytest.mark.django_db


def saved_name(client, job, path: str) -> str:
    response = client.get(f"{result_url(job)}{path}")
    assert response.status_code == 200, path
    return response["Content-Disposition"].split('filename="')[1].rstrip('"')


def choose(client, job, **fields: str) -> None:
    data = {"background": "none", "size": "original", "subjects_listed": "1", "keep": ["0", "1"]}
    response = client.post(result_url(job), {**data, **fields})
    assert response.status_code == 302, response.content.decode()[:800]


def test_every_download_is_named_after_what_it_shows(client):
    job = create_job(client, name="mug.jpg")
    names = {fmt: saved_name(client, job, f"download/{fmt}/") for fmt in ("png", "jpg", "mask")}
    assert names == {"png": "mug-no-bg.png", "jpg": "mug-on-white.jpg", "mask": "mug-mask.png"}
    choose(client, job, background="color", bg_color="#3A2FD0")
    for fmt, extension in (("png", "png"), ("jpg", "jpg"), ("webp", "webp")):
        name = saved_name(client, job, f"download/{fmt}/")
        assert name == f"mug-on-colour-3a2fd0.{extension}"
    assert saved_name(client, job, "download/mask/") == "mug-mask.png"
    choose(client, job, background="blur", blur="8")
    assert saved_name(client, job, "download/png/") == "mug-on-blurred-photo.png"
    choose(client, job, background="image", stock=first_stock())
    assert saved_name(client, job, "download/jpg/") == "mug-on-image.jpg"
    assert saved_name(client, job, "subjects/1/") == "mug-subject-2.png"


def first_stock() -> str:
    from tools.backgrounds import BACKGROUNDS

    return BACKGROUNDS[0].name


def test_a_scaled_down_photo_says_so_on_the_result_page_and_in_its_file_names(client, settings):
    settings.PIXELFORGE_MAX_SIDE = 180  # the 360 x 240 scene is scaled down to 180 x 120
    job = create_job(client, name="big.jpg")
    assert (job.width, job.height) == (180, 120)
    page = client.get(result_url(job)).content.decode()
    assert "Scaled down from 360 \u00d7 240 px to fit this site's size limit." in page
    assert saved_name(client, job, "download/png/") == "big-no-bg-scaled-180x120.png"
    assert saved_name(client, job, "download/mask/") == "big-mask-scaled-180x120.png"
    assert saved_name(client, job, "subjects/0/") == "big-subject-1-scaled-180x120.png"
    settings.PIXELFORGE_MAX_SIDE = 4000
    full = create_job(client, name="small.jpg")
    assert "Scaled down" not in client.get(result_url(full)).content.decode()
    assert saved_name(client, full, "download/png/") == "small-no-bg.png"
