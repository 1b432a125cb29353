"""The result page says what each download holds, and says nothing wrong before a submit."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from django.utils import timezone

from tests.tool_helpers import create_job, result_url
from tools.templatetags.tool_tags import from_now

pytestmark = pytest.mark.django_db

BASE = {"background": "none", "bg_color": "#ffffff", "size": "original", "margin": "0"}


def labels(page: str) -> dict[str, str]:
    found = re.findall(
        r'data-download="(\w+)">\w+ <small data-download-label="[^"]*">([^<]*)<', page
    )
    return dict(found)


def test_the_labels_follow_the_saved_background(client):
    job = create_job(client)
    page = client.get(result_url(job)).content.decode()
    assert labels(page) == {
        "png": "transparent",
        "webp": "transparent, smaller",
        "jpg": "on white",
        "mask": "alpha",
    }
    client.post(result_url(job), {**BASE, "background": "color", "bg_color": "#ff00ff"})
    page = client.get(result_url(job)).content.decode()
    assert labels(page) == {
        "png": "on your colour",
        "webp": "smaller",
        "jpg": "on your colour",
        "mask": "alpha",
    }
    client.post(result_url(job), {**BASE, "background": "blur", "blur": "10"})
    page = client.get(result_url(job)).content.decode()
    assert labels(page)["png"] == "on the blurred photo"


def test_the_page_shows_no_error_until_a_submit(client):
    job = create_job(client)
    page = client.get(result_url(job)).content.decode()
    assert "errorlist" not in page
    assert "Choose a background from the library or upload an image" not in page


def test_expiry_is_relative_with_a_machine_readable_time(client):
    job = create_job(client)
    page = client.get(result_url(job)).content.decode()
    match = re.search(r'<time datetime="([^"]+)" data-local-time>([^<]+)</time>', page)
    assert match and match.group(2) in ("in 60 minutes", "in 59 minutes")
    assert "UTC" not in page


def test_from_now_reads_naturally():
    now = timezone.now()
    assert from_now(now + timedelta(minutes=57, seconds=30)) == "in 58 minutes"
    assert from_now(now + timedelta(seconds=30)) == "in 1 minute"
    assert from_now(now + timedelta(hours=5)) == "in 5 hours"
    assert from_now(now - timedelta(minutes=1)) == "now"
