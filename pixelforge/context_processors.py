from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest

from pixelforge.public_url import absolute_url, origin


def site(request: HttpRequest) -> dict[str, object]:
    return {
        "site_name": settings.SITE_NAME,
        "retention_minutes": settings.PIXELFORGE_RESULT_RETENTION_MINUTES,
        "max_upload_mb": settings.PIXELFORGE_MAX_UPLOAD_MB,
        # The public origin (robots.txt's sitemap line) and the page's own address (its
        # canonical link and og:url; a view may set its own): never the request's Host.
        "site_origin": origin(request.scheme, request.get_host),
        "canonical_url": absolute_url(request, request.get_full_path()),
    }
