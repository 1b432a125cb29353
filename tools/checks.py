"""The tool's system checks, all in one place (registered by ``tools.apps.ToolsConfig.ready``).

- The default model file: missing or corrupt is a warning, not an error: the site still starts
  (no crash loop), `/healthz` answers 503 with the same reason, and the log says what to run.
- Rate-limit and API settings: a bad value fails at start-up. The environment's rate strings
  are already checked when the settings load (pixelforge.env.env_rate); these checks also cover
  values set in code.
"""

from __future__ import annotations

import logging

from django.conf import settings
from django.core import checks
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured

from tools.ratelimit import parse_rate
from tools.services.counters import PER_PROCESS_CACHES

log = logging.getLogger("tools")


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


RATE_SETTINGS = (
    "PIXELFORGE_API_RATE_LIMIT",
    "PIXELFORGE_UPLOAD_RATE_LIMIT",
    "PIXELFORGE_ADMIN_LOGIN_RATE_LIMIT",
    "PIXELFORGE_REFINE_RATE_LIMIT",
    "PIXELFORGE_RENDER_RATE_LIMIT",
)


@checks.register(checks.Tags.security)
def check_api_settings(app_configs: object = None, **kwargs: object) -> list[checks.CheckMessage]:
    errors: list[checks.CheckMessage] = []
    for name in RATE_SETTINGS:
        try:
            parse_rate(getattr(settings, name))
        except ImproperlyConfigured as exc:
            errors.append(checks.Error(str(exc), id="pixelforge.E101", obj=name))
    backend = type(caches[settings.PIXELFORGE_RATELIMIT_CACHE]).__name__
    if not settings.DEBUG and backend in PER_PROCESS_CACHES:
        errors.append(
            checks.Error(
                f"Rate limits and locks cannot live in {backend}: each process would count "
                "apart, so a limit would hold once per process.",
                hint="Use DJANGO_CACHE_URL=redis://... or memcached://..., or a file:// cache "
                "(then they are kept in the database).",
                id="pixelforge.E102",
                obj="PIXELFORGE_RATELIMIT_CACHE",
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
