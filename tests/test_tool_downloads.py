from __future__ import annotations

import pytest

from tests.tool_helpers import create_job, open_image, result_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def job(client):
    return create_job(client, name="My Photo (1).jpeg")


def download(client, job, fmt):
    response = client.get(f"{result_url(job)}download/{fmt}/")
    assert response.status_code == 200
    assert response["X-Content-Type-Options"] == "nosniff"
    assert response["Cache-Control"] == "private, no-store"
    return response


def assert_transparent(image):
    assert image.mode == "RGBA"
    low, high = image.getchannel("A").getextrema()
    assert (low, high) == (0, 255)


def test_it_downloads_a_transparent_png(client, job):
    response = download(client, job, "png")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="My-Photo-1-no-bg.png"'
    image = open_image(response.content)
    assert image.format == "PNG" and image.size == (360, 240)
    assert_transparent(image)
    assert image.getchannel("A").getpixel((5, 5)) == 0  # the old background
    assert image.getchannel("A").getpixel((270, 120)) == 255  # the blue block


def test_it_downloads_a_webp_with_alpha(client, job):
    response = download(client, job, "webp")
    assert response["Content-Type"] == "image/webp"
    assert response["Content-Disposition"] == 'attachment; filename="My-Photo-1-no-bg.webp"'
    image = open_image(response.content)
    assert image.format == "WEBP" and image.size == (360, 240)
    assert_transparent(image)


def test_it_downloads_a_jpeg_on_white_by_default(client, job):
    response = download(client, job, "jpg")
    assert response["Content-Type"] == "image/jpeg"
    assert response["Content-Disposition"] == 'attachment; filename="My-Photo-1-on-white.jpg"'
    image = open_image(response.content)
    assert image.format == "JPEG" and image.size == (360, 240) and image.mode == "RGB"
    assert all(channel > 245 for channel in image.getpixel((5, 5)))


def test_it_downloads_the_jpeg_on_the_chosen_colour(client, job):
    client.post(result_url(job), {"background": "color", "bg_color": "#000000", "size": "original"})
    image = open_image(download(client, job, "jpg").content)
    assert all(channel < 10 for channel in image.getpixel((5, 5)))


def test_a_transparent_choice_gives_a_jpeg_on_white_as_labelled(client, job):
    """The colour input's value is sent in every mode; it only counts in Colour mode."""
    client.post(result_url(job), {"background": "none", "bg_color": "#000000", "size": "original"})
    image = open_image(download(client, job, "jpg").content)
    assert all(channel > 245 for channel in image.getpixel((5, 5)))
    page = client.get(result_url(job)).content.decode()
    assert ">on white</small>" in page and ">transparent</small>" in page


def test_it_downloads_the_alpha_mask(client, job):
    response = download(client, job, "mask")
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'attachment; filename="My-Photo-1-mask.png"'
    image = open_image(response.content)
    assert image.mode == "L" and image.size == (360, 240)
    assert image.getextrema() == (0, 255)


def test_it_downloads_each_subject_on_its_own(client, job):
    response = client.get(f"{result_url(job)}subjects/0/")
    assert response.status_code == 200
    assert response["Content-Disposition"] == 'attachment; filename="My-Photo-1-subject-1.png"'
    image = open_image(response.content)
    # The red disc alone (subject 1: the left one), cropped: about 108 x 106 px.
    assert 100 <= image.width <= 118 and 100 <= image.height <= 116
    assert_transparent(image)
    assert client.get(f"{result_url(job)}subjects/5/").status_code == 404


def test_an_unknown_format_gives_404(client, job):
    assert client.get(f"{result_url(job)}download/gif/").status_code == 404


def test_unicode_names_are_kept_and_unsafe_ones_replaced(client):
    job = create_job(client, name="fête <script>.jpg")
    response = client.get(f"{result_url(job)}download/png/")
    assert "filename*=utf-8''f%C3%AAte-script-no-bg.png" in response["Content-Disposition"]
    job = create_job(client, name=".jpg")
    response = client.get(f"{result_url(job)}download/png/")
    assert response["Content-Disposition"] == 'attachment; filename="image-no-bg.png"'


def test_the_bare_cutouts_png_and_mask_are_the_stored_files_and_a_choice_renders_anew(client, job):
    """The bare cut-out's PNG download is the stored cut-out file and its mask the alpha file,
    byte for byte (not rendered and encoded again); a saved background makes new pixels."""
    from tools.services import storage

    job.refresh_from_db()
    assert download(client, job, "png").content == storage.read_bytes(job, "cutout")
    assert download(client, job, "mask").content == storage.read_bytes(job, "alpha")
    client.post(result_url(job), {"background": "color", "bg_color": "#000000", "size": "original"})
    job.refresh_from_db()
    coloured = open_image(download(client, job, "png").content)
    assert coloured.getchannel("A").getextrema() == (255, 255)  # opaque on the colour
    assert coloured.getpixel((5, 5))[:3] == (0, 0, 0)
    assert download(client, job, "mask").content == storage.read_bytes(job, "alpha")
