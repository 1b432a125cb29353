"""python manage.py purge_expired: run the worker's sweep once, now (the worker runs it on its
own every PIXELFORGE_PURGE_INTERVAL_SECONDS; no cron is needed)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tools.services.sweep import sweep


class Command(BaseCommand):
    help = "Delete expired jobs, fail stalled ones, remove failed jobs' files and stray folders."

    def handle(self, *args: Any, **options: Any) -> None:
        report = sweep()
        count = report.expired
        self.stdout.write(
            f"Purged {count} expired job{'s' if count != 1 else ''}; "
            f"{report.stale} stalled, {report.orphans} stray folder(s)."
        )
