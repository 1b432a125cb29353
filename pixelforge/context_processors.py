from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "site_name": settings.SITE_NAME,
        "retention_minutes": settings.PIXELFORGE_RESULT_RETENTION_MINUTES,
        "max_upload_mb": settings.PIXELFORGE_MAX_UPLOAD_MB,
    }
