"""Shadows through the site's three doors: the result page's form, the API and the CLI."""

from __future__ import annotations

from io import StringIO

import numpy as np
import pytest
from django.core.management import CommandError, call_command
from PIL import Image

from tests.api_support import (
    FAST,
    alpha_box,
    configure_api,
    header_box,
    image_bytes,
    post,
    result_image,
    subject_image,
)
from tests.tool_helpers import create_job, open_image, result_url

pytestmark = pytest.mark.django_db


def below_subject(pixels: np.ndarray, alpha: np.ndarray) -> tuple[slice, slice]:
    """A small band just below the subject's lowest solid pixels, in its middle columns."""
    rows, cols = np.nonzero(alpha > 250)
    column = int(np.median(cols))
    bottom = int(rows[cols == column].max())
    return slice(bottom + 3, bottom + 9), slice(column - 4, column + 5)


def test_the_form_saves_a_shadow_and_every_download_shows_it(client):
    job = create_job(client)
    data = {"background": "color", "bg_color": "#ffffff", "size": "original", "shadow": "drop"}
    data |= {"shadow_angle": "180", "shadow_length": "40", "shadow_softness": "30"}
    assert client.post(result_url(job), data).status_code == 302
    job.refresh_from_db()
    assert job.render_options["shadow"] == "drop"
    assert job.render_options["shadow_angle"] == 180 and job.render_options["shadow_length"] == 40
    mask = np.asarray(open_image(client.get(f"{result_url(job)}download/mask/").content))
    y, x = below_subject(mask, mask)
    assert mask[y, x].mean() < 15  # the mask is the subject's alone
    for fmt in ("png", "jpg"):
        image = open_image(client.get(f"{result_url(job)}download/{fmt}/").content)
        pixels = np.asarray(image.convert("RGB")).astype(int)
        assert pixels[y, x].mean() < 235, fmt  # shadow under the subject
        assert pixels[3, 3].min() > 250, fmt  # white far from it
    page = client.get(result_url(job)).content.decode()
    assert 'value="drop" id="id_shadow_1" checked' in page
    assert 'name="shadow_angle" id="id_shadow_angle" min="-180" max="180" step="5"' in page
    assert 'inputmode="numeric" value="180"' in page
    preview = np.asarray(open_image(client.get(f"{result_url(job)}view/result/").content))
    assert preview[y, x, :3].mean() < 235  # the server preview shows it too
    # Transparent: the shadow is semi-transparent black in the PNG.
    data.update(background="none")
    client.post(result_url(job), data)
    png = np.asarray(open_image(client.get(f"{result_url(job)}download/png/").content))
    assert 20 < png[y, x, 3].mean() < 250 and png[y, x, :3].mean() < 60
    assert png[3, 3, 3] == 0


def test_an_unknown_shadow_gives_422(client):
    job = create_job(client)
    data = {"background": "none", "size": "original", "shadow": "hard"}
    assert client.post(result_url(job), data).status_code == 422
    data = {"background": "none", "size": "original", "shadow": "drop", "shadow_softness": "500"}
    response = client.post(result_url(job), data)
    assert response.status_code == 422
    assert "Shadow softness: Ensure this value is less than or equal to 100" in response.text


def test_with_crop_and_shadow_every_download_has_one_size(client):
    """The mask is framed as the image: its shadow widens the crop for both (issue 22)."""
    job = create_job(client)
    data = {"background": "color", "bg_color": "#ffffff", "size": "original", "crop": "on"}
    data |= {"shadow": "drop", "shadow_angle": "90", "shadow_length": "80", "margin": "6"}
    assert client.post(result_url(job), data).status_code == 302
    sizes = {}
    for fmt in ("png", "jpg", "webp", "mask"):
        response = client.get(f"{result_url(job)}download/{fmt}/")
        assert response.status_code == 200, fmt
        sizes[fmt] = open_image(response.content).size
    assert len(set(sizes.values())) == 1, sizes
    png = np.asarray(open_image(client.get(f"{result_url(job)}download/png/").content))
    mask = np.asarray(open_image(client.get(f"{result_url(job)}download/mask/").content))
    assert (np.abs(png[mask == 255].astype(int) - 255).sum(axis=-1) > 30).mean() > 0.95


