"""GET /metrics for Prometheus, and the summary above the admin's job list."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import User

from tests.tool_helpers import create_job
from tools.models import Counter, Job
from tools.services import metrics

pytestmark = pytest.mark.django_db


def test_it_exposes_queue_depth_stage_times_and_counters(client):
    create_job(client)
    Job.objects.create(width=10, height=10)  # one queued
    metrics.count("rejected_queue_full")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    text = response.content.decode()
    assert "pixelforge_queue_depth 1.0" in text
    assert 'pixelforge_jobs{state="done"} 1.0' in text
    assert 'pixelforge_job_stage_seconds{quantile="0.95",stage="matting"}' in text
    assert "pixelforge_rejected_queue_full_total 1.0" in text
    assert "pixelforge_submitted_total 1.0" in text


def test_it_is_closed_to_requests_through_the_proxy_without_the_token(client, settings):
    assert client.get("/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9").status_code == 403
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 403
    settings.PIXELFORGE_METRICS_TOKEN = "s3cret"
    ok = client.get(
        "/metrics", HTTP_X_FORWARDED_FOR="203.0.113.9", HTTP_AUTHORIZATION="Bearer s3cret"
    )
    assert ok.status_code == 200
    wrong = client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer nope")
    assert wrong.status_code == 403


def test_the_admin_job_list_summarises_the_queue(client):
    create_job(client)
    admin = User.objects.create_superuser("admin", "admin@example.com", "pw")
    client.force_login(admin)
    page = client.get("/admin/tools/job/").content.decode()
    assert "Queue and workers" in page
    assert "<td>matting</td><td>1</td>" in page


@pytest.mark.django_db(transaction=True)
def test_counters_lose_no_count_under_concurrent_threads(settings, tmp_path):
    # With Django's file cache (the default) add/incr read, then write: of 40 concurrent
    # counts most were lost. Counters are shared counters now (one SQL statement each there).
    from tests.test_ratelimit import FILE_CACHE, at_once

    settings.CACHES = {"default": {"BACKEND": FILE_CACHE, "LOCATION": str(tmp_path)}}
    at_once(40, lambda: metrics.count("renders"))
    at_once(20, lambda: metrics.count("failed", 3))
    counted = metrics.counters()
    assert counted["renders"] == 40
    assert counted["failed"] == 60
    assert counted["submitted"] == 0


def test_counters_count_in_an_atomic_cache_where_configured(settings):
    settings.CACHES = {
        "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
        "limits": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "m"},
    }
    settings.PIXELFORGE_RATELIMIT_CACHE = "limits"
    from tests.test_ratelimit import at_once

    at_once(30, lambda: metrics.count("submitted"))
    assert metrics.counters()["submitted"] == 30
    assert not Counter.objects.exists()
