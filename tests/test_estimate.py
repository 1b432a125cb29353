"""The waiting page's estimate: a fixed cost plus a cost per megapixel, fitted to the recent jobs.

Issue 18 saw "About 172 s left" for a job done in 21 s: the old estimate charged every
megapixel at the speed of small photos, whose cost is mostly the model's fixed-size input.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from tools.models import Job
from tools.services.estimates import DEFAULT_SPEED, measured_speed, progress

pytestmark = pytest.mark.django_db


def finished(width: int, height: int, ms: int) -> None:
    Job.objects.create(status=Job.Status.DONE, width=width, height=height, processing_ms=ms)


def test_before_any_job_it_uses_the_default_speed():
    assert measured_speed() == DEFAULT_SPEED
    job = Job.objects.create(width=1000, height=1000)
    assert progress(job).estimate_seconds == 2  # 1.5 s fixed + 0.25 s for one megapixel


def test_a_large_photo_after_small_ones_is_not_charged_per_megapixel():
    for _ in range(5):
        finished(600, 500, 20_000)  # 0.3 MP photos on a busy machine: 20 s each
    large = Job.objects.create(width=4000, height=2150)  # 8.6 MP
    estimate = progress(large).estimate_seconds
    assert 20 <= estimate <= 25  # the old estimate said 172 s


def test_mixed_sizes_give_the_fixed_part_and_the_slope():
    for width, height, ms in ((600, 500, 1030), (600, 500, 1030), (2000, 2000, 1400)):
        finished(width, height, ms)
    finished(4000, 3000, 2200)
    speed = measured_speed()
    assert speed.fixed_ms == pytest.approx(1000, abs=5)
    assert speed.ms_per_megapixel == pytest.approx(100, abs=1)
    small = Job.objects.create(width=640, height=480)
    assert progress(small).estimate_seconds == 2  # ceil(1.03 s): not "at least a megapixel"


def test_the_queue_ahead_and_the_running_job_are_counted():
    for width, height, ms in ((600, 500, 1030), (2000, 2000, 1400), (4000, 3000, 2200)):
        finished(width, height, ms)
    now = timezone.now()
    Job.objects.create(
        status=Job.Status.PROCESSING, width=4000, height=3000, started_at=now - timedelta(seconds=1)
    )  # 2.2 s in all, 1.2 s left
    Job.objects.create(width=2000, height=2000, created_at=now - timedelta(seconds=2))  # 1.4 s
    mine = Job.objects.create(width=2000, height=2000, created_at=now)  # 1.4 s
    status = progress(mine)
    assert status.position == 2
    assert status.estimate_seconds == 4  # ceil(just under 1.2 + 1.4 + 1.4), one busy worker
