from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile

from tests.tool_helpers import TOOL_URL, damaged_png, image_bytes, upload_file
from tools.models import Job

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _clear_cache():
    cache.clear()


def test_it_shows_the_upload_form(client):
    response = client.get(TOOL_URL)
    assert response.status_code == 200
    body = response.content.decode()
    assert 'enctype="multipart/form-data"' in body
    assert 'type="file" name="image"' in body
    assert "JPEG, PNG, WebP, HEIC, GIF, BMP or TIFF" in body
    assert "up to 25&nbsp;MB" in body
    assert "deleted with its results after <strong>1 hour</strong>" in body
    assert "No image? Try one of these" in body
    assert "<script>" not in body and "onclick" not in body
    assert 'src="/static/js/tool.js" defer' in body


@pytest.mark.parametrize(
    ("fmt", "name"), [("JPEG", "photo.jpg"), ("PNG", "photo.png"), ("WEBP", "photo.webp")]
)
def test_it_processes_each_accepted_format(client, fmt, name):
    response = client.post(TOOL_URL, {"image": upload_file(fmt, name)})
    assert response.status_code == 302
    job = Job.objects.get()
    assert response["Location"] == f"{TOOL_URL}r/{job.code}/"
    assert (job.status, job.width, job.height, job.original_name) == ("done", 360, 240, name)
    assert job.processing_ms > 0
    assert job.cutout.name == f"jobs/{job.code}/cutout.png"
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "360 \u00d7 240 px" in page.content.decode()


def test_it_answers_json_for_script_uploads(client):
    response = client.post(
        TOOL_URL, {"image": upload_file()}, headers={"accept": "application/json"}
    )
    assert response.status_code == 201
    assert response.json()["url"].startswith(f"{TOOL_URL}r/")


def test_it_runs_a_sample_in_one_click(client):
    response = client.post(f"{TOOL_URL}sample/", {"sample": "cat"})
    assert response.status_code == 302
    job = Job.objects.get()
    assert (job.original_name, job.width, job.height) == ("cat.jpg", 451, 300)


def test_it_rejects_an_unknown_sample(client):
    response = client.post(f"{TOOL_URL}sample/", {"sample": "../../etc/passwd"})
    assert response.status_code == 422
    assert "Choose one of the sample photos" in response.content.decode()


def test_it_asks_for_a_file_when_none_is_sent(client):
    response = client.post(TOOL_URL, {})
    assert response.status_code == 422
    assert "Choose an image to upload" in response.content.decode()


@pytest.mark.parametrize(
    ("content", "name", "message"),
    [
        (b"hello, I am text", "notes.jpg", "not an image we can read"),
        (b"", "empty.png", "This file is empty"),
        (image_bytes("PNG")[:300], "truncated.png", "could not be read as an image"),
        (
            b"<svg xmlns='http://www.w3.org/2000/svg'><script>alert(1)</script></svg>",
            "x.jpg",
            "not an image",
        ),
    ],
)
def test_it_rejects_bad_files_with_a_message(client, content, name, message):
    upload = SimpleUploadedFile(name, content, content_type="image/jpeg")
    response = client.post(TOOL_URL, {"image": upload})
    assert response.status_code == 422
    body = response.content.decode()
    assert message in body
    assert "JPEG, PNG, WebP, HEIC, GIF, BMP or TIFF" in body
    assert not Job.objects.exists()


def test_it_rejects_a_format_it_does_not_accept(client):
    upload = SimpleUploadedFile("icon.ico", image_bytes("ICO", size=(32, 32)))
    response = client.post(TOOL_URL, {"image": upload})
    assert response.status_code == 422
    body = response.content.decode()
    assert "not an image we can read. Upload a JPEG, PNG, WebP, HEIC, GIF, BMP or TIFF file" in body


def test_it_rejects_an_oversize_file_while_reading(client, settings):
    settings.PIXELFORGE_MAX_UPLOAD_MB = 1
    big = SimpleUploadedFile("big.png", b"\x89PNG" + b"\0" * (1024 * 1024 + 10))
    response = client.post(TOOL_URL, {"image": big})
    assert response.status_code == 422
    assert "larger than 1 MB" in response.content.decode()
    assert response.wsgi_request.oversize_fields == {"image"}  # stopped while reading


