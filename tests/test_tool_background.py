from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

from tests.tool_helpers import create_job, damaged_png, image_bytes, open_image, result_url

pytestmark = pytest.mark.django_db

BASE = {"background": "none", "bg_color": "#ffffff", "size": "original", "margin": "0"}


@pytest.fixture
def job(client):
    return create_job(client)


def assert_near(picture, xy, colour) -> None:
    """The page's pictures are lossy WebP: a colour within a step or two of the download's."""
    shown = picture.convert("RGBA").getpixel(xy)
    assert all(abs(got - want) <= 2 for got, want in zip(shown, colour, strict=True)), shown


def choose(client, job, **values):
    response = client.post(result_url(job), {**BASE, **values})
    job.refresh_from_db()
    return response


def png(client, job):
    return open_image(client.get(f"{result_url(job)}download/png/").content)


def test_it_replaces_the_background_with_a_colour(client, job):
    response = choose(client, job, background="color", bg_color="#0a84ff")
    assert response.status_code == 302
    assert response["Location"] == f"{result_url(job)}#preview"
    assert job.render_options["background"] == "color"
    image = png(client, job)
    assert image.size == (360, 240)
    assert image.getpixel((5, 5)) == (10, 132, 255, 255)
    preview = open_image(client.get(f"{result_url(job)}view/result/?v=1").content)
    assert_near(preview, (5, 5), (10, 132, 255, 255))
    page = client.get(result_url(job)).content.decode()
    assert 'value="#0a84ff"' in page and "with your background settings" in page


def test_a_preset_button_picks_its_colour(client, job):
    choose(client, job, preset="#000000")
    assert job.render_options["background"] == "color"
    assert png(client, job).getpixel((5, 5)) == (0, 0, 0, 255)


def test_it_replaces_the_background_with_an_image(client, job):
    green = Image.new("RGB", (200, 100), (20, 160, 60))
    upload = SimpleUploadedFile("bg.png", _png_bytes(green), content_type="image/png")
    response = choose(client, job, background="image", bg_image=upload)
    assert response.status_code == 302
    assert job.background.name == f"jobs/{job.code}/background.png"
    image = png(client, job)
    assert image.size == (360, 240)
    assert image.getpixel((5, 5)) == (20, 160, 60, 255)
    assert image.getpixel((355, 235)) == (20, 160, 60, 255)  # cover-fit: no empty border
    # A later change keeps the uploaded image without sending it again.
    assert choose(client, job, background="image", crop="on").status_code == 302
    assert client.get(f"{result_url(job)}view/background/").status_code == 200


def test_an_image_background_needs_an_image(client, job):
    response = choose(client, job, background="image")
    assert response.status_code == 422
    assert "Choose a background from the library or upload an image" in response.content.decode()


def test_a_bad_background_image_gives_422(client, job):
    upload = SimpleUploadedFile("bg.jpg", b"not an image", content_type="image/jpeg")
    response = choose(client, job, background="image", bg_image=upload)
    assert response.status_code == 422
    assert "not an image we can read" in response.content.decode()


def test_it_blurs_the_original_background(client, job):
    choose(client, job, background="blur", blur="20")
    image = png(client, job)
    assert image.getchannel("A").getextrema() == (255, 255)
    # Near the disc the blurred original mixes its red into the grey background.
    r, g, _b, _a = image.getpixel((22, 120))
    assert r > g + 15


def test_it_crops_to_the_subject_with_a_margin(client, job):
    choose(client, job, crop="on", margin="0", keep=["1"], subjects_listed="1")
    tight = png(client, job)
    # The blue block alone (subject 2: the right one) (101 x 121 px, plus its soft edge).
    assert 100 <= tight.width <= 135 and 120 <= tight.height <= 150
    choose(client, job, crop="on", margin="10", keep=["1"], subjects_listed="1")
    assert png(client, job).size == (tight.width + 20, tight.height + 20)


def test_it_makes_a_square_output(client, job):
    choose(client, job, size="square", background="color", bg_color="#ffffff")
    image = png(client, job)
    assert image.width == image.height
    jpeg = open_image(client.get(f"{result_url(job)}download/jpg/").content)
    assert jpeg.width == jpeg.height == image.width


def test_it_keeps_only_the_chosen_subjects(client, job):
    choose(client, job, keep=["0"], subjects_listed="1")  # the red disc on the left
    assert job.render_options["keep"] == [0]
    alpha = png(client, job).getchannel("A")
    assert alpha.getpixel((80, 120)) == 255 and alpha.getpixel((270, 120)) == 0
    mask = open_image(client.get(f"{result_url(job)}download/mask/").content)
    assert mask.getpixel((270, 120)) == 0
    page = client.get(result_url(job)).content.decode()
    assert 'value="0" data-box' in page and 'value="1" data-box="' in page


