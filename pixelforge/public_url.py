"""Full URLs of this site: canonical links, Open Graph tags, feed and sitemap links, and the API
page's curl and Python examples.

They never come from the request's Host header: Django checks its name against ALLOWED_HOSTS
but not its port, and a wildcard entry lets any name through, so an echoed Host would put a
client's choice into a page that others read (and that a cache may keep).
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest


def origin(scheme: str, request_host: Callable[[], str]) -> str:
    """PIXELFORGE_PUBLIC_URL; else ``scheme`` and the first DJANGO_ALLOWED_HOSTS entry that
    names one host; else "" (URLs stay relative). In debug with no setting, the request's own
    host (``request_host()``, asked only then: a forged Host raises), so a development server's
    port shows."""
    if settings.PIXELFORGE_PUBLIC_URL:
        return settings.PIXELFORGE_PUBLIC_URL
    if settings.DEBUG:
        return f"{scheme}://{request_host()}"
    for host in settings.ALLOWED_HOSTS:
        if host != "*" and not host.startswith("."):
            return f"{scheme}://{host}"
    return ""


def absolute_url(request: HttpRequest, path: str) -> str:
    """``path`` (from ``reverse`` or a static URL) as a full URL on this site's public origin; a
    URL that is already full (static files on another host) stays as it is."""
    if path.startswith(("http://", "https://", "//")):
        return path
    return origin(request.scheme, request.get_host) + path
