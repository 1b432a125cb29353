"""Counters shared by every process and figures from the jobs table.

Counters (rejections, failures) are shared counters (tools/services/counters.py: an atomic
cache's increment, else one SQL statement each), so the web and worker processes add to the
same numbers without Prometheus' multi-process files and no concurrent count is lost; queue
depth and stage durations are read from the database when /metrics is scraped or the admin
summary is shown.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from django.utils import timezone

from tools.services import counters as shared

log = logging.getLogger(__name__)

COUNTERS = (
    "submitted",
    "failed",
    "rejected_queue_full",
    "rejected_disk_full",
    "rejected_rate_limit",
    "renders",
)
PREFIX = "tools:metric:"
KEEP = 10 * 365 * 24 * 3600  # counters should outlive any scrape interval
STAGES = ("decoding", "segmenting", "matting", "finishing")


def count(name: str, amount: int = 1) -> None:
    try:
        shared.incr(PREFIX + name, amount, KEEP)
    except Exception:  # a metric must never break a request
        log.exception("Metric %s not counted", name)


def counters() -> dict[str, int]:
    values = shared.values([PREFIX + name for name in COUNTERS])
    return {name: values[PREFIX + name] for name in COUNTERS}


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


def summary(window: timedelta = timedelta(hours=1)) -> dict[str, object]:
    """Queue depth, jobs by state and p50/p95 per stage over the finished jobs in ``window``."""
    from tools.models import Job

    since = timezone.now() - window
    by_state = {state: 0 for state in Job.Status.values}
    for row in Job.objects.values_list("status", flat=True):
        by_state[row] = by_state.get(row, 0) + 1
    finished = Job.objects.done().filter(finished_at__gte=since)
    per_stage: dict[str, list[float]] = {stage: [] for stage in (*STAGES, "total")}
    for stage_ms, total in finished.values_list("stage_ms", "processing_ms")[:5000]:
        for stage in STAGES:
            if stage in (stage_ms or {}):
                per_stage[stage].append(stage_ms[stage] / 1000)
        per_stage["total"].append(total / 1000)
    return {
        "queue_depth": by_state.get(Job.Status.QUEUED, 0),
        "processing": by_state.get(Job.Status.PROCESSING, 0),
        "jobs_by_state": by_state,
        "stages": {
            stage: {
                "count": len(values),
                "p50": percentile(values, 0.5),
                "p95": percentile(values, 0.95),
            }
            for stage, values in per_stage.items()
        },
        "counters": counters(),
    }
