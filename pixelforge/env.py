"""Small typed readers for environment variables. Bad values fail loudly at start-up.

Every variable NAME may instead be given as NAME_FILE, the path of a file holding the value
(Docker and systemd credentials, Kubernetes secrets), so secrets such as DJANGO_SECRET_KEY,
DATABASE_URL or PIXELFORGE_API_KEYS need not sit in the environment. One trailing newline is
dropped; giving both NAME and NAME_FILE is an error.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def _raw(name: str) -> str | None:
    """The value of NAME, or of the file named by NAME_FILE; None when neither is set."""
    path = os.environ.get(f"{name}_FILE")
    if path is None:
        return os.environ.get(name)
    if name in os.environ:
        raise ImproperlyConfigured(f"Set {name} or {name}_FILE, not both")
    try:
        text = Path(path).read_text()
    except OSError as exc:
        raise ImproperlyConfigured(f"{name}_FILE {path!r} cannot be read: {exc}") from None
    return text[:-1] if text.endswith("\n") else text


def env_str(name: str, default: str = "") -> str:
    raw = _raw(name)
    return default if raw is None else raw


def env_bool(name: str, default: bool) -> bool:
    raw = _raw(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = _raw(name)
    if raw is None or raw.strip() == "":
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ImproperlyConfigured(f"{name} must be a whole number, not {raw!r}") from None
    if minimum is not None and value < minimum:
        raise ImproperlyConfigured(f"{name} must be at least {minimum}, not {value}")
    return value


def env_list(name: str, default: list[str] | None = None) -> list[str]:
    raw = _raw(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_origin(name: str) -> str:
    """A site's origin, scheme://host[:port] with no path (trailing slash dropped), or ""."""
    raw = (_raw(name) or "").strip().rstrip("/")
    if not raw:
        return ""
    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.path or parts.query:
        raise ImproperlyConfigured(
            f"{name} must be an origin such as https://pixelforge.example, not {raw!r}"
        )
    return raw


def env_path(name: str, default: Path) -> Path:
    raw = _raw(name)
    return Path(raw).expanduser().resolve() if raw else default


@dataclass(frozen=True)
class Rate:
    limit: int  # requests allowed per window
    window: int  # seconds


RATE_UNITS = {
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
_RATE = re.compile(r"\s*(\d{1,9})\s*/\s*(\d{0,9})\s*([a-z]+)\s*", re.IGNORECASE)


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
    if word not in RATE_UNITS and len(word) > 3 and word.endswith("s"):
        word = word[:-1]  # "mins", "hours", "seconds"
    return RATE_UNITS.get(word)


def env_rate(name: str, default: str) -> str:
    """A rate string ("COUNT/PERIOD", "" or "0" = off), checked now: a bad one stops start-up."""
    value = env_str(name, default)
    try:
        parse_rate(value)
    except ImproperlyConfigured as exc:
        raise ImproperlyConfigured(f"{name}: {exc}") from None
    return value


CACHE_BACKENDS = {
    "locmem": "django.core.cache.backends.locmem.LocMemCache",
    "file": "django.core.cache.backends.filebased.FileBasedCache",
    "redis": "django.core.cache.backends.redis.RedisCache",
    "rediss": "django.core.cache.backends.redis.RedisCache",
    "memcached": "django.core.cache.backends.memcached.PyMemcacheCache",
    "dummy": "django.core.cache.backends.dummy.DummyCache",
}


def cache_from_url(url: str) -> dict[str, object]:
    """A CACHES entry from a URL: locmem://, file:///var/cache/pixelforge, redis://host:6379/0,
    rediss://..., memcached://host:11211 (several: memcached://a:11211,b:11211), dummy://."""
    scheme, sep, rest = url.partition("://")
    if not sep or scheme not in CACHE_BACKENDS:
        raise ImproperlyConfigured(
            f"DJANGO_CACHE_URL {url!r} is not a cache URL; use one of "
            + ", ".join(f"{name}://" for name in CACHE_BACKENDS)
        )
    backend = {"BACKEND": CACHE_BACKENDS[scheme]}
    if scheme in ("redis", "rediss"):
        return {**backend, "LOCATION": url}
    if scheme == "memcached":
        return {**backend, "LOCATION": rest.split(",")}
    if scheme == "file":
        if not rest.startswith("/"):
            raise ImproperlyConfigured(f"DJANGO_CACHE_URL {url!r} needs an absolute path")
        return {**backend, "LOCATION": rest}
    return {**backend, "LOCATION": rest or "pixelforge"}
