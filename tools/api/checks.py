"""System checks for the API and rate-limit settings, so a bad value fails at start-up.

Registered by ``tools.apps.ToolsConfig.ready`` (``from tools.api import checks  # noqa: F401``).
"""

from __future__ import annotations

from django.conf import settings
from django.core import checks
from django.core.exceptions import ImproperlyConfigured

from tools.ratelimit import ALGORITHMS, parse_rate


@checks.register(checks.Tags.security)
def check_api_settings(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for name in ("PIXELFORGE_API_RATE_LIMIT", "PIXELFORGE_ADMIN_LOGIN_RATE_LIMIT"):
        try:
            parse_rate(getattr(settings, name))
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="pixelforge.E101", obj=name))
    algorithm = settings.PIXELFORGE_RATELIMIT_ALGORITHM
    if algorithm not in ALGORITHMS:
        errors.append(
            checks.Error(
                f"{algorithm!r} is not a rate-limit algorithm; use {' or '.join(ALGORITHMS)}.",
                id="pixelforge.E102",
                obj="PIXELFORGE_RATELIMIT_ALGORITHM",
            )
        )
    if any(len(key) < 16 for key in settings.PIXELFORGE_API_KEYS):
        errors.append(
            checks.Warning(
                "An API key shorter than 16 characters is easy to guess.",
                id="pixelforge.W101",
                obj="PIXELFORGE_API_KEYS",
            )
        )
    return errors
