from __future__ import annotations

import pytest
from django.core.management import call_command


def test_home_page_leads_to_the_tool(client):
    response = client.get("/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "Remove the background from any photo" in body
    assert 'href="/tools/remove-background/"' in body
    assert "How it works" in body
    assert '<meta property="og:title"' in body


def test_unknown_page_uses_the_site_404(client):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "couldn't find that page" in response.content.decode()


def test_manage_check_passes():
    call_command("check", fail_level="WARNING")


@pytest.mark.django_db
def test_no_migration_is_missing():
    # Exits non-zero (SystemExit) when a model change has no migration.
    call_command("makemigrations", check=True, dry_run=True, verbosity=0)


@pytest.mark.django_db
def test_a_bad_request_gets_the_site_400_page_even_with_a_forged_host(client):
    client.raise_request_exception = False
    response = client.get("/", HTTP_HOST="evil.example")
    assert response.status_code == 400
    assert "This request could not be read" in response.content.decode()
