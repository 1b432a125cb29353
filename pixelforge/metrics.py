"""GET /metrics: the queue and its workers for Prometheus (text exposition format).

Figures are computed on each scrape, from the jobs table (queue depth, stage durations) and
the shared counters in the cache (failures, rejections), so every web and worker process is
counted without prometheus-client's multi-process files. Open to loopback clients that did not
come through the proxy, or to `Authorization: Bearer <PIXELFORGE_METRICS_TOKEN>`.
"""

from __future__ import annotations

import hmac
import ipaddress

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from tools.services import metrics


class JobsCollector:
    def collect(self):
        summary = metrics.summary()
        yield GaugeMetricFamily(
            "pixelforge_queue_depth", "Jobs waiting for a worker.", value=summary["queue_depth"]
        )
        states = GaugeMetricFamily("pixelforge_jobs", "Jobs held, by state.", labels=["state"])
        for state, count in summary["jobs_by_state"].items():
            states.add_metric([state], count)
        yield states
        stages = GaugeMetricFamily(
            "pixelforge_job_stage_seconds",
            "Seconds per job stage over the jobs finished in the last hour.",
            labels=["stage", "quantile"],
        )
        for stage, figures in summary["stages"].items():
            stages.add_metric([stage, "0.5"], figures["p50"])
            stages.add_metric([stage, "0.95"], figures["p95"])
        yield stages
        for name, value in summary["counters"].items():
            yield CounterMetricFamily(f"pixelforge_{name}", f"Count of {name} events.", value=value)


def allowed(request: HttpRequest) -> bool:
    token = settings.PIXELFORGE_METRICS_TOKEN
    given = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
    if token and given:
        return hmac.compare_digest(given.encode(), token.encode())
    if "X-Forwarded-For" in request.headers:  # came through the proxy: not a local scraper
        return False
    try:
        return ipaddress.ip_address(request.META.get("REMOTE_ADDR", "")).is_loopback
    except ValueError:
        return False


@never_cache
@require_GET
def metrics_view(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        return HttpResponse(
            "Forbidden: scrape from this host or send the metrics token.\n",
            status=403,
            content_type="text/plain",
        )
    registry = CollectorRegistry()
    registry.register(JobsCollector())
    return HttpResponse(generate_latest(registry), content_type=CONTENT_TYPE_LATEST)
