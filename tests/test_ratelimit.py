"""tools.ratelimit: rate strings, client addresses, fixed and sliding windows."""

from __future__ import annotations

import pytest
from django.core.cache import cache
from django.core.exceptions import ImproperlyConfigured
from django.test import RequestFactory

from tools.ratelimit import Rate, check_rate, check_setting_rate, client_address, parse_rate


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


def test_a_sliding_window_weighs_the_previous_window():
    request = request_from()
    for t in (10.0, 20.0, 30.0, 40.0):
        assert check_rate(
            request, scope="s", limit=4, window=60, algorithm="sliding", now=t
        ).allowed
    assert not check_rate(
        request, scope="s", limit=4, window=60, algorithm="sliding", now=50.0
    ).allowed
    # At 66 s the previous window's 4 requests still weigh 4 * 0.9 = 3.6: one more is too many;
    # at 75 s they weigh 3 and one more fits.
    denied = check_rate(request, scope="s", limit=4, window=60, algorithm="sliding", now=66.0)
    assert not denied.allowed
    assert denied.retry_after == 9
    retry_at = 66.0 + denied.retry_after
    assert check_rate(
        request, scope="s", limit=4, window=60, algorithm="sliding", now=retry_at
    ).allowed
    assert not check_rate(
        request, scope="s", limit=4, window=60, algorithm="sliding", now=retry_at
    ).allowed


def test_a_full_sliding_window_waits_past_its_end():
    request = request_from()
    for _ in range(2):
        assert check_rate(
            request, scope="f", limit=2, window=10, algorithm="sliding", now=1.0
        ).allowed
    denied = check_rate(request, scope="f", limit=2, window=10, algorithm="sliding", now=2.0)
    assert not denied.allowed and denied.retry_after >= 8
    later = 2.0 + denied.retry_after
    assert check_rate(
        request, scope="f", limit=2, window=10, algorithm="sliding", now=later
    ).allowed


def test_an_unknown_algorithm_is_an_error():
    with pytest.raises(ValueError):
        check_rate(request_from(), scope="x", limit=1, window=1, algorithm="leaky")


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
