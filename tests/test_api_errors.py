"""Every error the API answers with: status, JSON body, code and the parameter it is about."""

from __future__ import annotations

import logging
import re

import pytest
from django.test.client import BOUNDARY, MULTIPART_CONTENT, encode_multipart
from PIL import Image

from tests.api_support import (
    FAST,
    URL,
    configure_api,
    image_bytes,
    post,
    subject_image,
    upload,
)
from tests.conftest import REPO
from tests.faults import SOLVER_MESSAGE
from tools import pipeline
from tools.api.errors import ERRORS
from tools.models import Job

pytestmark = pytest.mark.django_db

PHOTO = image_bytes(subject_image((120, 90)))
NOT_AN_IMAGE = b"<html><script>alert(1)</script></html>"


@pytest.fixture(autouse=True)
def _api(settings):
    configure_api(settings)


def error_of(response, status: int, code: str, parameter: str | None = None) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/json"
    errors = response.json()["errors"]
    assert len(errors) == 1
    error = errors[0]
    assert error["code"] == code
    assert error["title"] == ERRORS[code].title
    assert error["detail"]
    assert error.get("source", {}).get("parameter") == parameter
    return error


def test_it_wants_image_file(client):
    error_of(post(client, format="png"), 400, "missing_parameter", "image_file")


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("format", "gif"),
        ("format", "jpeg"),
        ("size", "medium"),
        ("model", "isnet2"),
        ("crop", "maybe"),
        ("matting", "2"),
        ("blur", "abc"),
        ("blur", "nan"),
        ("blur", "inf"),
        ("blur", "-1"),
        ("blur", "101"),
        ("bg_color", "red"),
        ("bg_color", "#12"),
        ("bg_color", "#gggggg"),
        ("crop_margin", "abc"),
        ("crop_margin", "-5"),
        ("crop_margin", "10%%"),
        ("crop_margin", "2001"),
        ("crop_margin", "101%"),
        ("crop_margin", "1.5px"),
        ("crop_margin", "9" * 5000),  # past Python's int() digit limit: was a 500
        ("crop_margin", "9" * 5000 + "%"),
    ],
)
def test_it_rejects_a_bad_value(client, field, value):
    error = error_of(post(client, PHOTO, **{field: value}), 400, "invalid_parameter", field)
    detail = error["detail"].lower()
    assert field.split("_")[-1] in detail or value.lower() in detail


def test_a_model_that_is_not_installed_is_refused_at_once(client, settings, tmp_path):
    # Before, the job was queued and the call waited for it to fail (up to 120 s).
    (tmp_path / "isnet.onnx").symlink_to(REPO / "models" / "isnet.onnx")
    settings.PIXELFORGE_MODELS_DIR = tmp_path
    error = error_of(post(client, PHOTO, model="u2netp"), 503, "model_unavailable", "model")
    assert "u2netp model is not installed on this server" in error["detail"]
    assert not Job.objects.exists()


def test_it_rejects_two_backgrounds(client):
    error_of(post(client, PHOTO, bg_color="#fff", blur="3"), 400, "invalid_parameter", "bg_color")
    backdrop = image_bytes(Image.new("RGB", (8, 8)))
    response = post(client, PHOTO, bg_color="#fff", bg_image_file=backdrop)
    error_of(response, 400, "invalid_parameter", "bg_image_file")


def test_it_rejects_an_unknown_parameter(client):
    error = error_of(post(client, PHOTO, bgcolor="#fff"), 400, "unknown_parameter", "bgcolor")
    assert "bg_color" in error["detail"]


def test_it_rejects_a_parameter_given_twice(client):
    body = encode_multipart(BOUNDARY, {"image_file": upload(PHOTO), "format": ["png", "webp"]})
    response = client.generic("POST", URL, body, content_type=MULTIPART_CONTENT)
    error_of(response, 400, "unknown_parameter", "format")


def test_it_wants_files_as_uploads_and_text_as_text(client):
    body = encode_multipart(BOUNDARY, {"image_file": "photo.jpg"})
    response = client.generic("POST", URL, body, content_type=MULTIPART_CONTENT)
    error_of(response, 400, "invalid_parameter", "image_file")
    error_of(post(client, PHOTO, bg_color=b"#fff"), 400, "invalid_parameter", "bg_color")


def test_it_rejects_a_broken_multipart_body(client):
    response = client.generic("POST", URL, b"--x\r\n", content_type="multipart/form-data")
    error_of(response, 400, "malformed_request")


@pytest.mark.parametrize("method", ["get", "put", "patch", "delete", "head", "options"])
def test_it_only_allows_post(client, method):
    response = getattr(client, method)(URL)
    assert response.status_code == 405
    assert response["Allow"] == "POST"
    if method != "head":
        error_of(response, 405, "method_not_allowed")


