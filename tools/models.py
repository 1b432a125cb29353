"""A Job is one processed upload: its files live in storage under jobs/<code>/, nowhere else."""

from __future__ import annotations

import uuid
from datetime import timedelta

from django.conf import settings
from django.db import models
from django.utils import timezone


def job_dir(code: uuid.UUID | str) -> str:
    """The storage folder of a job; derived from its code only, never from a visitor's input."""
    return f"jobs/{uuid.UUID(str(code))}"


def default_expiry() -> timezone.datetime:
    return timezone.now() + timedelta(minutes=settings.PIXELFORGE_RESULT_RETENTION_MINUTES)


class BatchQuerySet(models.QuerySet):
    def expired(self, now: timezone.datetime | None = None) -> BatchQuerySet:
        return self.filter(expires_at__lte=now or timezone.now())

    def live(self, now: timezone.datetime | None = None) -> BatchQuerySet:
        return self.filter(expires_at__gt=now or timezone.now())


class Batch(models.Model):
    """Several files uploaded at once: each is its own Job (``jobs``), listed on one page.

    The row is made before any file is stored, so the sweep finds whatever a failed upload left.
    """

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    rejected = models.JSONField(default=list, blank=True)  # [{"name", "message"}], not queued
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField(default=default_expiry, db_index=True)

    objects = BatchQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]
        verbose_name_plural = "batches"

    def __str__(self) -> str:
        return f"batch {self.code}"


class JobQuerySet(models.QuerySet):
    def expired(self, now: timezone.datetime | None = None) -> JobQuerySet:
        return self.filter(expires_at__lte=now or timezone.now())

    def live(self, now: timezone.datetime | None = None) -> JobQuerySet:
        return self.filter(expires_at__gt=now or timezone.now())

    def done(self) -> JobQuerySet:
        return self.filter(status=Job.Status.DONE)

    def waiting(self) -> JobQuerySet:
        """Jobs a worker has not finished: queued or processing."""
        return self.filter(status__in=(Job.Status.QUEUED, Job.Status.PROCESSING))

    def queued(self) -> JobQuerySet:
        return self.filter(status=Job.Status.QUEUED)

    def processing(self) -> JobQuerySet:
        return self.filter(status=Job.Status.PROCESSING)

    def stale(self, before: timezone.datetime) -> JobQuerySet:
        """Processing jobs whose worker has not reported since ``before`` (it was killed)."""
        return self.processing().filter(heartbeat_at__lt=before)


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        PROCESSING = "processing", "Processing"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"
        EXPIRED = "expired", "Expired"  # shown for a row past expires_at until the sweep

    class Stage(models.TextChoices):
        DECODING = "decoding", "Reading your image"
        SEGMENTING = "segmenting", "Finding the subject"
        MATTING = "matting", "Refining the edges"
        FINISHING = "finishing", "Saving the result"

    class Kind(models.TextChoices):
        SITE = "site", "Web tool"
        API = "api", "HTTP API"

    # The file fields; their names in the job's folder are in tools.services.storage.FILES.
    FILES = ("original", "cutout", "alpha", "original_preview", "cutout_preview", "background")

    code = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    original_name = models.CharField(max_length=255, blank=True)  # display only
    batch = models.ForeignKey(
        Batch, null=True, blank=True, on_delete=models.CASCADE, related_name="jobs"
    )
    kind = models.CharField(max_length=4, choices=Kind.choices, default=Kind.SITE)
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, db_index=True
    )
    stage = models.CharField(max_length=10, choices=Stage.choices, blank=True)
    error = models.TextField(blank=True)  # a failed job's message, for the visitor
    stage_ms = models.JSONField(default=dict, blank=True)  # {"decoding": 12, ...}
    api_options = models.JSONField(default=dict, blank=True)  # an API call's parameters
    result_meta = models.JSONField(default=dict, blank=True)  # an API job's output facts
    upload_bytes = models.PositiveBigIntegerField(default=0)
    width = models.PositiveIntegerField(default=0)
    height = models.PositiveIntegerField(default=0)
    processing_ms = models.PositiveIntegerField(default=0)
    model = models.CharField(max_length=40, blank=True)
    subjects = models.JSONField(default=list, blank=True)  # [{"index", "box", "area"}]
    render_options = models.JSONField(default=dict, blank=True)  # the last chosen background
    options_version = models.PositiveIntegerField(default=0)  # busts preview caches
    # File names are set by tools.services.storage (jobs/<code>/<storage.FILES[field]>).
    original = models.FileField(blank=True)
    cutout = models.FileField(blank=True)
    alpha = models.FileField(blank=True)
    original_preview = models.FileField(blank=True)
    cutout_preview = models.FileField(blank=True)
    background = models.FileField(blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(default=default_expiry, db_index=True)

    objects = JobQuerySet.as_manager()

    class Meta:
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.code} ({self.status})"

    @property
    def is_expired(self) -> bool:
        return self.expires_at <= timezone.now()

    @property
    def state(self) -> str:
        """The status a visitor sees: a row past its expiry is "expired" until swept."""
        return Job.Status.EXPIRED if self.is_expired else self.status

    @property
    def megapixels(self) -> float:
        return self.width * self.height / 1e6


class Revision(models.Model):
    """One state of a job's cut-out: number 0 is the pipeline's result, later ones are
    refinements. The current revision's files are also the job's ``cutout``, ``alpha`` and
    ``cutout_preview`` (see tools/services/refine.py), so downloads and previews use it."""

    FILES = ("alpha", "cutout", "cutout_preview")

    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="revisions")
    number = models.PositiveIntegerField()
    parent = models.PositiveIntegerField(null=True, blank=True)  # the revision refined
    description = models.CharField(max_length=200)
    is_current = models.BooleanField(default=False)
    subjects = models.JSONField(default=list, blank=True)  # as Job.subjects
    box = models.JSONField(null=True, blank=True)  # [left, top, width, height] that changed
    processing_ms = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["number"]
        constraints = [
            models.UniqueConstraint(fields=["job", "number"], name="unique_revision_number")
        ]

    def __str__(self) -> str:
        return f"{self.job.code} revision {self.number}"


class Counter(models.Model):
    """A shared counter or lock (tools/services/counters.py) when the cache cannot count
    atomically: one row per name, changed by single SQL statements only."""

    name = models.CharField(max_length=200, primary_key=True)
    value = models.BigIntegerField(default=0)
    expires = models.FloatField(db_index=True)  # Unix time; an expired row counts as absent

    def __str__(self) -> str:
        return f"{self.name} = {self.value}"
