"""Uploads to the web tool are rate limited per client address: 429, Retry-After, a kind page."""

from __future__ import annotations

import pytest
from django.core.cache import cache

from tests.tool_helpers import TOOL_URL


@pytest.fixture(autouse=True)
def _limit(settings):
    settings.PIXELFORGE_UPLOAD_RATE_LIMIT = "2/min"
    settings.PIXELFORGE_RATELIMIT_ALGORITHM = "fixed"
    cache.clear()
    yield
    cache.clear()


def post_nothing(client, address: str = "198.51.100.7", **extra):
    # An empty form is cheap (422) and still counts as an upload attempt.
    return client.post(TOOL_URL, {}, REMOTE_ADDR=address, **extra)


@pytest.mark.django_db
def test_it_answers_429_with_retry_after_and_a_friendly_page(client):
    assert [post_nothing(client).status_code for _ in range(2)] == [422, 422]
    response = post_nothing(client)
    assert response.status_code == 429
    assert 1 <= int(response["Retry-After"]) <= 60
    page = response.content.decode()
    assert "One moment, please" in page
    assert f"wait {response['Retry-After']} seconds" in page
    assert 'href="/tools/remove-background/"' in page


@pytest.mark.django_db
def test_it_limits_each_address_on_its_own(client):
    for _ in range(3):
        post_nothing(client, "198.51.100.7")
    assert post_nothing(client, "198.51.100.8").status_code == 422


@pytest.mark.django_db
def test_sample_uploads_count_too(client):
    for _ in range(2):
        post_nothing(client)
    response = client.post(f"{TOOL_URL}sample/", {"sample": "cat"}, REMOTE_ADDR="198.51.100.7")
    assert response.status_code == 429


@pytest.mark.django_db
def test_viewing_the_page_is_not_limited(client):
    for _ in range(3):
        post_nothing(client)
    assert client.get(TOOL_URL, REMOTE_ADDR="198.51.100.7").status_code == 200


@pytest.mark.django_db
def test_it_answers_json_to_the_page_script(client):
    for _ in range(2):
        post_nothing(client)
    response = post_nothing(client, HTTP_ACCEPT="application/json")
    assert response.status_code == 429
    assert "try again" in response.json()["errors"][0]


@pytest.mark.django_db
def test_an_empty_setting_turns_it_off(client, settings):
    settings.PIXELFORGE_UPLOAD_RATE_LIMIT = ""
    assert {post_nothing(client).status_code for _ in range(5)} == {422}
