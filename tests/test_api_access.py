"""Who may call the API: optional keys and the per-address rate limit."""

from __future__ import annotations

import pytest

from tests.api_support import FAST, configure_api, image_bytes, post, subject_image

pytestmark = pytest.mark.django_db

PHOTO = image_bytes(subject_image((120, 90)))
KEY = "k-3f9a1c0e5b7d42a8"


@pytest.fixture(autouse=True)
def _api(settings):
    configure_api(settings)


def code_of(response) -> str:
    return response.json()["errors"][0]["code"]


# A request without image_file gets 400 once it is past the key and rate checks: a cheap probe.


def test_it_needs_no_key_when_none_are_configured(client):
    response = post(client, format="png")
    assert response.status_code == 400 and code_of(response) == "missing_parameter"


def test_it_asks_for_a_key_when_keys_are_configured(client, settings):
    settings.PIXELFORGE_API_KEYS = [KEY]
    response = post(client, format="png")
    assert response.status_code == 401
    assert code_of(response) == "api_key_required"
    assert response["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_API_KEY": "wrong"},
        {"HTTP_AUTHORIZATION": "Bearer wrong"},
        {"HTTP_X_API_KEY": KEY[:-1]},
    ],
)
def test_it_refuses_a_wrong_key(client, settings, headers):
    settings.PIXELFORGE_API_KEYS = [KEY]
    response = post(client, format="png", **headers)
    assert response.status_code == 403 and code_of(response) == "api_key_invalid"


def test_a_basic_authorization_header_is_no_key(client, settings):
    settings.PIXELFORGE_API_KEYS = [KEY]
    response = post(client, format="png", HTTP_AUTHORIZATION=f"Basic {KEY}")
    assert response.status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {"HTTP_X_API_KEY": KEY},
        {"HTTP_AUTHORIZATION": f"Bearer {KEY}"},
        {"HTTP_AUTHORIZATION": f"bearer  {KEY} "},
        {"HTTP_X_API_KEY": "other-key"},
    ],
)
def test_it_accepts_any_configured_key(client, settings, headers):
    settings.PIXELFORGE_API_KEYS = [KEY, "other-key"]
    response = post(client, format="png", **headers)
    assert response.status_code == 400 and code_of(response) == "missing_parameter"


def test_a_keyed_request_gets_its_image(client, settings):
    settings.PIXELFORGE_API_KEYS = [KEY]
    response = post(client, PHOTO, format="mask", HTTP_AUTHORIZATION=f"Bearer {KEY}", **FAST)
    assert response.status_code == 200 and response["Content-Type"] == "image/png"


def test_it_limits_the_rate_per_address_with_retry_after(client, settings):
    settings.PIXELFORGE_API_RATE_LIMIT = "2/min"
    assert post(client, format="png").status_code == 400
    assert post(client, format="png").status_code == 400
    limited = post(client, format="png")
    assert limited.status_code == 429
    assert code_of(limited) == "rate_limited"
    assert 1 <= int(limited["Retry-After"]) <= 60
    assert post(client, PHOTO, **FAST).status_code == 429  # no pipeline run once limited
    other = post(client, format="png", REMOTE_ADDR="198.51.100.7")
    assert other.status_code == 400


def test_the_rate_limit_comes_before_the_key_check(client, settings):
    settings.PIXELFORGE_API_RATE_LIMIT = "1/hour"
    settings.PIXELFORGE_API_KEYS = [KEY]
    assert post(client, format="png", HTTP_X_API_KEY="guess-1").status_code == 403
    limited = post(client, format="png", HTTP_X_API_KEY="guess-2")
    assert limited.status_code == 429
    assert 1 <= int(limited["Retry-After"]) <= 3600


def test_wrong_methods_are_not_counted(client, settings):
    settings.PIXELFORGE_API_RATE_LIMIT = "1/min"
    for _ in range(3):
        assert client.get("/api/v1/remove-background").status_code == 405
    assert post(client, format="png").status_code == 400


@pytest.mark.parametrize("rate", ["", "0", "0/min"])
def test_the_rate_limit_can_be_turned_off(client, settings, rate):
    settings.PIXELFORGE_API_RATE_LIMIT = rate
    for _ in range(5):
        assert post(client, format="png").status_code == 400


def test_forwarded_addresses_count_only_behind_a_trusted_proxy(client, settings):
    settings.PIXELFORGE_API_RATE_LIMIT = "1/min"
    first = post(client, format="png", HTTP_X_FORWARDED_FOR="203.0.113.1")
    spoofed = post(client, format="png", HTTP_X_FORWARDED_FOR="203.0.113.2")
    assert (first.status_code, spoofed.status_code) == (400, 429)
    settings.PIXELFORGE_TRUSTED_PROXY_COUNT = 1
    assert post(client, format="png", HTTP_X_FORWARDED_FOR="203.0.113.3").status_code == 400
    assert post(client, format="png", HTTP_X_FORWARDED_FOR="203.0.113.3").status_code == 429


def test_bad_settings_fail_the_system_checks(settings):
    from tools.checks import check_api_settings

    settings.DEBUG = True  # the tests' memory cache is fine for development
    assert check_api_settings() == []
    settings.PIXELFORGE_API_RATE_LIMIT = "lots"
    settings.DEBUG = False  # in production a per-process memory cache cannot keep limits
    settings.PIXELFORGE_API_KEYS = ["short"]
    assert [message.id for message in check_api_settings()] == [
        "pixelforge.E101",
        "pixelforge.E102",
        "pixelforge.W101",
    ]