def test_the_api_takes_a_shadow(client, settings):
    configure_api(settings)
    photo = image_bytes(subject_image())
    drop = {"shadow": "drop", "shadow_angle": "180", "crop": "true"}
    response = post(client, photo, bg_color="#ffffff", format="jpg", **drop, **FAST)
    assert response.status_code == 200, response.content[:500]
    pixels = np.asarray(result_image(response).convert("RGB")).astype(int)
    masked = post(client, photo, format="mask", **drop, **FAST)
    mask = np.asarray(result_image(masked))
    assert mask.shape == pixels.shape[:2]  # the mask is framed as the image
    y, x = below_subject(pixels, mask)
    assert pixels[y, x].mean() < 235 and pixels[3, 3].min() > 250
    assert mask[y, x].max() < 15  # the mask is the subject's alone
    bad = post(client, photo, shadow="hard", **FAST)
    assert bad.status_code == 400
    assert bad.json()["errors"][0]["source"]["parameter"] == "shadow"
    for name, value in (("shadow_angle", "200"), ("shadow_length", "long")):
        bad = post(client, photo, shadow="drop", **{name: value}, **FAST)
        assert bad.status_code == 400, name
        assert bad.json()["errors"][0]["source"]["parameter"] == name


def test_the_openapi_document_lists_the_shadow(client):
    document = client.get("/api/openapi.json").json()
    text = str(document)
    assert "'shadow'" in text and "'contact'" in text
    for name in ("shadow_angle", "shadow_length", "shadow_softness"):
        assert f"'{name}'" in text


def test_the_command_line_takes_a_shadow(tmp_path):
    source = tmp_path / "disc.png"
    subject_image().save(source)
    target = tmp_path / "out.png"
    err = StringIO()
    call_command(
        "removebg", str(source), "-o", str(target), "--shadow", "contact", "--model", "u2netp",
        stdout=StringIO(), stderr=err,
    )  # fmt: skip
    assert Image.open(target).mode == "RGBA"
    call_command(
        "removebg", str(source), "-o", str(target), "--shadow", "drop", "--model", "u2netp",
        "--shadow-angle", "180", "--shadow-softness", "20", stdout=StringIO(), stderr=err,
    )  # fmt: skip
    alpha = np.asarray(Image.open(target).getchannel("A"))
    y, x = below_subject(alpha, alpha)
    assert 20 < alpha[y, x].mean() < 250  # the drop shadow, semi-transparent


def test_the_command_line_refuses_a_bad_shadow_setting(tmp_path):
    source = tmp_path / "disc.png"
    subject_image().save(source)
    with pytest.raises(CommandError, match="length"):
        call_command("removebg", str(source), "--shadow", "drop", "--shadow-length", "900")


def test_the_api_says_where_the_subject_is_when_its_shadow_widens_the_crop(client, settings):
    """A shadow to the left widens the crop leftwards: the subject is no longer at x = 0."""
    configure_api(settings)
    photo = image_bytes(subject_image())
    left = {"shadow": "drop", "shadow_angle": "-90", "shadow_length": "80", "crop": "true"}
    response = post(client, photo, format="mask", **left, **FAST)
    assert response.status_code == 200
    mask = result_image(response)
    box = header_box(response)
    assert box[0] > 10  # the shadow's room on the left
    found = alpha_box(mask)
    assert abs(found[0] - box[0]) <= 2 and abs(found[1] - box[1]) <= 2
    png = post(client, photo, **left, **FAST)
    assert result_image(png).size == mask.size and header_box(png) == box