def test_it_refuses_an_image_over_the_input_limit(client, settings):
    settings.PIXELFORGE_MAX_PIXELS = 10_000
    settings.PIXELFORGE_MAX_INPUT_PIXELS = 50_000
    response = client.post(TOOL_URL, {"image": upload_file()})
    assert response.status_code == 422
    assert "360 x 240 pixels" in response.content.decode()
    assert not Job.objects.exists()


def test_it_scales_a_large_image_down_and_says_so_on_the_result_page(client, settings):
    settings.PIXELFORGE_MAX_PIXELS = 21_600  # 360 x 240 = 86,400: half of each side fits
    response = client.post(TOOL_URL, {"image": upload_file()}, follow=True)
    job = Job.objects.get()
    assert (job.status, job.width, job.height) == ("done", 180, 120)
    page = response.content.decode()
    assert response.status_code == 200
    assert "Your 360 x 240 pixel image was scaled down to 180 x 120 pixels" in page
    assert "scaled down" not in client.get(response.request["PATH_INFO"]).content.decode()


def long_name_body(field: str, name: str, data: bytes) -> tuple[bytes, str]:
    """A multipart body with a file name Django's test client would cut to 255 characters."""
    boundary = "pixelforge-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="{field}"; filename="{name}"'
        "\r\nContent-Type: image/png\r\n\r\n"
    )
    body = head.encode() + data + f"\r\n--{boundary}--\r\n".encode()
    return body, f"multipart/form-data; boundary={boundary}"


def test_a_thousand_character_file_name_gets_the_form_with_a_message(client):
    body, content_type = long_name_body("image", "a" * 1000 + ".png", image_bytes("PNG"))
    response = client.generic("POST", TOOL_URL, body, content_type=content_type)
    assert response.status_code == 400
    page = response.content.decode()
    assert "rename it" in page
    assert 'type="file" name="image"' in page  # the form again, not Django's bare page
    assert not Job.objects.exists()


def test_it_reports_errors_as_json_for_scripts(client):
    upload = SimpleUploadedFile("notes.jpg", b"text", content_type="image/jpeg")
    response = client.post(TOOL_URL, {"image": upload}, headers={"accept": "application/json"})
    assert response.status_code == 422
    assert "not an image we can read" in response.json()["errors"][0]


def test_it_needs_a_csrf_token(client):
    from django.test import Client

    strict = Client(enforce_csrf_checks=True)
    response = strict.post(TOOL_URL, {"image": upload_file()})
    assert response.status_code == 403


def test_the_upload_name_never_reaches_a_path(client):
    client.post(TOOL_URL, {"image": upload_file(name="../../évil\\name.jpg")})
    job = Job.objects.get()
    assert job.original_name == "name.jpg"
    assert job.original.name == f"jobs/{job.code}/upload"


def test_it_stores_the_original_as_uploaded(client):
    sent = upload_file()
    data = sent.read()
    sent.seek(0)
    client.post(TOOL_URL, {"image": sent})
    job = Job.objects.get()
    with job.original.open("rb") as handle:
        assert handle.read() == data  # the bytes received, not a re-encoded PNG
    assert job.upload_bytes == len(data)


@pytest.mark.django_db
def test_the_web_process_checks_the_header_and_a_worker_finds_damaged_pixels(client):
    # Uploads up to 4 MP were decoded in the web process (856-912 MB per process under load).
    # Now the web side reads the header and checks the end marker only; a file damaged in the
    # middle is taken, and its job fails with a plain message when the worker decodes it.
    upload = SimpleUploadedFile("damaged.png", damaged_png(), content_type="image/png")
    response = client.post(TOOL_URL, {"image": upload})
    assert response.status_code == 302
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert "could not be read as an image" in job.error


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["JPEG", "PNG"])
def test_a_file_cut_short_is_refused_at_once(client, fmt):
    data = image_bytes(fmt)[:-200]
    upload = SimpleUploadedFile(f"cut.{fmt.lower()}", data, content_type="image/png")
    response = client.post(TOOL_URL, {"image": upload})
    assert response.status_code == 422
    assert "cut off (truncated)" in " ".join(response.context["errors"])
    assert not Job.objects.exists()
