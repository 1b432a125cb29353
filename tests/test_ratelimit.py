"""tools.ratelimit: rate strings, client addresses, the fixed window, shared counters."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.db import connections
from django.test import RequestFactory

from tools.models import Counter
from tools.ratelimit import Rate, check_rate, check_setting_rate, client_address, parse_rate
from tools.services import counters


@pytest.fixture(autouse=True)
def _clean(settings):
    settings.PIXELFORGE_TRUSTED_PROXY_COUNT = 0
    cache.clear()


def request_from(address: str = "192.0.2.10", forwarded: str | None = None):
    extra = {"REMOTE_ADDR": address}
    if forwarded is not None:
        extra["HTTP_X_FORWARDED_FOR"] = forwarded
    return RequestFactory().post("/", **extra)


@pytest.mark.parametrize(
    ("text", "rate"),
    [
        ("30/min", Rate(30, 60)),
        ("30 / minute", Rate(30, 60)),
        ("100/hour", Rate(100, 3600)),
        ("100/hours", Rate(100, 3600)),
        ("5/10s", Rate(5, 10)),
        ("5/sec", Rate(5, 1)),
        ("1000/day", Rate(1000, 86400)),
        ("2/15min", Rate(2, 900)),
    ],
)
def test_it_parses_rates(text, rate):
    assert parse_rate(text) == rate


@pytest.mark.parametrize("text", [None, "", " ", "0", "0/min"])
def test_empty_or_zero_turns_the_limit_off(text):
    assert parse_rate(text) is None


@pytest.mark.parametrize("text", ["30", "thirty/min", "30/fortnight", "30/ms", "-1/min", "5/0s"])
def test_it_rejects_bad_rates_loudly(text):
    with pytest.raises(ImproperlyConfigured):
        parse_rate(text)


def test_the_address_is_remote_addr_by_default():
    assert client_address(request_from("192.0.2.10", forwarded="203.0.113.9")) == "192.0.2.10"


@pytest.mark.parametrize(
    ("hops", "forwarded", "expected"),
    [
        (1, "203.0.113.9", "203.0.113.9"),
        (1, "10.0.0.1, 203.0.113.9", "203.0.113.9"),
        (2, "203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (2, "spoofed, 203.0.113.9, 10.0.0.1", "203.0.113.9"),
        (3, "203.0.113.9", "203.0.113.9"),
        (1, "", "192.0.2.10"),
    ],
)
def test_it_trusts_forwarded_for_only_as_far_as_configured(settings, hops, forwarded, expected):
    settings.PIXELFORGE_TRUSTED_PROXY_COUNT = hops
    assert client_address(request_from("192.0.2.10", forwarded)) == expected


def test_ipv6_clients_are_grouped_by_their_64_network():
    one = client_address(request_from("2001:db8:1:2::10"))
    two = client_address(request_from("2001:db8:1:2:ffff::1"))
    assert one == two == "2001:db8:1:2::/64"
    assert client_address(request_from("::ffff:192.0.2.10")) == "192.0.2.10"


def test_a_fixed_window_allows_the_limit_then_says_when_to_retry():
    request = request_from()
    decisions = [check_rate(request, scope="t", limit=3, window=60, now=1000.0) for _ in range(4)]
    assert [d.allowed for d in decisions] == [True, True, True, False]
    assert [d.remaining for d in decisions] == [2, 1, 0, 0]
    assert decisions[-1].retry_after == 20  # the window 960-1020 ends in 20 s
    assert check_rate(request, scope="t", limit=3, window=60, now=1020.0).allowed


def test_scopes_and_addresses_are_counted_apart():
    first, second = request_from("192.0.2.1"), request_from("192.0.2.2")
    assert check_rate(first, scope="api", limit=1, window=60, now=0.0).allowed
    assert not check_rate(first, scope="api", limit=1, window=60, now=1.0).allowed
    assert check_rate(first, scope="upload", limit=1, window=60, now=1.0).allowed
    assert check_rate(second, scope="api", limit=1, window=60, now=1.0).allowed


def test_a_batch_after_a_quiet_window_is_refused_not_a_crash(settings):
    # The retired sliding window divided by zero here: 18 uploads, then a 5-file batch, with
    # nothing in the previous window. The setting that chose it is ignored now.
    settings.PIXELFORGE_RATELIMIT_ALGORITHM = "sliding"
    settings.MY_RATE = "20/day"
    request = request_from()
    for _ in range(18):
        assert check_setting_rate(request, scope="b", setting="MY_RATE").allowed
    batch = check_setting_rate(request, scope="b", setting="MY_RATE", cost=5)
    assert not batch.allowed
    assert batch.retry_after >= 1


FILE_CACHE = "django.core.cache.backends.filebased.FileBasedCache"


def at_once(count: int, work) -> list:
    """Run ``work`` in ``count`` threads released together; their results."""
    barrier = threading.Barrier(count)

    def run(_: int):
        barrier.wait()
        try:
            return work()
        finally:
            connections.close_all()

    with ThreadPoolExecutor(count) as pool:
        return list(pool.map(run, range(count)))


@pytest.mark.django_db(transaction=True)
def test_a_limit_holds_under_concurrent_requests_with_the_file_cache(settings, tmp_path):
    # Django's file cache reads, then writes: 28 of 40 passed a limit of 10. Counters go to the
    # database instead (one INSERT ... ON CONFLICT ... RETURNING each).
    settings.CACHES = {"default": {"BACKEND": FILE_CACHE, "LOCATION": str(tmp_path)}}
    request = request_from()
    decisions = at_once(40, lambda: check_rate(request, scope="c", limit=10, window=3600))
    assert sum(d.allowed for d in decisions) == 10
    assert sorted(d.remaining for d in decisions)[-10:] == list(range(10))
    assert Counter.objects.get().value == 40


@pytest.mark.django_db(transaction=True)
def test_a_lock_is_taken_once_and_again_after_it_expires(settings, tmp_path):
    settings.CACHES = {"default": {"BACKEND": FILE_CACHE, "LOCATION": str(tmp_path)}}
    assert sum(at_once(20, lambda: counters.acquire("tools:sweep", 60))) == 1
    assert counters.held("tools:sweep")
    Counter.objects.filter(name="tools:sweep").update(expires=0)  # its time is up
    assert not counters.held("tools:sweep")
    assert counters.acquire("tools:sweep", 60)
    counters.release("tools:sweep")
    assert counters.acquire("tools:sweep", 60)
    Counter.objects.update(expires=0)
    assert counters.purge() == 1


def test_it_reads_the_limit_from_a_setting(settings):
    settings.MY_RATE = "1/min"
    request = request_from()
    assert check_setting_rate(request, scope="m", setting="MY_RATE").allowed
    assert not check_setting_rate(request, scope="m", setting="MY_RATE").allowed
    settings.MY_RATE = ""
    assert check_setting_rate(request, scope="m", setting="MY_RATE").allowed


def test_it_uses_the_configured_cache(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "rl"},
    }
    settings.PIXELFORGE_RATELIMIT_CACHE = "limits"
    request = request_from()
    assert check_rate(request, scope="c", limit=1, window=60, now=5.0).allowed
    assert not check_rate(request, scope="c", limit=1, window=60, now=5.0).allowed
