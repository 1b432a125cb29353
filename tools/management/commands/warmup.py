"""python manage.py warmup: compile and cache pymatting's numba code once, at set-up."""

from __future__ import annotations

import time
from typing import Any

from django.core.management.base import BaseCommand

from tools import pipeline
from tools.apps import configure_pipeline


class Command(BaseCommand):
    help = "Compile pymatting's numba functions into the on-disk cache (NUMBA_CACHE_DIR)."

    def handle(self, *args: Any, **options: Any) -> None:
        configure_pipeline()
        started = time.perf_counter()
        pipeline.warmup()
        self.stdout.write(
            self.style.SUCCESS(f"matting warm-up done in {time.perf_counter() - started:.1f} s")
        )
