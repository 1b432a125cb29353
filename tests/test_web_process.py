"""The web process never loads the model: onnxruntime and pymatting live only in workers."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import REPO

PROBE = """
import django
django.setup()
from django.urls import get_resolver
resolver = get_resolver()
resolver.url_patterns  # imports every view module of the site and the API
import pixelforge.wsgi, tools.views, tools.api.views, tools.services.downloads, tools.tasks
heavy = sorted(m for m in ("onnxruntime", "pymatting", "numba") if m in __import__("sys").modules)
print(",".join(heavy) or "none")
"""


def test_the_web_app_imports_no_model_library():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "pixelforge.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "none"
