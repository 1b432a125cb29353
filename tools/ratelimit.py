"""Per-client-address rate limits, shared by every process.

Reusable by any view: the HTTP API uses scope "api", the upload form can use its own scope.

    decision = check_rate(request, scope="api", limit=30, window=60)
    if not decision.allowed:
        ...  # answer 429 with Retry-After: decision.retry_after

One algorithm: a fixed window per client and scope, counted by tools/services/counters.py
(atomic: Redis or memcached where configured, else the database), so the limit holds under
concurrent requests. It allows a burst of up to twice the limit across a window edge.

The client address is REMOTE_ADDR, or, when ``PIXELFORGE_TRUSTED_PROXY_COUNT`` is above 0, the
address that many hops from the right of X-Forwarded-For (the one the outermost trusted proxy
saw). IPv6 clients are grouped by their /64 network, which one host usually controls.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import time
from dataclasses import dataclass

from django.conf import settings
from django.http import HttpRequest

from pixelforge.env import Rate, parse_rate
from tools.services import counters

__all__ = ["Rate", "RateDecision", "check_rate", "check_setting_rate", "parse_rate"]


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until a request would be allowed again; 0 when allowed


def client_address(request: HttpRequest) -> str:
    """The client's address as a rate-limit key: an IPv4 address or an IPv6 /64 network."""
    raw = request.META.get("REMOTE_ADDR", "")
    hops = getattr(settings, "PIXELFORGE_TRUSTED_PROXY_COUNT", 0)
    if hops > 0:
        forwarded = [
            part.strip()
            for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")
            if part.strip()
        ]
        if forwarded:
            raw = forwarded[-min(hops, len(forwarded))]
    try:
        address = ipaddress.ip_address(raw)
    except ValueError:
        return raw[:64] or "unknown"
    if address.version == 6 and address.ipv4_mapped is None:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return str(address.ipv4_mapped or address) if address.version == 6 else str(address)


def _key(scope: str, client: str, window_start: int) -> str:
    digest = hashlib.sha256(client.encode()).hexdigest()[:24]
    return f"pixelforge:rl:{scope}:{digest}:{window_start}"


def check_rate(
    request: HttpRequest,
    *,
    scope: str,
    limit: int,
    window: int,
    now: float | None = None,
    cost: int = 1,
) -> RateDecision:
    """Count this request for the client in ``scope`` and say whether it may go ahead.

    ``cost``: how many requests it counts as (each file of a batch upload counts)."""
    if limit <= 0 or window <= 0:
        return RateDecision(allowed=True, limit=0, remaining=0, retry_after=0)
    now = time.time() if now is None else now
    start = int(now // window) * window
    count = counters.incr(_key(scope, client_address(request), start), cost, window + 1)
    allowed = count <= limit
    retry = 0 if allowed else max(1, math.ceil(window - (now - start)))
    return RateDecision(allowed, limit, max(0, limit - count), retry)


def check_setting_rate(
    request: HttpRequest, *, scope: str, setting: str, cost: int = 1
) -> RateDecision:
    """check_rate with the limit from a settings string such as PIXELFORGE_API_RATE_LIMIT."""
    rate = parse_rate(getattr(settings, setting, ""))
    if rate is None:
        return RateDecision(allowed=True, limit=0, remaining=0, retry_after=0)
    return check_rate(request, scope=scope, limit=rate.limit, window=rate.window, cost=cost)
