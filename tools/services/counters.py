"""Counters and locks shared by every process, that hold under concurrent requests.

Rate limits count requests per client and window; the Prometheus counters (metrics.py) count
for good; the sweep and the download de-duplication take a lock. Each needs "read, then write"
as one step. Django's file cache (the default) reads a file and writes it again, so 40
concurrent requests can all see the same count. Where they live:

- in the cache named by PIXELFORGE_RATELIMIT_CACHE when its server counts atomically (Redis:
  SET NX and INCRBY; memcached: add and incr; the in-process memory cache of development
  and tests, whose operations hold a lock);
- otherwise in the database (table tools_counter), each change one SQL statement
  (INSERT ... ON CONFLICT DO UPDATE ... RETURNING, on SQLite and PostgreSQL alike).

tools.checks refuses, with DEBUG off, a memory cache for them: each process would count apart.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.core.cache import BaseCache, caches
from django.db import connection

from tools.models import Counter

ATOMIC_CACHES = ("RedisCache", "PyMemcacheCache", "PyLibMCCache", "LocMemCache")
PER_PROCESS_CACHES = ("LocMemCache",)

_TABLE = Counter._meta.db_table
_INCR = f"""
INSERT INTO {_TABLE} (name, value, expires) VALUES (%s, %s, %s)
ON CONFLICT (name) DO UPDATE SET
    value = CASE WHEN {_TABLE}.expires > %s THEN {_TABLE}.value + excluded.value
                 ELSE excluded.value END,
    expires = CASE WHEN {_TABLE}.expires > %s THEN {_TABLE}.expires ELSE excluded.expires END
RETURNING value
"""
_ACQUIRE = f"""
INSERT INTO {_TABLE} (name, value, expires) VALUES (%s, 1, %s)
ON CONFLICT (name) DO UPDATE SET value = 1, expires = excluded.expires
WHERE {_TABLE}.expires <= %s
RETURNING value
"""


def shared_cache() -> BaseCache | None:
    """The cache that keeps counters and locks, or None when they go to the database."""
    cache = caches[settings.PIXELFORGE_RATELIMIT_CACHE]
    return cache if type(cache).__name__ in ATOMIC_CACHES else None


def incr(name: str, amount: int, timeout: int) -> int:
    """Add ``amount`` to the counter ``name`` (created at 0, gone ``timeout`` seconds after its
    creation) and return the new value, as one atomic step."""
    cache = shared_cache()
    if cache is not None:
        cache.add(name, 0, timeout=timeout)
        try:
            return cache.incr(name, amount)
        except ValueError:  # expired between add and incr
            cache.add(name, amount, timeout=timeout)
            return amount
    now = time.time()
    with connection.cursor() as cursor:
        cursor.execute(_INCR, [name, amount, now + timeout, now, now])
        return int(cursor.fetchone()[0])


def values(names: list[str]) -> dict[str, int]:
    """The current value of each counter in ``names`` (0 for one absent or expired)."""
    cache = shared_cache()
    if cache is not None:
        found = cache.get_many(names)
    else:
        rows = Counter.objects.filter(name__in=names, expires__gt=time.time())
        found = dict(rows.values_list("name", "value"))
    return {name: int(found.get(name, 0)) for name in names}


def acquire(name: str, timeout: int) -> bool:
    """Take the lock ``name`` for ``timeout`` seconds; False when another process holds it."""
    cache = shared_cache()
    if cache is not None:
        return bool(cache.add(name, 1, timeout=timeout))
    now = time.time()
    with connection.cursor() as cursor:
        cursor.execute(_ACQUIRE, [name, now + timeout, now])
        return cursor.fetchone() is not None


def held(name: str) -> bool:
    cache = shared_cache()
    if cache is not None:
        return cache.get(name) is not None
    return Counter.objects.filter(name=name, expires__gt=time.time()).exists()


def release(name: str) -> None:
    cache = shared_cache()
    if cache is not None:
        cache.delete(name)
    else:
        Counter.objects.filter(name=name).delete()


def purge() -> int:
    """Delete expired rows (the sweep calls this); how many went."""
    return Counter.objects.filter(expires__lte=time.time()).delete()[0]