def test_it_says_a_file_over_the_upload_limit_is_too_large(client, settings):
    settings.PIXELFORGE_MAX_UPLOAD_MB = 1
    big = PHOTO + b"\0" * (1024 * 1024)
    error_of(post(client, big), 413, "file_too_large", "image_file")
    error_of(post(client, PHOTO, bg_image_file=big), 413, "file_too_large", "bg_image_file")


def test_it_refuses_a_body_far_over_the_limit_before_reading_it(client, settings):
    settings.PIXELFORGE_MAX_UPLOAD_MB = 1
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2 * 1024 * 1024  # refused unread over 4 MB
    body = encode_multipart(BOUNDARY, {"image_file": upload(PHOTO + bytes(5 * 1024 * 1024))})
    response = client.generic("POST", URL, body, content_type=MULTIPART_CONTENT)
    error_of(response, 413, "file_too_large")
    # The rest of the body is read and dropped after the answer (DrainBodyMiddleware), so a
    # connection nginx keeps stays usable; the whole of it was consumed.
    assert response.wsgi_request._stream.read(1) == b""


def test_it_says_an_oversized_text_field_is_too_large(client, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 2048
    error_of(post(client, PHOTO, bg_color="f" * 5000), 413, "file_too_large")


def test_it_says_an_image_over_the_input_limit_is_too_large(client, settings):
    settings.PIXELFORGE_MAX_PIXELS = 5_000
    settings.PIXELFORGE_MAX_INPUT_PIXELS = 10_000
    error = error_of(post(client, PHOTO, **FAST), 413, "image_too_large", "image_file")
    assert "120 x 90" in error["detail"]


@pytest.mark.parametrize(
    ("limit", "value", "size"),
    [("PIXELFORGE_MAX_PIXELS", 2_700, (60, 45)), ("PIXELFORGE_MAX_SIDE", 60, (60, 45))],
)
def test_it_scales_a_larger_image_down_and_says_so(client, settings, limit, value, size):
    setattr(settings, limit, value)
    response = post(client, PHOTO, matting="false", **FAST)
    assert response.status_code == 200
    assert response["X-Scaled-From"] == "120x90"
    assert (int(response["X-Width"]), int(response["X-Height"])) == size
    as_json = post(client, PHOTO, matting="false", HTTP_ACCEPT="application/json", **FAST)
    assert as_json.json()["scaled_from"] == {"width": 120, "height": 90}
    settings.PIXELFORGE_MAX_PIXELS, settings.PIXELFORGE_MAX_SIDE = 40_000_000, 12_000
    whole = post(client, PHOTO, matting="false", HTTP_ACCEPT="application/json", **FAST)
    assert "X-Scaled-From" not in whole and whole.json()["scaled_from"] is None


@pytest.mark.parametrize(
    "data",
    [b"", NOT_AN_IMAGE, b"%PDF-1.4\n", PHOTO[: len(PHOTO) // 2]],
    ids=["empty", "html", "pdf", "truncated-png"],
)
def test_it_says_a_file_that_is_not_an_image_is_unreadable(client, data):
    error = error_of(post(client, data, **FAST), 415, "unreadable_image", "image_file")
    assert "JPEG, PNG" in error["detail"]


def test_it_says_an_unreadable_background_image_is_unreadable(client):
    response = post(client, PHOTO, bg_image_file=NOT_AN_IMAGE, **FAST)
    error_of(response, 415, "unreadable_image", "bg_image_file")


@pytest.mark.parametrize(
    ("body", "content_type"),
    [
        (b'{"image_file": "aGk="}', "application/json"),
        (b"format=png", "application/x-www-form-urlencoded"),
        (PHOTO, "image/png"),
    ],
)
def test_it_wants_multipart_form_data(client, body, content_type):
    response = client.generic("POST", URL, body, content_type=content_type)
    error_of(response, 415, "unsupported_content_type")


def test_it_says_when_there_is_no_foreground(client):
    blank = image_bytes(Image.new("RGB", (1, 1), (0, 0, 0)))
    error_of(post(client, blank, **FAST), 422, "no_foreground")


def test_a_one_pixel_image_is_not_a_server_error(client):
    dot = image_bytes(Image.new("RGB", (1, 1), (255, 255, 255)))
    assert post(client, dot, **FAST).status_code < 500


def test_a_missing_model_file_is_a_503(client, settings, tmp_path):
    real = settings.PIXELFORGE_MODELS_DIR
    settings.PIXELFORGE_MODELS_DIR = tmp_path  # the worker configures the pipeline from it
    try:
        error_of(post(client, PHOTO, **FAST), 503, "model_unavailable", "model")
    finally:
        pipeline.configure(models_dir=real)


# The two tests below force failures no real input reaches today, to pin the mapping.


def test_any_other_pipeline_error_is_a_422(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise pipeline.PipelineError("This image cannot be processed.")

    monkeypatch.setattr(pipeline, "remove_background", refuse)
    error = error_of(post(client, PHOTO, **FAST), 422, "cannot_process")
    assert error["detail"] == "This image cannot be processed."


def test_a_failure_while_processing_is_a_logged_422_not_a_500(client, failing_matting, caplog):
    """A real solver failure (tests/faults.py) during a valid request."""
    with caplog.at_level(logging.ERROR, logger="tools.api"):
        error = error_of(post(client, PHOTO, **FAST), 422, "cannot_process")
    reference = re.search(r"Reference: ([0-9a-f]{12})", error["detail"]).group(1)
    assert SOLVER_MESSAGE not in error["detail"] and "Traceback" not in error["detail"]
    record = next(r for r in caplog.records if reference in r.getMessage())
    assert record.levelno == logging.ERROR and SOLVER_MESSAGE in record.exc_text


def test_errors_are_json_whatever_the_accept_header(client):
    response = post(client, NOT_AN_IMAGE, HTTP_ACCEPT="image/png", **FAST)
    error_of(response, 415, "unreadable_image", "image_file")


def test_five_files_in_one_request_are_a_malformed_request(client):
    files = [upload(PHOTO, f"photo-{i}.png") for i in range(5)]
    body = encode_multipart(BOUNDARY, {"image_file": files})
    response = client.generic("POST", URL, body, content_type=MULTIPART_CONTENT)
    error = error_of(response, 400, "malformed_request")
    assert "at most two files" in error["detail"]


def test_a_thousand_character_file_name_is_a_json_400(client):
    boundary = "pixelforge-test-boundary"
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="image_file"; '
        f'filename="{"a" * 1000}.png"\r\nContent-Type: image/png\r\n\r\n'
    )
    body = head.encode() + PHOTO + f"\r\n--{boundary}--\r\n".encode()
    content_type = f"multipart/form-data; boundary={boundary}"
    response = client.generic("POST", URL, body, content_type=content_type)
    error = error_of(response, 400, "malformed_request")
    assert "file name" in error["detail"]


@pytest.mark.parametrize(
    ("error", "code", "status"),
    [
        (pipeline.ImageTooLarge("too large"), "image_too_large", 413),
        (pipeline.UnreadableImage("unreadable"), "unreadable_image", 415),
        (pipeline.NoSubjectFound(), "no_foreground", 422),
        (pipeline.PipelineError("cannot"), "cannot_process", 422),
        (ValueError("proportions"), "invalid_parameter", 400),
    ],
)
def test_the_one_mapping_turns_each_failure_of_an_input_into_its_api_error(error, code, status):
    """The cut-out service's failures (services/cutouts.py) and the API's errors meet in one
    place (api/errors.py): each input's failure keeps its parameter."""
    from tools.api.errors import PARAMETERS, from_failure
    from tools.services import cutouts

    for field, parameter in PARAMETERS.items():
        failed = cutouts.failure(cutouts.InputError(error, field), "isnet")
        api_error = from_failure(failed["kind"], failed["message"], failed["field"])
        assert (api_error.code, api_error.kind.status) == (code, status)
        assert api_error.parameter == parameter and api_error.detail == str(error)
    unavailable = cutouts.failure(pipeline.ModelUnavailable("gone"), "u2netp")
    api_error = from_failure(unavailable["kind"], unavailable["message"], unavailable["field"])
    assert (api_error.code, api_error.parameter) == ("model_unavailable", "model")
    assert "u2netp" in api_error.detail


def test_a_failed_call_kept_from_before_the_cut_out_service_still_says_why(client):
    """A job failed by the old worker path kept the API error itself: it is still answered."""
    from django.urls import reverse

    old = {"code": "unreadable_image", "detail": "Not an image.", "source": {}}
    old["source"]["parameter"] = "image_file"
    job = Job.objects.create(kind=Job.Kind.API, status=Job.Status.FAILED, error="Not an image.")
    job.result_meta = {"error": old}
    job.save()
    response = client.get(reverse("api:job_result", kwargs={"code": job.code}))
    error = error_of(response, 415, "unreadable_image", "image_file")
    assert error["detail"] == "Not an image."
    status = client.get(reverse("api:job", kwargs={"code": job.code})).json()
    assert status["errors"][0]["code"] == "unreadable_image"
