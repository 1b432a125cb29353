from __future__ import annotations

from pathlib import Path

import pytest

pytest_plugins = ["tests.faults"]  # the failing_matting fixture

REPO = Path(__file__).resolve().parent.parent
FIXTURES = Path(__file__).resolve().parent / "fixtures"


@pytest.fixture(autouse=True)
def _test_settings(settings, tmp_path_factory):
    """Media in a temp folder and a cheap password hasher, for every test."""
    settings.MEDIA_ROOT = tmp_path_factory.mktemp("media")
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    settings.PIXELFORGE_UPLOAD_RATE_LIMIT = ""  # tests that check the limit set their own
