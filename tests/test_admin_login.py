"""The admin login is throttled per client address (PIXELFORGE_ADMIN_LOGIN_RATE_LIMIT)."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User
from django.core.cache import cache

LOGIN = "/admin/login/"

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def admin_user(settings):
    cache.clear()
    settings.PIXELFORGE_ADMIN_LOGIN_RATE_LIMIT = "10/15min"
    return User.objects.create_superuser("admin", "admin@example.com", "right-password-123")


def attempt(client, password: str, address: str = "203.0.113.7"):
    data = {"username": "admin", "password": password, "next": "/admin/"}
    return client.post(LOGIN, data, REMOTE_ADDR=address)


def test_forty_wrong_passwords_get_locked_out_and_then_the_right_one_does_not_work(client):
    statuses = [attempt(client, f"guess-{i}").status_code for i in range(40)]
    assert statuses[:10] == [200] * 10  # the form again, with "enter a correct username..."
    assert set(statuses[10:]) == {429}
    locked = attempt(client, "right-password-123")
    assert locked.status_code == 429
    assert int(locked["Retry-After"]) > 0
    assert "Too many sign-in attempts" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_another_address_can_still_sign_in(client):
    for i in range(12):
        attempt(client, f"guess-{i}")
    response = attempt(client, "right-password-123", address="198.51.100.20")
    assert response.status_code == 302
    assert client.session["_auth_user_id"]


def test_showing_the_login_page_is_not_counted(client):
    for _ in range(15):
        assert client.get(LOGIN).status_code == 200
    assert attempt(client, "right-password-123").status_code == 302
