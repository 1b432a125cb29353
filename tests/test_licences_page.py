"""The licences page: code, every model (from the manifest), every sample photo, the source."""

from __future__ import annotations

from pathlib import Path

from tools.pipeline.manifest import MODELS
from tools.samples import SAMPLES


def test_it_lists_the_code_every_model_and_every_sample(client, settings):
    settings.PIXELFORGE_SOURCE_URL = "https://git.example.org/pixelforge"
    response = client.get("/licences/")
    assert response.status_code == 200
    body = response.content.decode()
    assert "AGPL-3.0-or-later" in body
    assert 'href="https://git.example.org/pixelforge"' in body
    for spec in MODELS.values():
        assert f"<code>{spec.name}</code>" in body
        assert f'href="{spec.licence_url}">{spec.licence}</a>' in body
    assert "<code>isnet-int8</code> (default)" in body
    for sample in SAMPLES:
        assert sample.title in body and sample.licence in body
        assert f'href="{sample.source}"' in body


def test_without_a_source_url_it_says_whom_to_ask(client, settings):
    settings.PIXELFORGE_SOURCE_URL = ""
    body = client.get("/licences/").content.decode()
    assert "ask its operator" in body and "PIXELFORGE_SOURCE_URL" in body


def test_every_page_links_to_it_from_the_footer(client):
    assert 'href="/licences/">Licences and source</a>' in client.get("/").content.decode()


def test_the_licence_file_and_the_package_metadata_agree():
    root = Path(__file__).resolve().parents[1]
    assert (root / "LICENSE").read_text().startswith("GNU AFFERO GENERAL PUBLIC LICENSE")
    assert 'license = "AGPL-3.0-or-later"' in (root / "pyproject.toml").read_text()
