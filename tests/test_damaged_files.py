"""A damaged or cut-off photo is explained in plain words on every path: the upload form, a
batch, the API and the command line (issue 22: the decoder's raw text was shown). The words
come from one place, tools/pipeline/decode.py."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command

from tests.api_support import FAST, configure_api, post
from tests.tool_helpers import TOOL_URL, image_bytes
from tools import pipeline
from tools.models import Job

PLAIN_CUT = "it is incomplete: the file was cut off (truncated) before the end of the picture"
PLAIN_DAMAGED = "it is damaged: part of its picture data cannot be decoded"
RAW = ("bytes not processed", "Truncated File Read", "image file is truncated", "decoder")


def cut(fmt: str, share: float = 0.5) -> bytes:
    data = image_bytes(fmt)
    return data[: int(len(data) * share)]


def garbled_jpeg() -> bytes:
    data = bytearray(image_bytes("JPEG"))
    data[600:900] = bytes(300)  # zeros over part of the compressed picture
    return bytes(data)


def assert_plain(message: str, reason: str = PLAIN_CUT) -> None:
    assert reason in message, message
    assert "save or export it again" in message
    assert not any(raw in message for raw in RAW), message


@pytest.mark.parametrize("fmt", ["JPEG", "PNG", "GIF", "BMP", "TIFF"])
def test_the_decoder_says_a_cut_off_file_is_incomplete(fmt):
    with pytest.raises(pipeline.UnreadableImage) as caught:
        pipeline.decode_image(cut(fmt), limits=pipeline.DecodeLimits.unscaled())
    assert_plain(str(caught.value))


def test_the_decoder_says_a_garbled_file_is_damaged():
    with pytest.raises(pipeline.UnreadableImage) as caught:
        pipeline.decode_image(garbled_jpeg(), limits=pipeline.DecodeLimits.unscaled())
    assert_plain(str(caught.value), PLAIN_DAMAGED)


@pytest.mark.django_db
def test_the_upload_form_explains_a_cut_off_photo(client):
    upload = SimpleUploadedFile("cut.jpg", cut("JPEG"), content_type="image/jpeg")
    response = client.post(TOOL_URL, {"image": upload})
    assert response.status_code == 422
    assert_plain(response.content.decode().replace("&#x27;", "'"))
    assert not Job.objects.exists()


@pytest.mark.django_db
def test_a_photo_damaged_inside_fails_in_the_worker_with_the_same_words(client):
    # The web process reads only the header and the end marker; the worker finds the damage.
    upload = SimpleUploadedFile("garbled.jpg", garbled_jpeg(), content_type="image/jpeg")
    client.post(TOOL_URL, {"image": upload})
    job = Job.objects.get()
    assert job.status == Job.Status.FAILED
    assert_plain(job.error, PLAIN_DAMAGED)


@pytest.mark.django_db
def test_a_batch_names_the_cut_off_file_and_says_why(client):
    files = [
        SimpleUploadedFile("good.jpg", image_bytes("JPEG")),
        SimpleUploadedFile("cut.png", cut("PNG")),
    ]
    response = client.post(TOOL_URL, {"image": files}, follow=True)
    page = response.content.decode().replace("&#x27;", "'")
    assert "cut.png" in page
    assert_plain(page)


@pytest.mark.django_db
def test_the_api_explains_a_cut_off_photo(client, settings):
    configure_api(settings)
    response = post(client, cut("JPEG"), **FAST)
    assert 400 <= response.status_code < 500
    error = response.json()["errors"][0]
    assert_plain(error["detail"] if "detail" in error else str(error))


def test_the_command_line_explains_a_cut_off_photo(tmp_path):
    source = tmp_path / "cut.jpg"
    source.write_bytes(cut("JPEG"))
    stderr = StringIO()
    with pytest.raises(CommandError, match=r"1 of 1 failed: cut\.jpg"):
        call_command("removebg", str(source), "-o", str(tmp_path / "out.png"), stderr=stderr)
    assert_plain(stderr.getvalue())
    assert not (tmp_path / "out.png").exists()
