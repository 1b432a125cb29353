"""System checks for the tool: the upload rate setting and the default model file.

A missing or corrupt model is a warning, not an error: the site still starts (no crash loop),
`/healthz` answers 503 with the same reason, and the log says what to run.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tools.ratelimit import parse_rate

log = logging.getLogger("tools")


@checks.register()
def check_upload_rate(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    try:
        parse_rate(settings.PIXELFORGE_UPLOAD_RATE_LIMIT)
    except ImproperlyConfigured as exc:
        return [checks.Error(str(exc), id="pixelforge.E001", obj="PIXELFORGE_UPLOAD_RATE_LIMIT")]
    return []


@checks.register()
def check_model_file(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    from pixelforge.health import model_problem

    problem = model_problem()
    if problem:
        return [
            checks.Warning(
                f"The site cannot remove backgrounds: {problem}.",
                hint="Until then /healthz answers 503 and uploads get a 503 page.",
                id="pixelforge.W001",
                obj="PIXELFORGE_MODELS_DIR",
            )
        ]
    return []


def log_model_problem() -> str | None:
    """Say at start-up (gunicorn does not run system checks) when the model is not usable."""
    from pixelforge.health import model_problem

    problem = model_problem()
    if problem:
        log.error("pixelforge.W001: the site cannot remove backgrounds: %s", problem)
    return problem
