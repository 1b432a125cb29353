"""WSGI entry point: `gunicorn pixelforge.wsgi` (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "pixelforge.settings")

application = get_wsgi_application()

# gunicorn runs no system checks: say at start-up when the model file is missing or corrupt.
# The site still serves (no crash loop); /healthz answers 503 with the same reason.
from tools.checks import log_model_problem  # noqa: E402

log_model_problem()
