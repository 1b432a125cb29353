"""Who may call the API: the per-address rate limit and the optional API keys."""

from __future__ import annotations

import hmac

from django.conf import settings
from django.http import HttpRequest

from tools.api.errors import ApiError
from tools.ratelimit import check_setting_rate

RATE_SCOPE = "api"


def enforce_rate_limit(request: HttpRequest) -> None:
    """Count the request against PIXELFORGE_API_RATE_LIMIT; raise a 429 ApiError when over."""
    decision = check_setting_rate(request, scope=RATE_SCOPE, setting="PIXELFORGE_API_RATE_LIMIT")
    if not decision.allowed:
        raise ApiError(
            "rate_limited",
            f"This address may send {decision.limit} requests per period; try again in "
            f"{decision.retry_after} seconds.",
            headers={"Retry-After": str(decision.retry_after)},
        )


def presented_key(request: HttpRequest) -> str:
    """The key from X-API-Key, or from Authorization: Bearer <key>; "" when none."""
    key = request.headers.get("X-API-Key", "").strip()
    if key:
        return key
    scheme, _, token = request.headers.get("Authorization", "").strip().partition(" ")
    return token.strip() if scheme.lower() == "bearer" else ""


def keys_required() -> bool:
    return bool(settings.PIXELFORGE_API_KEYS)


def check_api_key(request: HttpRequest) -> None:
    """When PIXELFORGE_API_KEYS is set, raise 401 without a key and 403 with a wrong one."""
    if not keys_required():
        return
    given = presented_key(request)
    if not given:
        raise ApiError(
            "api_key_required",
            "This server requires an API key: send it as X-API-Key: <key> or "
            "Authorization: Bearer <key>.",
            headers={"WWW-Authenticate": 'Bearer realm="PixelForge API"'},
        )
    matched = False
    for key in settings.PIXELFORGE_API_KEYS:  # compare with every key: no timing shortcut
        matched |= hmac.compare_digest(given.encode(), key.encode())
    if not matched:
        raise ApiError("api_key_invalid", "This API key is not valid on this server.")
