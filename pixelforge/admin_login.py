"""The admin login, throttled per client address.

A cache-based limit on POSTs to the login form, reusing ``tools.ratelimit`` (its proxy-aware
client address, its shared cache and its COUNT/PERIOD settings), rather than django-axes: one
view wrapped in front of ``admin.site.login``, no new tables, middleware or authentication
backend. Every sign-in attempt counts, so once an address is over the limit even the right
password is refused until the period ends; showing the form is not counted.
"""

from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from tools.ratelimit import check_setting_rate

SCOPE = "admin-login"


def login(request: HttpRequest, extra_context: dict | None = None) -> HttpResponse:
    if request.method == "POST":
        decision = check_setting_rate(
            request, scope=SCOPE, setting="PIXELFORGE_ADMIN_LOGIN_RATE_LIMIT"
        )
        if not decision.allowed:
            message = (
                "Too many sign-in attempts from this address. "
                f"Please wait {decision.retry_after} seconds and try again."
            )
            response = render(
                request, "429.html", {"message": message, "about": "admin"}, status=429
            )
            response["Retry-After"] = str(decision.retry_after)
            return response
    return admin.site.login(request, extra_context)
