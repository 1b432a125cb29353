"""A photo with no subject ends with "No subject found" on the page, in the API and in the
command line (real IS-Net, real forms through Django's test client)."""

from __future__ import annotations

import re
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from PIL import Image

from tests.api_support import FAST, configure_api, image_bytes, post
from tests.tool_helpers import TOOL_URL, result_url
from tools.models import Job
from tools.services import processing

pytestmark = pytest.mark.django_db

UNIFORM = Image.new("RGB", (320, 240), (40, 90, 200))  # a plain blue photo
MESSAGE = "No subject found"


@pytest.fixture(autouse=True)
def _api(settings):
    configure_api(settings)


def test_the_page_says_no_subject_found(client, settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    photo = SimpleUploadedFile("plain.png", image_bytes(UNIFORM), content_type="image/png")
    response = client.post(TOOL_URL, {"image": photo})
    code = re.search(r"/r/([0-9a-f-]{36})/", response["Location"]).group(1)
    assert processing.run_job(code) == Job.Status.FAILED
    job = Job.objects.get(code=code)
    assert job.error.startswith(MESSAGE)
    assert MESSAGE in client.get(result_url(job)).content.decode()
    assert client.get(result_url(job) + "status/").json()["state"] == "failed"


def test_the_api_answers_422_no_foreground(client):
    response = post(client, image_bytes(UNIFORM), **FAST)
    assert response.status_code == 422
    error = response.json()["errors"][0]
    assert error["code"] == "no_foreground" and error["detail"].startswith(MESSAGE)


def test_the_command_line_reports_it(tmp_path):
    source = tmp_path / "plain.png"
    UNIFORM.save(source)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("removebg", str(source), "--out-dir", str(tmp_path / "out"), stderr=err)
    assert MESSAGE in err.getvalue()
    assert not (tmp_path / "out" / "plain.png").exists()