def test_it_needs_at_least_one_subject(client, job):
    response = choose(client, job, subjects_listed="1")
    assert response.status_code == 422
    assert "Keep at least one subject" in response.content.decode()


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"background": "color", "bg_color": "red"}, "is not a colour"),
        ({"background": "blur", "blur": "500"}, "less than or equal to 100"),
        ({"margin": "-3"}, "greater than or equal to 0"),
        ({"size": "huge"}, "Select a valid choice"),
        ({"background": "sparkles"}, "Select a valid choice"),
    ],
)
def test_bad_options_give_422_with_a_message(client, job, values, message):
    response = choose(client, job, **values)
    assert response.status_code == 422
    assert message in response.content.decode()


def test_it_answers_json_for_scripts(client, job):
    response = client.post(
        result_url(job),
        {**BASE, "background": "color", "bg_color": "#123456"},
        headers={"accept": "application/json"},
    )
    assert response.status_code == 200
    files = response.json()
    assert files["version"] == 1 and files["complete"]  # made at once (immediate tasks)
    assert files["pictures"]["result"]["src"].startswith(f"{result_url(job)}view/result/?k=")
    assert files["downloads"]["png"]["url"].startswith(f"{result_url(job)}download/png/?k=")
    response = client.post(
        result_url(job), {**BASE, "margin": "x"}, headers={"accept": "application/json"}
    )
    assert response.status_code == 422
    assert "margin" in response.json()["errors"]


def _png_bytes(image):
    import io

    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def test_a_background_with_a_thousand_character_name_gets_the_page_with_a_message(client, job):
    boundary = "pixelforge-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="background"\r\n\r\nimage\r\n'
        f'--{boundary}\r\nContent-Disposition: form-data; name="bg_image"; '
        f'filename="{"b" * 1000}.png"\r\nContent-Type: image/png\r\n\r\n'
    )
    body = head.encode() + image_bytes("PNG") + f"\r\n--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    response = client.generic("POST", result_url(job), body, content_type=content_type)
    assert response.status_code == 400
    page = response.content.decode()
    assert "rename it" in page and "Background removed" in page  # the result page itself


def _truncated_png(size: tuple[int, int] = (400, 300)) -> bytes:
    """A PNG whose header is fine and whose pixels stop halfway (no IEND at its end)."""
    import numpy as np

    noise = (np.random.default_rng(7).random((size[1], size[0], 3)) * 255).astype("uint8")
    data = _png_bytes(Image.fromarray(noise))
    return data[: len(data) // 2]


def test_the_web_process_stores_the_background_as_received_and_a_worker_decodes_it(
    client, job, settings, monkeypatch
):
    from django.core.files.storage import default_storage

    from tools.services import background_uploads

    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr(background_uploads, "HOLD_SECONDS", 0)  # no worker will come
    data = damaged_png()
    upload = SimpleUploadedFile("bg.png", data, content_type="image/png")
    response = choose(client, job, background="image", bg_image=upload)
    assert response.status_code == 302  # the header and the end were fine
    with default_storage.open(background_uploads.source_path(job)) as handle:
        assert handle.read() == data  # bytes as received, nothing decoded
    assert not job.background
    pending = client.get(f"{result_url(job)}view/result/")  # the bare cut-out, never cached
    assert pending.status_code == 200 and pending["Cache-Control"] == "no-store"

    assert background_uploads.prepare(str(job.code)) == "failed"  # as the worker does
    job.refresh_from_db()
    assert job.render_options["background"] == "none"  # nothing to show: back to none
    page = client.get(result_url(job))
    assert page.status_code == 200
    html = page.content.decode()
    assert "Your background image could not be used" in html and "damaged" in html
    assert "could not be used" not in client.get(result_url(job)).content.decode()  # said once
    assert client.get(f"{result_url(job)}view/result/").status_code == 200


def test_a_background_cut_short_gives_422_at_once_with_the_reason(client, job):
    # The web process never decodes pixels; its cheap end check finds a file cut short.
    upload = SimpleUploadedFile("bg.png", _truncated_png(), content_type="image/png")
    response = choose(client, job, background="image", bg_image=upload)
    assert response.status_code == 422
    assert "truncated" in response.content.decode()
    json_response = client.post(
        result_url(job),
        {**BASE, "background": "image", "bg_image": SimpleUploadedFile("b.png", _truncated_png())},
        HTTP_ACCEPT="application/json",
    )
    assert json_response.status_code == 422
    assert "truncated" in json_response.json()["errors"]["bg_image"][0]


def test_a_large_background_is_scaled_by_the_worker_for_downloads_and_the_preview(
    client, job, settings, monkeypatch
):
    from tools.services import background_uploads

    monkeypatch.setattr(background_uploads, "BACKGROUND_SIDE", 300)
    big = Image.new("RGB", (1200, 600), (20, 160, 60))
    upload = SimpleUploadedFile("bg.png", _png_bytes(big), content_type="image/png")
    assert choose(client, job, background="image", bg_image=upload).status_code == 302
    assert Image.open(job.background.path).size == (300, 150)
    assert png(client, job).getpixel((5, 5)) == (20, 160, 60, 255)
    preview = open_image(client.get(f"{result_url(job)}view/result/").content)
    assert_near(preview, (5, 5), (20, 160, 60, 255))
