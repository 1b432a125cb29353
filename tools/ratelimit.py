"""Per-client-address rate limits kept in Django's cache.

Reusable by any view: the HTTP API uses scope "api", the upload form can use its own scope.

    decision = check_rate(request, scope="api", limit=30, window=60)
    if not decision.allowed:
        ...  # answer 429 with Retry-After: decision.retry_after

Two algorithms: "fixed" counts requests in fixed windows (cheap, allows a burst of up to twice
the limit across a window edge); "sliding" weighs the previous window's count by how much of it
still overlaps the sliding window (smooth, one extra cache read). Both need a cache shared by
every process for the limit to be global (LocMemCache limits per process).

The client address is REMOTE_ADDR, or, when ``PIXELFORGE_TRUSTED_PROXY_COUNT`` is above 0, the
address that many hops from the right of X-Forwarded-For (the one the outermost trusted proxy
saw). IPv6 clients are grouped by their /64 network, which one host usually controls.
"""

from __future__ import annotations

import hashlib
import ipaddress
import math
import re
import time
from dataclasses import dataclass
from typing import Literal

from django.conf import settings
from django.core.cache import caches
from django.core.exceptions import ImproperlyConfigured
from django.http import HttpRequest

Algorithm = Literal["fixed", "sliding"]
ALGORITHMS: tuple[str, ...] = ("fixed", "sliding")
UNITS = {
    "s": 1,
    "sec": 1,
    "second": 1,
    "m": 60,
    "min": 60,
    "minute": 60,
    "h": 3600,
    "hour": 3600,
    "d": 86400,
    "day": 86400,
}
_RATE = re.compile(r"\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*", re.IGNORECASE)


@dataclass(frozen=True)
class Rate:
    limit: int  # requests allowed per window
    window: int  # seconds


@dataclass(frozen=True)
class RateDecision:
    allowed: bool
    limit: int
    remaining: int
    retry_after: int  # seconds until a request would be allowed again; 0 when allowed


def parse_rate(text: str | None) -> Rate | None:
    """Parse "30/min", "100/hour", "5/10s" or "1000/day"; None for "", "0" or "0/min" (off).

    Raises ImproperlyConfigured on anything else, so a bad setting fails loudly.
    """
    if text is None or text.strip() in ("", "0"):
        return None
    match = _RATE.fullmatch(text)
    unit = _unit_seconds(match.group(3)) if match else None
    if not match or unit is None:
        raise ImproperlyConfigured(
            f"{text!r} is not a rate; use COUNT/PERIOD such as 30/min, 500/hour or 5/10s."
        )
    limit, multiple = int(match.group(1)), int(match.group(2) or 1)
    if limit == 0:
        return None
    if multiple == 0:
        raise ImproperlyConfigured(f"{text!r} has a zero-length period.")
    return Rate(limit=limit, window=multiple * unit)


def _unit_seconds(word: str) -> int | None:
    word = word.lower()
    if word not in UNITS and len(word) > 3 and word.endswith("s"):
        word = word[:-1]  # "mins", "hours", "seconds"
    return UNITS.get(word)


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


def _incr(cache_key: str, timeout: int, cache_alias: str, cost: int = 1) -> int:
    cache = caches[cache_alias]
    cache.add(cache_key, 0, timeout=timeout)
    try:
        return cache.incr(cache_key, cost)
    except ValueError:  # expired between add and incr
        cache.set(cache_key, cost, timeout=timeout)
        return cost


def check_rate(
    request: HttpRequest,
    *,
    scope: str,
    limit: int,
    window: int,
    algorithm: Algorithm = "fixed",
    now: float | None = None,
    cost: int = 1,
) -> RateDecision:
    """Count this request for the client in ``scope`` and say whether it may go ahead.

    ``cost``: how many requests it counts as (each file of a batch upload counts)."""
    if limit <= 0 or window <= 0:
        return RateDecision(allowed=True, limit=0, remaining=0, retry_after=0)
    alias = getattr(settings, "PIXELFORGE_RATELIMIT_CACHE", "default")
    now = time.time() if now is None else now
    client = client_address(request)
    start = int(now // window) * window
    elapsed = now - start
    key = _key(scope, client, start)
    if algorithm == "fixed":
        count = _incr(key, window + 1, alias, cost)
        allowed = count <= limit
        retry = 0 if allowed else max(1, math.ceil(window - elapsed))
        return RateDecision(allowed, limit, max(0, limit - count), retry)
    if algorithm != "sliding":
        raise ValueError(f"Unknown rate-limit algorithm {algorithm!r}; use fixed or sliding.")
    cache = caches[alias]
    previous = cache.get(_key(scope, client, start - window), 0)
    current = cache.get(key, 0)
    weight = 1.0 - elapsed / window
    used = previous * weight + current
    if used + cost > limit:
        return RateDecision(
            False, limit, 0, _sliding_retry(previous, current, limit, window, elapsed)
        )
    current = _incr(key, 2 * window + 1, alias, cost)
    return RateDecision(True, limit, max(0, math.floor(limit - previous * weight - current)), 0)


def _sliding_retry(previous: int, current: int, limit: int, window: int, elapsed: float) -> int:
    """Seconds until the weighted count leaves room for one more request."""
    if current + 1 <= limit:
        # Wait for enough of the previous window to slide out: previous * (1 - t / w) + current + 1
        # <= limit, with t the time since this window started.
        needed = window * (1.0 - (limit - current - 1) / previous) - elapsed
        return max(1, math.ceil(needed))
    # This window alone is full: wait for it to end and become the weighted previous one.
    after_end = window * (1.0 - (limit - 1) / current) if current else 0.0
    return max(1, math.ceil(window - elapsed + max(0.0, after_end)))


def retry_after_header(decision: RateDecision) -> dict[str, str]:
    """Headers for a 429 response."""
    return {"Retry-After": str(decision.retry_after)}


def check_setting_rate(
    request: HttpRequest, *, scope: str, setting: str, cost: int = 1
) -> RateDecision:
    """check_rate with the limit from a settings string such as PIXELFORGE_API_RATE_LIMIT."""
    rate = parse_rate(getattr(settings, setting, ""))
    if rate is None:
        return RateDecision(allowed=True, limit=0, remaining=0, retry_after=0)
    algorithm = getattr(settings, "PIXELFORGE_RATELIMIT_ALGORITHM", "fixed")
    return check_rate(
        request, scope=scope, limit=rate.limit, window=rate.window, algorithm=algorithm, cost=cost
    )
