from __future__ import annotations

import re

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


def test_manage_check_passes(settings):
    settings.DEBUG = True  # the tests' per-process memory cache is refused in production only
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


def test_head_answers_like_get(client):
    response = client.head("/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/html")


def test_favicon_ico_is_served(client):
    response = client.get("/favicon.ico")
    assert response.status_code == 200
    assert response["Content-Type"] == "image/x-icon"
    import io

    from PIL import Image

    icon = Image.open(io.BytesIO(response.content))
    assert icon.format == "ICO"
    page = client.get("/").content.decode()
    assert 'rel="icon"' in page and 'rel="apple-touch-icon"' in page


@pytest.mark.django_db
def test_api_code_blocks_are_reachable_by_keyboard(client):
    page = client.get("/api/").content.decode()
    blocks = re.findall(r"<pre[^>]*>", page)
    assert len(blocks) >= 3
    for block in blocks:
        assert 'tabindex="0"' in block and 'aria-label="' in block


@pytest.mark.django_db
@pytest.mark.parametrize("path", ["/tools/remove-background/", "/api/", "/blog/", "/healthz"])
def test_pages_answer_head(client, path):
    assert client.head(path).status_code in (200, 503)  # /healthz is 503 without a model
