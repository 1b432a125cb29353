"""POST /api/v1/remove-background: every option through the real pipeline (small images)."""

from __future__ import annotations

import base64
import io

import pytest
from django.test import Client
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

pytestmark = pytest.mark.django_db

PHOTO = image_bytes(subject_image())


@pytest.fixture(autouse=True)
def _api(settings):
    configure_api(settings)


def corners(image: Image.Image) -> list[tuple[int, ...] | int]:
    w, h = image.size
    return [image.getpixel(xy) for xy in ((0, 0), (w - 1, 0), (0, h - 1), (w - 1, h - 1))]


def centre(image: Image.Image) -> tuple[int, ...] | int:
    return image.getpixel((image.width // 2, image.height // 2))


def test_it_returns_a_transparent_png_with_headers(client):
    response = post(client, PHOTO, **FAST)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="pixelforge.png"'
    assert response["Cache-Control"] == "no-store"
    image = result_image(response)
    assert image.format == "PNG" and image.mode == "RGBA"
    assert image.size == (240, 180)
    assert (int(response["X-Width"]), int(response["X-Height"])) == (240, 180)
    assert all(pixel[3] == 0 for pixel in corners(image))
    assert centre(image)[3] == 255
    assert header_box(response) == alpha_box(image)
    left, top, width, height = header_box(response)
    assert 60 <= left <= 80 and 35 <= top <= 55 and 85 <= width <= 110 and 90 <= height <= 110
    assert 0 < float(response["X-Processing-Time"]) < 120


def test_it_uses_the_default_model_when_none_is_given(client, settings):
    settings.PIXELFORGE_DEFAULT_MODEL = "u2net"
    # Without matting the mask is the model's own saliency, so the two models differ.
    default = post(client, PHOTO, format="mask", matting="false")
    explicit = post(client, PHOTO, format="mask", matting="false", model="u2net")
    smaller = post(client, PHOTO, format="mask", matting="false", model="u2netp")
    assert default.status_code == explicit.status_code == smaller.status_code == 200
    assert default.content == explicit.content
    assert default.content != smaller.content


def test_it_keeps_transparency_in_webp(client):
    response = post(client, PHOTO, format="webp", **FAST)
    assert response["Content-Type"] == "image/webp"
    image = result_image(response)
    assert image.format == "WEBP" and image.mode == "RGBA"
    assert all(pixel[3] == 0 for pixel in corners(image))
    assert centre(image)[3] == 255
    assert response["Content-Disposition"] == 'inline; filename="pixelforge.webp"'


def test_it_flattens_jpg_on_white(client):
    response = post(client, PHOTO, format="jpg", **FAST)
    assert response["Content-Type"] == "image/jpeg"
    image = result_image(response)
    assert image.format == "JPEG" and image.mode == "RGB"
    assert all(min(pixel) >= 245 for pixel in corners(image))
    r, g, b = centre(image)
    assert r > 150 and g < 80 and b < 80


def test_it_returns_a_single_channel_mask(client):
    response = post(client, PHOTO, format="mask", **FAST)
    assert response["Content-Type"] == "image/png"
    assert response["Content-Disposition"] == 'inline; filename="pixelforge-mask.png"'
    image = result_image(response)
    assert image.format == "PNG" and image.mode == "L" and image.size == (240, 180)
    assert corners(image) == [0, 0, 0, 0]
    assert centre(image) == 255
    assert header_box(response) == alpha_box(image)


def test_the_mask_ignores_background_options(client):
    response = post(client, PHOTO, format="mask", bg_color="#00ff00", **FAST)
    image = result_image(response)
    assert image.mode == "L" and corners(image) == [0, 0, 0, 0]


def test_it_puts_the_subject_on_an_opaque_colour(client):
    response = post(client, PHOTO, bg_color="#00ff00", **FAST)
    image = result_image(response)
    assert image.mode == "RGB"  # opaque: no alpha channel needed
    assert corners(image) == [(0, 255, 0)] * 4
    r, g, _ = centre(image)
    assert r > 150 and g < 80


def test_it_keeps_the_alpha_of_a_colour_with_alpha(client):
    response = post(client, PHOTO, bg_color="#0000ff80", format="webp", **FAST)
    image = result_image(response)
    assert image.mode == "RGBA"
    for r, g, b, a in corners(image):
        assert (r, g, b) == (0, 0, 255) and a == 128
    assert centre(image)[3] == 255


@pytest.mark.parametrize("colour", ["0f0", "#0F0", "00ff00"])
def test_it_accepts_short_and_hashless_colours(client, colour):
    image = result_image(post(client, PHOTO, bg_color=colour, format="png", **FAST))
    assert image.getpixel((0, 0)) == (0, 255, 0)


def test_a_background_image_covers_the_whole_output(client):
    backdrop = image_bytes(Image.new("RGB", (50, 30), (10, 20, 200)))
    response = post(client, PHOTO, bg_image_file=backdrop, **FAST)
    assert response.status_code == 200
    image = result_image(response)
    assert image.size == (240, 180)
    assert image.mode == "RGB" or image.getchannel("A").getextrema() == (255, 255)
    assert corners(image.convert("RGB")) == [(10, 20, 200)] * 4


def test_blur_uses_the_blurred_original_as_background(client):
    response = post(client, PHOTO, blur="5", format="webp", **FAST)
    image = result_image(response).convert("RGBA")
    assert image.getchannel("A").getextrema() == (255, 255)
    for r, g, b, _ in corners(image):
        assert abs(r - 230) < 12 and abs(g - 230) < 12 and abs(b - 230) < 12


def test_crop_with_a_pixel_margin_frames_the_subject(client):
    full = post(client, PHOTO, **FAST)
    _, _, width, height = header_box(full)
    response = post(client, PHOTO, crop="true", crop_margin="20", **FAST)
    image = result_image(response)
    assert image.size == (width + 40, height + 40)
    assert (int(response["X-Width"]), int(response["X-Height"])) == image.size
    assert header_box(response) == (20, 20, width, height)
    assert alpha_box(image) == header_box(response)


def test_crop_with_px_suffix_and_no_margin(client):
    full = header_box(post(client, PHOTO, **FAST))
    tight = post(client, PHOTO, crop="on", crop_margin="0px", **FAST)
    assert result_image(tight).size == full[2:]
    assert header_box(tight) == (0, 0, *full[2:])


def test_crop_with_a_percent_margin_uses_the_subjects_longer_side(client):
    _, _, width, height = header_box(post(client, PHOTO, **FAST))
    margin = round(0.10 * max(width, height))
    response = post(client, PHOTO, crop="1", crop_margin="10%", **FAST)
    assert result_image(response).size == (width + 2 * margin, height + 2 * margin)
    assert header_box(response) == (margin, margin, width, height)


def test_a_crop_margin_stops_at_the_image_edges(client):
    full = post(client, PHOTO, **FAST)
    response = post(client, PHOTO, crop="yes", crop_margin="500", **FAST)
    assert result_image(response).size == (240, 180)
    assert header_box(response) == header_box(full)


def test_crop_margin_without_crop_changes_nothing(client):
    response = post(client, PHOTO, crop="false", crop_margin="30", **FAST)
    assert result_image(response).size == (240, 180)


def test_crop_with_a_colour_gives_an_opaque_cropped_image(client):
    response = post(client, PHOTO, crop="true", bg_color="#ffffff", format="jpg", **FAST)
    image = result_image(response)
    left, top, width, height = header_box(response)
    assert image.size == (width, height) and (left, top) == (0, 0)
    assert image.mode == "RGB"


def test_preview_size_is_about_a_quarter_megapixel(client):
    large = image_bytes(subject_image((800, 600)))
    response = post(client, large, size="preview", matting="false", format="mask", **FAST)
    width, height = int(response["X-Width"]), int(response["X-Height"])
    assert 0.98 * 250_000 <= width * height <= 250_000
    assert abs(width / height - 800 / 600) < 0.01
    assert result_image(response).size == (width, height)


def test_preview_leaves_a_small_image_as_it_is(client):
    response = post(client, PHOTO, size="preview", **FAST)
    assert result_image(response).size == (240, 180)


def test_full_size_keeps_the_input_resolution(client):
    response = post(client, PHOTO, size="full", format="mask", **FAST)
    assert result_image(response).size == (240, 180)


def test_matting_can_be_turned_off(client):
    matted = post(client, PHOTO, format="mask", matting="true", **FAST)
    raw = post(client, PHOTO, format="mask", matting="false", **FAST)
    assert matted.status_code == raw.status_code == 200
    assert raw.content != matted.content
    image = result_image(raw)
    assert corners(image) == [0, 0, 0, 0] and centre(image) > 200


def test_it_reads_jpeg_input(client):
    response = post(client, image_bytes(subject_image(), "JPEG"), format="webp", **FAST)
    assert response.status_code == 200
    assert result_image(response).size == (240, 180)


def test_json_mode_returns_the_fields_and_base64_image(client):
    response = post(client, PHOTO, crop="true", HTTP_ACCEPT="application/json", **FAST)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["format"] == "png" and body["content_type"] == "image/png"
    image = Image.open(io.BytesIO(base64.b64decode(body["image_base64"])))
    assert image.size == (body["width"], body["height"])
    assert (body["width"], body["height"]) == (
        int(response["X-Width"]),
        int(response["X-Height"]),
    )
    assert (
        body["foreground_left"],
        body["foreground_top"],
        body["foreground_width"],
        body["foreground_height"],
    ) == header_box(response)
    assert body["processing_time"] == pytest.approx(float(response["X-Processing-Time"]), abs=2e-3)
    assert alpha_box(image.convert("RGBA")) == header_box(response)


@pytest.mark.parametrize(
    "accept", ["*/*", "image/png", "text/html,*/*;q=0.8", "image/*, application/json;q=0.5"]
)
def test_other_accept_headers_get_the_image(client, accept):
    response = post(client, PHOTO, format="mask", HTTP_ACCEPT=accept, **FAST)
    assert response["Content-Type"] == "image/png"


def test_empty_optional_fields_count_as_not_given(client):
    response = post(client, PHOTO, format="", bg_color="", blur="", crop="", crop_margin="", **FAST)
    assert response.status_code == 200
    assert response["Content-Type"] == "image/png"
    assert result_image(response).mode == "RGBA"


def test_it_needs_no_csrf_token():
    client = Client(enforce_csrf_checks=True)
    response = post(client, PHOTO, format="mask", **FAST)
    assert response.status_code == 200
