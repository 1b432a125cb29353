"""Small typed readers for environment variables. Bad values fail loudly at start-up."""

from __future__ import annotations

import os
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


def env_str(name: str, default: str = "") -> str:
    return os.environ.get(name, default)


def env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ImproperlyConfigured(f"{name} must be true or false, not {raw!r}")


def env_int(name: str, default: int, *, minimum: int | None = None) -> int:
    raw = os.environ.get(name)
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
    raw = os.environ.get(name)
    if raw is None:
        return list(default or [])
    return [item.strip() for item in raw.split(",") if item.strip()]


def env_path(name: str, default: Path) -> Path:
    raw = os.environ.get(name)
    return Path(raw).expanduser().resolve() if raw else default


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
