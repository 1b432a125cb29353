"""python manage.py purge_expired: delete expired jobs and their files (run it from cron)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand

from tools.services.jobs import purge_expired


class Command(BaseCommand):
    help = "Delete every expired job and its files. Safe to run at any time, as often as you like."

    def handle(self, *args: Any, **options: Any) -> None:
        count = purge_expired()
        self.stdout.write(f"Purged {count} expired job{'s' if count != 1 else ''}.")
