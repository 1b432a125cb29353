"""System checks for the tool: the default model file (rate settings: tools/api/checks.py).

A missing or corrupt model is a warning, not an error: the site still starts (no crash loop),
`/healthz` answers 503 with the same reason, and the log says what to run.
"""

from __future__ import annotations

import logging

from django.core import checks

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
